package server_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// typingFrames counts the customer_typing frames of convID a desk has read.
func typingFrames(d *desk, convID string) int {
	n := 0
	for _, f := range d.ephemeral {
		var ct protocol.CustomerTyping
		if f.Type == protocol.TypeCustomerTyping && json.Unmarshal(f.Data, &ct) == nil && ct.ConversationID == convID {
			n++
		}
	}
	return n
}

// waitTyping reads until the desk has n customer_typing frames of convID.
func waitTyping(t *testing.T, d *desk, convID string, n int) {
	t.Helper()
	for typingFrames(d, convID) < n {
		readOne(t, d, "customer_typing")
	}
}

// readOne reads the desk's next frame into its events or ephemeral frames.
func readOne(t *testing.T, d *desk, waiting string) {
	t.Helper()
	f, err := d.readErr(5 * time.Second)
	if err != nil {
		t.Fatalf("waiting for %s: %v", waiting, err)
	}
	if f.Type == protocol.TypeEvent {
		d.events = append(d.events, f)
	} else {
		d.ephemeral = append(d.ephemeral, f)
	}
}

// view says the desk has convID open ("" none) and, as the answer comes
// after every frame sent to the desk before it, reads those.
func view(t *testing.T, d *desk, convID string) {
	t.Helper()
	decode[protocol.ViewingAck](t, d.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: convID}))
}

// The customer's typing in the chat window reaches the desks that have
// the conversation open and may read it — not the others, not an agent
// viewing a colleague's chat.
func TestCustomerTypingReachesViewers(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{TypingEvery: time.Millisecond})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	lena := h.dial(h.agent("lena", protocol.RoleLead), 0)
	idle := h.dial(h.agent("ivan", protocol.RoleAgent), 0) // has no chat open
	c := h.openChat(t, map[string]any{"lang": "en"})
	conv := c.say("m1", "How long does shipping take?")["message"].(map[string]any)["conversation_id"].(string)
	c.message("bot")
	for _, d := range []*desk{alice, bob, lena} {
		view(t, d, conv)
	}
	c.send(map[string]any{"type": "typing", "conversation_id": conv})
	for _, d := range []*desk{alice, bob, lena} { // unassigned: every agent may read it
		waitTyping(t, d, conv, 1)
	}

	c.send(map[string]any{"type": "human", "id": "h1"})
	c.status(protocol.ConvQueued)
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv}))
	time.Sleep(5 * time.Millisecond)         // past the window's gap
	c.send(map[string]any{"type": "typing"}) // no id: the window's newest chat
	waitTyping(t, alice, conv, 2)
	waitTyping(t, lena, conv, 2)
	view(t, bob, conv)
	view(t, idle, "")
	if n, m := typingFrames(bob, conv), typingFrames(idle, conv); n != 1 || m != 0 {
		t.Errorf("bob (viewing alice's chat) got %d customer_typing frames, want the 1 from before her claim; ivan (no chat open) %d", n, m)
	}
	// Someone else's conversation is not the window's to type in.
	time.Sleep(5 * time.Millisecond)
	c.send(map[string]any{"type": "typing", "conversation_id": "c_nope"})
	if e := c.next("error"); e["code"] != string(protocol.CodeNotFound) {
		t.Errorf("typing in another chat: %v", e)
	}
}

// Frames closer together than the window's gap are dropped.
func TestCustomerTypingRateLimited(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{TypingEvery: time.Hour})
	lena := h.dial(h.agent("lena", protocol.RoleLead), 0)
	c := h.openChat(t, map[string]any{"lang": "en"})
	conv := c.say("m1", "How long does shipping take?")["message"].(map[string]any)["conversation_id"].(string)
	view(t, lena, conv)
	for range 5 {
		c.send(map[string]any{"type": "typing", "conversation_id": conv})
	}
	c.say("m2", "Hello?") // read after the typing frames; its event follows any frame they caused
	lena.waitEvent(func(f protocol.Frame) bool {
		var me protocol.MessageEvent
		return f.Kind == protocol.EvMessage && json.Unmarshal(f.Data, &me) == nil && me.Message.Text == "Hello?"
	})
	if n := typingFrames(lena, conv); n != 1 {
		t.Fatalf("%d customer_typing frames for 5 typing frames within the gap; want 1", n)
	}
}
