package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// messageOf is the message event in f, and f's raw data.
func messageOf(t *testing.T, f protocol.Frame) protocol.MessageEvent {
	t.Helper()
	var me protocol.MessageEvent
	if err := json.Unmarshal(f.Data, &me); err != nil {
		t.Fatal(err)
	}
	return me
}

// waitMessage reads d's events until a message.created of convID at seq.
func waitMessage(t *testing.T, d *desk, convID string, seq int) protocol.Frame {
	t.Helper()
	return d.waitEvent(func(f protocol.Frame) bool {
		if f.Kind != protocol.EvMessage {
			return false
		}
		me := messageOf(t, f)
		return me.Message.ConversationID == convID && me.Message.Seq == seq
	})
}

// wantWithheld checks that f is ann's withheld copy of the message ack
// told its author: same id, seq and author, the conversation part whole,
// and none of text, author name or attachments on the wire.
func wantWithheld(t *testing.T, f protocol.Frame, want protocol.Message, text string) protocol.MessageEvent {
	t.Helper()
	me := messageOf(t, f)
	m := me.Message
	if !m.Withheld || m.Text != "" || m.AuthorName != "" || len(m.Attachments) > 0 {
		t.Fatalf("teammate's message reached this desk as %+v, want it withheld", m)
	}
	if m.ID != want.ID || m.Seq != want.Seq || m.Author != want.Author || m.AuthorID != want.AuthorID || m.CreatedAt != want.CreatedAt {
		t.Fatalf("withheld message %+v, want the metadata of %+v", m, want)
	}
	if bytes.Contains(f.Data, []byte(text)) || bytes.Contains(f.Data, []byte(`author_name`)) {
		t.Fatalf("withheld frame carries text: %s", f.Data)
	}
	return me
}

// An agent's desk learns what a teammate's reply and their customer's
// message change on the conversation (waiting_since, first_reply_at,
// last_seq), so its queue shows the right wait and SLA, without reading
// the messages; the conversation's owner reads them whole.
func TestTeammatesMessagesReachEveryDeskWithheld(t *testing.T) {
	h := newHarness(t, server.Config{})
	ann := h.dial(h.agent("ann", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	c := h.escalated("我的退款还没到账", 50)
	if c.WaitingSince == 0 {
		t.Fatalf("escalated conversation not waiting: %+v", c)
	}
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))

	const reply = "您好，退款已于今日原路退回 secret-reply-81"
	sent := decode[protocol.MessageAck](t, bob.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: reply}))
	me := wantWithheld(t, waitMessage(t, ann, c.ID, sent.Message.Seq), sent.Message, "secret-reply-81")
	stored, err := h.st.Conversation(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if me.Conversation.WaitingSince != 0 || me.Conversation.FirstReplyAt == 0 || me.Conversation != protocol.ChangeOf(stored) {
		t.Fatalf("ann's conversation part %+v, the store has %+v", me.Conversation, protocol.ChangeOf(stored))
	}
	if own := messageOf(t, waitMessage(t, bob, c.ID, sent.Message.Seq)); own.Message.Text != reply || own.Message.Withheld {
		t.Fatalf("the owner got %+v", own.Message)
	}

	// The customer writes again: ann's desk sees them waiting.
	var cm protocol.Message
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		cm, _, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "还是没有 secret-customer-82")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	me = wantWithheld(t, waitMessage(t, ann, c.ID, cm.Seq), cm, "secret-customer-82")
	if me.Conversation.WaitingSince != cm.CreatedAt || me.Conversation.LastCustomer != cm.Seq || me.Conversation.LastSeq != cm.Seq {
		t.Fatalf("after the customer wrote, ann has %+v", me.Conversation)
	}

	// A note: withheld too, and it comes back withheld on a replay.
	note := decode[protocol.MessageAck](t, bob.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "VIP secret-note-83"}))
	wantWithheld(t, waitMessage(t, ann, c.ID, note.Message.Seq), note.Message, "secret-note-83")
	again := h.dial(h.agent("ann2", protocol.RoleAgent), ann.welcome.Seq)
	if again.welcome.Resume != protocol.ResumeReplay {
		t.Fatalf("resume %q, want a replay", again.welcome.Resume)
	}
	wantWithheld(t, waitMessage(t, again, c.ID, sent.Message.Seq), sent.Message, "secret-reply-81")
	wantWithheld(t, waitMessage(t, again, c.ID, note.Message.Seq), note.Message, "secret-note-83")

	// Every event still reaches each desk once, in order.
	for _, d := range []*desk{ann, again} {
		var last int64
		for _, f := range d.events {
			if f.Seq <= last {
				t.Fatalf("seq %d after %d", f.Seq, last)
			}
			last = f.Seq
		}
	}
}

// An agent who has a teammate's chat open gets its messages whole, as
// get_conversation gives them (internal notes withheld), and withheld
// again once they close it.
func TestViewerOfTeammatesChatReadsItsMessagesLive(t *testing.T) {
	h := newHarness(t, server.Config{})
	ann := h.dial(h.agent("ann", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	c := h.escalated("parcel arrived broken", 50)
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	decode[protocol.ViewingAck](t, ann.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))

	const reply = "Sorry to hear that, a replacement is on its way"
	sent := decode[protocol.MessageAck](t, bob.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: reply}))
	if got := messageOf(t, waitMessage(t, ann, c.ID, sent.Message.Seq)); got.Message.Text != reply || got.Message.Withheld {
		t.Fatalf("the viewer got %+v, want the whole reply", got.Message)
	}
	note := decode[protocol.MessageAck](t, bob.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "refund over limit secret-note-91"}))
	wantWithheld(t, waitMessage(t, ann, c.ID, note.Message.Seq), note.Message, "secret-note-91")

	decode[protocol.ViewingAck](t, ann.do(protocol.ReqViewing, protocol.ViewingReq{}))
	later := decode[protocol.MessageAck](t, bob.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "anything else? secret-93"}))
	wantWithheld(t, waitMessage(t, ann, c.ID, later.Message.Seq), later.Message, "secret-93")
}

// Visible, which load generators check delivery against, counts withheld
// events as sent: every desk gets every message event, drafts and
// outcomes stay with those who may see them.
func TestVisibleCountsWithheldMessages(t *testing.T) {
	ev := store.Event{Kind: protocol.EvMessage, ConversationID: "c_1", Assignee: "bob", Detail: protocol.AuthorAgent}
	if !server.Visible("ann", protocol.RoleAgent, &ev) {
		t.Fatal("a teammate's message event is not sent to ann")
	}
	ev.Kind = protocol.EvDraft
	if server.Visible("ann", protocol.RoleAgent, &ev) {
		t.Fatal("a teammate's draft is sent to ann")
	}
}
