package tui

import (
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
)

// The customer typing shows in the open conversation's header while
// fresh, not for another chat, and ends when their message arrives.
func TestCustomerTypingInHeader(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 30)
	openC1(h)
	typing := func(id string) {
		h.send(UpdatesMsg{Updates: []client.Update{client.CustomerTyping{CustomerTyping: protocol.CustomerTyping{ConversationID: id}}}})
	}
	typing("c2")
	if strings.Contains(h.screen(), "customer typing") {
		t.Fatal("typing in another chat shown in c1's header")
	}
	typing("c1")
	if !strings.Contains(h.screen(), "✎ customer typing…") {
		t.Fatalf("no typing in the header:\n%s", h.screen())
	}
	h.send(tickMsg(now.Add(protocol.CustomerTypingFresh)))
	if strings.Contains(h.screen(), "customer typing") {
		t.Fatal("stale typing still shown")
	}
	h.send(tickMsg(now))
	typing("c1")
	msg := protocol.Message{ID: "m9", ConversationID: "c1", Seq: 9, Author: protocol.AuthorCustomer, Text: "still there?", CreatedAt: ms(0)}
	h.send(UpdatesMsg{Updates: []client.Update{event(30, protocol.EvMessage, &protocol.MessageEvent{Message: msg,
		Conversation: protocol.ChangeOf(conv(h, "c1"))})}})
	if s := h.screen(); strings.Contains(s, "customer typing") || !strings.Contains(s, "still there?") {
		t.Fatalf("after the customer's message:\n%s", s)
	}
}

func TestCustomerTypingChinese(t *testing.T) {
	h := newHarness(t, lang.ZhCN, 120, 30)
	openC1(h)
	h.send(UpdatesMsg{Updates: []client.Update{client.CustomerTyping{CustomerTyping: protocol.CustomerTyping{ConversationID: "c1"}}}})
	if !strings.Contains(h.screen(), "客户正在输入") {
		t.Fatalf("no typing in the header:\n%s", h.screen())
	}
}
