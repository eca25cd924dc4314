package sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

type ratingBackend struct {
	mu      sync.Mutex
	ratings map[string][]int
}

func (b *ratingBackend) CustomerSays(context.Context, Customer, string, string, string) (string, error) {
	return "", nil
}
func (b *ratingBackend) BotSays(context.Context, string, string, string, float64) error { return nil }
func (b *ratingBackend) Escalate(context.Context, string, protocol.Reason, string, float64, []string) error {
	return nil
}
func (b *ratingBackend) Rate(_ context.Context, convID string, score int, comment string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if comment == "" {
		score = -score
	}
	b.ratings[convID] = append(b.ratings[convID], score)
	return nil
}

// TestCustomersRateResolvedConversations: a customer of the world rates a
// resolved conversation once (1–5, with a comment), calm customers higher
// than threatening ones; conversations the world did not start are not
// rated.
func TestCustomersRateResolvedConversations(t *testing.T) {
	be := &ratingBackend{ratings: map[string][]int{}}
	w := New(be, Options{Seed: 7, Speed: 100})
	var calm, threat *Script
	for i := range scripts {
		switch scripts[i].Mood {
		case "calm":
			calm = &scripts[i]
		case "threat":
			threat = &scripts[i]
		}
	}
	w.convs["c-calm"] = &chat{script: calm, done: true}
	w.convs["c-threat"] = &chat{script: threat}
	ctx := context.Background()
	for range 3 {
		w.rate(ctx, "c-calm")
		w.rate(ctx, "c-threat")
		w.rate(ctx, "c-other")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		be.mu.Lock()
		n := len(be.ratings["c-calm"]) + len(be.ratings["c-threat"])
		be.mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // a second rating would have landed
	be.mu.Lock()
	defer be.mu.Unlock()
	c, th := be.ratings["c-calm"], be.ratings["c-threat"]
	if len(c) != 1 || len(th) != 1 || len(be.ratings["c-other"]) != 0 {
		t.Fatalf("ratings: %v", be.ratings)
	}
	if c[0] < 4 || c[0] > 5 || th[0] < 1 || th[0] > 2 {
		t.Fatalf("calm rated %d, threatening (not done) rated %d (negative: no comment)", c[0], th[0])
	}
}
