package client

import (
	"encoding/json"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestDecodeMessageUpdated: a delivery change arrives as message.updated
// with the same payload as message.created; the desk needs it decoded to
// turn "sending…" into delivered or failed.
func TestDecodeMessageUpdated(t *testing.T) {
	data, err := json.Marshal(protocol.MessageEvent{
		Message:      protocol.Message{ID: "m_40", ConversationID: "c_01", Seq: 3, Author: protocol.AuthorAgent, Delivery: "delivered"},
		Conversation: protocol.ConversationChange{ID: "c_01", Version: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := decodeEvent(protocol.Frame{Type: protocol.TypeEvent, Seq: 9, Kind: protocol.EvMessageUpdated, At: 1, Data: data})
	me, ok := ev.Payload.(*protocol.MessageEvent)
	if !ok || ev.DecodeErr != nil {
		t.Fatalf("payload = %#v, err %v; want *protocol.MessageEvent", ev.Payload, ev.DecodeErr)
	}
	if me.Message.ID != "m_40" || me.Message.Delivery != "delivered" || me.Conversation.Version != 7 || ev.Kind != protocol.EvMessageUpdated {
		t.Fatalf("decoded %+v (kind %s)", me, ev.Kind)
	}
	bad := decodeEvent(protocol.Frame{Type: protocol.TypeEvent, Seq: 10, Kind: protocol.EvMessageUpdated, Data: json.RawMessage(`{"message":7}`)})
	if bad.Payload != nil || bad.DecodeErr == nil {
		t.Fatalf("malformed message.updated decoded: %+v", bad)
	}
}
