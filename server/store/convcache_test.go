package store_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// openConv opens a store with one customer's conversation in it.
func openConv(t *testing.T, vip bool) (*store.Store, string) {
	t.Helper()
	st := storetest.SQLite.Open(t, store.Options{})
	var id string
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "王芳", VIP: vip})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web", Subject: "退款"})
		id = c.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st, id
}

// The writer's cached conversation is, after every kind of change, exactly
// the row a fresh read returns: flags, trajectory, escalation, status
// changes through messages (a snoozed chat woken by the customer), reopening.
func TestConversationCacheMatchesTheRow(t *testing.T) {
	ctx := context.Background()
	st, id := openConv(t, true)
	lead := store.Actor{ID: "li", Role: protocol.RoleLead}
	check := func(step string) {
		t.Helper()
		row, err := store.StoredConversation(st, id)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		cached, ok := store.CachedConversation(st, id)
		if !ok {
			t.Fatalf("%s: the writer does not remember conversation %s", step, id)
		}
		if !reflect.DeepEqual(cached, row) {
			t.Fatalf("%s: cached conversation differs from its row\ncached %+v\nrow    %+v", step, cached, row)
		}
	}
	do := func(step string, fn func(tx *store.Tx) error) {
		t.Helper()
		if err := st.Update(ctx, fn); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		check(step)
	}
	do("agent", func(tx *store.Tx) error {
		_, err := tx.CreateAgent("", store.NewAgent{ID: "li", Name: "李雷", Role: protocol.RoleLead})
		return err
	})
	do("customer message", func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(id, protocol.AuthorCustomer, "", "我要退款")
		return err
	})
	do("bot message", func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(id, protocol.AuthorBot, "小助手", "请提供订单号")
		return err
	})
	do("escalate with flags", func(tx *store.Tx) error {
		c, err := tx.EscalateFlagged(id, protocol.Escalation{Reason: protocol.ReasonNegativeSentiment, Evidence: "太差了", BotTried: []string{"订单号"}},
			[]protocol.Flag{protocol.FlagAngry}, "negative", 2, tx.Now()+60_000)
		if err == nil && (!reflect.DeepEqual(c.Flags, []protocol.Flag{protocol.FlagAngry}) || c.Sentiment != "negative") {
			t.Errorf("escalated with flags %v, sentiment %q; want [angry], negative", c.Flags, c.Sentiment)
		}
		return err
	})
	do("claim", func(tx *store.Tx) error { _, err := tx.Claim(lead, id, 0); return err })
	do("enrich", func(tx *store.Tx) error {
		p := 3
		_, err := tx.Enrich(id, store.Insight{Summary: "退款", Sentiment: "negative", Intent: "refund",
			Trajectory: []float64{-0.5, -0.25}, Flags: []protocol.Flag{protocol.FlagChurnRisk}, Language: "zh", Priority: &p})
		return err
	})
	do("reply", func(tx *store.Tx) error { _, _, err := tx.Send(lead, id, "马上处理"); return err })
	do("snooze", func(tx *store.Tx) error { _, err := tx.Snooze(lead, id, 30); return err })
	do("customer wakes it", func(tx *store.Tx) error {
		_, c, err := tx.AddMessage(id, protocol.AuthorCustomer, "", "还在吗")
		if err == nil && c.Status != protocol.ConvAssigned {
			t.Errorf("a customer message to a snoozed chat: status %s, want assigned", c.Status)
		}
		return err
	})
	do("resolve", func(tx *store.Tx) error { _, err := tx.Resolve(lead, id, "refunded"); return err })
	do("customer reopens it", func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(id, protocol.AuthorCustomer, "", "又出问题了")
		return err
	})
	do("empty enrichment", func(tx *store.Tx) error {
		_, err := tx.Enrich(id, store.Insight{})
		return err
	})
}

// A write that fails leaves nothing of itself in the cache, whether it ran
// alone or in a batch with others: the next write sees the conversation as
// committed.
func TestConversationCacheForgetsFailedWrites(t *testing.T) {
	ctx := context.Background()
	st, id := openConv(t, false)
	failed := errors.New("give up")
	addThenFail := func(tx *store.Tx) error {
		if _, _, err := tx.AddMessage(id, protocol.AuthorCustomer, "", "丢掉"); err != nil {
			return err
		}
		return failed
	}
	if err := st.Update(ctx, addThenFail); !errors.Is(err, failed) {
		t.Fatalf("failing write: %v", err)
	}
	// The same in a batch: a failing write between two that succeed.
	release := holdWriter(t, st)
	errs := make([]error, 3)
	seqs := make([]int, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx *store.Tx) error {
				m, _, err := tx.AddMessage(id, protocol.AuthorCustomer, "", "留下")
				seqs[i] = m.Seq
				if err == nil && i == 1 {
					return failed
				}
				return err
			})
		}()
		waitQueued(t, st, i+1) // in this order
	}
	release()
	wg.Wait()
	if errs[0] != nil || !errors.Is(errs[1], failed) || errs[2] != nil {
		t.Fatalf("batch: %v", errs)
	}
	if seqs[0] != 1 || seqs[2] != 2 {
		t.Fatalf("seqs of the kept messages %d and %d, want 1 and 2", seqs[0], seqs[2])
	}
	var c protocol.Conversation
	if err := st.Update(ctx, func(tx *store.Tx) error {
		var err error
		_, c, err = tx.AddMessage(id, protocol.AuthorCustomer, "", "第三条")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	row, err := store.StoredConversation(st, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastSeq != 3 || row.LastSeq != 3 || c.Version != row.Version {
		t.Fatalf("after the failed writes: written last_seq %d version %d, row last_seq %d version %d; want 3 and equal versions",
			c.LastSeq, c.Version, row.LastSeq, row.Version)
	}
}

// A change another connection commits to the file (a second process on
// the same --db) is seen by the next write, with or without a version bump.
func TestConversationCacheSeesOtherConnections(t *testing.T) {
	ctx := context.Background()
	st, id := openConv(t, false)
	add := func(text string) (protocol.Conversation, error) {
		var c protocol.Conversation
		err := st.Update(ctx, func(tx *store.Tx) error {
			var err error
			_, c, err = tx.AddMessage(id, protocol.AuthorCustomer, "", text)
			return err
		})
		return c, err
	}
	if _, err := add("一"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`UPDATE conversations SET summary = '别处写的', version = version + 1 WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	c, err := add("二")
	if err != nil {
		t.Fatalf("a message after another connection's change: %v", err)
	}
	if c.Summary != "别处写的" {
		t.Fatalf("summary %q: the change of the other connection was not seen", c.Summary)
	}
	if _, err := other.Exec(`UPDATE conversations SET subject = '改了' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if c, err = add("三"); err != nil || c.Subject != "改了" {
		t.Fatalf("subject %q, %v: the change of the other connection was not seen", c.Subject, err)
	}
}
