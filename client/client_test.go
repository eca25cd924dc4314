package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

type running struct {
	c       *Client
	rec     *recorder
	runDone chan struct{} // closed when Run has returned
	runErr  error         // Run's result, once runDone is closed
	stop    func() error
}

func fastOptions(url string) Options {
	return Options{
		URL:            url,
		Token:          "secret",
		RequestTimeout: 2 * time.Second,
		BackoffMin:     5 * time.Millisecond,
		BackoffMax:     50 * time.Millisecond,
		StableAfter:    time.Second,
		ReadTimeout:    5 * time.Second,
		Logger:         testLogger(),
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("CLIENT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// start runs a client with opts until the test ends (or stop is called).
func start(t *testing.T, opts Options) *running {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, rec: &recorder{}, runDone: make(chan struct{})}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for u := range c.Updates() {
			r.rec.mu.Lock()
			r.rec.ups = append(r.rec.ups, u)
			r.rec.mu.Unlock()
		}
	}()
	go func() { r.runErr = c.Run(ctx); close(r.runDone) }()
	var once sync.Once
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case <-r.runDone:
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
			<-collected
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return r.runErr
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *running) waitOnline(t *testing.T, n int) {
	t.Helper()
	r.rec.waitFor(t, fmt.Sprintf("online #%d", n), func(ups []Update) bool { return countState(ups, StateOnline) >= n })
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{URL: "ftp://x", Token: "t"},
		{URL: "ws://", Token: "t"},
		{URL: "ws://h", Token: ""},
		{URL: "ws://h", Token: "t", Since: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	c, err := New(Options{URL: "https://desk.example.com", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.url.String(); got != "wss://desk.example.com/v1/desk" {
		t.Errorf("url = %s", got)
	}
}

func TestDoCorrelatesConcurrentRequests(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			var req protocol.ClaimReq
			_ = json.Unmarshal(f.Data, &req)
			// Answer later requests sooner so replies arrive out of order.
			time.Sleep(time.Duration(50-req.Version) * time.Millisecond / 5)
			return protocol.ConversationAck{Conversation: protocol.Conversation{ID: req.ConversationID, Version: req.Version + 1}}, nil
		}
	})
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("c_%d", i)
			conv, err := r.c.Claim(context.Background(), id, int64(i))
			if err != nil {
				errs <- fmt.Errorf("claim %s: %w", id, err)
				return
			}
			if conv.ID != id || conv.Version != int64(i)+1 {
				errs <- fmt.Errorf("claim %s got the answer for %s v%d", id, conv.ID, conv.Version)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDoErrorCodes(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			switch f.Type {
			case protocol.ReqClaim:
				return nil, protocol.Errorf(protocol.CodeConflict, "conversation c_01 is assigned to bob")
			case protocol.ReqNext:
				return nil, protocol.Errorf(protocol.CodeNotFound, "queue is empty")
			}
			return nil, protocol.Errorf(protocol.CodeForbidden, "no")
		}
	})
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	ctx := context.Background()

	_, err := r.c.Claim(ctx, "c_01", 0)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeConflict || pe.Message != "conversation c_01 is assigned to bob" {
		t.Errorf("claim: err = %v, want conflict from server", err)
	}
	if _, err := r.c.Next(ctx, ""); protocol.CodeOf(err) != protocol.CodeNotFound {
		t.Errorf("next: err = %v, want not_found", err)
	}
	// Invalid data is refused before it goes out.
	if _, err := r.c.Snooze(ctx, "c_01", 0); protocol.CodeOf(err) != protocol.CodeInvalid {
		t.Errorf("snooze 0 minutes: err = %v, want invalid", err)
	}
	if err := r.c.Do(ctx, "bogus", nil, nil); protocol.CodeOf(err) != protocol.CodeInvalid {
		t.Errorf("unknown type: err = %v, want invalid", err)
	}
	fs.get(func(fs *fakeServer) {
		if n := len(fs.received); n != 2 {
			t.Errorf("server received %d requests, want 2 (claim, next)", n)
		}
	})
}

func TestDoTimeoutAndCancel(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.hold = func(protocol.Frame) bool { return true } })
	opts := fastOptions(fs.url())
	opts.RequestTimeout = 100 * time.Millisecond
	r := start(t, opts)
	r.waitOnline(t, 1)

	_, err := r.c.Release(context.Background(), "c_01")
	if protocol.CodeOf(err) != protocol.CodeUnavailable {
		t.Errorf("unanswered request: err = %v, want unavailable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err = r.c.Do(ctx, protocol.ReqNext, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: err = %v, want context.Canceled", err)
	}
}

