package server

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Replicas on PostgreSQL share the log through the store; what is not in
// the log — draft pieces while a draft is generated, and who is viewing
// which chat — they pass to each other through store.Broadcast
// (docs/deployment.md).

// relayMsg is one broadcast between replicas.
type relayMsg struct {
	Kind string `json:"k"` // relayDelta, relayTyping, relayViewers or relaySync

	// relayDelta: a draft_delta frame.
	ConversationID string          `json:"c,omitempty"`
	Assignee       string          `json:"a,omitempty"`
	Frame          json.RawMessage `json:"f,omitempty"`
	// Head is the newest seq the sender had published: an open
	// draft.updated of the conversation after it means the generation has
	// finished, and a delta arriving after that is stale.
	Head int64 `json:"h,omitempty"`

	// relayViewers: the sender's desks viewing ConversationID (empty: none).
	Viewers []string `json:"v,omitempty"`

	// relaySync: everything the sender's desks view (in pieces when large).
	Views []protocol.Presence `json:"s,omitempty"`
}

const (
	relayDelta   = "delta"
	relayViewers = "viewers"
	relaySync    = "sync"
	relayTyping  = "typing" // a customer_typing frame (typing.go), like relayDelta's fields

	viewSync   = 5 * time.Second  // each replica repeats what its desks view
	viewExpiry = 15 * time.Second // … and forgets a replica not heard from this long
)

// draftMarks remembers, per conversation, the seq of the newest open
// draft.updated published here (for relayed deltas; replicas only).
type draftMarks struct {
	mu   sync.Mutex
	seqs map[string]int64
}

var openDraft = []byte(`"status":"` + protocol.DraftOpen + `"`)

// observe records the open drafts among events, then runs publish, both
// under the lock that a relayed delta's check-and-publish takes: a relayed
// delta goes out either before its draft or not at all.
func (m *draftMarks) observe(events []store.Event, publish func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer publish()
	for i := range events {
		ev := &events[i]
		if ev.Kind != protocol.EvDraft || !bytes.Contains(ev.Frame, openDraft) {
			continue
		}
		if m.seqs == nil || len(m.seqs) > 50_000 {
			m.seqs = map[string]int64{} // old marks only guard deltas long finished
		}
		m.seqs[ev.ConversationID] = ev.Seq
	}
}

// unlessAfter runs publish unless an open draft of the conversation newer
// than head was published.
func (m *draftMarks) unlessAfter(convID string, head int64, publish func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seqs[convID] <= head {
		publish()
	}
}

// publishDelta offers a draft_delta frame to this replica's desks and, with
// replicas, to the others'. It returns after the other replicas have it
// (or a short timeout), so the draft.updated stored next cannot overtake it.
func (s *Server) publishDelta(convID, assignee string, frame []byte) {
	s.hub.publishDelta(convID, assignee, frame)
	if !s.store.Postgres() {
		return
	}
	b, err := json.Marshal(relayMsg{Kind: relayDelta, ConversationID: convID, Assignee: assignee, Frame: frame, Head: s.hub.lastSeq.Load()})
	if err != nil || len(b) > store.MaxBroadcast {
		return // too big to relay: the other replicas' desks get the finished draft
	}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	if err := s.store.Broadcast(ctx, b); err != nil {
		s.log.Debug("relay draft delta", "err", err)
	}
}

// relayViewers queues a change of this replica's viewers of a chat for the
// other replicas; sent in order by runRelay. A full queue drops it: the
// next sync repairs.
func (s *Server) relayViewers(local protocol.Presence) {
	b, err := json.Marshal(relayMsg{Kind: relayViewers, ConversationID: local.ConversationID, Viewers: local.Viewers})
	if err != nil || len(b) > store.MaxBroadcast {
		return
	}
	select {
	case s.relayq <- b:
	default:
	}
}

// runRelay sends queued viewer changes, and every viewSync what this
// replica's desks view (so a replica that starts later learns it) while
// forgetting the views of replicas gone silent.
func (s *Server) runRelay(ctx context.Context) {
	t := time.NewTicker(viewSync)
	defer t.Stop()
	send := func(b []byte) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := s.store.Broadcast(sctx, b); err != nil && ctx.Err() == nil {
			s.log.Debug("relay viewers", "err", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-s.relayq:
			send(b)
		case <-t.C:
			for _, b := range syncMessages(s.presence.localAll()) {
				send(b)
			}
			for _, pr := range s.presence.expire(time.Now().Add(-viewExpiry)) {
				s.presence.broadcast(pr)
			}
		}
	}
}

