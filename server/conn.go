package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// conn is one connected desk. Its reader goroutine handles requests in
// order; a writer goroutine, while there is something to write, owns all
// writes to the socket (connwrite.go). Events reach it in two phases:
// catching up from the event log (replay), then live from the hub. The
// switch happens under mu so no seq is skipped or sent twice.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	sock    *net.TCPConn    // the socket under ws on plain TCP, else nil (wire.go)
	raw     syscall.RawConn // sock's descriptor for direct writes; nil = always through the writer
	agent   protocol.Agent
	actor   store.Actor
	tokenID string

	// ctx is cancelled when the connection ends: requests still running
	// for it stop (writes already begun finish; the desk's outbox retries).
	ctx    context.Context
	cancel context.CancelFunc

	closing chan struct{} // closed when the connection must end
	done    chan struct{} // closed when the close has been written
	wake    chan struct{} // frames or a ping for a waiting writer
	room    chan struct{} // the writer took frames: a blocked send may go on

	closeOnce  sync.Once
	closeCode  int
	closeText  string
	peerClosed bool // the desk sent a close: echo it, send nothing else

	mu       sync.Mutex
	live     bool     // false while catching up from the log
	lastSeq  int64    // newest seq handled (sent or filtered out)
	liveSeen int64    // newest visible seq the hub offered while catching up
	frames   [][]byte // queued for the writer (connwrite.go)
	spare    [][]byte // the writer's last batch, reused
	queued   int      // bytes in frames
	pingDue  bool
	pongDue  bool   // the desk pinged: answer with pong
	pong     []byte // the newest ping's data
	writing  bool   // a writer goroutine runs (or the close is being written)

	tok     *tokenState // limits shared by the token's connections (limits.go)
	invalid int         // unreadable frames so far (reader goroutine only)
	// statsDay is the day start the desk's team board asked for; non-zero
	// means it gets team_stats pushes (team.go).
	statsDay atomic.Int64
	// onScreen is the conversation the desk has open (presence.set):
	// it gets that chat's messages whole (eventview.go).
	onScreen atomic.Pointer[string]
}

func newConn(ctx context.Context, srv *Server, ws *websocket.Conn, agent protocol.Agent, tokenID string) *conn {
	c := &conn{
		srv: srv, ws: ws, agent: agent, tokenID: tokenID,
		actor:   store.Actor{ID: agent.ID, Role: agent.Role},
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		room:    make(chan struct{}, 1),
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	if c.sock = deskSocket(ws.NetConn()); c.sock != nil && srv.cfg.FlushInterval <= 0 {
		// With --flush-interval every frame waits for the writer's pause.
		if rc, err := c.sock.SyscallConn(); err == nil {
			c.raw = rc
		}
	}
	return c
}

// logger is the connection's logger (made when needed: idle desks keep none).
func (c *conn) logger() *slog.Logger {
	return c.srv.log.With("agent", c.agent.ID, "remote", c.ws.RemoteAddr().String())
}

// shut asks the connection to close with a websocket close code.
func (c *conn) shut(code int, text string) { c.shutAs(code, text, false) }

// shutAs is shut; peer says the desk closed first, so the close is an echo
// of its code and nothing queued goes out before it.
func (c *conn) shutAs(code int, text string, peer bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText, c.peerClosed = code, text, peer
		close(c.closing)
		c.cancel()
		go c.finish()
	})
}

// finish writes the close when no writer is running to do it (a running
// writer sees closing and does it itself).
func (c *conn) finish() {
	c.mu.Lock()
	if c.writing {
		c.mu.Unlock()
		return
	}
	c.writing = true
	c.mu.Unlock()
	c.writeClose()
}

// deliverLive is called by the hub, in seq order, for a run of consecutive
// visible events: wires[i] is events[i]'s frame as a websocket message (the
// same bytes for every desk), run all of them back to back.
func (c *conn) deliverLive(events []store.Event, wires [][]byte, run []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	last := events[len(events)-1].Seq
	if !c.live {
		if last > c.liveSeen {
			c.liveSeen = last
		}
		return
	}
	for len(events) > 0 && events[0].Seq <= c.lastSeq {
		run = run[len(wires[0]):]
		events, wires = events[1:], wires[1:]
	}
	if len(events) == 0 {
		return
	}
	if c.fits(len(run), len(wires)) {
		c.enqueueRun(wires, run)
		c.lastSeq = last
		return
	}
	c.live = false
	c.shut(protocol.CloseSlowConsumer, "slow consumer: send buffer full; resume from your last seq")
}

// deliverEphemeral queues a framed message (wireText) that is not in the
// event log (no seq) if
// the connection is live and its buffer stays at most half full with it
// (frames and bytes); otherwise the frame is dropped. It leaves lastSeq and
// liveSeen alone, never blocks and never closes the connection: the other
// half of the buffer stays for events, so ephemeral frames cannot make a
// desk a slow consumer.
func (c *conn) deliverEphemeral(wire []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || 2*(len(c.frames)+1) > c.srv.cfg.SendBuffer || 2*(c.queued+len(wire)) > c.srv.cfg.SendBufferBytes {
		return false
	}
	c.enqueue(wire)
	return true
}

