package server_test

import (
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// Tests from the attack audit (issue 19): one agent must not be able to
// take the floor down. They run on SQLite, and on PostgreSQL with
// AGENTDESK_TEST_BACKEND=postgres.

// TestTeamNamesAreShortIdentifiers: transfers to 250 KB team names once
// made the welcome snapshot 77 MB and locked every desk out (19.1).
func TestTeamNamesAreShortIdentifiers(t *testing.T) {
	h := newHarness(t, server.Config{})
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	huge := strings.Repeat("t", 250<<10)
	for _, bad := range []string{strings.Repeat("t", protocol.MaxTeamBytes+1), "two words", "line\nbreak", "<b>", "a\u202eb", "tab\t"} {
		wantError(t, agent.do(protocol.ReqTransfer, protocol.TransferReq{ConversationID: c.ID, ToTeam: bad}), protocol.CodeInvalid)
		wantError(t, agent.do(protocol.ReqNext, protocol.NextReq{Team: bad}), protocol.CodeInvalid)
		wantError(t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToTeam: bad}), protocol.CodeInvalid)
		wantError(t, lead.do(protocol.ReqDrain, protocol.DrainReq{AgentID: "alice", ToTeam: bad}), protocol.CodeInvalid)
	}
	// The audit's 250 KB name fits in a frame, and is refused like the rest.
	wantError(t, agent.do(protocol.ReqTransfer, protocol.TransferReq{ConversationID: c.ID, ToTeam: huge}), protocol.CodeInvalid)
	for _, good := range []string{"billing", "售后", "tier-2", "emea.vip"} {
		got := decode[protocol.ConversationAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToTeam: good}))
		_ = got
	}
	conv, err := h.st.Conversation(t.Context(), c.ID)
	if err != nil || conv.Team != "emea.vip" {
		t.Fatalf("team %q, %v", conv.Team, err)
	}
}

// TestNULIsRefusedOnTheDesk: a U+0000 in any text once gave PostgreSQL's
// "internal, try again" for ever, and the desk outbox retried it ahead of
// everything else (19.9). It is refused as invalid, naming the field.
func TestNULIsRefusedOnTheDesk(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	for _, tc := range []struct {
		typ   string
		data  any
		field string
	}{
		{protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "hi\x00"}, "text"},
		{protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "\x00"}, "text"},
		{protocol.ReqResolve, protocol.ResolveReq{ConversationID: c.ID, Disposition: "done\x00"}, "disposition"},
		{protocol.ReqClaim, protocol.ClaimReq{ConversationID: "c_\x00"}, "conversation_id"},
		{protocol.ReqTransfer, protocol.TransferReq{ConversationID: c.ID, ToAgent: "bob", Note: "n\x00"}, "note"},
	} {
		f := agent.do(tc.typ, tc.data)
		wantError(t, f, protocol.CodeInvalid)
		if !strings.Contains(f.Message, `"`+tc.field+`"`) {
			t.Errorf("%s: message %q does not name %s", tc.typ, f.Message, tc.field)
		}
	}
	m := decode[protocol.MessageAck](t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "still works"}))
	if m.Message.Seq != 2 {
		t.Fatalf("seq %d: a refused request left a trace", m.Message.Seq)
	}
}
