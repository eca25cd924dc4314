package server_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// BenchmarkReplicas measures the scale-out path on PostgreSQL: writers
// spread over the replicas store customer messages as fast as they can
// (closed loop, one durable transaction and one event each, as the HTTP
// API does), and desks spread over the replicas receive every event. It
// reports write throughput and write→desk latency percentiles over all
// deliveries. Replicas, desks and writers share this process and its
// cores; PostgreSQL runs beside it (AGENTDESK_TEST_POSTGRES).
func BenchmarkReplicas(b *testing.B) {
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d/desks=100/writers=16", replicas), func(b *testing.B) {
			benchReplicas(b, replicas, 100, 16)
		})
	}
}

func benchReplicas(b *testing.B, replicas, desks, writers int) {
	db := storetest.PostgresDB(b)
	reps := make([]*harness, replicas)
	for i := range reps {
		reps[i] = newHarnessDB(b, db, server.Config{SendBuffer: 8192})
	}
	reps[0].agent("lead", protocol.RoleLead)
	conns := make([]*desk, desks)
	for i := range conns {
		h := reps[i%replicas]
		conns[i] = h.dial(h.tokenFor("lead"), 0)
	}
	convs := make([]string, writers)
	for i := range convs {
		convs[i] = reps[i%replicas].escalated("bench", 1).ID
	}
	n := b.N
	lat := make([][]time.Duration, desks)
	var wg sync.WaitGroup
	for i, d := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[i] = make([]time.Duration, 0, n)
			marker := []byte(`"text":"t`)
			for len(lat[i]) < n {
				d.ws.SetReadDeadline(time.Now().Add(60 * time.Second))
				_, msg, err := d.ws.ReadMessage()
				if err != nil {
					b.Errorf("desk %d: %v", i, err)
					return
				}
				now := time.Now()
				k := bytes.Index(msg, marker)
				if k < 0 {
					continue
				}
				rest := msg[k+len(marker):]
				end := bytes.IndexByte(rest, '"')
				sent, err := strconv.ParseInt(string(rest[:end]), 10, 64)
				if err != nil {
					continue
				}
				lat[i] = append(lat[i], now.Sub(time.Unix(0, sent)))
			}
		}()
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var ww sync.WaitGroup
	for w := range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			st := reps[w%replicas].st
			for next.Add(1) <= int64(n) {
				text := "t" + strconv.FormatInt(time.Now().UnixNano(), 10)
				if err := st.Update(context.Background(), func(tx *store.Tx) error {
					_, _, err := tx.AddMessage(convs[w], protocol.AuthorCustomer, "", text)
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	ww.Wait()
	writeTime := time.Since(start)
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(n)/writeTime.Seconds(), "writes/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/time.Since(start).Seconds(), "deliveries/s")
}
