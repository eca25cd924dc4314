// Package loadgen drives a running agentdesk server the way a busy floor
// does: desks connected over the websocket that take conversations, answer
// them and record outcomes, and customers posting through the HTTP API at a
// set rate. It measures throughput and post→receive latency, and checks
// every desk's stream for gaps, duplicates and order. `agentdesk load` is
// its command; docs/benchmarks.md records its figures.
package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	Desks         int     `json:"desks"`
	TargetRate    float64 `json:"target_rate"`
	DurationS     float64 `json:"duration_s"`
	Posted        int64   `json:"posted"`
	PostRate      float64 `json:"post_rate"`
	PostErrors    int64   `json:"post_errors"`
	PostRetries   int64   `json:"post_retries"`
	RateLimited   int64   `json:"rate_limited"`
	BehindSched   int64   `json:"behind_schedule"` // posts that started more than 100 ms late
	Unsent        int64   `json:"unsent"`          // scheduled posts dropped because the run's time was up
	Deliveries    int64   `json:"deliveries"`
	DeliveryRate  float64 `json:"deliveries_per_s"`
	Measured      int64   `json:"latency_samples"`
	P50           float64 `json:"p50_ms"`
	P90           float64 `json:"p90_ms"`
	P99           float64 `json:"p99_ms"`
	Max           float64 `json:"max_ms"`
	Reconnects    int64   `json:"reconnects"`
	SnapshotAfter int64   `json:"snapshot_resumes"` // reconnects that could not resume from the log
	Duplicates    int64   `json:"duplicates"`
	OutOfOrder    int64   `json:"out_of_order"`
	Claims        int64   `json:"claims"`
	Replies       int64   `json:"replies"`
	Outcomes      int64   `json:"outcomes"`
	Resolved      int64   `json:"resolved"`
	DeskErrors    int64   `json:"desk_errors"`
	// Filled by Verify.
	Gaps             int64   `json:"gaps"`
	Unexpected       int64   `json:"unexpected"`
	MessagesStored   int64   `json:"messages_stored_once"`
	MessagesMissing  int64   `json:"messages_missing"`
	MessagesTwice    int64   `json:"messages_duplicated"`
	OutcomesStored   int64   `json:"outcomes_stored_once"`
	OutcomesBad      int64   `json:"outcomes_missing_or_duplicated"`
	OutcomesChecked  bool    `json:"outcomes_checked"` // false without access to the database
	Verified         string  `json:"verified"`         // what the integrity figures cover
	HeadSeq          int64   `json:"head_seq"`
	ServerRSSIdleKiB int64   `json:"server_rss_idle_kib,omitempty"`
	ServerRSSBaseKiB int64   `json:"server_rss_before_desks_kib,omitempty"`
	ServerRSSPeakKiB int64   `json:"server_rss_peak_kib,omitempty"`
	PerDeskKiB       int64   `json:"server_kib_per_idle_desk,omitempty"`
	ServerCores      float64 `json:"server_cpu_cores,omitempty"` // CPU the server used while customers posted

	// For verification (not printed).
	DeskStreams []*Stream         `json:"-"`
	Posts       map[string]string `json:"-"` // message_id → conversation id, every post acknowledged
	OutcomeKeys map[string]string `json:"-"` // idempotency key → outcome id, every outcome acknowledged
}

// Stream is what one desk received: the seqs, as a bitmap from the first
// welcome's seq.
type Stream struct {
	Desk     Desk
	Base     int64 // seq of the first welcome; events after it are expected
	Last     int64 // newest seq received (or the welcome's)
	Received int64
	bits     []uint64
	mu       sync.Mutex
}

// Has reports whether the desk received seq.
func (s *Stream) Has(seq int64) bool {
	i := seq - s.Base - 1
	if i < 0 || int(i/64) >= len(s.bits) {
		return false
	}
	return s.bits[i/64]&(1<<(i%64)) != 0
}

// set marks seq received and reports whether it was already.
func (s *Stream) set(seq int64) bool {
	i := seq - s.Base - 1
	if i < 0 {
		return true
	}
	for int(i/64) >= len(s.bits) {
		s.bits = append(s.bits, 0)
	}
	dup := s.bits[i/64]&(1<<(i%64)) != 0
	s.bits[i/64] |= 1 << (i % 64)
	return dup
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

// headSeq asks the server for the newest published seq (/readyz).
func (r *run) headSeq(ctx context.Context) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(r.cfg.BaseURL, "/")+"/readyz", nil)
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("readyz: %w", err)
	}
	defer resp.Body.Close()
	var v struct{ Seq int64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("readyz: %w", err)
	}
	return v.Seq, nil
}

