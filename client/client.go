package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// DeskPath is the websocket endpoint a URL without a path is pointed at.
const DeskPath = "/v1/desk"

// ErrAuthFailed is wrapped by Run's error (and StateChanged.Err) when the
// server refuses the token: HTTP 401 on connect or close 4001 while connected.
var ErrAuthFailed = errors.New("authentication failed")

// ErrFrameTooLarge is wrapped by Run's error (and StateChanged.Err) when the
// server sent a frame past Options.MaxFrameBytes. Reconnecting would bring
// the same frame again (the welcome's snapshot, or the next event in the
// log), so the client stops instead of retrying for ever.
var ErrFrameTooLarge = errors.New("frame too large")

// Options configure a Client. Zero durations take the documented defaults.
type Options struct {
	// URL of the server: ws://, wss://, http:// or https:// (the last two are
	// mapped to ws/wss). A URL with no path gets DeskPath.
	URL string
	// Token is the bearer token sent on the upgrade request. Required.
	Token string
	// OutboxPath is the outbox file; its directory is created if needed.
	// Empty keeps the outbox in memory: it survives reconnects, not restarts.
	OutboxPath string
	// Logger receives connection and outbox diagnostics. Nil discards them.
	Logger *slog.Logger
	// TLSConfig is used for wss:// URLs. Nil means the system defaults.
	TLSConfig *tls.Config
	// Origin, if set, is sent as the Origin header.
	Origin string
	// Since is the seq to resume from on the first connect (0: snapshot).
	Since int64

	RequestTimeout   time.Duration // a request's wait for its reply; default 10 s
	BackoffMin       time.Duration // first reconnect delay cap; default 250 ms
	BackoffMax       time.Duration // largest reconnect delay; default 15 s
	StableAfter      time.Duration // online this long resets the backoff; default 10 s
	ReadTimeout      time.Duration // server silence that means a dead connection; default 60 s
	WriteTimeout     time.Duration // one frame write; default 10 s
	HandshakeTimeout time.Duration // dial + upgrade; default 10 s
	// MaxFrameBytes bounds one incoming frame (a welcome snapshot or a page
	// of a list can be large); default 64 MiB. It is independent of
	// protocol.MaxFrameBytes, which bounds what the server reads.
	MaxFrameBytes int64
}

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RequestTimeout, 10*time.Second)
	def(&o.BackoffMin, 250*time.Millisecond)
	def(&o.BackoffMax, 15*time.Second)
	def(&o.StableAfter, 10*time.Second)
	def(&o.ReadTimeout, 60*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.HandshakeTimeout, 10*time.Second)
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Client is a connection to the agentdesk server that survives disconnects.
// Its methods are safe for concurrent use.
type Client struct {
	opts Options
	url  *url.URL
	log  *slog.Logger
	ob   *outbox

	q       *updateQueue
	updates chan Update
	closed  chan struct{}
	started atomic.Bool
	retry   chan struct{} // RetryNow: skip the current backoff wait

	deliverMu sync.Mutex // held by the one goroutine delivering the outbox

	mu    sync.Mutex
	state ConnState
	sess  *session // non-nil while online
	last  int64    // seq applied (see the package doc)

	closeOnce sync.Once
}

// New checks opts and opens the outbox (repairing a torn last line). It
// does not connect; call Run.
func New(opts Options) (*Client, error) {
	opts.setDefaults()
	u, err := deskURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.Token) == "" {
		return nil, errors.New("client: no token")
	}
	if opts.Since < 0 {
		return nil, fmt.Errorf("client: negative since %d", opts.Since)
	}
	ob, err := openOutbox(opts.OutboxPath, opts.Logger)
	if err != nil {
		return nil, err
	}
	return &Client{
		opts:    opts,
		url:     u,
		log:     opts.Logger,
		ob:      ob,
		q:       newUpdateQueue(),
		updates: make(chan Update),
		closed:  make(chan struct{}),
		retry:   make(chan struct{}, 1),
		state:   StateOffline,
		last:    opts.Since,
	}, nil
}

func deskURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("client: bad URL %q: want ws://host:port or wss://host (%w)", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("client: URL %q: scheme must be ws, wss, http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: URL %q has no host", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = DeskPath
	}
	return u, nil
}

// Updates returns the channel of StateChanged, Welcomed, Event and
// OutboxResult values. It is the same channel on every call.
func (c *Client) Updates() <-chan Update { return c.updates }

// State returns the current connection state.
func (c *Client) State() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// LastSeq returns the seq the client would resume from.
func (c *Client) LastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Pending lists the requests waiting in the outbox, oldest first.
func (c *Client) Pending() []OutboxItem { return c.ob.pending() }

// RetryNow cuts the current reconnect wait short (e.g. the user pressed
// "retry"). It does nothing when not waiting.
func (c *Client) RetryNow() {
	select {
	case c.retry <- struct{}{}:
	default:
	}
}

// Close releases the outbox file and ends the Updates channel. Call it after
// Run has returned; the Client is unusable afterwards.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.ob.close()
	})
	return err
}

func (c *Client) emit(u Update) { c.q.push(u) }

func (c *Client) setState(sc StateChanged) {
	c.mu.Lock()
	c.state = sc.State
	c.mu.Unlock()
	c.emit(sc)
}