func (c *conn) sendFrame(f protocol.Frame) bool {
	b, err := json.Marshal(f)
	if err != nil {
		c.logger().Error("encode frame", "err", err)
		return false
	}
	return c.send(b)
}

// start sends the welcome and catches up from `since`, then goes live.
func (c *conn) start(ctx context.Context, since int64) error {
	head, err := c.srv.store.HeadSeq(ctx)
	if err != nil {
		return err
	}
	w := protocol.Welcome{Protocol: protocol.Version, ServerVersion: c.srv.cfg.Version, Agent: c.agent, Delivery: c.srv.ch.out.delivery()}
	if since > 0 && since <= head && head-since <= c.srv.cfg.MaxReplay {
		w.Resume, w.Seq = protocol.ResumeReplay, since
	} else {
		snap, snapHead, err := c.srv.store.Snapshot(ctx)
		if err != nil {
			return err
		}
		w.Resume, w.Seq, w.Snapshot = protocol.ResumeSnapshot, snapHead, &snap
	}
	c.mu.Lock()
	c.lastSeq = w.Seq
	c.mu.Unlock()
	if err := c.sendWelcome(w); err != nil {
		return err
	}
	return c.catchUp(ctx)
}

var errClosed = errors.New("connection closed")

// catchUp sends logged events after lastSeq until it has reached what the
// hub has published, then switches the connection to live delivery.
func (c *conn) catchUp(ctx context.Context) error {
	const page = 1000
	for {
		c.mu.Lock()
		after := c.lastSeq
		c.mu.Unlock()
		events, err := c.srv.store.EventsAfter(ctx, after, page)
		if err != nil {
			return err
		}
		for i := range events {
			ev := &events[i]
			var meta []byte
			if f := c.frameFor(ev, &meta); f != nil && !c.send(f) {
				return errClosed
			}
			after = ev.Seq
		}
		c.mu.Lock()
		c.lastSeq = after
		if len(events) < page && c.liveSeen <= after {
			c.live = true
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
	}
}

// readLoop reads requests until the socket fails, answering each in order.
func (c *conn) readLoop(ctx context.Context) {
	c.ws.SetReadLimit(protocol.MaxFrameBytes)
	c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
	})
	// Every write goes through this connection's writer (wire.go), so
	// gorilla must not answer pings and closes itself.
	c.ws.SetPingHandler(func(data string) error {
		c.askPong(data)
		return nil
	})
	c.ws.SetCloseHandler(func(code int, _ string) error {
		c.shutAs(code, "", true)
		return nil
	})
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.shut(protocol.CloseMessageTooBig, "frame larger than 256 KiB")
			} else {
				c.shut(websocket.CloseAbnormalClosure, "")
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
		if typ != websocket.TextMessage {
			c.invalidFrame(protocol.Frame{}, protocol.Errorf(protocol.CodeInvalid, "binary frames are not accepted; send JSON text"))
			continue
		}
		f, err := protocol.DecodeRequest(b)
		if err != nil {
			c.invalidFrame(f, err)
			continue
		}
		if !c.admit(ctx, f) { // limits.go
			continue
		}
		answer, err := c.serve(ctx, f) // dispatch.go
		if err != nil {
			err = c.srv.asUnavailable(store.AsInvalid(err))
			if protocol.CodeOf(err) == protocol.CodeInternal {
				c.logger().Error("request failed", "type", f.Type, "id", f.ID, "err", err)
				err = protocol.Errorf(protocol.CodeInternal, "internal error; try again")
			}
			ef := protocol.ErrorFrame(f.ID, err)
			var re *retryError
			if errors.As(err, &re) {
				ef.RetryAfterMS = max(1, re.after.Milliseconds())
			}
			c.sendFrame(ef)
			continue
		}
		c.sendFrame(protocol.Frame{Type: protocol.TypeAck, Re: f.ID, Data: answer})
	}
}

// rateLimiter is a token bucket.
type rateLimiter struct {
	rate, burst, tokens float64
	last                time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

func (r *rateLimiter) allow(now time.Time) bool { return r.allowN(now, 1) }

// allowN takes n tokens if the bucket holds them.
func (r *rateLimiter) allowN(now time.Time, n float64) bool {
	if r.rate <= 0 {
		return true
	}
	if !r.last.IsZero() {
		r.tokens += now.Sub(r.last).Seconds() * r.rate
		if r.tokens > r.burst {
			r.tokens = r.burst
		}
	}
	r.last = now
	if r.tokens < n {
		return false
	}
	r.tokens -= n
	return true
}

// wait is how long until the next request is allowed (after allow said no).
func (r *rateLimiter) wait() time.Duration {
	if r.rate <= 0 || r.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - r.tokens) / r.rate * float64(time.Second))
}
