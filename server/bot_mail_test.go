package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// On a mail channel the bot's turns are letters queued for delivery (a
// web chat's are neither), and a quiet mail chat is closed after
// MailIdleResolve, not the chat window: in the sweep that closes an idle
// web chat, an older mail chat stays open.
func TestBotMailChannelLettersAndIdle(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Name: "Shopbot", IdleResolve: 1500 * time.Millisecond})
	h.srv.SetBotMode("email", server.BotMail)
	mail := post[msgAnswer](h, tok, "/v1/api/messages", map[string]any{"message_id": "l1", "channel": "email",
		"external_id": "sam@example.com", "customer_name": "Sam Lee", "text": "How long does shipping take?"}, http.StatusCreated).Conversation.ID
	letter := lead.botMessage(mail)
	if letter.Delivery != "pending" || !strings.HasPrefix(letter.Text, "Hello Sam,\n\n") || !strings.HasSuffix(letter.Text, "Shopbot (automatic reply)\n") ||
		!strings.Contains(letter.Text, "reply to this e-mail") {
		t.Fatalf("letter (delivery %q):\n%s", letter.Delivery, letter.Text)
	}
	web := says(h, tok, "w1", "v-1", "How long does shipping take?").Conversation.ID
	if chat := lead.botMessage(web); chat.Delivery != "" || strings.HasPrefix(chat.Text, "Hello") || !strings.Contains(chat.Text, `reply "human"`) {
		t.Fatalf("chat turn (delivery %q):\n%s", chat.Delivery, chat.Text)
	}
	lead.conversationEvent(web, protocol.CauseResolved)
	if c, _ := h.st.Conversation(context.Background(), mail); c.Status != protocol.ConvBot {
		t.Fatalf("the mail chat was closed with the chat window: %s %s", c.Status, c.Disposition)
	}
}
