package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/agentdesk/agentdesk/internal/loadgen"
)

// TestMain lets the test binary stand in for the agentdesk binary: `load`
// starts os.Executable() with `serve`, which here is this test binary.
func TestMain(m *testing.M) {
	if os.Getenv("GO_TEST_AGENTDESK_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestLoadSmall runs `agentdesk load` against its own server child at a
// small scale and checks the figures it reports are real: every message
// stored once, every desk's stream matching the event log, drafts accepted
// as outcomes stored once, latency measured.
func TestLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and 20 desks")
	}
	t.Setenv("GO_TEST_AGENTDESK_MAIN", "1")
	var out, errb bytes.Buffer
	err := runLoad(context.Background(), []string{"--desks", "20", "--rate", "200", "--duration", "3s",
		"--customers", "10", "--escalate-every", "3", "--work-every", "200ms", "--json"}, &out, &errb)
	if err != nil {
		t.Fatalf("load: %v\n%s\n%s", err, out.String(), errb.String())
	}
	var r loadgen.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err, out.String())
	}
	// 600 posts are scheduled over 3 s; a machine too busy to start one
	// within a second of its slot leaves it unsent (the rate is a benchmark
	// figure, not a pass/fail one). Every post made is stored once.
	if r.Desks != 20 || r.Posted+r.Unsent != 600 || r.Posted < 100 || r.MessagesStored != r.Posted || r.PostErrors != 0 {
		t.Errorf("desks %d, posted %d (+%d unsent), stored once %d, errors %d; want 20, 600 scheduled, all posted stored once, 0",
			r.Desks, r.Posted, r.Unsent, r.MessagesStored, r.PostErrors)
	}
	if r.Gaps+r.Duplicates+r.OutOfOrder+r.Unexpected+r.WrongForm+r.MessagesMissing+r.MessagesTwice+r.OutcomesBad != 0 {
		t.Errorf("integrity problems: %s", out.String())
	}
	// Every message reaches at least one desk: all of them while its chat
	// is with the bot or queued, its assignee (one of these desks) after.
	if r.Measured < r.Posted || r.Deliveries < r.Measured {
		t.Errorf("deliveries %d, latency samples %d: want ≥ %d messages received", r.Deliveries, r.Measured, r.Posted)
	}
	if !r.OutcomesChecked || r.Outcomes == 0 || r.OutcomesStored != r.Outcomes || r.Claims == 0 || r.Resolved == 0 {
		t.Errorf("desk work: claims %d, outcomes %d (stored once %d), resolved %d", r.Claims, r.Outcomes, r.OutcomesStored, r.Resolved)
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Errorf("latency p50 %v p99 %v max %v", r.P50, r.P99, r.Max)
	}
	if r.ServerRSSPeakKiB > 0 && r.ServerRSSIdleKiB == 0 {
		t.Errorf("server memory sampled at peak but not idle: %+v", r)
	}
}

func TestLoadRefusesRemoteAndBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--server", "http://192.0.2.10:8080", "--api-token", "x", "--desk-token", "y"},
		{"--desks", "0"},
		{"--duration", "11m"},
		{"--role", "trainer"},
		{"--server", "http://127.0.0.1:1"}, // no tokens
	} {
		var out, errb bytes.Buffer
		if err := runLoad(context.Background(), args, &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("load %v: %v, want a usage error", args, err)
		}
	}
}

// TestLoadVerdict: refused messages fail the run and say why; when the
// server rate-limited them, the message names --api-rate.
func TestLoadVerdict(t *testing.T) {
	for _, c := range []struct {
		res  loadgen.Result
		want string // "" = success
	}{
		{loadgen.Result{Posted: 10, MessagesStored: 10}, ""},
		{loadgen.Result{Posted: 10, PostErrors: 3, RateLimited: 40}, "--api-rate 0"},
		{loadgen.Result{Posted: 10, PostErrors: 3}, "3 messages not accepted"},
		{loadgen.Result{Posted: 10, PostErrors: 3, RateLimited: 40, Gaps: 1}, "integrity check failed"},
	} {
		err := loadVerdict(&c.res)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.res, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: %v, want %q", c.res, err, c.want)
		}
	}
	var out, errb bytes.Buffer
	for _, args := range [][]string{{"--duration", "0"}, {"--rate", "0"}, {"--desks", "-1"}} {
		if err := runLoad(context.Background(), args, &out, &errb); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "above 0") && args[0] != "--desks" {
			t.Errorf("load %v: %v", args, err)
		}
	}
}
