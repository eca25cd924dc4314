package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

func TestWelcomeSnapshotAndClaimFlow(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.agent("alice", protocol.RoleAgent)
	c := h.escalated("我要转人工", 50)

	d := h.dial(alice, 0)
	if d.welcome.Resume != protocol.ResumeSnapshot || d.welcome.Snapshot == nil {
		t.Fatalf("fresh desk should get a snapshot: %+v", d.welcome)
	}
	if d.welcome.Agent.ID != "alice" || d.welcome.Protocol != protocol.Version {
		t.Fatalf("welcome: %+v", d.welcome)
	}
	if len(d.welcome.Snapshot.Conversations) != 1 || d.welcome.Snapshot.Conversations[0].ID != c.ID {
		t.Fatalf("snapshot conversations: %+v", d.welcome.Snapshot.Conversations)
	}

	ack := decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	if ack.Conversation.Assignee != "alice" || ack.Conversation.Status != protocol.ConvAssigned {
		t.Fatalf("claim ack: %+v", ack.Conversation)
	}
	ev := d.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvConversation })
	var ce protocol.ConversationEvent
	json.Unmarshal(ev.Data, &ce)
	if ce.Cause != protocol.CauseClaimed || ce.By != "alice" || ev.Seq <= d.welcome.Seq {
		t.Fatalf("claim event: seq %d after welcome %d: %+v", ev.Seq, d.welcome.Seq, ce)
	}

	msg := decode[protocol.MessageAck](t, d.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "您好，我来帮您处理。"}))
	if msg.Message.Author != protocol.AuthorAgent || msg.Message.Seq != 2 || msg.Conversation.FirstReplyAt == 0 {
		t.Fatalf("send ack: %+v", msg)
	}
	decode[protocol.MessageAck](t, d.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "VIP"}))
	res := decode[protocol.ConversationAck](t, d.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c.ID, Disposition: "answered"}))
	if res.Conversation.Status != protocol.ConvResolved || res.Conversation.Disposition != "answered" {
		t.Fatalf("resolve: %+v", res.Conversation)
	}
	detail := decode[protocol.ConversationDetail](t, d.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: c.ID}))
	if len(detail.Messages) != 3 || detail.Messages[2].Author != protocol.AuthorNote {
		t.Fatalf("transcript: %+v", detail.Messages)
	}
	entries, err := h.st.Audit(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Actor == "alice" {
			actions = append(actions, e.Action)
		}
	}
	if strings.Join(actions, ",") != "claim,send,resolve" {
		t.Fatalf("audit trail for alice: %v", actions)
	}
}

