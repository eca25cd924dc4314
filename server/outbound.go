package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Webhook is the receiver of agent replies for a channel. Each request is
// signed with Secret (see Sign).
type Webhook struct {
	URL    string
	Secret string
}

// OutboundConfig tunes delivery of agent replies. Zero values take the
// defaults in brackets.
type OutboundConfig struct {
	Workers     int           // concurrent deliveries [4]
	PerReceiver int           // concurrent deliveries to one webhook URL [half the workers, at least 1]
	Timeout     time.Duration // per attempt [10s]
	MaxAttempts int           // attempts before a reply is marked failed [12, about 3 hours with the defaults]
	BaseBackoff time.Duration // wait after the first failure; doubles each time, ±20% jitter [2s]
	MaxBackoff  time.Duration // [30m]
	Poll        time.Duration // how often due retries are looked for [1s]
	Lease       time.Duration // how long an attempt owns a delivery; one cut short by a crash is retried after it [Timeout + 30s]
	Client      *http.Client  // [a client with Timeout]
	UserAgent   string        // [agentdesk]
}

func (c *OutboundConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.PerReceiver <= 0 {
		c.PerReceiver = max(1, c.Workers/2)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 2 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Client == nil {
		// A redirect is a failure, not a new address: a receiver (or
		// whoever took over its name) must not send signed replies on.
		c.Client = &http.Client{Timeout: c.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.UserAgent == "" {
		c.UserAgent = "agentdesk"
	}
}

// Webhook request headers.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + body>".
	HeaderSignature = "X-Agentdesk-Signature"
	// HeaderDelivery carries the message id: the same on every retry of a
	// reply. It is the payload's id too, which the signature covers: dedupe
	// on that.
	HeaderDelivery = "X-Agentdesk-Delivery"
	// HeaderAttempt is the attempt number, from 1.
	HeaderAttempt = "X-Agentdesk-Attempt"
)

// WebhookPayload is the JSON body of a reply delivery.
type WebhookPayload struct {
	Type               string `json:"type"` // "message"
	ID                 string `json:"id"`   // the message id; also in HeaderDelivery and Idempotency-Key
	ConversationID     string `json:"conversation_id"`
	Channel            string `json:"channel"`
	CustomerID         string `json:"customer_id"`
	CustomerExternalID string `json:"customer_external_id,omitempty"`
	Author             string `json:"author"`
	AuthorID           string `json:"author_id,omitempty"`
	AuthorName         string `json:"author_name,omitempty"`
	Text               string `json:"text"`
	CreatedAt          int64  `json:"created_at"`
	// Seq is the message's place in its conversation, strictly increasing
	// (with gaps for the customer's own messages); replies of a
	// conversation are delivered in seq order, and the signature covers it.
	Seq int `json:"seq"`
	// Attachments sent with the reply; fetch each from its path with an
	// integration token (GET /v1/api/attachments/{id}).
	Attachments []WebhookAttachment `json:"attachments,omitempty"`
}

// WebhookAttachment is a file of a delivered reply.
type WebhookAttachment struct {
	protocol.Attachment
	Path string `json:"path"` // /v1/api/attachments/{id}
}

// Sign returns the signature header value for body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + signature(secret, ts, body)
}

func signature(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signature header against body, rejecting
// timestamps further than tolerance from now (replays). Receivers written in
// Go can use it; the format is in docs/api/README.md for the rest.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("signature has no valid timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp is %s away from now", d.Round(time.Second))
	}
	want := signature(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// outbound delivers agent replies from the deliveries outbox to channel
// webhooks. Rows are leased when claimed, so a crash mid-send only delays a
// reply (it is sent again after the lease, with the same delivery id); a
// receiver that is down only holds up its own replies.
type outbound struct {
	srv      *Server
	hooks    map[string]Webhook
	senders  map[string]Sender // channels built into the server (e-mail); they win over webhooks
	cfg      OutboundConfig
	wake     chan struct{}
	inflight atomic.Int64

	mu        sync.Mutex
	receivers []*receiverState // outbound_fair.go
	turn      int              // which receiver claims first next round
}

func newOutbound(s *Server, hooks map[string]Webhook, cfg OutboundConfig) *outbound {
	return &outbound{srv: s, hooks: hooks, senders: map[string]Sender{}, cfg: cfg, wake: make(chan struct{}, 1), receivers: buildReceivers(hooks)}
}

// Sender delivers agent replies on a channel built into the server, in
// place of a webhook: the e-mail channel sends them as mail. Deliveries
// keep the outbox's guarantees: retried with backoff until Deliver returns
// nil, at least once (a crash after sending and before recording sends
// again, with the same message id); a sender is a receiver of its own for
// fairness and the circuit breaker.
type Sender interface {
	Deliver(ctx context.Context, r Reply) error
}

// Reply is an agent reply due for delivery.
type Reply struct {
	Message            protocol.Message
	Channel            string
	CustomerID         string
	CustomerExternalID string // the customer's address on the channel, if known
	Attempt            int    // from 1
}

// AddSender makes snd deliver the replies of channel, instead of any
// webhook. Call it before Serve.
func (s *Server) AddSender(channel string, snd Sender) {
	o := s.ch.out
	o.mu.Lock()
	defer o.mu.Unlock()
	o.senders[channel] = snd
	kept := o.receivers[:0]
	for _, r := range o.receivers {
		if r.channels != nil {
			r.channels = slices.DeleteFunc(r.channels, func(c string) bool { return c == channel })
			if len(r.channels) == 0 {
				continue // every channel it had is the sender's now
			}
		} else if !slices.Contains(r.except, channel) {
			r.except = append(r.except, channel) // the "*" webhook leaves it alone
		}
		kept = append(kept, r)
	}
	o.receivers = append(kept, &receiverState{url: "sender:" + channel, channels: []string{channel}})
}

// claim takes due deliveries for the receivers in turn, each up to its room
// and all together up to free.
func (o *outbound) claim(ctx context.Context, free int) []claimed {
	o.mu.Lock()
	n := len(o.receivers)
	order := make([]*receiverState, 0, n)
	for i := range n {
		order = append(order, o.receivers[(o.turn+i)%n])
	}
	o.turn++
	o.mu.Unlock()
	var out []claimed
	for _, r := range order {
		o.mu.Lock()
		room := min(free, r.room(o.cfg.PerReceiver, time.Now()))
		o.mu.Unlock()
		if room <= 0 {
			continue
		}
		var jobs []store.DeliveryJob
		err := o.srv.store.Update(ctx, func(tx *store.Tx) error {
			var err error
			jobs, err = tx.ClaimDeliveries(r.channels, r.except, room, o.lease().Milliseconds())
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				o.srv.log.Error("claim deliveries", "receiver", r.url, "err", err)
			}
			continue
		}
		o.mu.Lock()
		for _, j := range jobs {
			r.started()
			out = append(out, claimed{j, r})
		}
		o.mu.Unlock()
		if free -= len(jobs); free <= 0 {
			break
		}
	}
	return out
}

type claimed struct {
	job store.DeliveryJob
	rcv *receiverState
}

// delivery is what the welcome tells desks about where replies go.
func (o *outbound) delivery() *protocol.Delivery {
	if _, all := o.hooks["*"]; all {
		return &protocol.Delivery{All: true}
	}
	chans := slices.Collect(maps.Keys(o.hooks))
	for ch := range o.senders {
		if !slices.Contains(chans, ch) {
			chans = append(chans, ch)
		}
	}
	slices.Sort(chans)
	return &protocol.Delivery{Channels: chans}
}

func (o *outbound) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbound) hook(channel string) (Webhook, bool) {
	if h, ok := o.hooks[channel]; ok {
		return h, true
	}
	h, ok := o.hooks["*"]
	return h, ok
}

// webhookOnly reports whether channel's replies go to a webhook: one is
// configured for it (or "*") and no built-in sender (e-mail, the widget)
// has the channel.
func (o *outbound) webhookOnly(channel string) bool {
	o.mu.Lock()
	_, builtIn := o.senders[channel]
	o.mu.Unlock()
	_, ok := o.hook(channel)
	return ok && !builtIn
}

// lease is how long a claimed delivery is kept from other workers: longer
// than an attempt can take, so it is never sent twice at once.
func (o *outbound) lease() time.Duration {
	if o.cfg.Lease > 0 {
		return o.cfg.Lease
	}
	return o.cfg.Timeout + 30*time.Second
}

// run delivers until ctx is done, then waits for attempts in flight so their
// outcome is recorded.
func (o *outbound) run(ctx context.Context) {
	if len(o.hooks) == 0 && len(o.senders) == 0 {
		<-ctx.Done()
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{}, o.cfg.Workers)
	tick := time.NewTicker(o.cfg.Poll)
	defer tick.Stop()
	for {
		free := o.cfg.Workers - int(o.inflight.Load())
		var jobs []claimed
		if free > 0 {
			jobs = o.claim(ctx, free)
		}
		for _, j := range jobs {
			o.inflight.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok := o.deliver(j.job)
				o.mu.Lock()
				j.rcv.finished(ok, time.Now())
				o.mu.Unlock()
				o.inflight.Add(-1)
				select { // a wake-up, not a count: never block on it
				case done <- struct{}{}:
				default:
				}
			}()
		}
		if len(jobs) == free && free > 0 {
			continue // there may be more due right now
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-done:
		case <-tick.C:
		}
	}
}

