package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

// errSeqBackwards ends a session whose replay welcome is older than what the
// client already applied: the server's event log was reset.
var errSeqBackwards = errors.New("server seq went backwards; resyncing from a snapshot")

// session is one websocket connection, from welcome to close.
type session struct {
	ws           *websocket.Conn
	writeTimeout time.Duration
	send         chan []byte   // frames for the writer goroutine
	done         chan struct{} // closed when the connection is over
	endOnce      sync.Once

	mu      sync.Mutex
	pending map[string]chan protocol.Frame // request id → waiter
}

func (s *session) end() { s.endOnce.Do(func() { close(s.done) }) }

// connectOnce dials, waits for the welcome and serves the connection until
// it ends. onlineFor is how long it was online (0 if it never got there).
func (c *Client) connectOnce(ctx context.Context) (onlineFor time.Duration, err error) {
	c.mu.Lock()
	since := c.last
	c.mu.Unlock()

	u := *c.url
	q := u.Query()
	q.Del("since")
	if since > 0 {
		q.Set("since", strconv.FormatInt(since, 10))
	}
	u.RawQuery = q.Encode()

	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+c.opts.Token)
	if c.opts.Origin != "" {
		hdr.Set("Origin", c.opts.Origin)
	}
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: c.opts.HandshakeTimeout,
		Subprotocols:     []string{protocol.Subprotocol, protocol.SubprotocolV1},
		TLSClientConfig:  c.opts.TLSConfig,
	}
	c.log.Debug("client: connecting", "url", u.Redacted(), "since", since)
	ws, resp, err := d.DialContext(ctx, u.String(), hdr)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusBadRequest && since > 0 {
			// Probably a since the server cannot serve (e.g. its log was
			// reset). A fresh start loses nothing: it brings a snapshot.
			c.log.Warn("client: server refused our since; next attempt starts fresh", "since", since)
			c.mu.Lock()
			c.last = 0
			c.mu.Unlock()
		}
		return 0, dialError(err, resp)
	}
	defer ws.Close()
	if p := ws.Subprotocol(); p != protocol.Subprotocol && p != protocol.SubprotocolV1 {
		return 0, fmt.Errorf("server did not accept subprotocol %s", protocol.Subprotocol)
	}
	ws.SetReadLimit(c.opts.MaxFrameBytes)

	// Cancelling ctx says goodbye and unblocks the reader.
	stop := context.AfterFunc(ctx, func() {
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, "client stopping"),
			time.Now().Add(time.Second))
		_ = ws.Close()
	})
	defer stop()

	alive := func() { _ = ws.SetReadDeadline(time.Now().Add(c.opts.ReadTimeout)) }
	alive()
	ws.SetPingHandler(func(data string) error {
		alive()
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.opts.WriteTimeout))
		var ne net.Error
		if errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil
		}
		return err
	})
	ws.SetPongHandler(func(string) error { alive(); return nil })

	w, err := c.readWelcome(ws)
	if err != nil {
		return 0, err
	}

	s := &session{
		ws:           ws,
		writeTimeout: c.opts.WriteTimeout,
		send:         make(chan []byte, 64),
		done:         make(chan struct{}),
		pending:      make(map[string]chan protocol.Frame),
	}
	defer s.end()
	go s.writer()

	c.mu.Lock()
	switch {
	case w.Resume == protocol.ResumeSnapshot:
		c.last = w.Seq
	case w.Seq < c.last:
		c.log.Warn("client: server seq is behind ours; requesting a snapshot", "server_seq", w.Seq, "last", c.last)
		c.last = 0
		c.mu.Unlock()
		return 0, errSeqBackwards
	}
	c.sess = s
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.sess = nil
		c.mu.Unlock()
	}()

	onlineAt := time.Now()
	c.log.Info("client: online", "resume", w.Resume, "seq", w.Seq, "since", since, "agent", w.Agent.ID)
	c.emit(Welcomed{Welcome: w})
	c.setState(StateChanged{State: StateOnline})
	go c.deliverOutbox(s)

	err = c.readLoop(s, alive)
	return time.Since(onlineAt), err
}

func (c *Client) readWelcome(ws *websocket.Conn) (protocol.Welcome, error) {
	var w protocol.Welcome
	_, b, err := ws.ReadMessage()
	if err != nil {
		return w, c.readError(err)
	}
	f, err := protocol.DecodeFrame(b)
	if err != nil {
		return w, fmt.Errorf("first frame: %w", err)
	}
	if f.Type != protocol.TypeWelcome {
		return w, fmt.Errorf("first frame is %q, want welcome", f.Type)
	}
	if err := json.Unmarshal(f.Data, &w); err != nil {
		return w, fmt.Errorf("decode welcome: %w", err)
	}
	if w.Protocol < protocol.MinVersion || w.Protocol > protocol.Version {
		return w, fmt.Errorf("server speaks protocol %d, this client %d", w.Protocol, protocol.Version)
	}
	if w.Resume != protocol.ResumeReplay && w.Resume != protocol.ResumeSnapshot {
		return w, fmt.Errorf("welcome has unknown resume mode %q", w.Resume)
	}
	// A large snapshot goes on in "snapshot" frames before any event.
	for more := w.SnapshotMore && w.Snapshot != nil; more; {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return w, c.readError(err)
		}
		var p protocol.SnapshotPage
		if f, err := protocol.DecodeFrame(b); err != nil || f.Type != protocol.TypeSnapshot || json.Unmarshal(f.Data, &p) != nil {
			return w, fmt.Errorf("snapshot page: want a %q frame after the welcome", protocol.TypeSnapshot)
		}
		w.Snapshot.Conversations = append(w.Snapshot.Conversations, p.Conversations...)
		more = p.More
	}
	w.SnapshotMore = false
	return w, nil
}

