package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

func outcomeReq(n int) protocol.OutcomeReq {
	return protocol.OutcomeReq{DraftID: fmt.Sprintf("d_%d", n), Action: protocol.ActionAccept, IdempotencyKey: fmt.Sprintf("k-%d", n)}
}

// Items queued while the server refuses connections are delivered in order
// once it accepts, each exactly once, with one result each.
func TestOutboxDeliversAfterComingOnline(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) { fs.refuse = 503 })
	opts := fastOptions(fs.url())
	opts.OutboxPath = filepath.Join(t.TempDir(), "sub", "outbox.jsonl")
	r := start(t, opts)
	r.rec.waitFor(t, "offline", func(ups []Update) bool { return countState(ups, StateOffline) >= 1 })

	var ids []string
	for i := range 5 {
		id, err := r.c.EnqueueOutcome(outcomeReq(i))
		if err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		ids = append(ids, id)
	}
	if n := len(r.c.Pending()); n != 5 {
		t.Fatalf("Pending = %d, want 5", n)
	}
	fs.set(func(fs *fakeServer) { fs.refuse = 0 })
	ups := r.rec.waitFor(t, "5 results", func(ups []Update) bool { return len(outboxResults(ups)) >= 5 })
	res := outboxResults(ups)
	for i, rr := range res {
		if rr.ID != ids[i] || rr.Err != nil || rr.Type != protocol.ReqOutcome || rr.Pending != 4-i {
			t.Errorf("result %d = %+v, want ack for %s with %d pending", i, rr, ids[i], 4-i)
		}
		var ack struct{ Echo protocol.OutcomeReq }
		if err := json.Unmarshal(rr.Ack, &ack); err != nil || ack.Echo.DraftID != fmt.Sprintf("d_%d", i) {
			t.Errorf("result %d ack = %s", i, rr.Ack)
		}
	}
	fs.get(func(fs *fakeServer) {
		if !slices.Equal(fs.order, ids) {
			t.Errorf("server applied %v, want %v in order", fs.order, ids)
		}
	})
	if n := len(r.c.Pending()); n != 0 {
		t.Errorf("Pending = %d after delivery", n)
	}
	// Enqueued while online: goes straight out.
	id, err := r.c.Enqueue(protocol.ReqNote, protocol.TextReq{ConversationID: "c_1", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, "6th result", func(ups []Update) bool {
		res := outboxResults(ups)
		return len(res) == 6 && res[5].ID == id
	})
	r.stop()

	// Nothing left to deliver after a restart.
	c2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if p := c2.Pending(); len(p) != 0 {
		t.Errorf("restart found %d pending items", len(p))
	}
}

