package server

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// Limits that hold per token across all its connections (issue 19.6): one
// agent token with 50 connections once got 9,400 acks a second and slowed
// every other desk from 2 ms to 1.1 s.
const (
	defaultDesksPerToken = 8       // connections one token may hold open
	defaultTextPerHour   = 4 << 20 // bytes of mutating requests per token per hour (burst the same)
	maxInvalidFrames     = 100     // unreadable frames a connection may send before it is closed
	tokenRecheck         = time.Second
)

// tokenState is what the server keeps per token while it has desks open.
type tokenState struct {
	id string

	mu        sync.Mutex
	requests  *rateLimiter // requests a second, shared by the token's connections
	text      *rateLimiter // bytes of mutating requests
	conns     int
	checkedAt time.Time // when the token was last found valid
}

// tokenTable holds the state of tokens with open connections.
type tokenTable struct {
	mu sync.Mutex
	m  map[string]*tokenState
}

// openToken registers one more connection of a token, or refuses it with
// rate_limited when the token already has its cap open.
func (s *Server) openToken(tokenID string) (*tokenState, error) {
	t := &s.tokens
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*tokenState{}
	}
	st := t.m[tokenID]
	if st == nil {
		perHour := float64(s.cfg.TextPerHour)
		if s.cfg.RateLimit < 0 {
			perHour = -1 // rate limits off: the text budget too
		}
		st = &tokenState{id: tokenID, requests: newRateLimiter(s.cfg.RateLimit, s.cfg.RateBurst),
			text: newRateLimiter(perHour/3600, int(perHour)), checkedAt: time.Now()}
		t.m[tokenID] = st
	}
	if st.conns >= s.cfg.DesksPerToken {
		return nil, protocol.Errorf(protocol.CodeRateLimited, "this token already has %d desks open (at most %d)", st.conns, s.cfg.DesksPerToken)
	}
	st.conns++
	return st, nil
}

// closeToken forgets one connection of a token.
func (s *Server) closeToken(st *tokenState) {
	t := &s.tokens
	t.mu.Lock()
	defer t.mu.Unlock()
	if st.conns--; st.conns <= 0 {
		delete(t.m, st.id)
	}
}

// rateLimited builds the error frame for a request over a limit.
func rateLimited(id string, l *rateLimiter, what string) protocol.Frame {
	wait := l.wait()
	ef := protocol.ErrorFrame(id, protocol.Errorf(protocol.CodeRateLimited,
		"too many %s: at most %g a second (bursts of %g) for this token across its desks; retry in %d ms", what, l.rate, l.burst, wait.Milliseconds()))
	ef.RetryAfterMS = max(1, wait.Milliseconds())
	return ef
}

// admit decides whether a decoded request may run: the token's request
// rate and, for mutating requests, its hourly text budget and a fresh
// check that it was not revoked (a revoked token once kept writing for up
// to 20 s, until the next ping). It answers refusals itself; false means
// the request is not handled.
func (c *conn) admit(ctx context.Context, f protocol.Frame) bool {
	st := c.tok
	st.mu.Lock()
	if !st.requests.allow(time.Now()) {
		ef := rateLimited(f.ID, st.requests, "requests")
		st.mu.Unlock()
		c.sendFrame(ef)
		return false
	}
	mutating := protocol.Mutating(f.Type)
	if mutating && !st.text.allowN(time.Now(), float64(len(f.Data))) {
		ef := rateLimited(f.ID, st.text, "bytes of text")
		st.mu.Unlock()
		c.sendFrame(ef)
		return false
	}
	recheck := mutating && time.Since(st.checkedAt) > tokenRecheck
	st.mu.Unlock()
	if recheck {
		ok, err := c.srv.store.TokenValid(ctx, c.tokenID)
		if err == nil && !ok {
			c.sendFrame(protocol.ErrorFrame(f.ID, protocol.Errorf(protocol.CodeUnauthorized, "token revoked")))
			c.shut(protocol.CloseUnauthorized, "token revoked")
			return false
		}
		if err == nil {
			st.mu.Lock()
			st.checkedAt = time.Now()
			st.mu.Unlock()
		}
	}
	return true
}

// invalidFrame counts an unreadable frame: it answers it while the token's
// request rate allows (an unreadable frame costs a request like any other),
// and closes the connection after maxInvalidFrames of them.
func (c *conn) invalidFrame(f protocol.Frame, err error) {
	c.invalid++
	if c.invalid > maxInvalidFrames {
		c.shut(websocket.ClosePolicyViolation, "too many invalid frames")
		return
	}
	c.tok.mu.Lock()
	ok := c.tok.requests.allow(time.Now())
	c.tok.mu.Unlock()
	if ok {
		c.sendFrame(protocol.ErrorFrame(f.ID, err))
	}
}

// regenQuota bounds regenerate per agent (issue 19 Low: one agent once
// caused 324 remote model calls in 17 s): a bucket of regenerateBurst,
// refilled at regenerateRate a second, and at most one per conversation
// every regenerateCooldown.
const (
	regenerateRate     = 0.2 // 12 a minute
	regenerateBurst    = 6
	regenerateCooldown = 2 * time.Second
)

type regenQuota struct {
	mu     sync.Mutex
	agents map[string]*rateLimiter
	last   map[string]time.Time // conversation id → last accepted regenerate
}

// allow takes one regenerate for agent on conversation, or says how long
// to wait.
func (q *regenQuota) allow(agent, conv string, now time.Time) (time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.agents == nil {
		q.agents, q.last = map[string]*rateLimiter{}, map[string]time.Time{}
	}
	if len(q.last) > 10_000 { // forget old cooldowns
		for id, at := range q.last {
			if now.Sub(at) > regenerateCooldown {
				delete(q.last, id)
			}
		}
	}
	if at, ok := q.last[conv]; ok && now.Sub(at) < regenerateCooldown {
		return regenerateCooldown - now.Sub(at), false
	}
	l := q.agents[agent]
	if l == nil {
		l = newRateLimiter(regenerateRate, regenerateBurst)
		q.agents[agent] = l
	}
	if !l.allow(now) {
		return l.wait(), false
	}
	q.last[conv] = now
	return 0, true
}

// retryError is a rate_limited error that knows when to retry; the desk
// connection puts it in retry_after_ms.
type retryError struct {
	err   *protocol.Error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }
