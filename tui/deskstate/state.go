// Package deskstate is what the desk knows: conversations, agents, drafts,
// the sentiment trajectory of each conversation, outcomes, outbox jobs,
// drafts being streamed, presence and the team's aggregates. It imports no
// Bubble Tea and draws nothing: the root model feeds it client updates
// through [State.Apply] and the answers to its own requests through the
// small setters, and reacts to the [Changes] they report; the views read it.
//
// Every conversation, from an event or from an ack, passes one "newest
// version wins" guard ([State.Upsert]); every draft one "newest draft wins"
// guard. Each change bumps a revision that render caches key on, so no
// view has to be told to forget what it drew.
package deskstate

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

// MoodCap bounds the sentiment trajectory kept per conversation.
const MoodCap = 32

// Outcome is what the desk knows about a draft's outcome.
type Outcome struct {
	Action protocol.Action
	Queued bool // in the outbox, not yet acknowledged
}

// Job remembers what an outbox request was, to name it in notices.
type Job struct {
	Kind    string // a protocol request type
	ConvID  string
	DraftID string
	Action  protocol.Action // outcome action
	Text    string          // a reply's text, kept for the agent if the send is refused
	// A reply's or note's writing time (unix ms) and the conversation's
	// newest message then: it shows in the transcript as queued until a
	// later message from the server is it.
	At  int64
	Seq int
}

// State is the desk's knowledge. The zero value is not ready: use [New].
type State struct {
	rev, floorRev uint64

	me       protocol.Agent
	delivery *protocol.Delivery
	convs    map[string]protocol.Conversation
	agents   map[string]protocol.Agent
	drafts   map[string]protocol.Draft // newest draft per conversation
	moods    map[string][]int8         // sentiment readings per conversation, oldest first
	outcomes map[string]Outcome        // by draft id
	jobs     map[string]Job            // by outbox request id
	pending  int                       // requests in the outbox
	shownAt  map[string]int64          // draft id → when the agent first saw it
	streams  map[string]*Stream        // drafts being written, by conversation (stream.go)
	viewers  map[string][]string       // conversation → agent ids with it open
	stats    protocol.TeamStats
	loaded   bool // stats arrived

	queued, queuedAt uint64 // queued count and the floor revision it was counted at
}

// New returns an empty state; pending is what the outbox holds at start.
func New(pending int) *State {
	return &State{
		convs: map[string]protocol.Conversation{}, agents: map[string]protocol.Agent{},
		drafts: map[string]protocol.Draft{}, moods: map[string][]int8{}, outcomes: map[string]Outcome{},
		jobs: map[string]Job{}, pending: pending, shownAt: map[string]int64{}, streams: map[string]*Stream{},
		viewers: map[string][]string{}, queuedAt: ^uint64(0),
	}
}

// touch records a change; floor says it is one the team board shows
// (conversations, agents, presence, aggregates).
func (s *State) touch(floor bool) {
	s.rev++
	if floor {
		s.floorRev++
	}
}

// Rev changes whenever anything in the state changes.
func (s *State) Rev() uint64 { return s.rev }

// FloorRev changes when conversations, agents, presence or the team's
// aggregates change (not drafts, outcomes or streams).
func (s *State) FloorRev() uint64 { return s.floorRev }

// Me is the signed-in agent (empty before the welcome).
func (s *State) Me() protocol.Agent { return s.me }

// Delivery is where the server delivers replies (from the welcome).
func (s *State) Delivery() *protocol.Delivery { return s.delivery }

// Conversation returns what the desk knows of a conversation.
func (s *State) Conversation(id string) (protocol.Conversation, bool) {
	c, ok := s.convs[id]
	return c, ok
}

// Conversations yields every known conversation, in no order.
func (s *State) Conversations() iter.Seq[protocol.Conversation] { return maps.Values(s.convs) }

// NumConversations is how many conversations the desk knows.
func (s *State) NumConversations() int { return len(s.convs) }

// Agent returns a teammate.
func (s *State) Agent(id string) (protocol.Agent, bool) {
	a, ok := s.agents[id]
	return a, ok
}

// Agents yields every known agent, in no order.
func (s *State) Agents() iter.Seq[protocol.Agent] { return maps.Values(s.agents) }