// syncMessages packs views into broadcasts that fit.
func syncMessages(views []protocol.Presence) [][]byte {
	var out [][]byte
	var cur []protocol.Presence
	size := 0
	flush := func() {
		if b, err := json.Marshal(relayMsg{Kind: relaySync, Views: cur}); err == nil {
			out = append(out, b)
		}
		cur, size = nil, 0
	}
	for _, v := range views {
		n := len(v.ConversationID) + 32
		for _, id := range v.Viewers {
			n += len(id) + 3
		}
		if n > store.MaxBroadcast-64 {
			continue // one chat with hundreds of viewers: not relayed
		}
		if size+n > store.MaxBroadcast-64 {
			flush()
		}
		cur = append(cur, v)
		size += n
	}
	if len(cur) > 0 || len(out) == 0 {
		flush()
	}
	return out
}

// relayed receives another replica's broadcast.
func (s *Server) relayed(from string, payload []byte) {
	var m relayMsg
	if err := json.Unmarshal(payload, &m); err != nil {
		s.log.Warn("relayed message", "err", err)
		return
	}
	now := time.Now()
	switch m.Kind {
	case relayDelta:
		s.drafts.unlessAfter(m.ConversationID, m.Head, func() { s.hub.publishDelta(m.ConversationID, m.Assignee, m.Frame) })
	case relayTyping:
		s.offerTyping(m.ConversationID, m.Assignee, m.Frame)
	case relayViewers:
		if pr, changed := s.presence.setRemote(from, m.ConversationID, m.Viewers, now); changed {
			s.presence.broadcast(pr)
		}
	case relaySync:
		for _, v := range m.Views {
			if pr, changed := s.presence.setRemote(from, v.ConversationID, v.Viewers, now); changed {
				s.presence.broadcast(pr)
			}
		}
	}
}

// remoteView is what one other replica's desks view of one chat.
type remoteView struct {
	viewers []string
	at      time.Time
}

// setRemote records replica from's viewers of convID and returns the
// merged presence of convID, and whether it changed.
func (p *presence) setRemote(from, convID string, viewers []string, now time.Time) (protocol.Presence, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.remote == nil {
		p.remote = map[string]map[string]remoteView{}
	}
	before := p.listLocked(convID)
	views := p.remote[from]
	if views == nil {
		views = map[string]remoteView{}
		p.remote[from] = views
	}
	if len(viewers) == 0 {
		delete(views, convID)
	} else {
		views[convID] = remoteView{viewers: slices.Clone(viewers), at: now}
	}
	after := p.listLocked(convID)
	return after, !slices.Equal(before.Viewers, after.Viewers)
}

// expire forgets remote views not refreshed since cutoff and returns the
// merged presence of every chat whose viewers changed.
func (p *presence) expire(cutoff time.Time) []protocol.Presence {
	p.mu.Lock()
	defer p.mu.Unlock()
	var changed []string
	for from, views := range p.remote {
		for convID, v := range views {
			if v.at.Before(cutoff) {
				delete(views, convID)
				changed = append(changed, convID)
			}
		}
		if len(views) == 0 {
			delete(p.remote, from)
		}
	}
	out := make([]protocol.Presence, 0, len(changed))
	for _, id := range changed {
		out = append(out, p.listLocked(id))
	}
	return out
}

// remoteViewersLocked adds other replicas' viewers of convID to seen.
func (p *presence) remoteViewersLocked(convID string, seen map[string]bool) {
	for _, views := range p.remote {
		for _, id := range views[convID].viewers {
			seen[id] = true
		}
	}
}

// remoteConvsLocked adds the chats other replicas' desks view to ids.
func (p *presence) remoteConvsLocked(ids map[string]bool) {
	for _, views := range p.remote {
		for id := range views {
			ids[id] = true
		}
	}
}

// localAll lists what this replica's desks view.
func (p *presence) localAll() []protocol.Presence {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]protocol.Presence, 0, len(p.by))
	for id := range p.by {
		out = append(out, p.localLocked(id))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ConversationID < out[j].ConversationID })
	return out
}
