package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// SQL written the portable way (what migrations and store code use) runs
// unchanged on both backends: placeholders, INTEGER/REAL/AUTOINCREMENT
// DDL, LastInsertId, ON CONFLICT, literals containing '?'.
func TestPortableSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := store.RawDB(b.Open(t, store.Options{}))
		if _, err := db.ExecContext(ctx, `
CREATE TABLE portable_items (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	label  TEXT NOT NULL UNIQUE, -- what? a comment with a ?
	score  REAL NOT NULL DEFAULT 0,
	count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX portable_items_score ON portable_items(score);`); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, label := range []string{"first?", "second", "第三"} {
			res, err := db.ExecContext(ctx, `INSERT INTO portable_items(label, score, count) VALUES (?, ?, ?)`, label, 0.1234567891234+float64(i), 1<<40+i)
			if err != nil {
				t.Fatal(err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("insert affected %d rows", n)
			}
			ids = append(ids, id)
		}
		if !slices.IsSorted(ids) || ids[0] == ids[2] {
			t.Fatalf("ids %v", ids)
		}
		res, err := db.ExecContext(ctx, `INSERT INTO portable_items(label) VALUES (?) ON CONFLICT (label) DO NOTHING`, "second")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 0 {
			t.Fatalf("conflicting insert affected %d rows", n)
		}
		var label string
		var score float64
		var count int64
		if err := db.QueryRowContext(ctx, `SELECT label, score, count FROM portable_items WHERE id = ? AND label <> '?'`, ids[0]).
			Scan(&label, &score, &count); err != nil {
			t.Fatal(err)
		}
		if label != "first?" || score != 0.1234567891234 || count != 1<<40 {
			t.Fatalf("read back %q %v %d", label, score, count)
		}
	})
}

