package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
		b.Run(be.Name, func(b *testing.B) { benchIngest(b, be, 1) })
	}
}

// BenchmarkIngestConcurrent is the same with 32 writers at once, as the
// channel API sees them under load: each message still its own durable
// write, acked after its commit, but concurrent writes share commits
// (group commit). Goal: ≥ 20,000 messages/s on SQLite.
func BenchmarkIngestConcurrent(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) { benchIngest(b, be, 32) })
	}
}

func benchIngest(b *testing.B, be storetest.Backend, writers int) {
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
	before := st.WriteStats()
	cpu0 := cpuTime()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				if err := st.Update(ctx, func(tx *store.Tx) error {
					_, _, err := tx.AddMessage(ids[i%convs], protocol.AuthorCustomer, "", "我的订单 20261234 还没有发货，请帮我查一下")
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	after := st.WriteStats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	// CPU per message is what a loaded, shared machine distorts least:
	// wall-clock throughput there depends on what else runs.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	b.ReportMetric(float64(after.Writes-before.Writes)/float64(max(1, after.Commits-before.Commits)), "writes/commit")
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
