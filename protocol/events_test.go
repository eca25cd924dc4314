package protocol

import (
	"encoding/json"
	"testing"
)

// A message event's conversation part changes only what a message can
// change; everything else the desk knows stays.
func TestConversationChangeApply(t *testing.T) {
	known := Conversation{ID: "c_01", CustomerName: "王芳", Channel: "wechat", Status: ConvSnoozed, Priority: 70,
		Assignee: "alice", Version: 4, Summary: "退款未到账", Flags: []Flag{"angry"}, LastSeq: 3, LastCustomer: 3,
		SnoozedUntil: 1763712600000, UpdatedAt: 1}
	after := known
	after.Status, after.SnoozedUntil, after.LastSeq, after.LastCustomer, after.Version, after.UpdatedAt = ConvAssigned, 0, 4, 4, 5, 2
	after.WaitingSince = 2
	got := known
	if !ChangeOf(after).Apply(&got) {
		t.Fatal("a newer change was not applied")
	}
	if got.CustomerName != "王芳" || got.Priority != 70 || got.Summary != "退款未到账" || len(got.Flags) != 1 || got.Assignee != "alice" {
		t.Fatalf("the change lost what the desk knew: %+v", got)
	}
	if got.Status != ConvAssigned || got.SnoozedUntil != 0 || got.LastSeq != 4 || got.LastCustomer != 4 || got.Version != 5 || got.UpdatedAt != 2 || got.WaitingSince != 2 {
		t.Fatalf("the change was not applied: %+v", got)
	}
	// Older than what the desk has (an ack overtook it), or another
	// conversation: nothing changes.
	newer := got
	newer.Version = 9
	if ChangeOf(after).Apply(&newer) || newer.Version != 9 {
		t.Fatal("an older change was applied")
	}
	other := Conversation{ID: "c_02", Version: 1}
	if ChangeOf(after).Apply(&other) || other.LastSeq != 0 {
		t.Fatal("a change applied to another conversation")
	}
}

// A protocol 1 server sends the whole conversation in message events; it
// decodes as a change with the same values, so this client can still
// follow such a server.
func TestMessageEventDecodesProtocol1(t *testing.T) {
	v1 := `{"message":{"id":"m_41","conversation_id":"c_01","seq":4,"author":"customer","text":"还没到账？","created_at":1763712002000},
	 "conversation":{"id":"c_01","customer_id":"u_9","customer_name":"王芳","channel":"wechat","status":"queued","priority":70,"version":6,
	 "last_seq":4,"last_customer_seq":4,"created_at":1763711000000,"updated_at":1763712002000,"first_reply_at":1763711500000}}`
	var ev MessageEvent
	if err := json.Unmarshal([]byte(v1), &ev); err != nil {
		t.Fatal(err)
	}
	want := ConversationChange{ID: "c_01", Version: 6, Status: ConvQueued, UpdatedAt: 1763712002000, LastSeq: 4, LastCustomer: 4, FirstReplyAt: 1763711500000}
	if ev.Conversation != want || ev.Message.Seq != 4 {
		t.Fatalf("decoded %+v, want %+v", ev.Conversation, want)
	}
}

// AppendEvent writes exactly what marshalling the frame writes.
func TestAppendEventMatchesMarshal(t *testing.T) {
	payload, err := json.Marshal(MessageEvent{
		Message:      Message{ID: "m_1", ConversationID: "c_1", Seq: 3, Author: AuthorCustomer, Text: "还没到账？ <b>&amp;</b> \"quoted\" \x01 🎉", CreatedAt: 5},
		Conversation: ConversationChange{ID: "c_1", Version: 9, Status: ConvBot, LastSeq: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		seq, at int64
		kind    string
		data    []byte
	}{{1042, 1763712002000, EvMessage, payload}, {0, 0, EvAgent, []byte(`{}`)}, {7, 1, "odd<kind>\"", payload}, {7, 1, EvDraft, nil}} {
		want, err := json.Marshal(EncodeEvent(tc.seq, tc.kind, tc.at, tc.data))
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendEvent(nil, tc.seq, tc.kind, tc.at, tc.data); string(got) != string(want) {
			t.Errorf("AppendEvent = %s\nwant          %s", got, want)
		}
	}
}