func (c *Client) readLoop(s *session, alive func()) error {
	for {
		_, b, err := s.ws.ReadMessage()
		if err != nil {
			return c.readError(err)
		}
		alive()
		f, err := protocol.DecodeFrame(b)
		if err != nil {
			c.log.Warn("client: unreadable frame from server", "err", err)
			continue
		}
		switch f.Type {
		case protocol.TypeEvent:
			c.mu.Lock()
			if f.Seq <= c.last {
				c.mu.Unlock()
				c.log.Debug("client: dropping already-applied event", "seq", f.Seq, "last", c.last)
				continue
			}
			c.last = f.Seq
			// Emitting under the lock keeps LastSeq and the queue in step.
			c.emit(decodeEvent(f))
			c.mu.Unlock()
		case protocol.TypeDraftDelta:
			// Ephemeral: no seq, so LastSeq stays where it is.
			var dd protocol.DraftDelta
			if err := json.Unmarshal(f.Data, &dd); err != nil || dd.ConversationID == "" {
				c.log.Warn("client: unreadable draft_delta", "err", err)
				continue
			}
			c.emit(DraftDelta{ConversationID: dd.ConversationID, JobID: dd.JobID, Text: dd.Text, Reset: dd.Reset})
		case protocol.TypePresence:
			var p protocol.Presence
			if err := json.Unmarshal(f.Data, &p); err != nil || p.ConversationID == "" {
				c.log.Warn("client: unreadable presence", "err", err)
				continue
			}
			c.emit(Presence{p})
		case protocol.TypeCustomerTyping:
			var ct protocol.CustomerTyping
			if err := json.Unmarshal(f.Data, &ct); err != nil || ct.ConversationID == "" {
				c.log.Warn("client: unreadable customer_typing", "err", err)
				continue
			}
			c.emit(CustomerTyping{ct})
		case protocol.TypeTeamStats:
			var st protocol.TeamStats
			if err := json.Unmarshal(f.Data, &st); err != nil {
				c.log.Warn("client: unreadable team_stats", "err", err)
				continue
			}
			c.emit(TeamStats{st})
		case protocol.TypeAck, protocol.TypeError:
			if f.Re == "" {
				c.log.Warn("client: server error for an unreadable frame", "code", f.Code, "message", f.Message)
				continue
			}
			if f.Type == protocol.TypeError {
				// The desk words errors by code; the server's message (with its ids) is kept here.
				c.log.Info("client: request refused", "re", f.Re, "code", f.Code, "message", f.Message)
			}
			if !s.deliver(f) {
				c.log.Debug("client: reply to a request nobody waits for", "re", f.Re, "type", f.Type)
			}
		default:
			c.log.Debug("client: ignoring frame", "type", f.Type)
		}
	}
}

// readError explains why reading stopped.
func (c *Client) readError(err error) error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return fmt.Errorf("%w: the server sent a frame over this desk's limit of %s", ErrFrameTooLarge, byteSize(c.opts.MaxFrameBytes))
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == protocol.CloseUnauthorized {
			return fmt.Errorf("%w: server closed the connection (%d %s)", ErrAuthFailed, ce.Code, ce.Text)
		}
		return fmt.Errorf("server closed the connection: %w", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no word from the server in %s: %w", c.opts.ReadTimeout, err)
	}
	return fmt.Errorf("connection lost: %w", err)
}

// byteSize writes n in KiB or MiB.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", (n+1023)>>10)
}

// promptReconnect reports whether the server asked us to come right back.
func promptReconnect(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code == protocol.CloseSlowConsumer || ce.Code == protocol.CloseGoingAway
	}
	return errors.Is(err, errSeqBackwards)
}

// dialError turns a failed upgrade into an error; an HTTP refusal carries
// the server's *protocol.Error, and 401 wraps ErrAuthFailed.
func dialError(err error, resp *http.Response) error {
	if resp == nil {
		return fmt.Errorf("connect: %w", err)
	}
	pe := &protocol.Error{Code: protocol.CodeUnavailable, Message: resp.Status}
	if resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var refusal protocol.Error
		if json.Unmarshal(body, &refusal) == nil && refusal.Code != "" {
			pe = &refusal
		} else if line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n"); line != "" {
			// Not our server's JSON (a proxy, or Go's "HTTP request to an
			// HTTPS server"): its first line still tells the cause.
			pe.Message = resp.Status + ": " + textcut.Runes(line, 200)
		}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return &statusError{resp.StatusCode, fmt.Errorf("connect: HTTP %d: %w: %w", resp.StatusCode, ErrAuthFailed, pe)}
	}
	return &statusError{resp.StatusCode, fmt.Errorf("connect: HTTP %d: %w", resp.StatusCode, pe)}
}