// verifyMessages reads every conversation the customers wrote to back
// through the HTTP API and checks each acknowledged message is stored
// exactly once.
func (r *run) verifyMessages(ctx context.Context) error {
	convs := map[string]bool{}
	for _, c := range r.res.Posts {
		convs[c] = true
	}
	prefix := "load-" + r.runID + "-"
	seen := map[string]int{}
	for c := range convs {
		ans, err := r.readConversation(ctx, c)
		if err != nil {
			return fmt.Errorf("verify: read conversation %s: %w", c, err)
		}
		for _, m := range ans.Messages {
			if !strings.HasPrefix(m.Text, marker) {
				continue
			}
			_, rest, _ := strings.Cut(m.Text, " n=")
			n, _, _ := strings.Cut(rest, " ")
			seen[prefix+n]++
		}
	}
	for id := range r.res.Posts {
		switch seen[id] {
		case 0:
			r.res.MessagesMissing++
		case 1:
			r.res.MessagesStored++
		default:
			r.res.MessagesTwice++
		}
	}
	return nil
}

// readConversation reads one conversation through the HTTP API. The
// integration token's rate limit (serve --api-rate, 20/s by default) holds
// for these reads too, so a 429 waits for its Retry-After and tries again.
func (r *run) readConversation(ctx context.Context, id string) (protocol.APIConversationAnswer, error) {
	for {
		ans, err := r.api.Conversation(ctx, id)
		var ae *protocol.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests {
			return ans, err
		}
		wait := time.Duration(ae.RetryAfterSeconds)*time.Second + 10*time.Millisecond
		if ae.RetryAfterSeconds == 0 {
			wait = time.Second
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ans, ctx.Err()
		}
	}
}

// verifyLeadStreams checks the streams of lead and admin desks, who are
// sent every event: each must hold every seq from its first welcome to the
// head. Agent desks see a subset; VerifyEvents checks them against the log.
func (r *run) verifyLeadStreams() {
	checked := 0
	for _, s := range r.res.DeskStreams {
		if s.Desk.Role != protocol.RoleLead && s.Desk.Role != protocol.RoleAdmin {
			continue
		}
		checked++
		for seq := s.Base + 1; seq <= r.res.HeadSeq; seq++ {
			if !s.Has(seq) {
				r.res.Gaps++
			}
		}
	}
	if checked > 0 {
		r.res.Verified = fmt.Sprintf("streams of %d lead desks against the head seq; messages through the HTTP API", checked)
	} else {
		r.res.Verified = "messages through the HTTP API; agent streams for duplicates and order only"
	}
}

// ---- customers ----

// post sends cfg.Rate messages a second for cfg.Duration, each at its
// scheduled time, through a pool of posters.
func (r *run) post(ctx context.Context, start time.Time) {
	total := int64(r.cfg.Rate * r.cfg.Duration.Seconds())
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	jobs := make(chan int64, r.cfg.Posters)
	var wg sync.WaitGroup
	for range r.cfg.Posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				r.postOne(ctx, n)
			}
		}()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	// Posts that start within a second of their slot still count; a run
	// that falls further behind stops when its time is up.
	deadline := start.Add(r.cfg.Duration + time.Second)
	for n := int64(0); n < total && ctx.Err() == nil; n++ {
		at := start.Add(time.Duration(n) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		} else if wait < -100*time.Millisecond {
			r.behind.Add(1)
		}
		if time.Now().After(deadline) {
			// The server (or this machine) cannot take the rate: what was not
			// posted in time is not posted at all, and the achieved rate shows it.
			r.unsent.Store(total - n)
			break
		}
		select {
		case <-tick.C:
			if r.cfg.Progress != nil {
				r.cfg.Progress(Progress{Elapsed: time.Since(start), Posted: r.posted.Load(), Deliveries: r.deliveries.Load(), Reconnects: r.reconnects.Load()})
			}
		default:
		}
		select {
		case jobs <- n:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

func (r *run) postOne(ctx context.Context, n int64) {
	cust := n % int64(r.cfg.Customers)
	turn := n / int64(r.cfg.Customers)
	text := "where is my parcel? order 2026" + strconv.FormatInt(n%10000, 10)
	if r.cfg.EscalateEvery > 0 && turn%int64(r.cfg.EscalateEvery) == int64(r.cfg.EscalateEvery)-1 {
		text = "this is not helping, I want a human agent please"
	}
	id := fmt.Sprintf("load-%s-%d", r.runID, n)
	for attempt := 0; attempt < 5 && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			r.retries.Add(1)
			time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
		}
		ans, err := r.api.PostMessage(ctx, protocol.APIMessageReq{
			MessageID: id, Channel: "web", ExternalID: fmt.Sprintf("load-%s-c%d", r.runID, cust),
			CustomerName: fmt.Sprintf("Load customer %d", cust),
			// The marker carries the post time so desks measure post→receive.
			Text: marker + strconv.FormatInt(time.Now().UnixNano(), 10) + " n=" + strconv.FormatInt(n, 10) + " " + text,
		})
		var ae *protocol.APIError
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
			r.limited.Add(1)
			continue
		case errors.As(err, &ae) && ae.Status >= 500:
			continue
		case errors.As(err, &ae):
			r.postErrors.Add(1)
			return
		case err != nil:
			continue // the same message_id makes the retry safe
		}
		r.posted.Add(1)
		r.resMu.Lock()
		r.res.Posts[id] = ans.Conversation.ID
		r.resMu.Unlock()
		return
	}
	r.postErrors.Add(1)
}