// Run connects and keeps the client connected until ctx ends (it returns
// ctx.Err()) or the server refuses the token (an error wrapping
// ErrAuthFailed). It may be called once.
func (c *Client) Run(ctx context.Context) error {
	if !c.started.CompareAndSwap(false, true) {
		return errors.New("client: Run called twice")
	}
	go c.pump(ctx)
	defer c.q.finish()

	attempt := 0
	for {
		c.setState(StateChanged{State: StateConnecting, Attempt: attempt})
		onlineFor, err := c.connectOnce(ctx)
		if ctx.Err() != nil {
			c.setState(StateChanged{State: StateStopped})
			return ctx.Err()
		}
		if errors.Is(err, ErrAuthFailed) {
			c.log.Error("client: authentication failed; not retrying", "err", err)
			c.setState(StateChanged{State: StateAuthFailed, Err: err})
			return err
		}
		if errors.Is(err, ErrFrameTooLarge) {
			c.log.Error("client: the server sent a frame this desk cannot read; not retrying", "err", err)
			c.setState(StateChanged{State: StateFailed, Err: err})
			return err
		}
		if onlineFor >= c.opts.StableAfter {
			attempt = 0
		}
		var delay time.Duration
		if promptReconnect(err) {
			// The server asked us to come back (slow consumer, restart):
			// a short jittered pause avoids a thundering herd.
			delay = jitter(c.opts.BackoffMin)
		} else {
			delay = c.backoff(attempt)
			attempt++
		}
		retryAt := time.Now().Add(delay)
		c.log.Warn("client: disconnected", "err", err, "retry_in", delay)
		c.setState(StateChanged{State: StateOffline, Err: err, RetryAt: retryAt, Attempt: attempt})
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.retry:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			c.setState(StateChanged{State: StateStopped})
			return ctx.Err()
		}
	}
}

// backoff is exponential with full jitter: uniform in [0, min(max, min·2^n)].
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.opts.BackoffMin
	for i := 0; i < attempt && ceil < c.opts.BackoffMax; i++ {
		ceil *= 2
	}
	return jitter(min(ceil, c.opts.BackoffMax))
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return mrand.N(d + 1)
}

// pump moves updates from the queue to the unbuffered channel at the app's
// pace, then closes the channel.
func (c *Client) pump(ctx context.Context) {
	defer close(c.updates)
	for {
		u, ok, done := c.q.pop()
		if !ok {
			if done {
				return
			}
			select {
			case <-c.q.notify:
			case <-ctx.Done():
				return
			case <-c.closed:
				return
			}
			continue
		}
		select {
		case c.updates <- u:
		case <-ctx.Done():
			return
		case <-c.closed:
			return
		}
	}
}

// unavailable is the error of a request that cannot be sent or answered now.
func unavailable(format string, args ...any) *protocol.Error {
	return protocol.Errorf(protocol.CodeUnavailable, format, args...)
}

// Do sends a request and waits for its reply, decoding the ack's data into
// out (when out is non-nil). A refusal is a *protocol.Error with the
// server's code; offline, a timeout or a dropped connection give code
// "unavailable". Data with a Validate method is checked before sending.
// For actions that must survive disconnects and crashes, use Enqueue.
func (c *Client) Do(ctx context.Context, typ string, data any, out any) error {
	raw, err := encodeData(typ, data)
	if err != nil {
		return err
	}
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return unavailable("offline: %s not sent", typ)
	}
	f, err := s.roundTrip(ctx, newID("r"), typ, raw, c.opts.RequestTimeout)
	if err != nil {
		return err
	}
	if f.Type == protocol.TypeError {
		return replyError(f)
	}
	if out != nil && len(f.Data) > 0 {
		if err := json.Unmarshal(f.Data, out); err != nil {
			return fmt.Errorf("decode %s ack: %w", typ, err)
		}
	}
	return nil
}

func replyError(f protocol.Frame) *protocol.Error {
	code := f.Code
	if code == "" {
		code = protocol.CodeInternal
	}
	return &protocol.Error{Code: code, Message: f.Message}
}

func encodeData(typ string, data any) (json.RawMessage, error) {
	if !protocol.KnownRequest(typ) {
		return nil, protocol.Errorf(protocol.CodeInvalid, "unknown request type %q", typ)
	}
	if v, ok := data.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	if data == nil {
		return json.RawMessage("{}"), nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode %s data: %w", typ, err)
	}
	return raw, nil
}

// Enqueue stores a mutating request in the outbox (fsynced before it
// returns) and delivers it when online, in order, exactly once. It returns
// the request id, which the OutboxResult for it will carry.
func (c *Client) Enqueue(typ string, data any) (string, error) {
	if !protocol.Mutating(typ) {
		return "", protocol.Errorf(protocol.CodeInvalid, "%s is not a mutating request; use Do", typ)
	}
	raw, err := encodeData(typ, data)
	if err != nil {
		return "", err
	}
	id := newID("o")
	if n := len(raw) + len(typ) + len(id) + 64; n > protocol.MaxFrameBytes {
		// The server would close the connection on it, forever.
		return "", protocol.Errorf(protocol.CodeInvalid, "%s request of %d bytes exceeds %d", typ, n, protocol.MaxFrameBytes)
	}
	it := &OutboxItem{ID: id, Type: typ, Data: raw, EnqueuedAt: time.Now()}
	if err := c.ob.add(it); err != nil {
		return "", err
	}
	return id, nil
}

// newID returns a request id unique across processes and restarts: the
// server remembers ids per agent, so a reused id would get an old answer.
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + "-" + hex.EncodeToString(b[:])
}
