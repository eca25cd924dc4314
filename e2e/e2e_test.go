// Package e2e runs the Go client against a real server over loopback with a
// real SQLite file: the guarantees that need both ends.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// backend is a server that can be stopped and started again on the same
// address and database, like a restarted process.
type backend struct {
	t      *testing.T
	st     *store.Store
	cfg    server.Config
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	return newBackendWith(t, server.Config{RateLimit: -1})
}

// newBackendWith runs a server with cfg (the bot, widget sites…).
func newBackendWith(t *testing.T, cfg server.Config) *backend {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "agentdesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{t: t, st: st, cfg: cfg}
	b.start()
	t.Cleanup(func() {
		b.stop()
		st.Close()
	})
	return b
}

func (b *backend) start() {
	b.t.Helper()
	addr := b.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment after a stop
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan error, 1)
	srv := server.New(b.st, b.cfg)
	go func() { b.done <- srv.Serve(ctx, ln, nil) }()
}

func (b *backend) stop() {
	if b.cancel == nil {
		return
	}
	b.cancel()
	b.cancel = nil
	<-b.done
}

func (b *backend) url() string { return "ws://" + b.addr }

func (b *backend) account(id, role string) string {
	b.t.Helper()
	var secret string
	if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: id, Name: id, Role: role, Capacity: 5}); err != nil {
			return err
		}
		var err error
		secret, _, err = tx.CreateToken("test", id, "")
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return secret
}

func (b *backend) escalated(text string) protocol.Conversation {
	b.t.Helper()
	var c protocol.Conversation
	if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "李雷"})
		if err != nil {
			return err
		}
		if c, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "wechat"}); err != nil {
			return err
		}
		if _, _, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", text); err != nil {
			return err
		}
		c, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human", Evidence: text}, 50, 0)
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return c
}

func (b *backend) draft(convID, text string) protocol.Draft {
	b.t.Helper()
	var d protocol.Draft
	if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		d, err = tx.CreateDraft(protocol.Draft{ConversationID: convID, Text: text, BasedOnSeq: 1,
			Provider: "offline", Model: "offline-1", PromptVersion: "draft-v1"})
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return d
}

// desk runs a client until the test ends or stop is called.
type desk struct {
	c      *client.Client
	cancel context.CancelFunc
	ran    chan error
}

func startDesk(t *testing.T, opts client.Options) *desk {
	t.Helper()
	opts.BackoffMin, opts.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	c, err := client.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &desk{c: c, cancel: cancel, ran: make(chan error, 1)}
	go func() { d.ran <- c.Run(ctx) }()
	t.Cleanup(d.stop)
	return d
}

// stop ends the client abruptly, like a killed process: whatever it had not
// delivered stays in its outbox file.
func (d *desk) stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	<-d.ran
	d.c.Close()
}