// ---- desks ----

type deskConn struct {
	r      *run
	idx    int
	stream *Stream

	mu      sync.Mutex // guards ws, writes and pending
	ws      wsConn
	pending map[string]chan protocol.Frame
	nextID  int64
}

func (d *deskConn) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ws != nil {
		d.ws.Close()
	}
}

// readLoop reads frames until the run stops, reconnecting (resuming from
// the last seq) when the connection drops.
func (d *deskConn) readLoop(ctx context.Context) {
	buf := make([]byte, 0, 8192)
	for {
		d.mu.Lock()
		ws := d.ws
		d.mu.Unlock()
		var err error
		if ws != nil {
			buf, err = ws.next(buf[:0])
		} else {
			err = errors.New("not connected")
		}
		if err != nil {
			d.failPending()
			if d.r.stopWS.Load() || ctx.Err() != nil {
				return
			}
			d.r.reconnects.Add(1)
			for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
				if d.r.stopWS.Load() || ctx.Err() != nil {
					return
				}
				if d.connect(ctx, false) == nil {
					break
				}
				time.Sleep(backoff + rand.N(backoff))
			}
			continue
		}
		now := time.Now()
		if seq, kind, ok := protocol.PeekEvent(buf); ok {
			d.event(seq, kind, buf, now)
			continue
		}
		var f protocol.Frame
		if json.Unmarshal(buf, &f) != nil {
			d.r.deskErrors.Add(1)
			continue
		}
		if f.Re != "" {
			d.mu.Lock()
			ch := d.pending[f.Re]
			delete(d.pending, f.Re)
			d.mu.Unlock()
			if ch != nil {
				ch <- f
			}
		}
	}
}

func (d *deskConn) event(seq int64, kind string, b []byte, now time.Time) {
	s := d.stream
	s.mu.Lock()
	switch {
	case s.set(seq):
		d.r.dups.Add(1)
	case seq <= s.Last:
		d.r.order.Add(1)
	}
	if seq > s.Last {
		s.Last = seq
	}
	s.Received++
	s.mu.Unlock()
	d.r.deliveries.Add(1)
	if kind == protocol.EvMessage {
		if i := bytes.Index(b, []byte(marker)); i >= 0 {
			j := i + len(marker)
			k := j
			for k < len(b) && b[k] >= '0' && b[k] <= '9' {
				k++
			}
			if t, err := strconv.ParseInt(string(b[j:k]), 10, 64); err == nil {
				d.r.hist.add(now.Sub(time.Unix(0, t)))
			}
		}
	}
}

func (d *deskConn) failPending() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, ch := range d.pending {
		ch <- protocol.Frame{Type: protocol.TypeError, Re: id, Code: protocol.CodeUnavailable, Message: "connection lost"}
		delete(d.pending, id)
	}
}

// connect dials the desk and reads its welcome. The first connect takes
// a snapshot and fixes the stream's base; later ones resume from Last.
func (d *deskConn) connect(ctx context.Context, first bool) error {
	since := int64(0)
	if !first {
		d.stream.mu.Lock()
		since = d.stream.Last
		d.stream.mu.Unlock()
	}
	ws, w, err := dialDesk(ctx, d.r.wsURL, d.stream.Desk.Token, since, d.r.cfg.TLS)
	if err != nil {
		return err
	}
	d.stream.mu.Lock()
	if first {
		d.stream.Base, d.stream.Last = w.Seq, w.Seq
	} else if w.Resume != protocol.ResumeReplay || w.Seq != since {
		d.r.snapshots.Add(1) // the desk lost its place: the gap check will say what is missing
		if w.Seq > d.stream.Last {
			d.stream.Last = w.Seq
		}
	}
	d.stream.mu.Unlock()
	d.mu.Lock()
	if d.ws != nil {
		d.ws.Close()
	}
	d.ws = ws
	d.mu.Unlock()
	return nil
}