func TestDoFailsFastOffline(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.refuse = 503 })
	r := start(t, fastOptions(fs.url()))
	ups := r.rec.waitFor(t, "offline", func(ups []Update) bool { return countState(ups, StateOffline) >= 1 })
	for _, u := range ups {
		if sc, ok := u.(StateChanged); ok && sc.State == StateOffline {
			if protocol.CodeOf(sc.Err) != protocol.CodeUnavailable || sc.RetryAt.IsZero() {
				t.Errorf("offline update = %+v, want the server's unavailable refusal and a retry time", sc)
			}
			break
		}
	}
	t0 := time.Now()
	_, err := r.c.GetConversation(context.Background(), "c_01")
	if protocol.CodeOf(err) != protocol.CodeUnavailable {
		t.Errorf("offline Do: err = %v, want unavailable", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("offline Do took %s; should fail fast", d)
	}
}

func TestEventsDecodedInOrder(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.publish(protocol.EvConversation, protocol.ConversationEvent{Cause: protocol.CauseClaimed, By: "alice", Conversation: protocol.Conversation{ID: "c_01"}})
	fs.skipSeq(3) // events this desk may not see
	fs.publish(protocol.EvAgent, protocol.AgentEvent{Cause: "status", Agent: protocol.Agent{ID: "bob", Status: "away"}})
	fs.publish("future.kind", map[string]int{"x": 1})
	ups := r.rec.waitFor(t, "3 events", func(ups []Update) bool { return len(eventSeqs(ups)) >= 3 })
	if got := eventSeqs(ups); !slices.Equal(got, []int64{1, 5, 6}) {
		t.Fatalf("seqs = %v", got)
	}
	var evs []Event
	for _, u := range ups {
		if e, ok := u.(Event); ok {
			evs = append(evs, e)
		}
	}
	if ce, ok := evs[0].Payload.(*protocol.ConversationEvent); !ok || ce.Conversation.ID != "c_01" || ce.Cause != "claimed" {
		t.Errorf("event 1 payload = %#v", evs[0].Payload)
	}
	if ae, ok := evs[1].Payload.(*protocol.AgentEvent); !ok || ae.Agent.Status != "away" {
		t.Errorf("event 5 payload = %#v", evs[1].Payload)
	}
	if evs[2].Payload != nil || evs[2].Kind != "future.kind" || len(evs[2].Data) == 0 {
		t.Errorf("unknown kind: %+v", evs[2])
	}
	if r.c.LastSeq() != 6 {
		t.Errorf("LastSeq = %d, want 6", r.c.LastSeq())
	}
}

// The server drops the connection repeatedly while events keep coming: the
// client must see every event exactly once, in order, resuming by since.
func TestReconnectResumesWithoutLossOrDuplicates(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)

	// Resume needs a since > 0 (since 0 asks for a snapshot), so let the
	// client apply one event first.
	fs.publish(protocol.EvMessage, protocol.MessageEvent{Message: protocol.Message{ID: "m1"}})
	r.rec.waitFor(t, "event 1", func(ups []Update) bool { return len(eventSeqs(ups)) == 1 })
	const total = 300
	for i := 2; i <= total; i++ {
		fs.publish(protocol.EvMessage, protocol.MessageEvent{Message: protocol.Message{ID: fmt.Sprint("m", i)}})
		if i%50 == 0 {
			fs.dropAll()
		}
		if i%75 == 0 {
			time.Sleep(20 * time.Millisecond) // sometimes let it reconnect mid-stream
		}
	}
	ups := r.rec.waitFor(t, "all events", func(ups []Update) bool { return len(eventSeqs(ups)) >= total })
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if got := eventSeqs(ups); !slices.Equal(got, want) {
		t.Fatalf("events not exactly 1..%d in order: %v", total, got)
	}
	if countState(ups, StateOnline) < 2 {
		t.Fatalf("never reconnected: %s", describe(ups))
	}
	sinces := fs.acceptedSinces()
	if sinces[0] != 0 {
		t.Errorf("first connect sent since=%d, want none", sinces[0])
	}
	for _, s := range sinces[1:] {
		if s == 0 {
			t.Errorf("a reconnect did not send since: %v", sinces)
		}
	}
	// Every reconnect after the first was a replay, not a snapshot.
	n := 0
	for _, u := range ups {
		if w, ok := u.(Welcomed); ok {
			n++
			if n > 1 && w.Welcome.Resume != protocol.ResumeReplay {
				t.Errorf("welcome #%d resume = %s", n, w.Welcome.Resume)
			}
			if n == 1 && w.Welcome.Snapshot == nil {
				t.Errorf("first welcome has no snapshot")
			}
		}
	}
}