// AgentNames maps agent ids to display names (unsanitized).
func (s *State) AgentNames() map[string]string {
	names := make(map[string]string, len(s.agents))
	for id, a := range s.agents {
		names[id] = a.Name
	}
	return names
}

// Draft is the newest draft of a conversation.
func (s *State) Draft(convID string) (protocol.Draft, bool) {
	d, ok := s.drafts[convID]
	return d, ok
}

// Outcome is the desk's decision on a draft, if any.
func (s *State) Outcome(draftID string) (Outcome, bool) {
	o, ok := s.outcomes[draftID]
	return o, ok
}

// Moods is the sentiment trajectory of a conversation, oldest first: -1
// negative, 0 neutral, 1 positive. The slice must not be changed.
func (s *State) Moods(convID string) []int8 { return s.moods[convID] }

// Pending is how many requests wait in the outbox.
func (s *State) Pending() int { return s.pending }

// InOutbox lists the replies and notes to a conversation still in the
// outbox, in the order they were written.
func (s *State) InOutbox(convID string) (ids []string, jobs []Job) {
	for id, j := range s.jobs {
		if j.ConvID == convID && j.Text != "" && (j.Kind == protocol.ReqSend || j.Kind == protocol.ReqNote) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(s.jobs[a].At, s.jobs[b].At); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, id := range ids {
		jobs = append(jobs, s.jobs[id])
	}
	return ids, jobs
}

// Resume records the replies and notes a previous run left in the outbox
// (already counted in pending), so they show as queued.
func (s *State) Resume(items []client.OutboxItem) {
	for _, it := range items {
		if j := textJob(it.Type, it.Data); j.Text != "" {
			if j.At == 0 {
				j.At = it.EnqueuedAt.UnixMilli()
			}
			s.jobs[it.ID] = j
		}
	}
	s.touch(false)
}

// Jobs is how many outbox requests the desk is waiting to hear about.
func (s *State) Jobs() int { return len(s.jobs) }

// ShownAt is when a draft first appeared on screen (ms), or 0.
func (s *State) ShownAt(draftID string) int64 { return s.shownAt[draftID] }

// Viewers lists who has a conversation open.
func (s *State) Viewers(convID string) []string { return s.viewers[convID] }

// Stats returns the team's aggregates and whether any arrived.
func (s *State) Stats() (protocol.TeamStats, bool) { return s.stats, s.loaded }

// Queued is how many conversations wait for a person; counted once per
// change.
func (s *State) Queued() int {
	if s.queuedAt != s.floorRev {
		n := 0
		for _, c := range s.convs {
			if c.Status == protocol.ConvQueued {
				n++
			}
		}
		s.queued, s.queuedAt = uint64(n), s.floorRev
	}
	return int(s.queued)
}

// Teams lists the teams of agents and conversations, unsorted and unique.
func (s *State) Teams() []string {
	set := map[string]bool{}
	for _, a := range s.agents {
		if a.Team != "" {
			set[a.Team] = true
		}
	}
	for _, c := range s.convs {
		if c.Team != "" {
			set[c.Team] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	return out
}

// newer is the one "newest version wins" guard: c may replace what the
// desk holds unless that is a later version.
func (s *State) newer(c protocol.Conversation) (old protocol.Conversation, had, ok bool) {
	old, had = s.convs[c.ID]
	return old, had, !had || old.Version <= c.Version
}

// Upsert records a conversation (from an ack or an event) unless the desk
// already holds a newer version. It reports whether it was recorded.
func (s *State) Upsert(c protocol.Conversation) bool {
	if c.ID == "" {
		return false
	}
	if _, _, ok := s.newer(c); !ok {
		return false
	}
	s.put(c)
	return true
}

func (s *State) put(c protocol.Conversation) {
	s.convs[c.ID] = c
	s.noteMood(c)
	s.touch(true)
}

// noteMood records a sentiment reading when it differs from the last one:
// the trajectory the handoff card draws.
func (s *State) noteMood(c protocol.Conversation) {
	var v int8
	switch c.Sentiment {
	case "negative":
		v = -1
	case "neutral":
		v = 0
	case "positive":
		v = 1
	default:
		return
	}
	h := s.moods[c.ID]
	if len(h) > 0 && h[len(h)-1] == v {
		return
	}
	if len(h) >= MoodCap {
		h = append(h[:0], h[1:]...)
	}
	s.moods[c.ID] = append(h, v)
}

// PutAgent records a teammate from an ack (status, capacity, drain).
func (s *State) PutAgent(a protocol.Agent) {
	s.agents[a.ID] = a
	if a.ID == s.me.ID {
		s.me = a
	}
	s.touch(true)
}

// PutDraft keeps the newest draft of each conversation: an older draft
// changing status (superseded) leaves the newer one. A newer open draft
// ends the conversation's stream. It reports whether d was kept.
func (s *State) PutDraft(d protocol.Draft) bool {
	cur, ok := s.drafts[d.ConversationID]
	if ok && cur.ID != d.ID && cur.CreatedAt > d.CreatedAt {
		return false
	}
	s.drafts[d.ConversationID] = d
	if d.Status == protocol.DraftOpen {
		delete(s.streams, d.ConversationID) // the finished draft replaces the streamed text
	}
	s.touch(false)
	return true
}

// MarkShown records when a draft first appeared on screen; the outcome
// carries it so trainers can see how long a decision took.
func (s *State) MarkShown(d protocol.Draft, now time.Time) {
	if _, ok := s.shownAt[d.ID]; !ok && d.Status == protocol.DraftOpen {
		s.shownAt[d.ID] = now.UnixMilli()
	}
}

// Decide records the agent's decision on a draft, queued in the outbox.
func (s *State) Decide(draftID string, action protocol.Action) {
	s.outcomes[draftID] = Outcome{Action: action, Queued: true}
	s.touch(false)
}

// Enqueued records a request the outbox accepted.
func (s *State) Enqueued(id string, job Job) {
	s.jobs[id] = job
	s.pending++
	s.touch(false)
}

// EnqueueFailed forgets the decision a request that never reached the
// outbox carried.
func (s *State) EnqueueFailed(job Job) {
	if job.DraftID != "" {
		delete(s.outcomes, job.DraftID)
		s.touch(false)
	}
}

// SetPresence records who has a conversation open.
func (s *State) SetPresence(p protocol.Presence) {
	if len(p.Viewers) == 0 {
		delete(s.viewers, p.ConversationID)
	} else {
		s.viewers[p.ConversationID] = append([]string(nil), p.Viewers...)
	}
	s.touch(true)
}

// SetStats applies the team's aggregates (a team_board answer or a
// team_stats push), with the presence they carry.
func (s *State) SetStats(st protocol.TeamStats) {
	s.stats, s.loaded = st, true
	for _, p := range st.Viewers {
		s.SetPresence(p)
	}
	s.touch(true)
}

// welcome applies a welcome; a snapshot replaces conversations and agents.
func (s *State) welcome(w protocol.Welcome) bool {
	s.me = w.Agent
	s.delivery = w.Delivery
	s.agents[w.Agent.ID] = w.Agent
	// Viewers are ephemeral: the server greets each connection with the
	// ones it has (a restarted server has none of the old ones).
	clear(s.viewers)
	s.touch(true)
	if w.Resume != protocol.ResumeSnapshot || w.Snapshot == nil {
		return false
	}
	clear(s.convs)
	for _, c := range w.Snapshot.Conversations {
		s.convs[c.ID] = c
		s.noteMood(c)
	}
	clear(s.agents)
	for _, a := range w.Snapshot.Agents {
		s.agents[a.ID] = a
	}
	s.agents[w.Agent.ID] = w.Agent
	return true
}

// Wait is how long the customer of a conversation has waited (zero: not
// waiting or unknown).
func (s *State) Wait(convID string, now time.Time) time.Duration {
	c, ok := s.convs[convID]
	if !ok || c.WaitStart() == 0 {
		return 0
	}
	return c.Wait(now)
}

// Versions maps the given conversations to the versions the desk holds,
// for requests that must not act on a chat that changed meanwhile.
func (s *State) Versions(ids []string) map[string]int64 {
	v := map[string]int64{}
	for _, id := range ids {
		if c, ok := s.convs[id]; ok {
			v[id] = c.Version
		}
	}
	return v
}