func TestEveryOperation(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.agent("bob", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	c1 := h.escalated("refund please", 10)
	c2 := h.escalated("where is my parcel", 90)

	// next takes the highest priority first.
	next := decode[protocol.ConversationAck](t, alice.do(protocol.ReqNext, protocol.NextReq{}))
	if next.Conversation.ID != c2.ID {
		t.Fatalf("next took %s, want the priority-90 %s", next.Conversation.ID, c2.ID)
	}
	rel := decode[protocol.ConversationAck](t, alice.do(protocol.ReqRelease, protocol.ConversationReq{ConversationID: c2.ID}))
	if rel.Conversation.Status != protocol.ConvQueued || rel.Conversation.Assignee != "" {
		t.Fatalf("release: %+v", rel.Conversation)
	}
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c1.ID}))
	tr := decode[protocol.ConversationAck](t, alice.do(protocol.ReqTransfer, protocol.TransferReq{ConversationID: c1.ID, ToAgent: "bob", Note: "billing question"}))
	if tr.Conversation.Assignee != "bob" {
		t.Fatalf("transfer: %+v", tr.Conversation)
	}
	// Alice no longer owns it.
	wantError(t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: c1.ID, Text: "hi"}), protocol.CodeForbidden)

	// Lead reassigns back to alice, then to a team queue.
	ra := decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c1.ID, "c_missing"}, ToAgent: "alice"}))
	if !ra.Results[0].OK || ra.Results[0].Conversation.Assignee != "alice" || ra.Results[1].OK || ra.Results[1].Error.Code != protocol.CodeNotFound {
		t.Fatalf("reassign results: %+v", ra.Results)
	}
	sn := decode[protocol.ConversationAck](t, alice.do(protocol.ReqSnooze, protocol.SnoozeReq{ConversationID: c1.ID, Minutes: 30}))
	if sn.Conversation.Status != protocol.ConvSnoozed || sn.Conversation.SnoozedUntil == 0 {
		t.Fatalf("snooze: %+v", sn.Conversation)
	}
	// The customer writing wakes it.
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(c1.ID, protocol.AuthorCustomer, "", "hello?")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	woke := alice.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		json.Unmarshal(f.Data, &ce)
		return f.Kind == protocol.EvConversation && ce.Cause == protocol.CauseWoken
	})
	_ = woke
	st := decode[protocol.AgentAck](t, alice.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusAway}))
	if st.Agent.Status != protocol.StatusAway {
		t.Fatalf("status: %+v", st.Agent)
	}
	capAck := decode[protocol.AgentAck](t, lead.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "alice", Capacity: 1}))
	if capAck.Agent.Capacity != 1 || capAck.Agent.Load != 1 {
		t.Fatalf("capacity: %+v", capAck.Agent)
	}
	// At capacity, next refuses.
	wantError(t, alice.do(protocol.ReqNext, protocol.NextReq{}), protocol.CodeConflict)
	lead.do(protocol.ReqSetStatus, protocol.SetStatusReq{AgentID: "alice", Status: protocol.StatusOnline})
	team := decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c1.ID}, ToTeam: "billing"}))
	if c := team.Results[0].Conversation; c == nil || c.Status != protocol.ConvQueued || c.Team != "billing" {
		t.Fatalf("reassign to team: %+v", team.Results[0])
	}
	// Queue empty for a team with nothing.
	wantError(t, lead.do(protocol.ReqNext, protocol.NextReq{Team: "nobody"}), protocol.CodeNotFound)
}

func TestRoleChecks(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	h.agent("bob", protocol.RoleAgent)
	c := h.escalated("help", 10)
	other := h.escalated("help too", 10)
	d := h.draft(c.ID, "Sorry about that.")

	wantError(t, agent.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToAgent: "alice"}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "alice", Capacity: 9}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqSetStatus, protocol.SetStatusReq{AgentID: "bob", Status: protocol.StatusAway}), protocol.CodeForbidden)
	// Sending or resolving before claiming.
	wantError(t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "hi"}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c.ID, Disposition: "x"}), protocol.CodeForbidden)

	decode[protocol.AgentAck](t, trainer.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusOnline}))
	wantError(t, trainer.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}), protocol.CodeForbidden)
	wantError(t, trainer.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "hi"}), protocol.CodeForbidden)
	wantError(t, trainer.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionAccept, IdempotencyKey: "k"}), protocol.CodeForbidden)
	decode[protocol.ConversationDetail](t, trainer.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: c.ID}))

	// Bob's conversation is not alice's to touch.
	bob := h.dial(h.tokenFor("bob"), 0)
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: other.ID}))
	wantError(t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: other.ID, Text: "hi"}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqTransfer, protocol.TransferReq{ConversationID: other.ID, ToAgent: "alice"}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: other.ID}), protocol.CodeConflict)

	// Nothing was written by the refused requests.
	detail, err := h.st.ConversationDetail(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Messages) != 1 || detail.Conversation.Assignee != "" {
		t.Fatalf("refused requests changed the conversation: %+v", detail)
	}
}

func (h *harness) tokenFor(agentID string) string {
	h.t.Helper()
	var secret string
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		secret, _, err = tx.CreateToken("test", agentID, "")
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return secret
}