// A client that dies mid-delivery leaves its outbox behind; a new client on
// the same file delivers what is pending, and each action takes effect on
// the server exactly once, even the one whose ack was lost.
func TestOutboxSurvivesRestartExactlyOnce(t *testing.T) {
	fs := newFakeServer(t)
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	opts := fastOptions(fs.url())
	opts.OutboxPath = path

	// First client: the server applies the first outcome but its ack is
	// "lost"; the client dies before hearing back.
	var first string
	fs.set(func(fs *fakeServer) {
		fs.hold = func(f protocol.Frame) bool { return f.Type == protocol.ReqOutcome }
	})
	r1 := start(t, opts)
	r1.waitOnline(t, 1)
	first, err := r1.c.EnqueueOutcome(outcomeReq(1))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var applied int
		fs.get(func(fs *fakeServer) { applied = fs.applied[first] })
		if applied == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server never got the first outcome")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Queue more behind it, then "crash": stop without any reply.
	var ids = []string{first}
	for i := 2; i <= 4; i++ {
		id, err := r1.c.EnqueueOutcome(outcomeReq(i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	r1.stop()
	fs.dropAll()

	// Second client, same file, the server now answers.
	fs.set(func(fs *fakeServer) { fs.hold = nil })
	c2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(c2.Pending()); !slices.Equal(got, ids) {
		t.Fatalf("after restart Pending = %v, want %v", got, ids)
	}
	c2.Close()
	r2 := start(t, opts)
	ups := r2.rec.waitFor(t, "4 results", func(ups []Update) bool { return len(outboxResults(ups)) >= 4 })
	if got := idsOf2(outboxResults(ups)); !slices.Equal(got, ids) {
		t.Errorf("results for %v, want %v", got, ids)
	}
	fs.get(func(fs *fakeServer) {
		for _, id := range ids {
			if fs.applied[id] != 1 {
				t.Errorf("%s applied %d times", id, fs.applied[id])
			}
		}
		if fs.received[first] < 2 {
			t.Errorf("the held request was received %d times; the restart should have resent it", fs.received[first])
		}
		if !slices.Equal(fs.order, ids) {
			t.Errorf("applied in order %v, want %v", fs.order, ids)
		}
	})
	r2.stop()
	c3, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if n := len(c3.Pending()); n != 0 {
		t.Errorf("third start: %d pending", n)
	}
}

func idsOf(items []OutboxItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func idsOf2(res []OutboxResult) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.ID)
	}
	return out
}

// A crash mid-append leaves a torn last line: it is ignored, the rest is
// kept, and later appends are readable.
func TestOutboxTornLastLine(t *testing.T) {
	for name, tail := range map[string]string{
		"torn json":    `{"op":"add","id":"o-3","type":"note","da`,
		"garbage":      "\x00\x00\x00\x7f",
		"no newline":   `{"op":"add","id":"o-3","type":"note","data":{"conversation_id":"c","text":"z"},"at":3}`,
		"blank at end": "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.jsonl")
			content := `{"op":"add","id":"o-1","type":"note","data":{"conversation_id":"c","text":"x"},"at":1}` + "\n" +
				`{"op":"add","id":"o-2","type":"note","data":{"conversation_id":"c","text":"y"},"at":2}` + "\n" +
				`{"op":"done","id":"o-1"}` + "\n" + tail
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := New(Options{URL: "ws://127.0.0.1:1", Token: "t", OutboxPath: path})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"o-2"}
			if name == "no newline" {
				want = append(want, "o-3") // complete record: kept
			}
			if got := idsOf(c.Pending()); !slices.Equal(got, want) {
				t.Fatalf("Pending = %v, want %v", got, want)
			}
			id, err := c.Enqueue(protocol.ReqNote, protocol.TextReq{ConversationID: "c", Text: "new"})
			if err != nil {
				t.Fatal(err)
			}
			c.Close()

			c2, err := New(Options{URL: "ws://127.0.0.1:1", Token: "t", OutboxPath: path})
			if err != nil {
				t.Fatal(err)
			}
			defer c2.Close()
			if got := idsOf(c2.Pending()); !slices.Equal(got, append(want, id)) {
				t.Fatalf("after reopen Pending = %v, want %v", got, append(want, id))
			}
			raw, _ := os.ReadFile(path)
			for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
				if !json.Valid(line) {
					t.Errorf("line %d of the repaired file is not JSON: %q", i+1, line)
				}
			}
		})
	}
}

// A damaged line in the middle is skipped, not fatal.
func TestOutboxSkipsDamagedMiddleLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	content := `{"op":"add","id":"o-1","type":"note","data":{},"at":1}` + "\nnot json at all\n" +
		`{"op":"add","id":"o-2","type":"note","data":{},"at":2}` + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{URL: "ws://127.0.0.1:1", Token: "t", OutboxPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := idsOf(c.Pending()); !slices.Equal(got, []string{"o-1", "o-2"}) {
		t.Errorf("Pending = %v", got)
	}
}

// Final errors remove the item with a result carrying the code; transient
// ones are retried until they succeed.
func TestOutboxFinalAndTransientErrors(t *testing.T) {
	fs := newFakeServer(t)
	var triesMu sync.Mutex
	tries := map[string]int{}
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			var req protocol.OutcomeReq
			_ = json.Unmarshal(f.Data, &req)
			switch req.DraftID {
			case "d_1":
				return nil, protocol.Errorf(protocol.CodeConflict, "draft already has an outcome")
			case "d_2":
				triesMu.Lock()
				tries[f.ID]++
				n := tries[f.ID]
				triesMu.Unlock()
				if n < 3 {
					return nil, protocol.Errorf(protocol.CodeInternal, "database busy")
				}
			}
			return map[string]bool{"ok": true}, nil
		}
	})
	opts := fastOptions(fs.url())
	opts.OutboxPath = filepath.Join(t.TempDir(), "outbox.jsonl")
	r := start(t, opts)
	id1, _ := r.c.EnqueueOutcome(outcomeReq(1))
	id2, _ := r.c.EnqueueOutcome(outcomeReq(2))
	ups := r.rec.waitFor(t, "2 results", func(ups []Update) bool { return len(outboxResults(ups)) >= 2 })
	res := outboxResults(ups)
	if res[0].ID != id1 || res[0].Err == nil || res[0].Err.Code != protocol.CodeConflict || res[0].Stuck {
		t.Errorf("first result = %+v, want conflict", res[0])
	}
	var refused protocol.OutcomeReq
	if json.Unmarshal(res[0].Request, &refused) != nil || refused.DraftID != "d_1" {
		t.Errorf("refused result carries request %q, want the item's own data", res[0].Request)
	}
	if res[1].ID != id2 || res[1].Err != nil {
		t.Errorf("second result = %+v, want ack after retries", res[1])
	}
	fs.get(func(fs *fakeServer) {
		if fs.received[id2] != 3 || fs.applied[id2] != 1 {
			t.Errorf("transient item received %d times, applied %d; want 3 and 1", fs.received[id2], fs.applied[id2])
		}
	})
}

