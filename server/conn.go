package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// conn is one connected desk. Its reader goroutine handles requests in
// order; its writer goroutine owns all writes to the socket. Events reach
// it in two phases: catching up from the event log (replay), then live from
// the hub. The switch happens under mu so no seq is skipped or sent twice.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	agent   protocol.Agent
	actor   store.Actor
	tokenID string
	log     *slog.Logger

	out     chan []byte   // frames for the writer; bounded
	closing chan struct{} // closed when the connection must end
	done    chan struct{} // closed when the writer has finished

	closeOnce sync.Once
	closeCode int
	closeText string

	mu       sync.Mutex
	live     bool  // false while catching up from the log
	lastSeq  int64 // newest seq handled (sent or filtered out)
	liveSeen int64 // newest visible seq the hub offered while catching up

	tok     *tokenState // limits shared by the token's connections (limits.go)
	invalid int         // unreadable frames so far (reader goroutine only)
	// statsDay is the day start the desk's team board asked for; non-zero
	// means it gets team_stats pushes (team.go).
	statsDay atomic.Int64
}

func newConn(srv *Server, ws *websocket.Conn, agent protocol.Agent, tokenID string) *conn {
	return &conn{
		srv: srv, ws: ws, agent: agent, tokenID: tokenID,
		actor:   store.Actor{ID: agent.ID, Role: agent.Role},
		log:     srv.log.With("agent", agent.ID, "remote", ws.RemoteAddr().String()),
		out:     make(chan []byte, srv.cfg.SendBuffer),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// shut asks the connection to close with a websocket close code.
func (c *conn) shut(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
	})
}

// deliverLive is called by the hub, in seq order, for visible events.
func (c *conn) deliverLive(ev *store.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		if ev.Seq > c.liveSeen {
			c.liveSeen = ev.Seq
		}
		return
	}
	if ev.Seq <= c.lastSeq {
		return
	}
	select {
	case c.out <- ev.Frame:
		c.lastSeq = ev.Seq
	default:
		c.live = false
		c.shut(protocol.CloseSlowConsumer, "slow consumer: send buffer full; resume from your last seq")
	}
}

// deliverEphemeral queues a frame that is not in the event log (no seq) if
// the connection is live and its buffer stays at most half full with it;
// otherwise the frame is dropped. It leaves lastSeq and liveSeen alone, never blocks
// and never closes the connection: the other half of the buffer stays for
// events, so ephemeral frames cannot make a desk a slow consumer.
func (c *conn) deliverEphemeral(frame []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || 2*(len(c.out)+1) > cap(c.out) {
		return false
	}
	select {
	case c.out <- frame:
		return true
	default:
		return false
	}
}

// send queues a frame, waiting for room; it gives up when the connection closes.
func (c *conn) send(b []byte) bool {
	select {
	case c.out <- b:
		return true
	case <-c.closing:
		return false
	}
}

func (c *conn) sendFrame(f protocol.Frame) bool {
	b, err := json.Marshal(f)
	if err != nil {
		c.log.Error("encode frame", "err", err)
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
			if visible(c.agent.ID, c.agent.Role, ev) && !c.send(ev.Frame) {
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

// writeLoop owns the socket's write side: frames, pings and the final close.
func (c *conn) writeLoop() {
	defer close(c.done)
	ping := time.NewTicker(c.srv.cfg.PingInterval)
	defer ping.Stop()
	write := func(b []byte) error { return c.ws.WriteMessage(websocket.TextMessage, b) }
	var linger *time.Timer
	if c.srv.cfg.FlushInterval > 0 {
		linger = time.NewTimer(time.Hour)
		linger.Stop()
		defer linger.Stop()
	}
	for {
		select {
		case b := <-c.out:
			c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteWait))
			if err := c.writeBatch(b, write); err != nil {
				c.shut(websocket.CloseAbnormalClosure, "")
				c.ws.Close()
				return
			}
			if linger != nil {
				// Let frames gather for a moment before the next flush: under
				// fan-out load one write then carries many events instead of
				// one syscall per event per desk. A desk that is idle when a
				// frame arrives gets it at once; the pause only delays frames
				// that arrive while it lasts, by at most FlushInterval.
				linger.Reset(c.srv.cfg.FlushInterval)
				select {
				case <-linger.C:
				case <-c.closing:
				}
			}
		case <-ping.C:
			if ok, err := c.srv.store.TokenValid(context.Background(), c.tokenID); err == nil && !ok {
				c.shut(protocol.CloseUnauthorized, "token revoked")
				continue
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.cfg.WriteWait)); err != nil {
				c.shut(websocket.CloseAbnormalClosure, "")
				c.ws.Close()
				return
			}
		case <-c.closing:
			if c.closeCode == protocol.CloseGoingAway {
				// Graceful shutdown: flush what is queued first.
				c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteWait))
				for drained := false; !drained; {
					select {
					case b := <-c.out:
						if write(b) != nil {
							drained = true
						}
					default:
						drained = true
					}
				}
			}
			if c.closeCode != websocket.CloseAbnormalClosure {
				msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
				c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.srv.cfg.WriteWait))
				// Give the peer a moment to answer the close before cutting the socket.
				time.AfterFunc(time.Second, func() { c.ws.Close() })
			} else {
				c.ws.Close()
			}
			return
		}
	}
}

// maxBatch bounds how many queued frames one flush carries, so a desk with
// a deep queue still gets pings in between.
const maxBatch = 256

// writeBatch writes first and whatever else is already queued, in one
// flush when the connection supports corking.
func (c *conn) writeBatch(first []byte, write func([]byte) error) error {
	cc, _ := c.ws.NetConn().(*corkConn)
	if cc == nil || len(c.out) == 0 {
		return write(first)
	}
	cc.cork()
	err := write(first)
	for i := 1; err == nil && i < maxBatch; i++ {
		select {
		case b := <-c.out:
			err = write(b)
		default:
			i = maxBatch
		}
	}
	if ferr := cc.flush(); err == nil {
		err = ferr
	}
	return err
}

// readLoop reads requests until the socket fails, answering each in order.
func (c *conn) readLoop(ctx context.Context) {
	c.ws.SetReadLimit(protocol.MaxFrameBytes)
	c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.PongWait))
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
		answer, local, err := c.handleConnLocal(ctx, f)
		if !local {
			answer, err = c.srv.handle(ctx, c.actor, f)
		}
		if err != nil {
			err = c.srv.asUnavailable(store.AsInvalid(err))
			if protocol.CodeOf(err) == protocol.CodeInternal {
				c.log.Error("request failed", "type", f.Type, "id", f.ID, "err", err)
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
