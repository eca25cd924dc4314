package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// hub fans committed events out to connected desks. The store calls publish
// in seq order (SQLite: under its write lock; PostgreSQL: from the one
// goroutine tailing the shared log), so each desk receives events in order.
type hub struct {
	mu    sync.RWMutex
	conns map[*conn]struct{}
	// presence, when set, is told which agents have a desk here after
	// every connect and disconnect (replicas share it through the store).
	presence func(agentIDs []string)
	pmu      sync.Mutex // orders presence reports
	// lastSeq is the newest seq published, for metrics and readiness.
	lastSeq atomic.Int64
	// observe, when set, receives how long each publish took (metrics.go).
	observe func(time.Duration)
	// left is when each agent's last desk here closed; started is when the
	// hub was made (for agents not seen since: presence.go).
	left    map[string]time.Time
	started time.Time
}

func newHub() *hub {
	return &hub{conns: map[*conn]struct{}{}, left: map[string]time.Time{}, started: time.Now()}
}

func (h *hub) add(c *conn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	h.presenceChanged()
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.left[c.agent.ID] = time.Now()
	h.mu.Unlock()
	h.presenceChanged()
}

func (h *hub) presenceChanged() {
	if h.presence == nil {
		return
	}
	h.pmu.Lock()
	defer h.pmu.Unlock()
	h.mu.RLock()
	ids := make([]string, 0, len(h.conns))
	for c := range h.conns {
		ids = append(ids, c.agent.ID)
	}
	h.mu.RUnlock()
	h.presence(ids)
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

func (h *hub) each(fn func(*conn)) {
	h.mu.RLock()
	list := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		list = append(list, c)
	}
	h.mu.RUnlock()
	for _, c := range list {
		fn(c)
	}
}

// publish hands events to every connection that may see them. It never
// blocks: a connection whose buffer is full is closed as a slow consumer.
func (h *hub) publish(events []store.Event) {
	if len(events) == 0 {
		return
	}
	h.lastSeq.Store(events[len(events)-1].Seq)
	if h.observe != nil {
		defer func(start time.Time) { h.observe(time.Since(start)) }(time.Now())
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	meta := make([][]byte, len(events)) // withheld message frames, made once (eventview.go)
	for c := range h.conns {
		for i := range events {
			if frame := c.frameFor(&events[i], &meta[i]); frame != nil {
				c.deliverLive(&events[i], frame)
			}
		}
	}
}

// publishDelta offers an ephemeral frame about a conversation's draft (a
// draft_delta) to every live connection that may see that conversation's
// drafts, with the rules of draft.updated. It never blocks and never closes
// a connection: a desk that is catching up, or whose buffer is half full,
// simply misses it. It returns how many connections took the frame.
func (h *hub) publishDelta(convID, assignee string, frame []byte) int {
	ev := store.Event{Kind: protocol.EvDraft, ConversationID: convID, Assignee: assignee}
	n := 0
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		if visible(c.agent.ID, c.agent.Role, &ev) && c.deliverEphemeral(frame) {
			n++
		}
	}
	return n
}

// visible decides whether a desk of the given agent may see an event in
// full. The rules are documented in docs/protocol.md ("Events"); what else
// a desk is sent (message events withheld) is sightOf's (eventview.go).
func visible(agentID, role string, ev *store.Event) bool {
	switch ev.Kind {
	case protocol.EvConversation, protocol.EvAgent:
		return true
	}
	if role == protocol.RoleLead || role == protocol.RoleAdmin || role == protocol.RoleTrainer {
		return true
	}
	switch ev.Kind {
	case protocol.EvMessage, protocol.EvMessageUpdated, protocol.EvDraft:
		return ev.Assignee == "" || ev.Assignee == agentID
	case protocol.EvOutcome:
		return ev.Actor == agentID
	}
	return false
}

// Visible reports whether a desk of the given agent and role is sent an
// event, whole or with its message withheld: the rules of docs/protocol.md
// ("Events"). Load generators and tests use it to know exactly which
// events each desk must receive.
func Visible(agentID, role string, ev *store.Event) bool {
	return sightOf(agentID, role, "", ev) != unseen
}