func TestBadInputKeepsConnection(t *testing.T) {
	h := newHarness(t, server.Config{})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hi", 1)
	cases := []struct {
		name  string
		frame string
		code  protocol.Code
		re    string
	}{
		{"malformed json", `{"id":"x1","type":`, protocol.CodeInvalid, ""},
		{"not an object", `[1,2,3]`, protocol.CodeInvalid, ""},
		{"no type", `{"id":"x2"}`, protocol.CodeInvalid, "x2"},
		{"no id", `{"type":"claim","data":{}}`, protocol.CodeInvalid, ""},
		{"unknown kind", `{"id":"x3","type":"launch_rockets","data":{}}`, protocol.CodeInvalid, "x3"},
		{"wrong field type", `{"id":"x4","type":"snooze","data":{"conversation_id":"` + c.ID + `","minutes":"ten"}}`, protocol.CodeInvalid, "x4"},
		{"unknown field", `{"id":"x5","type":"claim","data":{"conversation_id":"` + c.ID + `","force":true}}`, protocol.CodeInvalid, "x5"},
		{"data not object", `{"id":"x6","type":"claim","data":"c1"}`, protocol.CodeInvalid, "x6"},
		{"missing field", `{"id":"x7","type":"send","data":{"conversation_id":"` + c.ID + `"}}`, protocol.CodeInvalid, "x7"},
		{"oversized text", `{"id":"x8","type":"note","data":{"conversation_id":"` + c.ID + `","text":"` + strings.Repeat("a", protocol.MaxTextBytes+1) + `"}}`, protocol.CodeInvalid, "x8"},
		{"bad reject reason", `{"id":"x9","type":"outcome","data":{"draft_id":"d","action":"reject","reason":"meh","idempotency_key":"k"}}`, protocol.CodeInvalid, "x9"},
		{"unknown conversation", `{"id":"x10","type":"claim","data":{"conversation_id":"c_nope"}}`, protocol.CodeNotFound, "x10"},
		{"too many ids", `{"id":"x11","type":"reassign","data":{"conversation_ids":[` + strings.Repeat(`"a",`, protocol.MaxBulk) + `"a"],"to_agent":"alice"}}`, protocol.CodeForbidden, "x11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.sendRaw([]byte(tc.frame))
			f := d.read()
			for f.Type == protocol.TypeEvent {
				f = d.read()
			}
			wantError(t, f, tc.code)
			if f.Re != tc.re {
				t.Fatalf("error re = %q, want %q", f.Re, tc.re)
			}
		})
	}
	// Binary frames are refused with an error, not a close.
	if err := d.ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	wantError(t, d.read(), protocol.CodeInvalid)
	// The connection still works.
	decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))

	// An oversized frame closes with 1009, and the server keeps serving others.
	d.sendRaw([]byte(`{"id":"big","type":"note","data":{"text":"` + strings.Repeat("x", protocol.MaxFrameBytes) + `"}}`))
	var closeErr *websocket.CloseError
	for {
		_, err := d.readErr(5 * time.Second)
		if err != nil {
			if !errors.As(err, &closeErr) || closeErr.Code != protocol.CloseMessageTooBig {
				t.Fatalf("oversized frame: want close 1009, got %v", err)
			}
			break
		}
	}
	d2 := h.dial(h.tokenFor("alice"), 0)
	decode[protocol.MessageAck](t, d2.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "still alive"}))
}

func TestHandshakeRefusals(t *testing.T) {
	h := newHarness(t, server.Config{PingInterval: 100 * time.Millisecond})
	good := h.agent("alice", protocol.RoleAgent)

	expect := func(name string, token string, header http.Header, status int, code protocol.Code) {
		t.Helper()
		_, resp, err := h.tryDial(token, 0, header)
		if err == nil {
			t.Fatalf("%s: dial succeeded", name)
		}
		if resp == nil || resp.StatusCode != status {
			t.Fatalf("%s: want HTTP %d, got %v", name, status, resp)
		}
		var body protocol.Error
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Code != code || body.Message == "" {
			t.Fatalf("%s: body %+v (%v), want code %s", name, body, err, code)
		}
	}
	expect("no token", "", nil, http.StatusUnauthorized, protocol.CodeUnauthorized)
	expect("garbage token", "adk_nothere", nil, http.StatusUnauthorized, protocol.CodeUnauthorized)
	expect("not our token", "Basic abc", nil, http.StatusUnauthorized, protocol.CodeUnauthorized)
	expect("foreign origin", good, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden, protocol.CodeForbidden)

	// Same-host origin is fine; so is none.
	if _, _, err := h.tryDial(good, 0, http.Header{"Origin": {"http://" + h.addr}}); err != nil {
		t.Fatalf("same-origin dial: %v", err)
	}

	// A revoked token is refused, and a desk connected with it is closed with 4001.
	d := h.dial(good, 0)
	toks, _ := h.st.Tokens(context.Background(), "alice")
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error { return tx.RevokeToken("test", toks[0].ID) }); err != nil {
		t.Fatal(err)
	}
	expect("revoked token", good, nil, http.StatusUnauthorized, protocol.CodeUnauthorized)
	for {
		_, err := d.readErr(5 * time.Second)
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != protocol.CloseUnauthorized {
				t.Fatalf("revoked while connected: want close 4001, got %v", err)
			}
			break
		}
	}

	// Without the subprotocol.
	req, _ := http.NewRequest("GET", "http://"+h.addr+"/v1/desk", nil)
	req.Header.Set("Authorization", "Bearer "+h.tokenFor("alice"))
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no subprotocol: HTTP %d", resp.StatusCode)
	}
}