// deliver makes one attempt and records its outcome. It does not stop for
// shutdown: an attempt is bounded by the timeout, and recording its outcome
// is what keeps a reply from being sent twice.
func (o *outbound) deliver(j store.DeliveryJob) bool {
	ctx := context.Background()
	attempt := j.Attempts + 1
	err := o.send(ctx, j, attempt)
	werr := o.srv.store.Update(ctx, func(tx *store.Tx) error {
		if err == nil {
			return tx.DeliverySucceeded(j.Message.ID)
		}
		var retryAt int64
		if attempt < o.cfg.MaxAttempts {
			retryAt = tx.Now() + o.backoff(attempt).Milliseconds()
		}
		return tx.DeliveryFailed(j.Message.ID, err.Error(), retryAt)
	})
	if werr != nil {
		o.srv.log.Error("record delivery", "message", j.Message.ID, "err", werr)
	}
	if err != nil {
		o.srv.log.Warn("reply delivery failed", "message", j.Message.ID, "channel", j.Channel, "attempt", attempt, "err", err)
	}
	return err == nil
}

// backoff is the wait after the given failed attempt: BaseBackoff doubled
// per attempt, capped, with ±20% jitter so retries to a recovering receiver
// spread out.
func (o *outbound) backoff(attempt int) time.Duration {
	d := o.cfg.BaseBackoff
	for i := 1; i < attempt && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.cfg.MaxBackoff)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

