package server

import (
	"context"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestHeavyReadsPerAgent: one agent has at most maxHeavyReads transcript
// reads running, across all their connections; another agent is not held
// up, and a waiting read goes on when one ends (issue 19.2).
func TestHeavyReadsPerAgent(t *testing.T) {
	h := newHeavyReads()
	var rel []func()
	for range maxHeavyReads {
		r, err := h.acquire(context.Background(), "mallory")
		if err != nil {
			t.Fatal(err)
		}
		rel = append(rel, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.acquire(ctx, "mallory"); protocol.CodeOf(err) != protocol.CodeRateLimited {
		t.Fatalf("a third read: %v", err)
	}
	other, err := h.acquire(ctx, "alice")
	if err != nil {
		t.Fatalf("another agent was held up: %v", err)
	}
	other()
	got := make(chan error, 1)
	go func() {
		r, err := h.acquire(context.Background(), "mallory")
		if err == nil {
			r()
		}
		got <- err
	}()
	rel[0]()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	rel[1]()
	if len(h.running) != 0 {
		t.Errorf("running left: %v", h.running)
	}
}