func TestClaimRace(t *testing.T) {
	const clients, chats = 50, 200
	h := newHarness(t, server.Config{})
	desks := make([]*desk, clients)
	for i := range desks {
		desks[i] = h.dial(h.agent(fmt.Sprintf("agent%02d", i), protocol.RoleAgent), 0)
	}
	ids := make([]string, chats)
	for i := range ids {
		ids[i] = h.escalated(fmt.Sprintf("chat %d", i), i%7).ID
	}
	claimRaceOneOwner(t, h.st, desks, ids)
}

func TestReassignRacesClaimByVersion(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.agent("bob", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	for range 20 {
		c := h.escalated("race", 5)
		// Both act on the version they saw.
		var wg sync.WaitGroup
		var claim, reassign protocol.Frame
		wg.Add(2)
		go func() {
			defer wg.Done()
			claim = alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID, Version: c.Version})
		}()
		go func() {
			defer wg.Done()
			reassign = lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToAgent: "bob", Versions: map[string]int64{c.ID: c.Version}})
		}()
		wg.Wait()
		claimed := claim.Type == protocol.TypeAck
		ra := decode[protocol.ReassignAck](t, reassign)
		moved := ra.Results[0].OK
		if claimed == moved {
			t.Fatalf("claim ok=%v and reassign ok=%v: exactly one must win", claimed, moved)
		}
		if !claimed {
			wantError(t, claim, protocol.CodeConflict)
		} else if ra.Results[0].Error.Code != protocol.CodeConflict {
			t.Fatalf("reassign lost with %+v, want conflict", ra.Results[0].Error)
		}
		got, _ := h.st.Conversation(context.Background(), c.ID)
		want := "bob"
		if claimed {
			want = "alice"
		}
		if got.Assignee != want {
			t.Fatalf("owner %q, want %q", got.Assignee, want)
		}
	}
}

