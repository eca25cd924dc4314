package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// The server's inbound limit is for what desks send it; what it answers
// (a review page, a conversation, a snapshot) may be larger, and the client
// must read it.
func TestRepliesLargerThanTheServersInboundLimitArrive(t *testing.T) {
	fs := newFakeServer(t)
	big := strings.Repeat("长", protocol.MaxFrameBytes/3+1000) // > MaxFrameBytes once encoded
	fs.set(func(fs *fakeServer) {
		fs.handle = func(protocol.Frame) (any, *protocol.Error) { return map[string]string{"text": big}, nil }
	})
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	var out struct{ Text string }
	if err := r.c.Do(context.Background(), protocol.ReqReviewList, protocol.ReviewListReq{}, &out); err != nil {
		t.Fatalf("Do with a %d-byte answer: %v", len(big), err)
	}
	if out.Text != big {
		t.Errorf("answer arrived cut: %d bytes of %d", len(out.Text), len(big))
	}
}

// A frame past the desk's own read limit cannot be read on any reconnect
// (the same welcome or event comes again), so the client stops and says so
// instead of retrying for ever.
func TestFrameTooLargeStopsWithAReason(t *testing.T) {
	fs := newFakeServer(t)
	opts := fastOptions(fs.url())
	opts.MaxFrameBytes = 64 << 10
	r := start(t, opts)
	r.waitOnline(t, 1)
	fs.publish("message.created", map[string]string{"text": strings.Repeat("x", 100<<10)})
	select {
	case <-r.runDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept reconnecting after a frame it can never read")
	}
	if !errors.Is(r.runErr, ErrFrameTooLarge) {
		t.Errorf("Run = %v, want ErrFrameTooLarge", r.runErr)
	}
	r.rec.waitFor(t, "failed update", func(ups []Update) bool {
		for _, u := range ups {
			if sc, ok := u.(StateChanged); ok && sc.State == StateFailed && errors.Is(sc.Err, ErrFrameTooLarge) {
				return true
			}
		}
		return false
	})
	if !strings.Contains(r.runErr.Error(), "64 KiB") {
		t.Errorf("error %q does not say the limit", r.runErr)
	}
}
