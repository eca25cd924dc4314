package server

import (
	"context"
	"time"

	"github.com/agentdesk/agentdesk/server/store"
)

// Routing configures how queued conversations reach agents
// (docs/routing.md). The zero value is pull only: agents claim or take
// next, nothing is assigned and nothing returns.
type Routing struct {
	// AutoAssign gives each queued conversation to the least-loaded online
	// agent (or lead) with a desk open and free capacity, the
	// conversation's team first.
	AutoAssign bool
	// ReturnAfter puts a conversation back in the queue (cause returned)
	// when its assignee has not answered the waiting customer this long
	// after they got it or the customer wrote; 0 = never.
	ReturnAfter time.Duration
	// Holdoff: an agent who let a conversation go is passed over for it
	// this long [10m].
	Holdoff time.Duration
	// Sweep is how often the return timer runs and auto-assignment catches
	// up with things no write announces (a hold-off ending) [5s].
	Sweep time.Duration
}

func (r *Routing) defaults() {
	if r.Holdoff <= 0 {
		r.Holdoff = store.DefaultHoldoff
	}
	if r.Sweep <= 0 {
		r.Sweep = 5 * time.Second
	}
}

// router runs the return timer and the catch-up sweep. Assignment itself
// happens inside the store's write transactions (store.Routing).
type router struct {
	srv  *Server
	cfg  Routing
	kick chan struct{}
}

func newRouter(s *Server, cfg Routing) *router {
	cfg.defaults()
	r := &router{srv: s, cfg: cfg, kick: make(chan struct{}, 1)}
	s.store.SetRouting(store.Routing{AutoAssign: cfg.AutoAssign, Holdoff: cfg.Holdoff, Present: s.hub.present})
	return r
}

// nudge asks for a sweep soon (a desk connected, so an online agent may
// have become reachable).
func (r *router) nudge() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *router) run(ctx context.Context) {
	if !r.cfg.AutoAssign && r.cfg.ReturnAfter <= 0 {
		return
	}
	t := time.NewTicker(r.cfg.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
		r.sweep(ctx)
	}
}

// sweep returns unanswered conversations and assigns what can be assigned,
// in one transaction.
func (r *router) sweep(ctx context.Context) {
	err := r.srv.store.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.ReturnUnanswered(r.cfg.ReturnAfter); err != nil {
			return err
		}
		if r.cfg.AutoAssign {
			_, err := tx.AutoAssign()
			return err
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		r.srv.log.Error("routing sweep", "err", err)
	}
}

// present reports whether agentID has a desk connected.
func (h *hub) present(agentID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		if c.agent.ID == agentID {
			return true
		}
	}
	return false
}