// A server that replays events the client already has must not make it
// apply them twice.
func TestDuplicateEventsDropped(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.rewind = 3 })
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	for range 5 {
		fs.publish(protocol.EvDraft, protocol.DraftEvent{})
	}
	r.rec.waitFor(t, "5 events", func(ups []Update) bool { return len(eventSeqs(ups)) >= 5 })
	fs.dropAll()
	r.waitOnline(t, 2)
	fs.publish(protocol.EvDraft, protocol.DraftEvent{})
	ups := r.rec.waitFor(t, "event 6", func(ups []Update) bool { return slices.Contains(eventSeqs(ups), 6) })
	if got := eventSeqs(ups); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("seqs = %v", got)
	}
}

// Too old a since gets a snapshot; the client's last becomes the welcome's
// seq and later events follow.
func TestSnapshotResume(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.publish(protocol.EvDraft, protocol.DraftEvent{})
	r.rec.waitFor(t, "event 1", func(ups []Update) bool { return len(eventSeqs(ups)) == 1 })
	fs.set(func(fs *fakeServer) { fs.refuse = 503 })
	fs.dropAll()
	r.rec.waitFor(t, "offline", func(ups []Update) bool { return countState(ups, StateOffline) >= 2 })
	for range 10 {
		fs.publish(protocol.EvDraft, protocol.DraftEvent{}) // nobody connected
	}
	fs.set(func(fs *fakeServer) { fs.refuse = 0; fs.floor = 5 }) // 1 is no longer replayable
	r.waitOnline(t, 2)
	fs.publish(protocol.EvDraft, protocol.DraftEvent{})
	ups := r.rec.waitFor(t, "event 12", func(ups []Update) bool { return slices.Contains(eventSeqs(ups), 12) })
	if got := eventSeqs(ups); !slices.Equal(got, []int64{1, 12}) {
		t.Errorf("seqs = %v, want [1 12] (2..11 are covered by the snapshot)", got)
	}
	var last Welcomed
	for _, u := range ups {
		if w, ok := u.(Welcomed); ok {
			last = w
		}
	}
	if last.Welcome.Resume != protocol.ResumeSnapshot || last.Welcome.Seq != 11 || last.Welcome.Snapshot == nil {
		t.Errorf("second welcome = %+v", last.Welcome)
	}
}

// A replay welcome behind what the client applied means the server lost its
// log (e.g. a fresh database): the client asks again with no since and gets
// a snapshot, instead of dropping the new events as already seen.
func TestServerSeqWentBackwards(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.naive = true; fs.seq = 3 })
	opts := fastOptions(fs.url())
	opts.Since = 1000
	r := start(t, opts)
	ups := r.rec.waitFor(t, "online", func(ups []Update) bool { return countState(ups, StateOnline) == 1 })
	fs.publish(protocol.EvDraft, protocol.DraftEvent{}) // seq 4
	ups = r.rec.waitFor(t, "event 4", func(ups []Update) bool { return slices.Contains(eventSeqs(ups), 4) })
	var resumes []string
	for _, u := range ups {
		if w, ok := u.(Welcomed); ok {
			resumes = append(resumes, w.Welcome.Resume)
		}
	}
	if !slices.Equal(resumes, []string{protocol.ResumeSnapshot}) {
		t.Errorf("welcomes delivered: %v, want only the snapshot", resumes)
	}
	if s := fs.acceptedSinces(); !slices.Equal(s, []int64{1000, 0}) {
		t.Errorf("sinces = %v, want [1000 0]", s)
	}
}

// A server that refuses a since ahead of its log with HTTP 400 must not
// make the client retry the same since forever.
func TestBadSinceStartsFresh(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.strict = true; fs.seq = 3 })
	opts := fastOptions(fs.url())
	opts.Since = 1000
	r := start(t, opts)
	ups := r.rec.waitFor(t, "online", func(ups []Update) bool { return countState(ups, StateOnline) == 1 })
	for _, u := range ups {
		if w, ok := u.(Welcomed); ok && w.Welcome.Resume != protocol.ResumeSnapshot {
			t.Errorf("resume = %s, want snapshot", w.Welcome.Resume)
		}
	}
	fs.get(func(fs *fakeServer) {
		if fs.attempts != 2 {
			t.Errorf("%d attempts, want 2", fs.attempts)
		}
	})
}

