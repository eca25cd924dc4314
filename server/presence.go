package server

import (
	"context"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Presence follows the connection. The status an agent chooses (online,
// away, offline) is kept by the store; what the team sees is that status
// while the agent has a desk connected, and offline once their last desk
// has been closed for Config.PresenceGrace (a desk that reconnects within
// the grace never shows offline). A desk connecting brings the chosen
// status back. See docs/protocol.md (presence).

// defaultPresenceGrace is Config.PresenceGrace when none is set.
const defaultPresenceGrace = 10 * time.Second

// deskConnected brings back the status the agent chose, before the desk's
// welcome is built so that the desk starts with it.
func (s *Server) deskConnected(ctx context.Context, c *conn) {
	var a protocol.Agent
	err := s.store.Update(ctx, func(tx *store.Tx) error {
		var err error
		a, err = tx.DeskConnected(c.agent.ID)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("presence: restore chosen status", "agent", c.agent.ID, "err", err)
		}
		return
	}
	// Only these fields: others read c.agent.ID meanwhile.
	c.agent.Status, c.agent.StatusSince, c.agent.Version = a.Status, a.StatusSince, a.Version
}

// gone reports whether an agent has had no desk on this server for the
// grace (since the server started, for one not seen since).
func (h *hub) gone(agentID string, grace time.Duration, now time.Time) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		if c.agent.ID == agentID {
			return false
		}
	}
	since, ok := h.left[agentID]
	if !ok {
		since = h.started
	}
	return now.Sub(since) >= grace
}

// sweepPresence shows offline the agents whose desks have all been closed
// for the grace. Not while draining: desks come back to the next process.
func (s *Server) sweepPresence(ctx context.Context) {
	if s.draining.Load() {
		return
	}
	now := time.Now()
	err := s.store.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.ShowAbsentOffline(func(id string) bool { return s.hub.gone(id, s.cfg.PresenceGrace, now) })
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("presence: show absent agents offline", "err", err)
	}
	s.hub.mu.Lock()
	for id, at := range s.hub.left {
		if now.Sub(at) >= s.cfg.PresenceGrace {
			delete(s.hub.left, id) // gone() counts from started, which is older
		}
	}
	s.hub.mu.Unlock()
}

// runPresence sweeps at half the grace.
func (s *Server) runPresence(ctx context.Context) {
	t := time.NewTicker(max(s.cfg.PresenceGrace/2, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweepPresence(ctx)
		}
	}
}
