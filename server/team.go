package server

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// drain moves an agent's open chats (DrainReq) and refreshes the board.
func (s *Server) drain(ctx context.Context, rq *request, r protocol.DrainReq) (json.RawMessage, error) {
	ans, err := rq.apply(ctx, func(tx *store.Tx) (any, error) { return tx.Drain(rq.actor, r) })
	if err == nil {
		s.floor.poke()
	}
	return ans, err
}

// viewing records what the desk has on screen and answers who else does.
func (c *conn) viewing(_ context.Context, r protocol.ViewingReq) (protocol.ViewingAck, error) {
	return protocol.ViewingAck{Presence: c.srv.presence.set(c, r.ConversationID)}, nil
}

// teamBoard answers the floor aggregates and subscribes this connection to
// team_stats pushes.
func (c *conn) teamBoard(ctx context.Context, r protocol.TeamBoardReq) (protocol.TeamStats, error) {
	now := c.srv.store.Now()
	if r.DayStart == 0 || r.DayStart > now {
		r.DayStart = now / (24 * 3600 * 1000) * (24 * 3600 * 1000)
	}
	c.srv.floor.sample(ctx)
	st, err := c.srv.floor.stats(ctx, r.DayStart, now)
	if err != nil {
		return st, err
	}
	c.statsDay.Store(r.DayStart) // from now on this desk gets team_stats pushes
	return st, nil
}

// presence tracks which conversation each desk has open. It is memory
// only: a restart forgets it and desks tell the server again.
type presence struct {
	hub *hub
	mu  sync.Mutex
	by  map[string]map[*conn]struct{} // conversation → desks viewing it
	at  map[*conn]string              // desk → conversation
	// With replicas (replicas.go): what other replicas' desks view, by
	// replica, and where to send this replica's changes (nil: one server).
	remote map[string]map[string]remoteView
	relay  func(local protocol.Presence)
}

func newPresence(h *hub) *presence {
	return &presence{hub: h, by: map[string]map[*conn]struct{}{}, at: map[*conn]string{}}
}

// set records that c now views convID ("" for none), tells every desk
// about the conversations whose viewers changed, and returns convID's.
func (p *presence) set(c *conn, convID string) protocol.Presence {
	p.mu.Lock()
	old := p.at[c]
	if old == convID {
		cur := p.listLocked(convID)
		p.mu.Unlock()
		return cur
	}
	if old != "" {
		delete(p.by[old], c)
		if len(p.by[old]) == 0 {
			delete(p.by, old)
		}
	}
	c.onScreen.Store(&convID)
	if convID == "" {
		delete(p.at, c)
	} else {
		p.at[c] = convID
		if p.by[convID] == nil {
			p.by[convID] = map[*conn]struct{}{}
		}
		p.by[convID][c] = struct{}{}
	}
	var changed, local []protocol.Presence
	if old != "" {
		changed = append(changed, p.listLocked(old))
		local = append(local, p.localLocked(old))
	}
	cur := protocol.Presence{ConversationID: convID, Viewers: []string{}}
	if convID != "" {
		cur = p.listLocked(convID)
		changed = append(changed, cur)
		local = append(local, p.localLocked(convID))
	}
	relay := p.relay
	p.mu.Unlock()
	for _, ch := range changed {
		p.broadcast(ch)
	}
	if relay != nil {
		for _, l := range local {
			relay(l)
		}
	}
	return cur
}

// drop forgets a desk that disconnected.
func (p *presence) drop(c *conn) { p.set(c, "") }

// listLocked is who views convID, on this replica and the others.
func (p *presence) listLocked(convID string) protocol.Presence {
	seen := map[string]bool{}
	for v := range p.by[convID] {
		seen[v.agent.ID] = true
	}
	p.remoteViewersLocked(convID, seen)
	return presenceOf(convID, seen)
}

// localLocked is who views convID on this replica.
func (p *presence) localLocked(convID string) protocol.Presence {
	seen := map[string]bool{}
	for v := range p.by[convID] {
		seen[v.agent.ID] = true
	}
	return presenceOf(convID, seen)
}