func TestAuthFailureStopsRetrying(t *testing.T) {
	fs := newFakeServer(t)
	opts := fastOptions(fs.url())
	opts.Token = "wrong"
	r := start(t, opts)
	select {
	case <-r.runDone:
		if err := r.runErr; !errors.Is(err, ErrAuthFailed) || protocol.CodeOf(err) != protocol.CodeUnauthorized {
			t.Errorf("Run = %v, want ErrAuthFailed with the server's unauthorized", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept going after 401")
	}
	ups := r.rec.waitFor(t, "auth-failed update", func(ups []Update) bool { return countState(ups, StateAuthFailed) == 1 })
	_ = ups
	time.Sleep(100 * time.Millisecond) // 20× BackoffMin: would have retried by now
	fs.get(func(fs *fakeServer) {
		if fs.attempts != 1 {
			t.Errorf("server saw %d attempts, want 1", fs.attempts)
		}
	})
	// Enqueue still works while stopped: nothing is lost.
	if _, err := r.c.Enqueue(protocol.ReqNote, protocol.TextReq{ConversationID: "c", Text: "x"}); err != nil {
		t.Errorf("Enqueue after auth failure: %v", err)
	}
}

func TestClose4001StopsRetrying(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.closeAll(protocol.CloseUnauthorized, "token revoked")
	select {
	case <-r.runDone:
		if err := r.runErr; !errors.Is(err, ErrAuthFailed) {
			t.Errorf("Run = %v, want ErrAuthFailed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept going after close 4001")
	}
	r.rec.waitFor(t, "auth-failed", func(ups []Update) bool { return countState(ups, StateAuthFailed) == 1 })
	fs.get(func(fs *fakeServer) {
		if fs.attempts != 1 {
			t.Errorf("server saw %d attempts, want 1", fs.attempts)
		}
	})
}

// Close 4008 (slow consumer) and 1001 (going away): reconnect promptly and
// resume, even with a long backoff configured.
func TestPromptReconnectAndResume(t *testing.T) {
	for _, code := range []int{protocol.CloseSlowConsumer, protocol.CloseGoingAway} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			fs := newFakeServer(t)
			opts := fastOptions(fs.url())
			opts.BackoffMin = 50 * time.Millisecond
			opts.BackoffMax = time.Minute
			r := start(t, opts)
			r.waitOnline(t, 1)
			fs.publish(protocol.EvDraft, protocol.DraftEvent{})
			fs.publish(protocol.EvDraft, protocol.DraftEvent{})
			r.rec.waitFor(t, "2 events", func(ups []Update) bool { return len(eventSeqs(ups)) == 2 })
			for round := 2; round <= 4; round++ {
				fs.closeAll(code, "bye")
				fs.publish(protocol.EvDraft, protocol.DraftEvent{}) // while disconnected
				r.waitOnline(t, round)
			}
			fs.publish(protocol.EvDraft, protocol.DraftEvent{})
			ups := r.rec.waitFor(t, "6 events", func(ups []Update) bool { return len(eventSeqs(ups)) >= 6 })
			if got := eventSeqs(ups); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6}) {
				t.Errorf("seqs = %v", got)
			}
			if s := fs.acceptedSinces(); !slices.Equal(s, []int64{0, 2, 3, 4}) {
				t.Errorf("sinces = %v, want [0 2 3 4]", s)
			}
		})
	}
}

// A server that goes silent (no frames, no pings) is treated as dead; one
// that pings keeps the connection alive.
func TestHeartbeat(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		fs := newFakeServer(t)
		opts := fastOptions(fs.url())
		opts.ReadTimeout = 150 * time.Millisecond
		r := start(t, opts)
		r.waitOnline(t, 2) // the first connection timed out
	})
	t.Run("pinging", func(t *testing.T) {
		fs := newFakeServer(t)
		fs.set(func(fs *fakeServer) { fs.pingEvery = 20 * time.Millisecond })
		opts := fastOptions(fs.url())
		opts.ReadTimeout = 300 * time.Millisecond
		r := start(t, opts)
		r.waitOnline(t, 1)
		time.Sleep(900 * time.Millisecond)
		if n := len(fs.acceptedSinces()); n != 1 {
			t.Errorf("%d connections; pings should have kept the first alive", n)
		}
	})
}