func TestIdempotentRequestsAndOutcomes(t *testing.T) {
	h := newHarness(t, server.Config{})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("my order is late", 5)
	decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))

	// The same send, retried with the same id, is answered again and stored once.
	first := decode[protocol.MessageAck](t, d.doID("send-1", protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "On its way"}))
	again := decode[protocol.MessageAck](t, d.doID("send-1", protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "On its way"}))
	if first.Message.ID != again.Message.ID {
		t.Fatalf("retry made a second message: %s vs %s", first.Message.ID, again.Message.ID)
	}

	dr := h.draft(c.ID, "Sorry for the delay, your parcel ships today.")
	o := decode[protocol.OutcomeAck](t, d.do(protocol.ReqOutcome, protocol.OutcomeReq{
		DraftID: dr.ID, Action: protocol.ActionEdit, FinalText: "Sorry! It ships today.", IdempotencyKey: "k-1"}))
	if o.Duplicate || o.Message == nil || o.Message.DraftID != dr.ID || o.Outcome.DraftText != dr.Text || o.Outcome.Model != "offline-1" {
		t.Fatalf("outcome: %+v", o)
	}
	// Same key under a new request id (e.g. after a crash lost the request id): duplicate.
	dup := decode[protocol.OutcomeAck](t, d.do(protocol.ReqOutcome, protocol.OutcomeReq{
		DraftID: dr.ID, Action: protocol.ActionEdit, FinalText: "Sorry! It ships today.", IdempotencyKey: "k-1"}))
	if !dup.Duplicate || dup.Outcome.ID != o.Outcome.ID || dup.Message.ID != o.Message.ID {
		t.Fatalf("duplicate outcome: %+v", dup)
	}
	// A second, different outcome for the same draft is a conflict.
	wantError(t, d.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionReject, Reason: "wrong_tone", IdempotencyKey: "k-2"}), protocol.CodeConflict)

	outs, _ := h.st.Outcomes(context.Background(), 10)
	detail, _ := h.st.ConversationDetail(context.Background(), c.ID)
	if len(outs) != 1 || len(detail.Messages) != 3 {
		t.Fatalf("want 1 outcome and 3 messages, got %d and %d", len(outs), len(detail.Messages))
	}
	if detail.Drafts[0].Status != "edited" {
		t.Fatalf("draft status %s", detail.Drafts[0].Status)
	}

	// Reject on a queued conversation's draft after release: forbidden, nothing written.
	d2 := h.draft(c.ID, "Another idea")
	decode[protocol.ConversationAck](t, d.do(protocol.ReqRelease, protocol.ConversationReq{ConversationID: c.ID}))
	wantError(t, d.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d2.ID, Action: protocol.ActionAccept, IdempotencyKey: "k-3"}), protocol.CodeForbidden)
	outs, _ = h.st.Outcomes(context.Background(), 10)
	if len(outs) != 1 {
		t.Fatalf("refused outcome was stored: %d outcomes", len(outs))
	}
}

func TestResumeAfterDrop(t *testing.T) {
	h := newHarness(t, server.Config{})
	token := h.agent("lena", protocol.RoleLead)
	d := h.dial(token, 0)
	c := h.escalated("first", 1)
	last := d.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		json.Unmarshal(f.Data, &ce)
		return f.Kind == protocol.EvConversation && ce.Cause == protocol.CauseEscalated
	}).Seq
	d.ws.Close()

	// Things happen while the desk is away.
	var missed []string
	for i := range 30 {
		msg := fmt.Sprintf("while away %d", i)
		missed = append(missed, msg)
		if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
			_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", msg)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	d2 := h.dial(token, last)
	if d2.welcome.Resume != protocol.ResumeReplay || d2.welcome.Seq != last || d2.welcome.Snapshot != nil {
		t.Fatalf("resume welcome: %+v", d2.welcome)
	}
	// Live events after the replay continue the same sequence.
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "live")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := readMessagesAfter(t, d2, last, len(missed)+1)
	want := append(missed, "live")
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("resumed messages:\n got %v\nwant %v", got, want)
	}
}

func TestResumeTooFarBehindGetsSnapshot(t *testing.T) {
	h := newHarness(t, server.Config{MaxReplay: 5})
	token := h.agent("lena", protocol.RoleLead)
	for range 4 {
		h.escalated("x", 1) // 4 events each
	}
	d := h.dial(token, 1)
	if d.welcome.Resume != protocol.ResumeSnapshot || d.welcome.Snapshot == nil || len(d.welcome.Snapshot.Conversations) != 4 {
		t.Fatalf("want a snapshot, got %+v", d.welcome)
	}
	head, _ := h.st.HeadSeq(context.Background())
	if d.welcome.Seq != head {
		t.Fatalf("snapshot seq %d, head %d", d.welcome.Seq, head)
	}
	// A since beyond the log (a reset server) also gets a snapshot.
	d2 := h.dial(token, head+1000)
	if d2.welcome.Resume != protocol.ResumeSnapshot {
		t.Fatalf("since beyond head: %+v", d2.welcome.Resume)
	}
}

func TestVisibilityOfMessagesByAssignment(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	c := h.escalated("secret order 42", 1)
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	decode[protocol.MessageAck](t, bob.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "for the customer"}))
	// A marker alice will certainly see after bob's message would have arrived.
	alice.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusAway})
	for _, f := range alice.events {
		if f.Kind == protocol.EvMessage {
			var me protocol.MessageEvent
			json.Unmarshal(f.Data, &me)
			if me.Message.Text == "for the customer" {
				t.Fatal("alice received a message of bob's conversation")
			}
		}
	}
}

