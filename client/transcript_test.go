package client

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestGetConversationPagesTheWholeTranscript: the server answers a page of
// a transcript at a time (issue 19.2); GetConversation still hands the desk
// the whole conversation, oldest first, each message once.
func TestGetConversationPagesTheWholeTranscript(t *testing.T) {
	const total = 1234
	fs := newFakeServer(t)
	requests := 0
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			var req protocol.GetConversationReq
			if err := json.Unmarshal(f.Data, &req); err != nil {
				return nil, protocol.Errorf(protocol.CodeInvalid, "%v", err)
			}
			requests++
			end := total + 1
			if req.BeforeSeq > 0 {
				end = req.BeforeSeq
			}
			start := max(1, end-200) // the server's page, whatever the limit asked
			d := protocol.ConversationDetail{Conversation: protocol.Conversation{ID: req.ConversationID}, More: start > 1}
			for s := start; s < end; s++ {
				d.Messages = append(d.Messages, protocol.Message{Seq: s, Text: "m"})
			}
			return d, nil
		}
	})
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	d, err := r.c.GetConversation(context.Background(), "c_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Messages) != total || d.More {
		t.Fatalf("%d messages, more %v", len(d.Messages), d.More)
	}
	for i, m := range d.Messages {
		if m.Seq != i+1 {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
	fs.get(func(*fakeServer) {
		if requests != 7 {
			t.Errorf("%d requests, want 7 pages", requests)
		}
	})
}
