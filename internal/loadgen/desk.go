package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// Stream is what one desk received: the seqs, as a bitmap from the first
// welcome's seq.
type Stream struct {
	Desk     Desk
	Base     int64 // seq of the first welcome; events after it are expected
	Last     int64 // newest seq received (or the welcome's)
	Received int64
	bits     []uint64
	held     []uint64 // the seqs that came withheld (a message the desk may not read)
	mu       sync.Mutex
}

// Withheld reports whether seq came as a withheld message event.
func (s *Stream) Withheld(seq int64) bool { return bitOf(s.held, seq-s.Base-1) }

// Has reports whether the desk received seq.
func (s *Stream) Has(seq int64) bool { return bitOf(s.bits, seq-s.Base-1) }

func bitOf(bits []uint64, i int64) bool {
	return i >= 0 && int(i/64) < len(bits) && bits[i/64]&(1<<(i%64)) != 0
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

// withheldMark is in a message event's frame only when the server withheld
// the message (a text holding it is escaped: \"withheld\").
var withheldMark = []byte(`"withheld":true`)

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
	if i := seq - s.Base - 1; i >= 0 && (kind == protocol.EvMessage || kind == protocol.EvMessageUpdated) && bytes.Contains(b, withheldMark) {
		for int(i/64) >= len(s.held) {
			s.held = append(s.held, 0)
		}
		s.held[i/64] |= 1 << (i % 64)
	}
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
