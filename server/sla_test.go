package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

func convEvent(f protocol.Frame) (protocol.ConversationEvent, bool) {
	var ce protocol.ConversationEvent
	if f.Kind != protocol.EvConversation || json.Unmarshal(f.Data, &ce) != nil {
		return ce, false
	}
	return ce, true
}

// The first-response SLA breaches once per deadline, raises priority, and
// does not breach a conversation an agent answered in time.
func TestSLABreachEvents(t *testing.T) {
	cfg := apiConfig()
	cfg.Channels.SLA = []server.SLATarget{{MinPriority: 0, Within: 400 * time.Millisecond}}
	cfg.Channels.SLACheck = 20 * time.Millisecond
	h := newHarness(t, cfg)
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	answered := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "a-1", "channel": "web", "external_id": "answered", "text": "转人工",
	}, http.StatusCreated).Conversation
	waiting := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "w-1", "channel": "web", "external_id": "waiting", "text": "转人工",
	}, http.StatusCreated).Conversation
	if answered.SLADueAt-answered.EscalatedAt != 400 || waiting.SLADueAt == 0 {
		t.Fatalf("deadlines: %+v / %+v", answered, waiting)
	}
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: answered.ID}))
	decode[protocol.MessageAck](t, lead.do(protocol.ReqSend, protocol.TextReq{ConversationID: answered.ID, Text: "您好，我在。"}))

	ev := lead.waitEvent(func(f protocol.Frame) bool {
		ce, ok := convEvent(f)
		if ok && ce.Cause == protocol.CauseSLABreached && ce.Conversation.ID == answered.ID {
			t.Fatalf("answered conversation breached: %+v", ce.Conversation)
		}
		return ok && ce.Cause == protocol.CauseSLABreached && ce.Conversation.ID == waiting.ID
	})
	ce, _ := convEvent(ev)
	if ce.Conversation.Priority <= waiting.Priority || ce.Conversation.Status != protocol.ConvQueued {
		t.Fatalf("breach should raise priority above %d: %+v", waiting.Priority, ce.Conversation)
	}
	// Both deadlines have passed, and the check keeps running: no second
	// breach of the same deadline, none for the answered conversation.
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		f, err := lead.readErr(time.Until(deadline))
		if err != nil {
			break
		}
		if ce, ok := convEvent(f); ok && ce.Cause == protocol.CauseSLABreached {
			t.Fatalf("extra breach event: %+v", ce.Conversation)
		}
	}
}