// An item the server never answers is resent with the same id on the same
// connection; the server's idempotency makes it take effect once.
func TestOutboxResendsUnansweredWithSameID(t *testing.T) {
	fs := newFakeServer(t)
	held := 0
	fs.set(func(fs *fakeServer) {
		fs.hold = func(protocol.Frame) bool { held++; return held == 1 } // called under fs.mu
	})
	opts := fastOptions(fs.url())
	opts.RequestTimeout = 100 * time.Millisecond
	r := start(t, opts)
	id, err := r.c.Enqueue(protocol.ReqResolve, protocol.ResolveReq{ConversationID: "c_1", Disposition: "done"})
	if err != nil {
		t.Fatal(err)
	}
	ups := r.rec.waitFor(t, "result", func(ups []Update) bool { return len(outboxResults(ups)) == 1 })
	if res := outboxResults(ups)[0]; res.ID != id || res.Err != nil {
		t.Errorf("result = %+v", res)
	}
	fs.get(func(fs *fakeServer) {
		if fs.received[id] != 2 || fs.applied[id] != 1 {
			t.Errorf("received %d, applied %d; want 2 and 1", fs.received[id], fs.applied[id])
		}
	})
}

func TestEnqueueRejectsBadRequests(t *testing.T) {
	c, err := New(Options{URL: "ws://127.0.0.1:1", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cases := []struct {
		typ  string
		data any
	}{
		{protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: "c"}}, // not mutating
		{"nope", nil},
		{protocol.ReqOutcome, protocol.OutcomeReq{DraftID: "d", Action: "shrug", IdempotencyKey: "k"}},
		{protocol.ReqNote, map[string]string{"conversation_id": "c", "text": strings.Repeat("x", protocol.MaxFrameBytes)}},
	}
	for _, tc := range cases {
		if _, err := c.Enqueue(tc.typ, tc.data); protocol.CodeOf(err) != protocol.CodeInvalid {
			t.Errorf("Enqueue(%s): err = %v, want invalid", tc.typ, err)
		}
	}
	if n := len(c.Pending()); n != 0 {
		t.Errorf("%d items queued", n)
	}
}

// The file is compacted as delivered items pile up, and stays correct.
func TestOutboxCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	ob, err := openOutbox(path, testLoggerOrDiscard())
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for i := range 3 * compactAfter {
		it := &OutboxItem{ID: fmt.Sprintf("o-%d", i), Type: "note", Data: json.RawMessage(`{}`), EnqueuedAt: time.Now()}
		if err := ob.add(it); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			keep = append(keep, it.ID)
		} else {
			ob.finish(it.ID)
		}
	}
	ob.close()
	raw, _ := os.ReadFile(path)
	lines := bytes.Count(raw, []byte("\n"))
	if lines > len(keep)+2*compactAfter {
		t.Errorf("file has %d lines for %d pending items; not compacted", lines, len(keep))
	}
	ob2, err := openOutbox(path, testLoggerOrDiscard())
	if err != nil {
		t.Fatal(err)
	}
	defer ob2.close()
	if got := idsOf(ob2.pending()); !slices.Equal(got, keep) {
		t.Errorf("after compaction pending = %v, want %v", got, keep)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temp file left behind: %v", err)
	}
}

func testLoggerOrDiscard() *slog.Logger {
	o := Options{Logger: testLogger()}
	o.setDefaults()
	return o.Logger
}

