package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
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

// TestTranscriptsArePagedAndBounded: 2,000 notes of 32 KB then concurrent
// whole-transcript reads once took the server to 2.9 GB (19.2). A
// conversation now holds at most 8 MiB of text, get_conversation and GET
// /v1/api/conversations/{id} answer pages under the reply limit, and paging
// back yields every message once, in order.
func TestTranscriptsArePagedAndBounded(t *testing.T) {
	h := newHarness(t, apiConfig())
	tok := h.agent("alice", protocol.RoleAgent)
	bot := h.integration("webchat")
	c := h.escalated("hello", 5)
	note := strings.Repeat("长", protocol.MaxTextBytes/3) // 32 KB less a byte or two
	actor := store.Actor{ID: "alice", Role: protocol.RoleAgent}
	n := 1
	for ; n < protocol.MaxConversationMessages; n++ {
		err := h.st.Update(t.Context(), func(tx *store.Tx) error {
			_, _, err := tx.Note(actor, c.ID, note)
			return err
		})
		if protocol.CodeOf(err) == protocol.CodeConflict {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n*len(note) > protocol.MaxConversationBytes+len(note) || n < protocol.MaxConversationBytes/len(note)-1 {
		t.Fatalf("the conversation took %d messages of %d bytes before it was full", n, len(note))
	}
	// The desk connects after the flood: 8 MiB of note events to a desk
	// that is not reading would pass its send buffer (4008; it resumes).
	agent := h.dial(tok, 0)
	wantError(t, agent.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: note}), protocol.CodeConflict)

	var seqs []int
	before, pages := 0, 0
	for {
		f := agent.do(protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: c.ID, BeforeSeq: before})
		if f.Type != protocol.TypeAck || len(f.Data) > protocol.MaxReplyBytes {
			t.Fatalf("page %d: %s %s, %d bytes", pages, f.Type, f.Message, len(f.Data))
		}
		d := decode[protocol.ConversationDetail](t, f)
		if len(d.Messages) == 0 {
			t.Fatalf("page %d is empty", pages)
		}
		page := []int{}
		for _, m := range d.Messages {
			page = append(page, m.Seq)
		}
		seqs = append(page, seqs...)
		pages++
		if !d.More {
			break
		}
		before = d.Messages[0].Seq
	}
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("paged transcript: seq %d at %d (%d pages)", s, i, pages)
		}
	}
	if len(seqs) != n || pages < 2 {
		t.Fatalf("%d messages in %d pages, want %d", len(seqs), pages, n)
	}
	wantError(t, agent.do(protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: c.ID, Limit: protocol.MaxTranscriptPage + 1}), protocol.CodeInvalid)

	// The HTTP API pages the same way (internal notes are not in it; the
	// customer's first message is).
	status, raw := h.callRaw(bot, "GET", "/v1/api/conversations/"+c.ID, nil, nil)
	if status != 200 || len(raw) > protocol.MaxReplyBytes {
		t.Fatalf("GET: %d, %d bytes", status, len(raw))
	}
	type page struct {
		Messages   []protocol.Message `json:"messages"`
		More       bool               `json:"more"`
		NextBefore int                `json:"next_before"`
	}
	got := 0
	for {
		var ans page
		if err := json.Unmarshal(raw, &ans); err != nil {
			t.Fatal(err)
		}
		got += len(ans.Messages)
		if !ans.More {
			break
		}
		status, raw = h.callRaw(bot, "GET", "/v1/api/conversations/"+c.ID+"?before="+strconv.Itoa(ans.NextBefore), nil, nil)
		if status != 200 || len(raw) > protocol.MaxReplyBytes {
			t.Fatalf("GET before %d: %d, %d bytes", ans.NextBefore, status, len(raw))
		}
	}
	if got != 1 {
		t.Errorf("HTTP pages carried %d messages, want the customer's 1", got)
	}
	if st, _ := h.call(bot, "GET", "/v1/api/conversations/"+c.ID+"?limit=0", nil); st != 400 {
		t.Errorf("limit=0: %d", st)
	}
}

