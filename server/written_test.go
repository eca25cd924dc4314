package server_test

import (
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// TestQueuedReplyKeepsItsWritingTime: a reply or note a desk queued while
// offline carries the time the agent wrote it (written_at) beside the time
// the server took it, in the ack, the event and the stored transcript; a
// written_at in the future (the desk's clock) is not kept.
func TestQueuedReplyKeepsItsWritingTime(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	written := time.Now().Add(-20 * time.Minute).UnixMilli()
	reply := decode[protocol.MessageAck](t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "Sorry for the wait", WrittenAt: written}))
	note := decode[protocol.MessageAck](t, agent.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "called them", WrittenAt: written + 1}))
	future := decode[protocol.MessageAck](t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "later", WrittenAt: time.Now().Add(time.Hour).UnixMilli()}))
	if reply.Message.WrittenAt != written || note.Message.WrittenAt != written+1 {
		t.Fatalf("acks: reply written %d, note %d; want %d, %d", reply.Message.WrittenAt, note.Message.WrittenAt, written, written+1)
	}
	if reply.Message.CreatedAt <= written {
		t.Fatalf("created_at %d is not the time the server took it", reply.Message.CreatedAt)
	}
	if future.Message.WrittenAt != 0 {
		t.Fatalf("a written_at in the future was kept: %d", future.Message.WrittenAt)
	}
	d, err := h.st.ConversationDetail(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, m := range d.Messages {
		got[m.Text] = m.WrittenAt
	}
	if got["Sorry for the wait"] != written || got["called them"] != written+1 || got["later"] != 0 {
		t.Fatalf("stored transcript: %v", got)
	}
	wantError(t, agent.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "x", WrittenAt: -1}), protocol.CodeInvalid)
}