// In-memory outbox (no path): survives reconnects within the process.
func TestInMemoryOutboxAcrossReconnect(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.set(func(fs *fakeServer) { fs.refuse = 503 })
	fs.dropAll()
	r.rec.waitFor(t, "offline", func(ups []Update) bool { return countState(ups, StateOffline) >= 1 })
	id, err := r.c.Enqueue(protocol.ReqSetStatus, protocol.SetStatusReq{Status: "away"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.SetStatus(context.Background(), "", "away"); protocol.CodeOf(err) != protocol.CodeUnavailable {
		t.Errorf("Do while offline: %v", err)
	}
	fs.set(func(fs *fakeServer) { fs.refuse = 0 })
	r.c.RetryNow()
	ups := r.rec.waitFor(t, "result", func(ups []Update) bool { return len(outboxResults(ups)) == 1 })
	if res := outboxResults(ups)[0]; res.ID != id || res.Err != nil {
		t.Errorf("result = %+v", res)
	}
}

// TestCrashHelper is the child process of TestOutboxSurvivesKill: it
// enqueues outcomes as fast as it can, printing each id once Enqueue has
// returned, until it is killed.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("CLIENT_CRASH_OUTBOX") == "" {
		t.Skip("helper process for TestOutboxSurvivesKill")
	}
	opts := fastOptions(os.Getenv("CLIENT_CRASH_URL"))
	opts.OutboxPath = os.Getenv("CLIENT_CRASH_OUTBOX")
	c, err := New(opts)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	go func() {
		for range c.Updates() {
		}
	}()
	go c.Run(context.Background())
	for i := 0; ; i++ {
		id, err := c.EnqueueOutcome(outcomeReq(i))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		fmt.Println(id)
		time.Sleep(time.Duration(i%3) * time.Millisecond)
	}
}

// kill -9 the desk mid-flow, several times, then start it again: every
// outcome whose Enqueue returned is stored exactly once, and none twice.
func TestOutboxSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			time.Sleep(time.Duration(len(f.ID)%3) * time.Millisecond) // let kills land mid-request
			return map[string]bool{"ok": true}, nil
		}
	})
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	var confirmed []string
	for round, killAfter := range []int{15, 40, 5} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
		cmd.Env = append(os.Environ(), "CLIENT_CRASH_OUTBOX="+path, "CLIENT_CRASH_URL="+fs.url())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "error:") {
				t.Fatalf("round %d: helper: %s", round, line)
			}
			if strings.HasPrefix(line, "o-") {
				confirmed = append(confirmed, line)
				n++
				if n == killAfter {
					_ = cmd.Process.Kill()
				}
			}
		}
		_ = cmd.Wait()
		if n < killAfter {
			t.Fatalf("round %d: helper printed only %d ids", round, n)
		}
	}

	opts := fastOptions(fs.url())
	opts.OutboxPath = path
	r := start(t, opts)
	r.waitOnline(t, 1)
	deadline := time.Now().Add(10 * time.Second)
	for len(r.c.Pending()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d items never delivered", len(r.c.Pending()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	fs.get(func(fs *fakeServer) {
		for _, id := range confirmed {
			if fs.applied[id] != 1 {
				t.Errorf("confirmed %s applied %d times", id, fs.applied[id])
			}
		}
		for id, n := range fs.applied {
			if n != 1 {
				t.Errorf("%s applied %d times", id, n)
			}
		}
		t.Logf("%d confirmed, %d applied, %d received in total", len(confirmed), len(fs.applied), sumValues(fs.received))
	})
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// An item the server fails on with internal again and again (a NUL byte
// PostgreSQL refused, say) is retried a bounded number of times, then taken
// out as stuck, so the actions queued behind it still go (issue 19.9).
func TestOutboxStuckItemDoesNotBlockTheRest(t *testing.T) {
	fs := newFakeServer(t)
	fs.set(func(fs *fakeServer) {
		fs.handle = func(f protocol.Frame) (any, *protocol.Error) {
			var req protocol.OutcomeReq
			_ = json.Unmarshal(f.Data, &req)
			if req.DraftID == "d_1" {
				return nil, protocol.Errorf(protocol.CodeInternal, "internal error; try again")
			}
			return map[string]bool{"ok": true}, nil
		}
	})
	opts := fastOptions(fs.url())
	opts.OutboxPath = filepath.Join(t.TempDir(), "outbox.jsonl")
	r := start(t, opts)
	id1, _ := r.c.EnqueueOutcome(outcomeReq(1))
	id2, _ := r.c.EnqueueOutcome(outcomeReq(2))
	ups := r.rec.waitFor(t, "2 results", func(ups []Update) bool { return len(outboxResults(ups)) >= 2 })
	res := outboxResults(ups)
	if res[0].ID != id1 || !res[0].Stuck || res[0].Err == nil || len(res[0].Request) == 0 {
		t.Errorf("first result = %+v, want stuck with its request", res[0])
	}
	if res[1].ID != id2 || res[1].Err != nil {
		t.Errorf("second result = %+v, want ack", res[1])
	}
	fs.get(func(fs *fakeServer) {
		if fs.received[id1] != MaxInternalRetries {
			t.Errorf("stuck item sent %d times, want %d", fs.received[id1], MaxInternalRetries)
		}
	})
}