// TestLargeSnapshotIsPaged: the welcome's snapshot no longer grows with the
// floor: past protocol.MaxReplyBytes it goes on in "snapshot" frames, each
// near that size, and the client puts the whole snapshot together before
// the desk sees it (19.1).
func TestLargeSnapshotIsPaged(t *testing.T) {
	h := newHarness(t, server.Config{})
	tried := make([]string, 20)
	for i := range tried {
		tried[i] = strings.Repeat("机器人已经回答过这个问题了。", 2000/42)
	}
	const n = 80
	want := map[string]bool{}
	for i := range n {
		var c protocol.Conversation
		if err := h.st.Update(t.Context(), func(tx *store.Tx) error {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户 " + strconv.Itoa(i)})
			if err == nil {
				c, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			}
			if err == nil {
				_, c, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "hello")
			}
			if err == nil {
				c, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "bot_failure", Evidence: strings.Repeat("e", 2000), BotTried: tried}, i%10, 0)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want[c.ID] = true
	}
	token := h.agent("alice", protocol.RoleAgent)
	d := h.dial(token, 0)
	if !d.welcome.SnapshotMore || d.welcome.Snapshot == nil {
		t.Fatalf("a %d KB snapshot came in one welcome", n*42)
	}
	got := map[string]bool{}
	for _, c := range d.welcome.Snapshot.Conversations {
		got[c.ID] = true
	}
	pages := 1
	for more := true; more; pages++ {
		_, b, err := d.ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > protocol.MaxReplyBytes+64<<10 {
			t.Errorf("snapshot frame of %d bytes", len(b))
		}
		f, err := protocol.DecodeFrame(b)
		if err != nil || f.Type != protocol.TypeSnapshot {
			t.Fatalf("frame %d after the welcome is %q (%v)", pages, f.Type, err)
		}
		var p protocol.SnapshotPage
		if err := json.Unmarshal(f.Data, &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Conversations {
			if got[c.ID] {
				t.Fatalf("%s twice", c.ID)
			}
			got[c.ID] = true
		}
		more = p.More
	}
	if len(got) != n || pages < 3 {
		t.Fatalf("%d conversations in %d frames, want %d", len(got), pages, n)
	}
	// The client assembles it: one Welcomed with every conversation.
	cl, err := client.New(client.Options{URL: h.url(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go cl.Run(ctx)
	defer cl.Close()
	for u := range cl.Updates() {
		if w, ok := u.(client.Welcomed); ok {
			if w.Welcome.Snapshot == nil || len(w.Welcome.Snapshot.Conversations) != n || w.Welcome.SnapshotMore {
				t.Fatalf("client welcome: %+v", w.Welcome.Snapshot != nil)
			}
			break
		}
	}
}

// TestOthersTranscriptsFollowTheVisibilityRule: any agent once read any
// transcript, internal notes and the customer's phone and e-mail included,
// and nothing recorded it. An agent reading a chat that is neither queued
// nor theirs gets it without notes and identities, and the read is audited.
func TestOthersTranscriptsFollowTheVisibilityRule(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")
	owner := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	snoop := h.dial(h.agent("mallory", protocol.RoleAgent), 0)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	conv := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "m-1", "channel": "sms", "external_id": "+8613812345678", "text": "转人工",
	}, http.StatusCreated).Conversation
	if conv.Status != protocol.ConvQueued {
		t.Fatalf("not escalated: %s", conv.Status)
	}
	// Queued: any agent may read it whole (they may claim it).
	d := decode[protocol.ConversationDetail](t, snoop.do(protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: conv.ID}))
	if len(d.Customer.Identities) != 1 {
		t.Fatalf("queued chat: identities %v", d.Customer.Identities)
	}
	decode[protocol.ConversationAck](t, owner.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv.ID}))
	decode[protocol.MessageAck](t, owner.do(protocol.ReqNote, protocol.TextReq{ConversationID: conv.ID, Text: "VIP, wife is 王芳"}))
	before, _ := h.st.Audit(t.Context(), 0, 100000)
	d = decode[protocol.ConversationDetail](t, snoop.do(protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: conv.ID}))
	for _, m := range d.Messages {
		if m.Author == protocol.AuthorNote {
			t.Errorf("another agent read the note %q", m.Text)
		}
	}
	if len(d.Customer.Identities) != 0 {
		t.Errorf("another agent read the identities %v", d.Customer.Identities)
	}
	after, _ := h.st.Audit(t.Context(), 0, 100000)
	if len(after) != len(before)+1 || after[len(after)-1].Action != "read" || after[len(after)-1].Actor != "mallory" {
		t.Fatalf("read not audited: %+v", after[len(before):])
	}
	// The owner and a lead see everything.
	for _, dk := range []*desk{owner, lead} {
		d = decode[protocol.ConversationDetail](t, dk.do(protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: conv.ID}))
		if len(d.Customer.Identities) != 1 || d.Messages[len(d.Messages)-1].Author != protocol.AuthorNote {
			t.Errorf("%v: %+v", dk.welcome.Agent.ID, d.Messages)
		}
	}
}

// TestRequestIDsAreBoundToTheirRequest: a reused request id with another
// body was once acked with the first answer and silently dropped; the
// HTTP duplicate check ignored the customer and returned another
// customer's message.
func TestRequestIDsAreBoundToTheirRequest(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	first := decode[protocol.MessageAck](t, agent.doID("r-same", protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "first"}))
	again := decode[protocol.MessageAck](t, agent.doID("r-same", protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "first"}))
	if again.Message.ID != first.Message.ID {
		t.Fatalf("a retry is not the same answer: %s vs %s", again.Message.ID, first.Message.ID)
	}
	wantError(t, agent.doID("r-same", protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "second"}), protocol.CodeConflict)

	post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{"message_id": "w-1", "channel": "web", "external_id": "visitor-a", "text": "my order"}, http.StatusCreated)
	if st, body := h.call(bot, "POST", "/v1/api/messages", map[string]any{"message_id": "w-1", "channel": "web", "external_id": "visitor-b", "text": "my order"}); st != http.StatusConflict {
		t.Fatalf("another customer's duplicate: %d %v", st, body)
	}
	post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{"message_id": "w-1", "channel": "web", "external_id": "visitor-a", "text": "my order"}, http.StatusOK)
}