func (o *outbound) send(ctx context.Context, j store.DeliveryJob, attempt int) error {
	if snd, ok := o.senders[j.Channel]; ok {
		ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
		defer cancel()
		return snd.Deliver(ctx, Reply{Message: j.Message, Channel: j.Channel, CustomerID: j.CustomerID,
			CustomerExternalID: j.CustomerExternalID, Attempt: attempt})
	}
	h, ok := o.hook(j.Channel)
	if !ok {
		return fmt.Errorf("no webhook configured for channel %s", j.Channel)
	}
	m := j.Message
	p := WebhookPayload{
		Type: "message", ID: m.ID, ConversationID: m.ConversationID, Channel: j.Channel,
		CustomerID: j.CustomerID, CustomerExternalID: j.CustomerExternalID,
		Author: m.Author, AuthorID: m.AuthorID, AuthorName: m.AuthorName, Text: m.Text, CreatedAt: m.CreatedAt, Seq: m.Seq,
	}
	for _, a := range m.Attachments {
		p.Attachments = append(p.Attachments, WebhookAttachment{Attachment: a, Path: "/v1/api/attachments/" + a.ID})
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", o.cfg.UserAgent)
	req.Header.Set(HeaderSignature, Sign(h.Secret, time.Now(), body))
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set("Idempotency-Key", m.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", j.Channel, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s answered %s: %s", j.Channel, resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}
