package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// message.created carries the message and what it changed on the
// conversation — the ConversationChange fields, with the store's values —
// not the whole conversation.
func TestMessageCreatedIsLean(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lee", protocol.RoleLead), 0)
	ans := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{"message_id": "lean-1", "channel": "web",
		"external_id": "lean", "customer_name": "王芳 with a long name that must not travel", "text": "我的订单还没到"}, http.StatusCreated)
	f := lead.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvMessage })
	var raw struct {
		Message      protocol.Message           `json:"message"`
		Conversation map[string]json.RawMessage `json:"conversation"`
	}
	if err := json.Unmarshal(f.Data, &raw); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(raw.Conversation))
	want := []string{"id", "last_customer_seq", "last_seq", "status", "updated_at", "version", "waiting_since"}
	if !slices.Equal(keys, want) {
		t.Fatalf("conversation part has %v, want %v", keys, want)
	}
	var ch protocol.ConversationChange
	json.Unmarshal(f.Data, &struct {
		C *protocol.ConversationChange `json:"conversation"`
	}{&ch})
	stored, err := h.st.Conversation(context.Background(), ans.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch != protocol.ChangeOf(stored) || raw.Message.ID != ans.Message.ID {
		t.Fatalf("change %+v, stored conversation gives %+v", ch, protocol.ChangeOf(stored))
	}
}

// A tool that offers only version 1's subprotocol name is served (the
// envelope did not change); the welcome says version 2.
func TestVersion1SubprotocolName(t *testing.T) {
	h := newHarness(t, apiConfig())
	tok := h.agent("ann", protocol.RoleAgent)
	d := websocket.Dialer{Subprotocols: []string{protocol.SubprotocolV1}, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial(h.url(), http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.Subprotocol() != protocol.SubprotocolV1 {
		t.Fatalf("subprotocol %q", ws.Subprotocol())
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f protocol.Frame
	if err := ws.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	var w protocol.Welcome
	if err := json.Unmarshal(f.Data, &w); err != nil || f.Type != protocol.TypeWelcome || w.Protocol != protocol.Version {
		t.Fatalf("first frame %s %s: protocol %d (%v)", f.Type, f.Data, w.Protocol, err)
	}
}
