package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// holdWriter starts a write that blocks until the returned release is
// called, so the writes started meanwhile queue up behind it.
func holdWriter(t *testing.T, st *store.Store) (release func()) {
	t.Helper()
	hold, running := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.Update(context.Background(), func(tx *store.Tx) error {
			close(running)
			<-hold
			return nil
		})
	}()
	<-running
	return func() {
		close(hold)
		if err := <-done; err != nil {
			t.Errorf("the holding write: %v", err)
		}
	}
}

func waitQueued(t *testing.T, st *store.Store, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d queued writes", n), func() bool { return st.WriteStats().Queued >= n })
}

// Writes that queue while a transaction runs commit together (group
// commit), each answered only after the commit and after its events were
// published, and the events reach the publisher in seq order.
func TestGroupCommitBatchesQueuedWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Open(t, store.Options{})
		var c collector
		st.SetPublisher(c.publish)
		release := holdWriter(t, st)
		before := st.WriteStats()
		const n = 40
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("c-%02d", i)
				if err := st.Update(ctx, func(tx *store.Tx) error {
					cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户"})
					if err != nil {
						return err
					}
					_, err = tx.CreateConversation(store.NewConversation{ID: id, CustomerID: cust, Channel: "web"})
					return err
				}); err != nil {
					t.Errorf("write %d: %v", i, err)
					return
				}
				c.mu.Lock()
				defer c.mu.Unlock()
				if !slices.ContainsFunc(c.events, func(ev store.Event) bool { return ev.ConversationID == id }) {
					t.Errorf("write %d answered before its event was published", i)
				}
			}()
		}
		waitQueued(t, st, n)
		release()
		wg.Wait()
		after := st.WriteStats()
		if got := after.Writes - before.Writes; got != n {
			t.Fatalf("%d writes counted, want %d", got, n)
		}
		// The held write, then the 40 queued ones in batches of at most 32.
		if commits := after.Commits - before.Commits; commits > 3 {
			t.Fatalf("%d commits for %d queued writes: not grouped", commits, n)
		}
		seqs := c.seqs()
		if len(seqs) != n || !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != n {
			t.Fatalf("published seqs %v: want %d, increasing, once each", seqs, n)
		}
	})
}

// A request id repeated by concurrent callers that land in one batch runs
// once; every caller gets the same answer.
func TestIdempotentRequestsInOneBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Open(t, store.Options{})
		actor := store.Actor{ID: "alice", Role: "agent"}
		release := holdWriter(t, st)
		const n = 10
		answers := make([]json.RawMessage, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				answers[i], err = st.Apply(ctx, actor, "r-1", func(tx *store.Tx) (any, error) {
					return tx.CreateCustomer(store.NewCustomer{Name: fmt.Sprint("客户 ", i)})
				})
				if err != nil {
					t.Errorf("apply %d: %v", i, err)
				}
			}()
		}
		waitQueued(t, st, n)
		release()
		wg.Wait()
		var id string
		if err := json.Unmarshal(answers[0], &id); err != nil || id == "" {
			t.Fatalf("answer %s: %v", answers[0], err)
		}
		for i, a := range answers {
			if string(a) != string(answers[0]) {
				t.Fatalf("answer %d = %s, want %s", i, a, answers[0])
			}
		}
		if _, err := st.Customer(ctx, id); err != nil {
			t.Fatalf("the customer of the answer: %v", err)
		}
	})
}

// OnCommit runs after the commit, before Apply returns, and never for a
// write that failed — also when it failed inside a batch that committed.
func TestOnCommitOnlyAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Open(t, store.Options{})
		var mu sync.Mutex
		ran := map[int]bool{}
		release := holdWriter(t, st)
		const n = 12
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := st.Update(ctx, func(tx *store.Tx) error {
					tx.OnCommit(func() { mu.Lock(); ran[i] = true; mu.Unlock() })
					if i%2 == 1 {
						return fmt.Errorf("write %d fails", i)
					}
					return nil
				})
				mu.Lock()
				defer mu.Unlock()
				if (err == nil) != ran[i] {
					t.Errorf("write %d: err %v, hook ran %v", i, err, ran[i])
				}
			}()
		}
		waitQueued(t, st, n)
		release()
		wg.Wait()
		for i := range n {
			if ran[i] != (i%2 == 0) {
				t.Errorf("write %d: hook ran %v", i, ran[i])
			}
		}
	})
}
