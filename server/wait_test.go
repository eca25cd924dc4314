package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// The conversation carries when its customer started waiting: the oldest
// unanswered customer message. An agent's reply ends the wait (and the
// SLA); the customer's next message starts a new one.
func TestConversationCarriesWhenTheCustomerStartedWaiting(t *testing.T) {
	h := newHarness(t, server.Config{})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("Where is my parcel?", 5)
	if c.WaitingSince == 0 || c.WaitStart() != c.WaitingSince {
		t.Fatalf("escalated chat: waiting_since %d, WaitStart %d", c.WaitingSince, c.WaitStart())
	}
	first := c.WaitingSince
	add := func(text string) protocol.Conversation {
		var got protocol.Conversation
		err := h.st.Update(context.Background(), func(tx *store.Tx) error {
			var err error
			_, got, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", text)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if again := add("Hello??"); again.WaitingSince != first {
		t.Errorf("second unanswered message moved the wait start: %d, want %d", again.WaitingSince, first)
	}
	decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	sent := decode[protocol.MessageAck](t, d.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "It ships today."}))
	if sent.Conversation.WaitingSince != 0 || !sent.Conversation.Answered() {
		t.Errorf("after the reply: waiting_since %d, answered %v", sent.Conversation.WaitingSince, sent.Conversation.Answered())
	}
	if _, on := sent.Conversation.SLALeft(time.Now()); on {
		t.Errorf("SLA still running after the first reply")
	}
	if later := add("Thanks, and the invoice?"); later.WaitingSince == 0 {
		t.Errorf("a new customer message after the reply does not start a wait")
	}
}

// The welcome says where replies are delivered, so a desk can say "no
// delivery configured for channel X" instead of "sending…" for ever.
func TestWelcomeSaysWhereRepliesAreDelivered(t *testing.T) {
	none := newHarness(t, server.Config{})
	d := none.dial(none.agent("alice", protocol.RoleAgent), 0)
	if d.welcome.Delivery == nil || d.welcome.Delivery.Covers("web") {
		t.Errorf("no webhooks: welcome delivery %+v covers web", d.welcome.Delivery)
	}
	some := newHarness(t, server.Config{Channels: server.ChannelsConfig{Webhooks: map[string]server.Webhook{
		"wechat": {URL: "http://127.0.0.1:9/replies", Secret: "s"}}}})
	d = some.dial(some.agent("bob", protocol.RoleAgent), 0)
	if w := d.welcome.Delivery; w == nil || !w.Covers("wechat") || w.Covers("web") {
		t.Errorf("wechat only: welcome delivery %+v", w)
	}
}
