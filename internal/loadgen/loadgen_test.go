package loadgen

import (
	"context"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// inProcess starts a server on loopback with desks accounts of role and
// returns the config to drive it.
func inProcess(t testing.TB, desks int, role string, flush time.Duration) (Config, *store.Store, func()) {
	t.Helper()
	return inProcessAPI(t, desks, role, flush, -1, 0)
}

// inProcessAPI is inProcess with the integration token limited to apiRate
// requests a second, burst apiBurst (negative rate: unlimited).
func inProcessAPI(t testing.TB, desks int, role string, flush time.Duration, apiRate float64, apiBurst int) (Config, *store.Store, func()) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	err = st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("t", store.NewAgent{ID: "bot", Name: "bot", Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		if cfg.APIToken, _, err = tx.CreateIntegrationToken("t", "bot", ""); err != nil {
			return err
		}
		for i := range desks {
			id := fmt.Sprintf("d%03d", i)
			if _, err := tx.CreateAgent("t", store.NewAgent{ID: id, Name: id, Role: role, Team: "support", Capacity: 3}); err != nil {
				return err
			}
			tok, _, err := tx.CreateToken("t", id, "")
			if err != nil {
				return err
			}
			cfg.Desks = append(cfg.Desks, Desk{AgentID: id, Role: role, Token: tok})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := copilot.New(copilot.Config{Provider: copilot.ProviderOffline})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(st, server.Config{FlushInterval: flush, Copilot: eng, RateLimit: -1, SendBuffer: 4096, Channels: server.ChannelsConfig{RateLimit: apiRate, RateBurst: apiBurst}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, nil) }()
	cfg.BaseURL = "http://" + ln.Addr().String()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(func() { stop(); st.Close() })
	return cfg, st, stop
}

// shortRun runs customers for 2 s against an in-process server with desks
// of role, every second message of a customer asking for a human.
func shortRun(t *testing.T, desks int, role string, rate float64, customers int, work time.Duration) (*Result, *store.Store, func()) {
	t.Helper()
	cfg, st, stop := inProcess(t, desks, role, 0)
	cfg.Rate, cfg.Duration, cfg.Customers, cfg.EscalateEvery, cfg.WorkEvery = rate, 2*time.Second, customers, 2, work
	cfg.Drain = 3 * time.Second
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, st, stop
}

// TestRunChecksEveryStream drives an in-process server with lead and agent
// desks and checks the run's own integrity figures, then that VerifyStore
// would notice a lost event.
func TestRunChecksEveryStream(t *testing.T) {
	res, st, stop := shortRun(t, 8, protocol.RoleLead, 100, 5, 100*time.Millisecond)
	// How many get posted in the 2 s depends on the machine's load (a
	// throughput figure, for the benchmarks); every one must be stored.
	if res.Posted == 0 || res.MessagesStored != res.Posted || res.Gaps != 0 || res.Duplicates != 0 || res.OutOfOrder != 0 {
		t.Fatalf("posted %d stored %d gaps %d dups %d order %d", res.Posted, res.MessagesStored, res.Gaps, res.Duplicates, res.OutOfOrder)
	}
	// Leads are sent everything: each stream holds every seq to the head.
	for _, s := range res.DeskStreams {
		if s.Received != res.HeadSeq-s.Base {
			t.Errorf("desk %s received %d events, want %d", s.Desk.AgentID, s.Received, res.HeadSeq-s.Base)
		}
	}
	stop()
	if err := VerifyStore(context.Background(), st, res); err != nil {
		t.Fatal(err)
	}
	if res.Gaps != 0 || res.Unexpected != 0 || res.OutcomesBad != 0 || res.OutcomesStored != res.Outcomes || res.Outcomes == 0 {
		t.Fatalf("verify: gaps %d unexpected %d outcomes %d stored %d bad %d", res.Gaps, res.Unexpected, res.Outcomes, res.OutcomesStored, res.OutcomesBad)
	}
	// The check can fail: forget one event a desk received.
	s := res.DeskStreams[3]
	seq := s.Base + 5
	s.bits[(seq-s.Base-1)/64] &^= 1 << ((seq - s.Base - 1) % 64)
	if err := VerifyStore(context.Background(), st, res); err != nil {
		t.Fatal(err)
	}
	if res.Gaps != 1 {
		t.Fatalf("a removed event gave %d gaps, want 1", res.Gaps)
	}
}

// TestRunChecksWithheldForm: agent desks get their teammates' message
// events withheld and their own chats' whole; the check counts each event
// in the wrong form, and would notice one.
func TestRunChecksWithheldForm(t *testing.T) {
	res, st, stop := shortRun(t, 4, protocol.RoleAgent, 60, 4, 50*time.Millisecond)
	stop()
	if err := VerifyStore(context.Background(), st, res); err != nil {
		t.Fatal(err)
	}
	if res.Gaps != 0 || res.Unexpected != 0 || res.WrongForm != 0 {
		t.Fatalf("verify: gaps %d unexpected %d wrong form %d", res.Gaps, res.Unexpected, res.WrongForm)
	}
	var held *Stream
	var seq int64
	for _, s := range res.DeskStreams {
		for q := s.Base + 1; q <= res.HeadSeq && held == nil; q++ {
			if s.Withheld(q) {
				held, seq = s, q
			}
		}
	}
	if held == nil {
		t.Fatalf("no desk got a withheld message (%d chats taken)", res.Claims)
	}
	// Say it came whole: the check counts it.
	held.held[(seq-held.Base-1)/64] &^= 1 << ((seq - held.Base - 1) % 64)
	if err := VerifyStore(context.Background(), st, res); err != nil {
		t.Fatal(err)
	}
	if res.WrongForm != 1 {
		t.Fatalf("one event in the wrong form counted %d times", res.WrongForm)
	}
}

// TestRunUnderAPIRateLimit: against a server that rate-limits the
// integration token (serve --api-rate, 20/s by default), the check reads
// every conversation back anyway, waiting out each 429.
func TestRunUnderAPIRateLimit(t *testing.T) {
	cfg, _, _ := inProcessAPI(t, 2, protocol.RoleLead, 0, 10, 5)
	cfg.Rate, cfg.Duration, cfg.Customers, cfg.EscalateEvery, cfg.WorkEvery = 20, time.Second, 20, -1, 100*time.Millisecond
	cfg.Drain = 2 * time.Second
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Posted == 0 || res.MessagesStored != res.Posted || res.MessagesMissing != 0 {
		t.Fatalf("posted %d stored %d missing %d", res.Posted, res.MessagesStored, res.MessagesMissing)
	}
	if res.RateLimited == 0 {
		t.Errorf("no post was rate-limited at 20/s against 10/s: the test does not test the limit")
	}
}

func TestHistQuantiles(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, 1000 * time.Millisecond}} {
		got := h.quantile(tc.q)
		if got > tc.want || got < tc.want*99/100 {
			t.Errorf("q%v = %v, want within 1%% below %v", tc.q, got, tc.want)
		}
	}
	for _, v := range []int64{0, 1, 255, 256, 257, 1000, 123456, 1 << 30} {
		if lo := histValue(histIndex(v)); lo > v || float64(v-lo) > float64(v)/128+1 {
			t.Errorf("bucket of %d starts at %d", v, lo)
		}
	}
}

var (
	benchDesks = flag.Int("load.desks", 500, "BenchmarkLoad desks")
	benchRate  = flag.Float64("load.rate", 2000, "BenchmarkLoad customer messages per second")
	benchDur   = flag.Duration("load.duration", 10*time.Second, "BenchmarkLoad duration")
	benchFlush = flag.Duration("load.flush", 0, "BenchmarkLoad server FlushInterval (0: the default)")
)

// BenchmarkLoad runs the load in process (server and desks in one
// process, for profiling: go test ./internal/loadgen -run '^$' -bench Load
// -benchtime 1x -cpuprofile cpu.out). `agentdesk load` is the real
// measurement, with the server in its own process.
func BenchmarkLoad(b *testing.B) {
	for range b.N {
		cfg, _, _ := inProcess(b, *benchDesks, protocol.RoleAgent, *benchFlush)
		cfg.Rate, cfg.Duration = *benchRate, *benchDur
		res, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.PostRate, "posts/s")
		b.ReportMetric(res.DeliveryRate, "deliveries/s")
		b.ReportMetric(res.P99, "p99-ms")
		b.ReportMetric(res.P50, "p50-ms")
	}
}
