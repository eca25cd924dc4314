package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// BenchmarkIngestCustomerMessage stores one customer message per
// transaction (each its own durable commit, with its event appended), the
// way the channel API does. Goal: ≥ 5,000 messages/s.
func BenchmarkIngestCustomerMessage(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const convs = 100
	ids := make([]string, convs)
	if err := st.Update(ctx, func(tx *store.Tx) error {
		for i := range ids {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户"})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			if err != nil {
				return err
			}
			ids[i] = c.ID
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := st.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.AddMessage(ids[i%convs], protocol.AuthorCustomer, "", "我的订单 20261234 还没有发货，请帮我查一下")
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