// until reads updates until fn returns true.
func (d *desk) until(t *testing.T, what string, fn func(client.Update) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case u, ok := <-d.c.Updates():
			if !ok {
				t.Fatalf("updates closed while waiting for %s", what)
			}
			if fn(u) {
				return
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func online(u client.Update) bool {
	s, ok := u.(client.StateChanged)
	return ok && s.State == client.StateOnline
}

func TestOutboxDeliversExactlyOnceAcrossClientRestart(t *testing.T) {
	b := newBackend(t)
	token := b.account("alice", protocol.RoleAgent)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	conv := b.escalated("我的退款还没到账")
	first := b.draft(conv.ID, "您好，退款将在3个工作日内原路退回。")

	d := startDesk(t, client.Options{URL: b.url(), Token: token, OutboxPath: outbox})
	d.until(t, "online", online)
	ctx := context.Background()
	if _, err := d.c.Claim(ctx, conv.ID, 0); err != nil {
		t.Fatal(err)
	}

	// The server goes away; the agent keeps working and the action is queued durably.
	b.stop()
	d.until(t, "offline", func(u client.Update) bool {
		s, ok := u.(client.StateChanged)
		return ok && s.State == client.StateOffline
	})
	if _, err := d.c.EnqueueOutcome(protocol.OutcomeReq{DraftID: first.ID, Action: protocol.ActionAccept, IdempotencyKey: "o-" + first.ID}); err != nil {
		t.Fatal(err)
	}
	// The desk is killed before it could deliver.
	d.stop()

	// Server and desk come back: the outbox is delivered.
	b.start()
	d2 := startDesk(t, client.Options{URL: b.url(), Token: token, OutboxPath: outbox})
	d2.until(t, "the outcome to be acked", func(u client.Update) bool {
		r, ok := u.(client.OutboxResult)
		if ok && r.Err != nil {
			t.Fatalf("outbox delivery failed: %v", r.Err)
		}
		return ok && r.Pending == 0
	})

	// A crash right after the server applied a request but before the
	// client recorded it as done: the request is resent with the same id.
	// The copy of the outbox must hold the request still pending: with the
	// server up, the desk may deliver it (and record it done) before the
	// copy is read, and then nothing is resent.
	second := b.draft(conv.ID, "Sorry for the wait.")
	b.stop()
	d2.until(t, "offline", func(u client.Update) bool {
		s, ok := u.(client.StateChanged)
		return ok && s.State == client.StateOffline
	})
	before := copyFileAfter(t, outbox, func() {
		if _, err := d2.c.EnqueueOutcome(protocol.OutcomeReq{DraftID: second.ID, Action: protocol.ActionEdit,
			FinalText: "Sorry for the wait — refund issued today.", IdempotencyKey: "o-" + second.ID}); err != nil {
			t.Fatal(err)
		}
	})
	b.start()
	d2.until(t, "the second outcome", func(u client.Update) bool {
		r, ok := u.(client.OutboxResult)
		return ok && r.Pending == 0
	})
	d2.stop()
	if err := os.WriteFile(outbox, before, 0o600); err != nil {
		t.Fatal(err)
	}
	d3 := startDesk(t, client.Options{URL: b.url(), Token: token, OutboxPath: outbox})
	d3.until(t, "the resent outcome", func(u client.Update) bool {
		r, ok := u.(client.OutboxResult)
		if ok && r.Err != nil {
			t.Fatalf("resend failed: %v", r.Err)
		}
		return ok && r.Pending == 0
	})

	outs, err := b.st.Outcomes(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	detail, err := b.st.ConversationDetail(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 2 {
		t.Fatalf("want exactly 2 outcomes stored, got %d", len(outs))
	}
	var agentReplies int
	for _, m := range detail.Messages {
		if m.Author == protocol.AuthorAgent {
			agentReplies++
		}
	}
	if agentReplies != 2 {
		t.Fatalf("want 2 agent replies (one per outcome), got %d", agentReplies)
	}
	if len(d3.c.Pending()) != 0 {
		t.Fatalf("outbox still holds %d items", len(d3.c.Pending()))
	}
}

// copyFileAfter runs fn and returns the file's content right after it.
func copyFileAfter(t *testing.T, path string, fn func()) []byte {
	t.Helper()
	fn()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestResumeAcrossServerRestartLosesNothing(t *testing.T) {
	b := newBackend(t)
	token := b.account("lena", protocol.RoleLead)
	conv := b.escalated("hello")

	d := startDesk(t, client.Options{URL: b.url(), Token: token})
	seen := map[int64]bool{}
	var snapshotSeq, last int64 = -1, 0
	record := func(u client.Update) {
		switch u := u.(type) {
		case client.Welcomed:
			if u.Welcome.Resume == protocol.ResumeSnapshot {
				if snapshotSeq >= 0 {
					t.Fatalf("second snapshot at %d: the resume should have replayed", u.Welcome.Seq)
				}
				snapshotSeq, last = u.Welcome.Seq, u.Welcome.Seq
			}
		case client.Event:
			if seen[u.Seq] || u.Seq <= last {
				t.Fatalf("event %d after %d: duplicate or out of order", u.Seq, last)
			}
			seen[u.Seq] = true
			last = u.Seq
		}
	}
	d.until(t, "online", func(u client.Update) bool { record(u); return online(u) })

	addMessages := func(n int) {
		for range n {
			if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
				_, _, err := tx.AddMessage(conv.ID, protocol.AuthorCustomer, "", "again")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	addMessages(20)
	b.stop()
	addMessages(50) // written while no server runs (e.g. through another replica)
	b.start()
	addMessages(20)

	head, err := b.st.HeadSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d.until(t, "every event up to the head", func(u client.Update) bool { record(u); return last >= head })
	// A lead may see everything: every event after the snapshot arrived.
	for seq := snapshotSeq + 1; seq <= head; seq++ {
		if !seen[seq] {
			t.Fatalf("event %d was never delivered (snapshot at %d, head %d)", seq, snapshotSeq, head)
		}
	}
}

func TestRevokedTokenStopsTheClient(t *testing.T) {
	b := newBackend(t)
	token := b.account("alice", protocol.RoleAgent)
	if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
		toks, err := b.st.Tokens(context.Background(), "alice")
		if err != nil {
			return err
		}
		return tx.RevokeToken("test", toks[0].ID)
	}); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Options{URL: b.url(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = c.Run(ctx)
	if !errors.Is(err, client.ErrAuthFailed) {
		t.Fatalf("Run with a revoked token: %v", err)
	}
}

func TestRequestsRoundTrip(t *testing.T) {
	b := newBackend(t)
	d := startDesk(t, client.Options{URL: b.url(), Token: b.account("alice", protocol.RoleAgent)})
	d.until(t, "online", online)
	conv := b.escalated("Where is order 1234?")
	ctx := context.Background()
	got, err := d.c.Next(ctx, "")
	if err != nil || got.ID != conv.ID {
		t.Fatalf("next: %+v %v", got, err)
	}
	if _, err := d.c.Send(ctx, conv.ID, "It ships today."); err != nil {
		t.Fatal(err)
	}
	_, err = d.c.Claim(ctx, conv.ID, 0)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeConflict {
		t.Fatalf("claiming an owned chat: %v", err)
	}
	detail, err := d.c.GetConversation(ctx, conv.ID)
	if err != nil || len(detail.Messages) != 2 {
		t.Fatalf("detail: %+v %v", detail, err)
	}
	if _, err := d.c.Resolve(ctx, conv.ID, "answered"); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(detail)
	if len(raw) == 0 {
		t.Fatal("empty detail")
	}
}