func TestSlowConsumerIsClosedAndResumes(t *testing.T) {
	h := newHarness(t, server.Config{SendBuffer: 8})
	token := h.agent("lena", protocol.RoleLead)
	d := h.dial(token, 0)
	start := d.welcome.Seq
	// The desk does not read while a burst larger than any socket buffer is published.
	c := h.escalated("burst", 1)
	big := strings.Repeat("長い", 5000)
	for i := range 400 {
		if i == 200 { // a conversation holds at most 8 MiB of text
			c = h.escalated("burst", 1)
		}
		if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
			_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", big)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var closed bool
	last := start
	for !closed {
		f, err := d.readErr(5 * time.Second)
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != protocol.CloseSlowConsumer {
				t.Fatalf("want close 4008, got %v", err)
			}
			closed = true
			break
		}
		last = f.Seq
	}
	head, _ := h.st.HeadSeq(context.Background())
	d2 := h.dial(token, last)
	prev := last
	for prev < head {
		f := d2.read()
		if f.Seq != prev+1 { // a lead sees every event: no gaps at all
			t.Fatalf("after resume got seq %d, want %d", f.Seq, prev+1)
		}
		prev = f.Seq
	}
}

func TestGracefulShutdownSaysGoingAway(t *testing.T) {
	h := newHarness(t, server.Config{})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	go h.stop()
	for {
		_, err := d.readErr(10 * time.Second)
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != protocol.CloseGoingAway {
				t.Fatalf("want close 1001, got %v", err)
			}
			return
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, server.Config{})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + h.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: HTTP %d", path, resp.StatusCode)
		}
	}
}

// When the database cannot be reached /readyz fails with a plain 503: the
// cause (host, user, database name) is logged, never told to an
// unauthenticated prober.
func TestReadinessHidesTheDatabaseError(t *testing.T) {
	h := newHarness(t, server.Config{})
	if err := h.st.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + h.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"database unreachable"`) ||
		strings.Contains(string(body), "sql") {
		t.Fatalf("readyz with the database closed: HTTP %d %s", resp.StatusCode, body)
	}
}

// TestRequestFloodIsRateLimited: a desk sending far more than its rate
// gets rate_limited error frames that say when to retry; the connection
// stays up and requests are accepted again after the wait.
func TestRequestFloodIsRateLimited(t *testing.T) {
	h := newHarness(t, server.Config{RateLimit: 5, RateBurst: 10})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hi", 1)
	const flood = 60
	for i := range flood {
		d.sendRaw([]byte(fmt.Sprintf(`{"id":"f%d","type":"get_conversation","data":{"conversation_id":%q}}`, i, c.ID)))
	}
	acks, limited := 0, 0
	var retry int64
	for acks+limited < flood {
		f := d.read()
		switch {
		case f.Type == protocol.TypeAck:
			acks++
		case f.Type == protocol.TypeError && f.Code == protocol.CodeRateLimited:
			limited++
			retry = max(retry, f.RetryAfterMS)
			if !strings.Contains(f.Message, "retry in") {
				t.Fatalf("rate_limited message does not say when to retry: %q", f.Message)
			}
		case f.Type == protocol.TypeError:
			t.Fatalf("unexpected error frame: %+v", f)
		}
	}
	// The burst (10) plus what refilled while the flood was read.
	if acks < 10 || acks > 20 || limited < flood-20 {
		t.Fatalf("%d accepted, %d rate limited; want about the burst of 10 accepted", acks, limited)
	}
	if retry <= 0 || retry > 1000 {
		t.Fatalf("retry_after_ms %d, want (0, 1000] at 5 requests a second", retry)
	}
	time.Sleep(time.Duration(retry+50) * time.Millisecond)
	if f := d.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: c.ID}); f.Type != protocol.TypeAck {
		t.Fatalf("after waiting retry_after_ms: %+v", f)
	}
}
