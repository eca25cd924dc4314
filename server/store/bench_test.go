package store_test

import (
	"context"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// BenchmarkIngestCustomerMessage stores one customer message per
// transaction (each its own durable commit, with its event appended), the
// way the channel API does. Goal: ≥ 5,000 messages/s.
//
// On PostgreSQL (with AGENTDESK_TEST_POSTGRES) the figure is one replica's
// write path: every transaction takes the write lock, so this is also the
// ceiling for all replicas together.
func BenchmarkIngestCustomerMessage(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) { benchIngest(b, be) })
	}
}

func benchIngest(b *testing.B, be storetest.Backend) {
	ctx := context.Background()
	st := be.Open(b, store.Options{})
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
