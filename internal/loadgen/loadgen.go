// Package loadgen drives a running agentdesk server the way a busy floor
// does: desks connected over the websocket that take conversations, answer
// them and record outcomes, and customers posting through the HTTP API at a
// set rate. It measures throughput and post→receive latency, and checks
// every desk's stream for gaps, duplicates and order. `agentdesk load` is
// its command; docs/benchmarks.md records its figures.
package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/client/channelapi"
	"github.com/agentdesk/agentdesk/protocol"
)

// Desk is one simulated desk's account.
type Desk struct {
	AgentID string
	Role    string
	Token   string
}

// Config describes a run. Zero values take the defaults in brackets.
type Config struct {
	BaseURL   string        // http(s)://host:port of the server
	APIToken  string        // integration token for /v1/api
	Desks     []Desk        // one websocket connection each
	Rate      float64       // customer messages per second, all customers together
	Duration  time.Duration // how long customers post
	Customers int           // distinct customers the messages are spread over [100]
	// EscalateEvery makes every n-th message of a customer ask for a human,
	// which queues the conversation for the desks [25]; negative: never.
	EscalateEvery int
	WorkEvery     time.Duration // how often an idle desk asks for the next conversation [1s]
	Posters       int           // concurrent HTTP posters [64]
	Drain         time.Duration // longest wait for deliveries after the last post [15s]
	// Progress, if set, is called about once a second while customers post.
	Progress func(Progress)
	// TLS configures wss:// and https:// (a private CA, say); nil: system roots.
	TLS *tls.Config
	// Connected, if set, is called once every desk has its welcome, before
	// customers start (to sample the server's idle memory, say).
	Connected func()
}

// Progress is a running count.
type Progress struct {
	Elapsed    time.Duration
	Posted     int64
	Deliveries int64
	Reconnects int64
}

// marker starts every load message's text; the nanoseconds after it are
// when the customer posted it.
const marker = "load-t="

type run struct {
	cfg    Config
	runID  string
	wsURL  string
	hist   hist
	res    Result
	http   *http.Client
	api    *channelapi.Client // over http, with the integration token
	resMu  sync.Mutex
	stopWS atomic.Bool

	deliveries, reconnects, snapshots, dups, order       atomic.Int64
	claims, replies, outcomes, resolved, deskErrors      atomic.Int64
	posted, postErrors, retries, limited, behind, unsent atomic.Int64
}

// Run connects the desks, has customers post for cfg.Duration, waits for
// deliveries to settle and returns the figures. Integrity against the
// database is checked separately (Verify), by whoever can read it.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Customers <= 0 {
		cfg.Customers = 100
	}
	if cfg.EscalateEvery == 0 {
		cfg.EscalateEvery = 25
	}
	if cfg.WorkEvery <= 0 {
		cfg.WorkEvery = time.Second
	}
	if cfg.Posters <= 0 {
		cfg.Posters = 64
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 15 * time.Second
	}
	if cfg.Rate <= 0 || cfg.Duration <= 0 || len(cfg.Desks) == 0 {
		return nil, errors.New("loadgen: need desks, a rate and a duration")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("loadgen: base URL %q: want http(s)://host:port", cfg.BaseURL)
	}
	ws := *u
	ws.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	ws.Path = "/v1/desk"
	r := &run{
		cfg:   cfg,
		runID: strconv.FormatInt(time.Now().UnixNano()%1e12, 36),
		wsURL: ws.String(),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: cfg.Posters, MaxConnsPerHost: cfg.Posters, IdleConnTimeout: time.Minute,
			DialContext:     (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			TLSClientConfig: cfg.TLS,
		}},
	}
	r.api = channelapi.New(cfg.BaseURL, cfg.APIToken, r.http)
	r.res.Posts = map[string]string{}
	r.res.OutcomeKeys = map[string]string{}
	defer r.http.CloseIdleConnections()

	// Desks.
	deskCtx, stopDesks := context.WithCancel(ctx)
	defer stopDesks()
	desks := make([]*deskConn, len(cfg.Desks))
	var dialErr error
	var dialMu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, d := range cfg.Desks {
		desks[i] = &deskConn{r: r, idx: i, stream: &Stream{Desk: d}, pending: map[string]chan protocol.Frame{}}
		wg.Add(1)
		sem <- struct{}{}
		go func(dc *deskConn) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := dc.connect(deskCtx, true); err != nil {
				dialMu.Lock()
				dialErr = errors.Join(dialErr, fmt.Errorf("desk %s: %w", dc.stream.Desk.AgentID, err))
				dialMu.Unlock()
			}
		}(desks[i])
	}
	wg.Wait()
	if dialErr != nil {
		r.stopWS.Store(true)
		for _, dc := range desks {
			dc.close()
		}
		return nil, dialErr
	}
	if cfg.Connected != nil {
		cfg.Connected()
	}
	var deskWG sync.WaitGroup
	workCtx, stopWork := context.WithCancel(deskCtx)
	for _, dc := range desks {
		deskWG.Add(2)
		go func() { defer deskWG.Done(); dc.readLoop(deskCtx) }()
		go func() { defer deskWG.Done(); dc.work(workCtx) }()
	}

	// Customers.
	start := time.Now()
	r.post(ctx, start)
	postEnd := time.Now()
	stopWork()

	// Drain: wait until deliveries stop growing (every message posted has
	// reached the desks that see it), at most cfg.Drain.
	for last, quiet, limit := r.deliveries.Load(), 0, time.Now().Add(cfg.Drain); time.Now().Before(limit) && ctx.Err() == nil; {
		time.Sleep(100 * time.Millisecond)
		if n := r.deliveries.Load(); n == last {
			if quiet++; quiet >= 10 {
				break
			}
		} else {
			last, quiet = n, 0
		}
	}
	head, headErr := r.headSeq(ctx)
	r.stopWS.Store(true)
	stopDesks()
	for _, dc := range desks {
		dc.close()
	}
	deskWG.Wait()

	res := &r.res
	el := postEnd.Sub(start).Seconds()
	res.Desks, res.TargetRate, res.DurationS = len(desks), cfg.Rate, el
	res.Posted, res.PostErrors, res.PostRetries = r.posted.Load(), r.postErrors.Load(), r.retries.Load()
	res.RateLimited, res.BehindSched, res.Unsent = r.limited.Load(), r.behind.Load(), r.unsent.Load()
	res.PostRate = float64(res.Posted) / el
	res.Deliveries = r.deliveries.Load()
	res.DeliveryRate = float64(res.Deliveries) / el
	res.Measured = r.hist.n.Load()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res.P50, res.P90, res.P99 = ms(r.hist.quantile(0.5)), ms(r.hist.quantile(0.9)), ms(r.hist.quantile(0.99))
	res.Max = float64(r.hist.max.Load()) / 1000
	res.Reconnects, res.SnapshotAfter = r.reconnects.Load(), r.snapshots.Load()
	res.Duplicates, res.OutOfOrder = r.dups.Load(), r.order.Load()
	res.Claims, res.Replies, res.Outcomes, res.Resolved = r.claims.Load(), r.replies.Load(), r.outcomes.Load(), r.resolved.Load()
	res.DeskErrors = r.deskErrors.Load()
	for _, dc := range desks {
		res.DeskStreams = append(res.DeskStreams, dc.stream)
	}
	res.HeadSeq = head
	if headErr != nil {
		return res, headErr
	}
	if err := r.verifyMessages(ctx); err != nil {
		return res, err
	}
	r.verifyLeadStreams()
	return res, ctx.Err()
}