// writer is the connection's only writer of data frames (gorilla allows one).
func (s *session) writer() {
	for {
		select {
		case b := <-s.send:
			_ = s.ws.SetWriteDeadline(time.Now().Add(s.writeTimeout))
			if err := s.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				_ = s.ws.Close() // the reader sees it and ends the session
				return
			}
		case <-s.done:
			return
		}
	}
}

func (s *session) deliver(f protocol.Frame) bool {
	s.mu.Lock()
	ch := s.pending[f.Re]
	delete(s.pending, f.Re)
	s.mu.Unlock()
	if ch == nil {
		return false
	}
	ch <- f // buffered; one reply per registration
	return true
}

// roundTrip sends one request and waits for the frame answering it.
func (s *session) roundTrip(ctx context.Context, id, typ string, data json.RawMessage, timeout time.Duration) (protocol.Frame, error) {
	b, err := json.Marshal(protocol.Frame{Type: typ, ID: id, Data: data})
	if err != nil {
		return protocol.Frame{}, fmt.Errorf("encode %s: %w", typ, err)
	}
	ch := make(chan protocol.Frame, 1)
	s.mu.Lock()
	s.pending[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.pending[id] == ch {
			delete(s.pending, id)
		}
		s.mu.Unlock()
	}()

	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case s.send <- b:
	case <-s.done:
		return protocol.Frame{}, unavailable("connection lost; %s not sent", typ)
	case <-ctx.Done():
		return protocol.Frame{}, fmt.Errorf("%s: %w", typ, ctx.Err())
	case <-t.C:
		return protocol.Frame{}, unavailable("%s not sent within %s", typ, timeout)
	}
	select {
	case f := <-ch:
		return f, nil
	case <-s.done:
		return protocol.Frame{}, unavailable("connection lost before the server answered %s; it may or may not have been applied", typ)
	case <-ctx.Done():
		return protocol.Frame{}, fmt.Errorf("%s: %w", typ, ctx.Err())
	case <-t.C:
		return protocol.Frame{}, unavailable("no answer to %s within %s", typ, timeout)
	}
}

// deliverOutbox sends the outbox, oldest first and one at a time so the
// server sees actions in the order they were taken, for as long as s lives.
func (c *Client) deliverOutbox(s *session) {
	// One deliverer at a time: the previous session's may still be finishing
	// its last item when the next session starts.
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	transient := 0
	internalID, internal := "", 0 // consecutive internal errors of the head item
	for {
		it := c.ob.head()
		if it == nil {
			select {
			case <-c.ob.changed:
				continue
			case <-s.done:
				return
			}
		}
		c.ob.noteAttempt(it.ID)
		f, err := s.roundTrip(context.Background(), it.ID, it.Type, it.Data, c.opts.RequestTimeout)
		if err != nil {
			select {
			case <-s.done:
				return // resent, with the same id, after reconnecting
			default:
			}
			// No answer in time: resend with the same id; the server's
			// idempotency makes a second copy harmless.
			c.ob.noteError(it.ID, err.Error())
			c.log.Warn("client: outbox request unanswered; resending", "id", it.ID, "type", it.Type, "err", err)
			continue
		}
		if f.Type == protocol.TypeError && f.Code == protocol.CodeInternal {
			if internalID != it.ID {
				internalID, internal = it.ID, 0
			}
			internal++
		}
		if f.Type == protocol.TypeError && f.Code.Transient() && !(f.Code == protocol.CodeInternal && internal >= MaxInternalRetries) {
			transient++
			c.ob.noteError(it.ID, replyError(f).Error())
			ceil := c.backoff(transient)
			c.log.Warn("client: outbox request failed transiently; retrying", "id", it.ID, "type", it.Type, "code", f.Code, "message", f.Message)
			t := time.NewTimer(ceil/2 + jitter(ceil/2))
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return
			}
			continue
		}
		transient = 0
		res := OutboxResult{ID: it.ID, Type: it.Type}
		if f.Type == protocol.TypeError {
			res.Err, res.Request = replyError(f), it.Data
			if f.Code == protocol.CodeInternal {
				// The server keeps failing on this one item: a fault that
				// retrying does not cure must not hold every later action.
				res.Err = protocol.Errorf(protocol.CodeInternal, "the server failed %d times on this %s (%s); it was taken out of the outbox", internal, it.Type, f.Message)
				res.Stuck = true
			}
			c.log.Warn("client: outbox request refused; dropping it", "id", it.ID, "type", it.Type, "code", f.Code, "message", f.Message)
		} else {
			res.Ack = f.Data
		}
		var removed bool
		res.Pending, removed = c.ob.finish(it.ID)
		if removed {
			c.emit(res)
		}
	}
}