// The channel never blocks the reader: with nobody reading for a while,
// requests are still answered and no event is lost.
func TestSlowConsumerDoesNotStallReader(t *testing.T) {
	fs := newFakeServer(t)
	c, err := New(fastOptions(fs.url()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	// Nobody reads Updates yet.
	deadline := time.Now().Add(5 * time.Second)
	for c.State() != StateOnline {
		if time.Now().After(deadline) {
			t.Fatal("never online")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 2000 {
		fs.publish(protocol.EvDraft, protocol.DraftEvent{})
	}
	if _, err := c.Next(ctx, ""); err != nil {
		t.Fatalf("request while updates pile up: %v", err)
	}
	var seqs []int64
	for u := range c.Updates() {
		if e, ok := u.(Event); ok {
			seqs = append(seqs, e.Seq)
			if e.Seq == 2000 {
				break
			}
		}
	}
	if len(seqs) != 2000 || seqs[0] != 1 || seqs[1999] != 2000 {
		t.Errorf("got %d events", len(seqs))
	}
}

func TestOriginHeaderAndBackoffGrowth(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.refuse = 503 })
	opts := fastOptions(fs.url())
	opts.Origin = "https://desk.example.com"
	r := start(t, opts)
	ups := r.rec.waitFor(t, "4 failed attempts", func(ups []Update) bool { return countState(ups, StateOffline) >= 4 })
	var attempts []int
	for _, u := range ups {
		if sc, ok := u.(StateChanged); ok && sc.State == StateOffline {
			attempts = append(attempts, sc.Attempt)
		}
	}
	if !slices.Equal(attempts[:4], []int{1, 2, 3, 4}) {
		t.Errorf("offline attempts = %v, want counting up", attempts)
	}
	fs.get(func(fs *fakeServer) {
		for _, o := range fs.origins {
			if o != opts.Origin {
				t.Errorf("Origin = %q", o)
			}
		}
	})

	c := &Client{opts: Options{BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second}}
	for attempt := range 40 {
		ceil := min(100*time.Millisecond<<min(attempt, 20), time.Second)
		for range 50 {
			if d := c.backoff(attempt); d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", attempt, d, ceil)
			}
		}
	}
}

// TestDraftDeltasAreEphemeral: draft_delta frames arrive as DraftDelta
// updates in frame order between events, never move LastSeq (so a reconnect
// resumes from the last event), and an unreadable one is skipped.
func TestDraftDeltasAreEphemeral(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.publish(protocol.EvConversation, protocol.ConversationEvent{Cause: protocol.CauseEscalated, Conversation: protocol.Conversation{ID: "c_01"}})
	fs.ephemeral(protocol.TypeDraftDelta, protocol.DraftDelta{ConversationID: "c_01", JobID: "g_1", Text: "Hello"})
	fs.ephemeral(protocol.TypeDraftDelta, json.RawMessage(`{"conversation_id":7}`))
	fs.ephemeral(protocol.TypeDraftDelta, protocol.DraftDelta{ConversationID: "c_01", JobID: "g_1", Text: "", Reset: true})
	ups := r.rec.waitFor(t, "2 deltas", func(ups []Update) bool { return len(deltasOf(ups)) >= 2 })
	if got := r.c.LastSeq(); got != 1 {
		t.Fatalf("LastSeq after deltas = %d, want 1", got)
	}
	want := []DraftDelta{{ConversationID: "c_01", JobID: "g_1", Text: "Hello"}, {ConversationID: "c_01", JobID: "g_1", Reset: true}}
	if got := deltasOf(ups); !slices.Equal(got, want) {
		t.Fatalf("deltas = %+v", got)
	}
	fs.publish(protocol.EvDraft, protocol.DraftEvent{Draft: protocol.Draft{ID: "d_1", ConversationID: "c_01", Text: "Hello there", Status: "open"}})
	ups = r.rec.waitFor(t, "the draft", func(ups []Update) bool { return len(eventSeqs(ups)) >= 2 })
	// Order as sent: event 1, the deltas, event 2.
	var kinds []string
	for _, u := range ups {
		switch u := u.(type) {
		case Event:
			kinds = append(kinds, u.Kind)
		case DraftDelta:
			kinds = append(kinds, "delta")
		}
	}
	if !slices.Equal(kinds, []string{protocol.EvConversation, "delta", "delta", protocol.EvDraft}) {
		t.Fatalf("order = %v", kinds)
	}
	fs.dropAll()
	r.waitOnline(t, 2)
	if s := fs.acceptedSinces(); len(s) != 2 || s[1] != 2 {
		t.Fatalf("sinces = %v, want resume from 2", s)
	}
}

func deltasOf(ups []Update) []DraftDelta {
	var out []DraftDelta
	for _, u := range ups {
		if d, ok := u.(DraftDelta); ok {
			out = append(out, d)
		}
	}
	return out
}