// Replicas opened at the same moment on an empty database migrate it once.
func TestReplicasMigrateOnce(t *testing.T) {
	db := storetest.PostgresDB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.Open(context.Background(), db, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			st.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := storetest.OpenDB(t, db, store.Options{})
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.CreateCustomer(store.NewCustomer{Name: "x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// collector is a publisher that keeps what it receives.
type collector struct {
	mu     sync.Mutex
	events []store.Event
}

func (c *collector) publish(evs []store.Event) {
	c.mu.Lock()
	c.events = append(c.events, evs...)
	c.mu.Unlock()
}

func (c *collector) seqs() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for _, ev := range c.events {
		out = append(out, ev.Seq)
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Each replica's publisher gets every replica's events in seq order,
// exactly once; its own are marked Local and carry their details; the
// answer of a write comes after its events were published.
func TestFeedPublishesEveryReplicasEvents(t *testing.T) {
	db := storetest.PostgresDB(t)
	a := storetest.OpenDB(t, db, store.Options{})
	b := storetest.OpenDB(t, db, store.Options{})
	var ca, cb collector
	a.SetPublisher(ca.publish)
	b.SetPublisher(cb.publish)
	var wg sync.WaitGroup
	for i, st := range []*store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 25 {
				var convID string
				if err := st.Update(context.Background(), func(tx *store.Tx) error {
					cust, err := tx.CreateCustomer(store.NewCustomer{Name: fmt.Sprintf("c%d-%d", i, k)})
					if err != nil {
						return err
					}
					c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
					convID = c.ID
					if err != nil {
						return err
					}
					_, _, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "hello")
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				// A write's events are published before its answer returns.
				found := false
				col := map[*store.Store]*collector{a: &ca, b: &cb}[st]
				col.mu.Lock()
				for _, ev := range col.events {
					found = found || (ev.ConversationID == convID && ev.Kind == protocol.EvMessage)
				}
				col.mu.Unlock()
				if !found {
					t.Errorf("Update returned before its events were published")
				}
			}
		}()
	}
	wg.Wait()
	head, err := a.HeadSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*collector{"a": &ca, "b": &cb} {
		waitFor(t, name+" publishes up to the head", func() bool {
			s := c.seqs()
			return len(s) > 0 && s[len(s)-1] == head
		})
		got := c.seqs()
		var want []int64
		evs, _ := a.EventsAfter(context.Background(), got[0]-1, 100_000)
		for _, ev := range evs {
			want = append(want, ev.Seq)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("replica %s published %d events, the log has %d", name, len(got), len(want))
		}
		local := 0
		for _, ev := range c.events {
			if ev.Local {
				local++
			}
			if ev.Kind == protocol.EvMessage && ev.Detail != protocol.AuthorCustomer {
				t.Fatalf("message event %d without its author detail (local %v)", ev.Seq, ev.Local)
			}
		}
		if local != len(got)/2 {
			t.Fatalf("replica %s: %d of %d events local, want half", name, local, len(got))
		}
	}
}

// An event committed without a notification (one lost with a dropped
// LISTEN connection) is still published, by the periodic catch-up.
func TestFeedCatchesUpWithoutNotification(t *testing.T) {
	db := storetest.PostgresDB(t)
	a := storetest.OpenDB(t, db, store.Options{})
	var c collector
	a.SetPublisher(c.publish)
	other := storetest.OpenDB(t, db, store.Options{})
	// A raw insert: no advisory lock needed in this quiet test, and no NOTIFY.
	if _, err := store.RawDB(other).ExecContext(context.Background(),
		`INSERT INTO events(kind, conversation_id, assignee, actor, at, data) VALUES (?, '', '', '', ?, ?)`,
		protocol.EvAgent, time.Now().UnixMilli(), `{"cause":"status","agent":{"id":"x"}}`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the silent event is published", func() bool { return len(c.seqs()) == 1 })
}

// Auto-assignment on one replica reaches an agent whose desk is connected
// to another: replicas share which agents have a desk open.
func TestAutoAssignSeesDesksOnOtherReplicas(t *testing.T) {
	ctx := context.Background()
	db := storetest.PostgresDB(t)
	a := storetest.OpenDB(t, db, store.Options{})
	b := storetest.OpenDB(t, db, store.Options{})
	noop := func([]store.Event) {}
	a.SetPublisher(noop)
	b.SetPublisher(noop)
	b.SetRouting(store.Routing{AutoAssign: true, Present: func(string) bool { return false }}) // no desk on b itself
	alice := store.Actor{ID: "alice", Role: protocol.RoleAgent}
	if err := b.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "alice", Role: protocol.RoleAgent, Capacity: 5}); err != nil {
			return err
		}
		_, err := tx.SetStatus(alice, "", "online")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	escalate := func() protocol.Conversation {
		t.Helper()
		var c protocol.Conversation
		if err := b.Update(ctx, func(tx *store.Tx) error {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "Sam"})
			if err != nil {
				return err
			}
			if c, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"}); err != nil {
				return err
			}
			_, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "explicit"}, 10, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c, err := b.Conversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	aliceOnline := func(want bool) func() bool {
		return func() bool {
			var n int
			store.RawDB(b).QueryRowContext(ctx, `SELECT COUNT(*) FROM agentdesk_replicas WHERE agents = 'alice'`).Scan(&n)
			return (n == 1) == want
		}
	}
	if c := escalate(); c.Assignee != "" {
		t.Fatalf("assigned to %q with no desk open anywhere", c.Assignee)
	}
	a.SetPresentAgents([]string{"alice"})
	waitFor(t, "replica a reports alice's desk", aliceOnline(true))
	if c := escalate(); c.Assignee != "alice" {
		t.Fatalf("assignee %q, want alice (her desk is on the other replica)", c.Assignee)
	}
	a.SetPresentAgents(nil)
	waitFor(t, "replica a reports no desk", aliceOnline(false))
	if c := escalate(); c.Assignee != "" {
		t.Fatalf("assigned to %q after the desk closed", c.Assignee)
	}
}

// Concurrent writes, some failing half-way: each failed write leaves
// nothing behind (no row, no event published), each successful one is
// whole — also when PostgreSQL commits them together (group commit).
func TestConcurrentWritesFailAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Open(t, store.Options{})
		var c collector
		st.SetPublisher(c.publish)
		errBoom := fmt.Errorf("boom")
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := st.Update(ctx, func(tx *store.Tx) error {
					cust, err := tx.CreateCustomer(store.NewCustomer{ID: fmt.Sprintf("u-%02d", i), Name: "x"})
					if err != nil {
						return err
					}
					if _, err := tx.CreateConversation(store.NewConversation{ID: fmt.Sprintf("c-%02d", i), CustomerID: cust, Channel: "web"}); err != nil {
						return err
					}
					if i%3 == 0 {
						return errBoom
					}
					if i%3 == 1 { // a database error: the same customer twice
						_, err := tx.CreateCustomer(store.NewCustomer{ID: fmt.Sprintf("u-%02d", i), Name: "x"})
						return err
					}
					return nil
				})
				switch {
				case i%3 == 0 && err != errBoom, i%3 == 1 && err == nil, i%3 == 2 && err != nil:
					t.Errorf("write %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		for i := range 60 {
			_, err := st.Conversation(ctx, fmt.Sprintf("c-%02d", i))
			if exists := err == nil; exists != (i%3 == 2) {
				t.Fatalf("conversation %d exists=%v (err %v)", i, exists, err)
			}
		}
		waitFor(t, "the successful writes' events", func() bool { return len(c.seqs()) >= 20 })
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.events) != 20 {
			t.Fatalf("%d events published, want 20", len(c.events))
		}
		// A write whose caller gave up before it ran does nothing.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := st.Update(cctx, func(tx *store.Tx) error {
			_, err := tx.CreateCustomer(store.NewCustomer{ID: "late", Name: "x"})
			return err
		}); err == nil {
			t.Fatal("a write with a cancelled context succeeded")
		}
		if _, err := st.Customer(ctx, "late"); err == nil {
			t.Fatal("a cancelled write was stored")
		}
	})
}

// A write that panics fails alone; the writes committed with it and after
// it are answered and stored.
func TestPanickingWriteFailsAlone(t *testing.T) {
	storetest.Each(t, testPanickingWriteFailsAlone)
}

func testPanickingWriteFailsAlone(t *testing.T, b storetest.Backend) {
	st := b.Open(t, store.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx *store.Tx) error {
				if _, err := tx.CreateCustomer(store.NewCustomer{ID: fmt.Sprintf("p-%02d", i), Name: "x"}); err != nil {
					return err
				}
				if i == 7 {
					var m map[string]int
					m["boom"]++ // a bug in a write
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		_, lookup := st.Customer(ctx, fmt.Sprintf("p-%02d", i))
		if i == 7 {
			if err == nil || lookup == nil {
				t.Fatalf("the panicking write: err %v, stored %v", err, lookup == nil)
			}
			continue
		}
		if err != nil || lookup != nil {
			t.Fatalf("write %d: err %v, lookup %v", i, err, lookup)
		}
	}
	if err := st.Update(ctx, func(tx *store.Tx) error { return nil }); err != nil {
		t.Fatalf("a write after the panic: %v", err)
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/db?sslmode=disable": "postgres://u:xxxxx@h/db?sslmode=disable",
		"postgresql://u@h/db?password=secret":      "postgresql://u@h/db?password=xxxxx",
		"/var/lib/agentdesk.db":                    "/var/lib/agentdesk.db",
	} {
		if got := store.RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}
