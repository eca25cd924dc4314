package server

import (
	"runtime"
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

// fanoutShard is how many desks one goroutine writes to in a publish:
// beyond it the desks are split among up to GOMAXPROCS goroutines, so a
// large fan-out's direct writes (wire.go) use every core and the publish
// (which the request that committed the events waits for) is not a long
// string of syscalls on one.
const fanoutShard = 64

// publish hands events to every connection that may see them. It never
// blocks: a connection whose buffer is full is closed as a slow consumer.
// Each event is framed once; desks with nothing queued get it written at
// once, the others queue it for their writer.
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
	if len(h.conns) == 0 {
		return
	}
	all, wires := wireEvents(events)
	metas := make([]withheldWire, len(events)) // made once, by whichever desk needs one first
	parts := min(runtime.GOMAXPROCS(0), (len(h.conns)+fanoutShard-1)/fanoutShard)
	if parts <= 1 {
		for c := range h.conns {
			deliverTo(c, events, all, wires, metas)
		}
		return
	}
	list := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		list = append(list, c)
	}
	per := (len(list) + parts - 1) / parts
	var wg sync.WaitGroup
	for lo := per; lo < len(list); lo += per {
		part := list[lo:min(lo+per, len(list))]
		wg.Go(func() {
			for _, c := range part {
				deliverTo(c, events, all, wires, metas)
			}
		})
	}
	for _, c := range list[:per] {
		deliverTo(c, events, all, wires, metas)
	}
	wg.Wait()
}

// deliverTo offers a desk what it is sent of the events, in order: each
// run of consecutive events it is sent whole at once (all and wires:
// wireEvents), a message withheld from it on its own (metas[i]).
func deliverTo(c *conn, events []store.Event, all []byte, wires [][]byte, metas []withheldWire) {
	start := 0 // offset of events[i] in all
	for i := 0; i < len(events); {
		switch c.sight(&events[i]) {
		case unseen:
			start += len(wires[i])
			i++
			continue
		case withheld:
			w := metas[i].of(&events[i])
			c.deliverLive(events[i:i+1], [][]byte{w}, w)
			start += len(wires[i])
			i++
			continue
		}
		j, end := i+1, start+len(wires[i])
		for j < len(events) && c.sight(&events[j]) == whole {
			end += len(wires[j])
			j++
		}
		c.deliverLive(events[i:j], wires[i:j], all[start:end])
		i, start = j, end
	}
}

// withheldWire is an event's withheld frame as a websocket message, made
// once per publish however many desks (in however many goroutines) need it.
type withheldWire struct {
	once sync.Once
	b    []byte
}

func (w *withheldWire) of(ev *store.Event) []byte {
	w.once.Do(func() { w.b = wireText(withheldFrame(ev)) })
	return w.b
}

// publishDelta offers an ephemeral frame about a conversation's draft (a
// draft_delta) to every live connection that may see that conversation's
// drafts, with the rules of draft.updated. It never blocks and never closes
// a connection: a desk that is catching up, or whose buffer is half full,
// simply misses it. It returns how many connections took the frame.
func (h *hub) publishDelta(convID, assignee string, frame []byte) int {
	ev := store.Event{Kind: protocol.EvDraft, ConversationID: convID, Assignee: assignee}
	n := 0
	wire := wireText(frame)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		if visible(c.agent.ID, c.agent.Role, &ev) && c.deliverEphemeral(wire) {
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
