// Package faults breaks a real server while desks and customers use it —
// the server process killed with SIGKILL and restarted, every connection
// dropped at once, frames torn in the middle, the webhook receiver down,
// the LLM endpoint hanging, answering garbage or failing —
// and checks afterwards that every desk received exactly the events it may
// see, in order, once, and that every customer message and every outcome
// is stored exactly once. The server is this test binary re-executed, so
// the kill is a real process death.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

func TestMain(m *testing.M) {
	if os.Getenv("FAULTS_SERVE") == "1" {
		os.Exit(serveChild())
	}
	os.Exit(m.Run())
}

// serveChild is the server process: the database and address come from
// the environment; it runs until SIGTERM (or dies to SIGKILL).
func serveChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	st, err := store.Open(ctx, os.Getenv("FAULTS_DB"), store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	cc := copilot.Config{Provider: copilot.ProviderOffline}
	if u := os.Getenv("FAULTS_LLM"); u != "" {
		// A remote model that hangs, answers garbage or fails: drafts must
		// still come, from the offline engine.
		cc = copilot.Config{Provider: copilot.ProviderOpenAI, BaseURL: u, Model: "faulty", APIKey: "k", Timeout: 500 * time.Millisecond, MaxRetries: 1}
	}
	eng, err := copilot.New(cc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := server.Config{Copilot: eng, CopilotTimeout: 5 * time.Second, RateLimit: -1, SendBuffer: 64, Channels: server.ChannelsConfig{RateLimit: -1,
		Outbound: server.OutboundConfig{Timeout: time.Second, Lease: 2 * time.Second, BaseBackoff: 100 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Poll: 50 * time.Millisecond}}}
	if u := os.Getenv("FAULTS_WEBHOOK"); u != "" {
		cfg.Channels.Webhooks = map[string]server.Webhook{"*": {URL: u, Secret: "whsec_faults"}}
	}
	srv := server.New(st, cfg)
	var ln net.Listener
	for range 100 { // the killed process's socket may linger a moment
		if ln, err = net.Listen("tcp", os.Getenv("FAULTS_ADDR")); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("listening")
	if err := srv.Serve(ctx, ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// child is the server process as the test sees it.
type child struct {
	t       *testing.T
	db      string
	addr    string
	webhook string
	llm     string
	cmd     *exec.Cmd
}

func (c *child) start() {
	c.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAULTS_SERVE=1", "FAULTS_DB="+c.db, "FAULTS_ADDR="+c.addr, "FAULTS_WEBHOOK="+c.webhook, "FAULTS_LLM="+c.llm)
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	line := make([]byte, 10)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "listening\n" {
		cmd.Process.Kill()
		cmd.Wait()
		c.t.Fatalf("server child did not start: %v %q %s", err, line, stderr.String())
	}
	go io.Copy(io.Discard, out)
	c.cmd = cmd
}

// kill is kill -9: no shutdown, no flush.
func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		c.kill()
		c.t.Error("server did not stop on SIGTERM")
	}
}

// deskView is everything one desk received.
type deskView struct {
	agent, role string
	c           *client.Client
	mu          sync.Mutex
	base        int64 // the first snapshot's seq
	seen        map[int64]bool
	last        int64
	problems    []string
	snapshots   int
	reconnects  int
}

func (d *deskView) record(u client.Update) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch u := u.(type) {
	case client.Welcomed:
		if u.Welcome.Resume == protocol.ResumeSnapshot {
			d.snapshots++
			if d.snapshots == 1 {
				d.base, d.last = u.Welcome.Seq, u.Welcome.Seq
			}
		} else {
			d.reconnects++
		}
	case client.Event:
		if d.seen[u.Seq] {
			d.problems = append(d.problems, fmt.Sprintf("seq %d twice", u.Seq))
		} else if u.Seq <= d.last {
			d.problems = append(d.problems, fmt.Sprintf("seq %d after %d", u.Seq, d.last))
		}
		d.seen[u.Seq] = true
		d.last = max(d.last, u.Seq)
	}
}

func TestServerKilledConnectionsCutFramesTorn(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server process")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "agentdesk.db")

	// Accounts, made before the server runs.
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var apiToken string
	desks := []*deskView{{agent: "lena", role: protocol.RoleLead}, {agent: "lars", role: protocol.RoleLead},
		{agent: "ana", role: protocol.RoleAgent}, {agent: "ben", role: protocol.RoleAgent}}
	tokens := map[string]string{}
	err = st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("t", store.NewAgent{ID: "shop", Name: "Shop", Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		if apiToken, _, err = tx.CreateIntegrationToken("t", "shop", ""); err != nil {
			return err
		}
		for _, d := range desks {
			if _, err := tx.CreateAgent("t", store.NewAgent{ID: d.agent, Name: d.agent, Role: d.role, Team: "support", Capacity: 5}); err != nil {
				return err
			}
			if tokens[d.agent], _, err = tx.CreateToken("t", d.agent, ""); err != nil {
				return err
			}
		}
		return nil
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	// The webhook receiver, down for part of the run.
	var hookDown atomic.Bool
	var hookMu sync.Mutex
	delivered := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hookDown.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		hookMu.Lock()
		delivered[r.Header.Get("X-Agentdesk-Delivery")]++
		hookMu.Unlock()
	}))
	defer hook.Close()

	// The LLM endpoint: hangs, returns garbage, or fails, in turn.
	var llmCalls atomic.Int64
	llmStop := make(chan struct{})
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch llmCalls.Add(1) % 3 {
		case 0:
			select {
			case <-r.Context().Done():
			case <-llmStop:
			}
		case 1:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"message":{"content":"{\"draft\": [tru`)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer llm.Close()
	defer close(llmStop) // runs first: hung requests end before Close waits for them

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := &child{t: t, db: db, addr: addr, webhook: hook.URL, llm: llm.URL}
	srv.start()
	defer func() {
		if srv.cmd.ProcessState == nil {
			srv.kill()
		}
	}()
	px := newProxy(t, addr)

	// Desks: the Go client with durable outboxes, through the proxy.
	var outcomeKeys sync.Map   // key → true, every outcome enqueued
	var outboxRefused sync.Map // outbox id → error
	runCtx, stopDesks := context.WithCancel(ctx)
	var deskWG sync.WaitGroup
	for i, d := range desks {
		d.seen = map[int64]bool{}
		c, err := client.New(client.Options{URL: "ws://" + px.addr(), Token: tokens[d.agent],
			OutboxPath: filepath.Join(dir, d.agent+".outbox"), BackoffMin: 20 * time.Millisecond, BackoffMax: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		d.c = c
		deskWG.Add(2)
		go func() { defer deskWG.Done(); c.Run(runCtx) }()
		go func() {
			defer deskWG.Done()
			for u := range c.Updates() {
				d.record(u)
				if r, ok := u.(client.OutboxResult); ok && r.Err != nil {
					outboxRefused.Store(r.ID, r.Err.Error())
				}
				// The first lead accepts every draft the copilot writes,
				// through the outbox: an outcome that must be stored once.
				if ev, ok := u.(client.Event); ok && i == 0 && ev.Kind == protocol.EvDraft {
					if p, ok := ev.Payload.(*protocol.DraftEvent); ok && p.Draft.Status == "open" {
						key := "out-" + p.Draft.ID
						if _, dup := outcomeKeys.LoadOrStore(key, false); !dup {
							deskWG.Add(1)
							go func() {
								defer deskWG.Done()
								// Take the chat (a live request, retried while
								// the server is down), then queue the outcome.
								for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && runCtx.Err() == nil; time.Sleep(50 * time.Millisecond) {
									_, err := c.Claim(runCtx, p.Draft.ConversationID, 0)
									if err != nil && protocol.CodeOf(err) != protocol.CodeConflict {
										continue
									}
									if _, err := c.EnqueueOutcome(protocol.OutcomeReq{DraftID: p.Draft.ID, Action: protocol.ActionAccept, IdempotencyKey: key}); err != nil {
										t.Errorf("enqueue outcome: %v", err)
									}
									outcomeKeys.Store(key, true)
									return
								}
							}()
						}
					}
				}
			}
		}()
	}
	waitFor(t, "desks online", 10*time.Second, func() bool {
		for _, d := range desks {
			if d.c.State() != client.StateOnline {
				return false
			}
		}
		return true
	})

	// Customers post through the HTTP API straight to the server (the
	// proxy is for desks), retrying with the same message_id until stored.
	var posted sync.Map // message_id → conversation id
	var postWG sync.WaitGroup
	postCtx, stopPosting := context.WithCancel(ctx)
	hc := &http.Client{Timeout: 5 * time.Second}
	postWG.Add(1)
	go func() {
		defer postWG.Done()
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for n := 0; postCtx.Err() == nil; n++ {
			<-tick.C
			cust := n % 12
			text := fmt.Sprintf("n=%d where is my order %d?", n, 1000+n)
			if (n/12)%4 == 3 {
				text = fmt.Sprintf("n=%d I want a human agent now", n)
			}
			id := fmt.Sprintf("m-%d", n)
			postWG.Add(1)
			go func() {
				defer postWG.Done()
				body, _ := json.Marshal(map[string]string{"message_id": id, "channel": "web", "external_id": fmt.Sprintf("cust-%d", cust), "text": text})
				for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/api/messages", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+apiToken)
					req.Header.Set("Content-Type", "application/json")
					resp, err := hc.Do(req)
					if err != nil {
						continue // server down: retry, same id
					}
					var ans struct {
						Conversation struct{ ID string } `json:"conversation"`
					}
					json.NewDecoder(resp.Body).Decode(&ans)
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						continue
					}
					if resp.StatusCode >= 300 {
						t.Errorf("post %s: HTTP %d", id, resp.StatusCode)
						return
					}
					posted.Store(id, ans.Conversation.ID)
					return
				}
				t.Errorf("post %s: not stored within a minute", id)
			}()
		}
	}()

	// The faults.
	step := func(what string, f func()) {
		time.Sleep(700 * time.Millisecond)
		t.Log(what)
		f()
	}
	step("webhook receiver down", func() { hookDown.Store(true) })
	step("every connection cut at once", px.cutAll)
	step("frames torn mid-write", func() { px.tearNext(3) })
	step("server killed (SIGKILL) and restarted", func() { srv.kill(); time.Sleep(300 * time.Millisecond); srv.start() })
	step("every connection cut again", px.cutAll)
	step("server killed during the reconnect storm", func() { px.cutAll(); srv.kill(); srv.start() })
	step("webhook receiver back", func() { hookDown.Store(false) })
	time.Sleep(700 * time.Millisecond)
	stopPosting()
	postWG.Wait()

	// Settle: every outbox empty, every lead at the head.
	waitFor(t, "outboxes empty", 30*time.Second, func() bool {
		for _, d := range desks {
			if len(d.c.Pending()) > 0 {
				return false
			}
		}
		return true
	})
	head := readySeq(t, addr)
	waitFor(t, "leads at the head", 30*time.Second, func() bool {
		for _, d := range desks {
			d.mu.Lock()
			last := d.last
			d.mu.Unlock()
			if d.role == protocol.RoleLead && last < head {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond) // the agents' last events
	// The replies accepted after the receiver came back are retried by the
	// outbound worker; give it its backoff.
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		hookMu.Lock()
		n := 0
		outcomeKeys.Range(func(_, queued any) bool {
			if queued.(bool) {
				n++
			}
			return true
		})
		got := len(delivered)
		hookMu.Unlock()
		if got >= n {
			break
		}
	}
	stopDesks()
	for _, d := range desks {
		d.c.Close()
	}
	deskWG.Wait()
	srv.stop()

	// Verify against the database.
	st, err = store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, d := range desks {
		if len(d.problems) > 0 {
			t.Errorf("%s: %s", d.agent, strings.Join(d.problems, "; "))
		}
		if d.snapshots != 1 {
			t.Errorf("%s: %d snapshots; every reconnect should have resumed from the log", d.agent, d.snapshots)
		}
		if d.reconnects < 3 {
			t.Errorf("%s: %d resumed reconnects; the faults should have forced at least 3", d.agent, d.reconnects)
		}
	}
	after := head
	for _, d := range desks {
		after = min(after, d.base)
	}
	checked := 0
	for after < head {
		evs, err := st.EventsAfter(ctx, after, 1000)
		if err != nil || len(evs) == 0 {
			t.Fatalf("event log after %d: %v", after, err)
		}
		for i := range evs {
			ev := &evs[i]
			if ev.Seq > head {
				break
			}
			for _, d := range desks {
				if ev.Seq <= d.base {
					continue
				}
				want, got := server.Visible(d.agent, d.role, ev), d.seen[ev.Seq]
				if want != got {
					t.Errorf("%s: event %d (%s): received %v, should have %v", d.agent, ev.Seq, ev.Kind, got, want)
				}
				checked++
			}
		}
		after = evs[len(evs)-1].Seq
	}

	// Every customer message stored exactly once.
	convs := map[string]bool{}
	nPosted := 0
	posted.Range(func(_, c any) bool { convs[c.(string)] = true; nPosted++; return true })
	count := map[string]int{}
	for c := range convs {
		det, err := st.ConversationDetail(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range det.Messages {
			if m.Author == protocol.AuthorCustomer {
				n, _, _ := strings.Cut(strings.TrimPrefix(m.Text, "n="), " ")
				count["m-"+n]++
			}
		}
	}
	posted.Range(func(id, _ any) bool {
		if count[id.(string)] != 1 {
			t.Errorf("message %s stored %d times", id, count[id.(string)])
		}
		return true
	})

	// Every outcome stored exactly once, and its reply sent to the webhook.
	outs, err := st.Outcomes(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]int{}
	replies := map[string]bool{}
	for _, o := range outs {
		byKey[o.IdempotencyKey]++
		replies[o.MessageID] = true
		if o.Provider != copilot.ProviderOffline {
			t.Errorf("outcome %s: draft from %q; the faulty model should have fallen back to offline", o.ID, o.Provider)
		}
	}
	if llmCalls.Load() == 0 {
		t.Error("the faulty LLM endpoint was never called")
	}
	nOutcomes := 0
	outcomeKeys.Range(func(k, queued any) bool {
		if !queued.(bool) {
			return true // never claimed (the run ended first)
		}
		nOutcomes++
		if byKey[k.(string)] != 1 {
			t.Errorf("outcome %s stored %d times", k, byKey[k.(string)])
		}
		return true
	})
	outboxRefused.Range(func(id, err any) bool {
		t.Errorf("outbox item %s refused: %s", id, err)
		return true
	})
	hookMu.Lock()
	for id := range replies {
		if delivered[id] < 1 {
			t.Errorf("reply %s never reached the webhook receiver", id)
		}
	}
	hookMu.Unlock()
	if nPosted < 100 || nOutcomes < 3 || checked == 0 {
		t.Errorf("too little happened to prove anything: %d messages, %d outcomes, %d checks", nPosted, nOutcomes, checked)
	}
	t.Logf("%d messages, %d outcomes, %d (desk, event) pairs checked up to seq %d", nPosted, nOutcomes, checked, head)
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func readySeq(t *testing.T, addr string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Seq int64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(errors.Join(err, fmt.Errorf("HTTP %d", resp.StatusCode)))
	}
	return v.Seq
}