// request sends a request and waits for its answer.
func (d *deskConn) request(ctx context.Context, typ string, data any, into any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	ch := make(chan protocol.Frame, 1)
	d.mu.Lock()
	d.nextID++
	id := "r" + strconv.FormatInt(d.nextID, 10)
	if d.ws == nil {
		d.mu.Unlock()
		return protocol.Errorf(protocol.CodeUnavailable, "offline")
	}
	frame, _ := json.Marshal(protocol.Frame{Type: typ, ID: id, Data: b})
	d.pending[id] = ch
	err = d.ws.write(frame)
	d.mu.Unlock()
	if err != nil {
		d.mu.Lock()
		delete(d.pending, id)
		d.mu.Unlock()
		return protocol.Errorf(protocol.CodeUnavailable, "write: %v", err)
	}
	t := time.NewTimer(15 * time.Second)
	defer t.Stop()
	select {
	case f := <-ch:
		if f.Type == protocol.TypeError {
			return &protocol.Error{Code: f.Code, Message: f.Message}
		}
		if into != nil {
			return json.Unmarshal(f.Data, into)
		}
		return nil
	case <-t.C:
		d.mu.Lock()
		delete(d.pending, id)
		d.mu.Unlock()
		return protocol.Errorf(protocol.CodeUnavailable, "no answer to %s in 15 s", typ)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// work is the desk's agent: take the next queued conversation, answer it
// (accepting the copilot's draft when there is one, which records an
// outcome; otherwise typing a reply) and resolve it.
func (d *deskConn) work(ctx context.Context) {
	n := 0
	for {
		wait := d.r.cfg.WorkEvery/2 + rand.N(d.r.cfg.WorkEvery)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		var ack protocol.ConversationAck
		if err := d.request(ctx, protocol.ReqNext, protocol.NextReq{}, &ack); err != nil {
			switch protocol.CodeOf(err) {
			case protocol.CodeNotFound, protocol.CodeConflict, protocol.CodeUnavailable:
			default:
				if ctx.Err() == nil {
					d.r.deskErrors.Add(1)
				}
			}
			continue
		}
		d.r.claims.Add(1)
		conv := ack.Conversation.ID
		n++
		answered := false
		for try := 0; try < 5 && !answered && ctx.Err() == nil; try++ {
			var det protocol.ConversationDetail
			if err := d.request(ctx, protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: conv}, &det); err != nil {
				break
			}
			for _, dr := range det.Drafts {
				if dr.Status != protocol.DraftOpen {
					continue
				}
				key := fmt.Sprintf("load-%s-%s-%d", d.r.runID, d.stream.Desk.AgentID, n)
				var oa protocol.OutcomeAck
				err := d.request(ctx, protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionAccept, IdempotencyKey: key}, &oa)
				if protocol.CodeOf(err) == protocol.CodeUnavailable && ctx.Err() == nil {
					// Lost in a reconnect: the same key makes the retry safe.
					err = d.request(ctx, protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionAccept, IdempotencyKey: key}, &oa)
				}
				if err == nil {
					d.r.outcomes.Add(1)
					d.r.resMu.Lock()
					d.r.res.OutcomeKeys[key] = oa.Outcome.ID
					d.r.resMu.Unlock()
					answered = true
				}
				break
			}
			if !answered {
				time.Sleep(200 * time.Millisecond) // the copilot's draft may be on its way
			}
		}
		if !answered && ctx.Err() == nil {
			if d.request(ctx, protocol.ReqSend, protocol.TextReq{ConversationID: conv, Text: "Thanks for waiting — I'm on it."}, nil) == nil {
				d.r.replies.Add(1)
				answered = true
			}
		}
		if answered && ctx.Err() == nil {
			if d.request(ctx, protocol.ReqResolve, protocol.ResolveReq{ConversationID: conv, Disposition: "answered"}, nil) == nil {
				d.r.resolved.Add(1)
			} else if ctx.Err() == nil {
				d.r.deskErrors.Add(1)
			}
		}
	}
}