func presenceOf(convID string, seen map[string]bool) protocol.Presence {
	out := protocol.Presence{ConversationID: convID, Viewers: make([]string, 0, len(seen))}
	for id := range seen {
		out.Viewers = append(out.Viewers, id)
	}
	sort.Strings(out.Viewers)
	return out
}

// all lists every conversation someone has open.
func (p *presence) all() []protocol.Presence {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := map[string]bool{}
	for id := range p.by {
		ids[id] = true
	}
	p.remoteConvsLocked(ids)
	out := make([]protocol.Presence, 0, len(ids))
	for id := range ids {
		out = append(out, p.listLocked(id))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConversationID < out[j].ConversationID })
	return out
}

func presenceFrame(pr protocol.Presence) []byte {
	data, _ := json.Marshal(pr)
	b, _ := json.Marshal(protocol.Frame{Type: protocol.TypePresence, Data: data})
	return b
}

// broadcast offers a presence frame to every live desk. Conversation
// events are visible to every role, and so is who is looking at one.
func (p *presence) broadcast(pr protocol.Presence) {
	wire := wireText(presenceFrame(pr))
	p.hub.each(func(c *conn) { c.deliverEphemeral(wire) })
}

// greet sends a desk that just went live who has what open.
func (p *presence) greet(c *conn) {
	for _, pr := range p.all() {
		c.deliverEphemeral(wireText(presenceFrame(pr)))
	}
}

// floor keeps the queue-depth samples of the last hour and pushes
// team_stats to the desks that asked for the board.
type floor struct {
	s    *Server
	mu   sync.Mutex
	bins map[int64]int // minute start → deepest queue sampled in it
	kick chan struct{}
}

func newFloor(s *Server) *floor {
	return &floor{s: s, bins: map[int64]int{}, kick: make(chan struct{}, 1)}
}

// poke asks for a push soon (after a drain or reassign).
func (f *floor) poke() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// sample records the current queue depth in this minute's bin.
func (f *floor) sample(ctx context.Context) {
	depth, err := f.s.store.QueueDepth(ctx)
	if err != nil {
		return
	}
	now := f.s.store.Now()
	minute := now / 60000 * 60000
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.bins[minute]; !ok || depth > d {
		f.bins[minute] = depth
	}
	for m := range f.bins {
		if m < minute-60*60000 {
			delete(f.bins, m)
		}
	}
}

// stats computes the board aggregates with the sampled queue depths (the
// caller samples first, once however many days it computes).
func (f *floor) stats(ctx context.Context, dayStart, now int64) (protocol.TeamStats, error) {
	st, err := f.s.store.TeamStats(ctx, dayStart, now)
	if err != nil {
		return st, err
	}
	f.mu.Lock()
	for i := range st.Minutes {
		if d, ok := f.bins[st.Minutes[i].Start]; ok {
			st.Minutes[i].QueueDepth = d
		}
	}
	f.mu.Unlock()
	st.Viewers = f.s.presence.all()
	return st, nil
}

// run samples the queue and pushes team_stats every StatsInterval, or
// sooner when poked (at most once a second).
func (f *floor) run(ctx context.Context) {
	t := time.NewTicker(protocol.StatsInterval * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.kick:
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
		f.push(ctx)
	}
}

func (f *floor) push(ctx context.Context) {
	f.sample(ctx)
	byDay := map[int64][]*conn{}
	f.s.hub.each(func(c *conn) {
		if d := c.statsDay.Load(); d > 0 {
			byDay[d] = append(byDay[d], c)
		}
	})
	now := f.s.store.Now()
	for day, conns := range byDay {
		st, err := f.stats(ctx, day, now)
		if err != nil {
			if ctx.Err() == nil {
				f.s.log.Warn("team stats", "err", err)
			}
			return
		}
		data, err := json.Marshal(st)
		if err != nil {
			return
		}
		frame, _ := json.Marshal(protocol.Frame{Type: protocol.TypeTeamStats, Data: data})
		wire := wireText(frame)
		for _, c := range conns {
			c.deliverEphemeral(wire)
		}
	}
}
