// Package team is the lead's team board: a plain-struct component the root
// desk model feeds and renders. It shows the live floor — agents with
// status, load and today's figures; open chats with the risky and
// longest-waiting first; the queue by priority, channel and team; charts
// of the last hour; hot topics and CSAT — and keeps a cursor in two lists
// (agents, chats) plus a multi-selection of chats. It does no I/O: the
// root turns the actions it reports into requests.
//
// Everything that changes with events (status, load, chats, SLA,
// sentiment) is computed from what the root hands in; what only the
// server can aggregate arrives as protocol.TeamStats.
package team

import (
	"iter"
	"sort"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

// Pane is the list that has the cursor.
type Pane int

// Panes.
const (
	PaneAgents Pane = iota
	PaneChats
)

// soonWindow is how close to its SLA deadline a chat counts as about to breach.
const soonWindow = 5 * time.Minute

// Board is the team board.
type Board struct {
	st  *themes.Styles
	cat *i18n.Catalog

	width, height int
	now           time.Time

	desk   Desk
	seen   uint64             // the desk's FloorRev the rows were built from
	stats  protocol.TeamStats // the desk's, as of seen
	loaded bool

	pane     Pane
	agentCur int
	chatCur  int
	// agentPage and chatPage are how many rows each list showed last: a page.
	agentPage, chatPage int
	marked              map[string]bool
	only                string // show only this agent's chats

	// Derived state. dirty: the filter changed or the desk's floor
	// revision moved on, rebuild rows and counts.
	// timeDirty: only the clock moved, recount what depends on it (SLA).
	// Waits grow alike for every chat as time passes, so the order of
	// the lists never depends on the clock: a tick never re-sorts.
	dirty, timeDirty bool
	agentRows        []protocol.Agent
	chatRows         []protocol.Conversation
	since            map[string]int64 // open chat → customer waiting since (ms); absent: not waiting
	agg              aggregates
}

// aggregates are the counts the board shows, computed once per change.
type aggregates struct {
	queued, riskyWaiting int
	oldestQueued         int64            // waiting since of the longest-waiting queued chat (ms)
	chats                map[string]int   // agent → open chats
	oldest               map[string]int64 // agent → their oldest unanswered customer message (ms)
	neg, neu, pos        int
	byPrio               map[int]int
	byChannel, byTeam    map[string]int
	slaBreached, slaSoon int // recounted when the clock moves
	slaDue               []int64
}

// Desk is what the board reads of what the desk knows
// (*deskstate.State): it never changes it.
type Desk interface {
	Agents() iter.Seq[protocol.Agent]
	Agent(id string) (protocol.Agent, bool)
	Conversations() iter.Seq[protocol.Conversation]
	Conversation(id string) (protocol.Conversation, bool)
	NumConversations() int
	Viewers(convID string) []string
	Stats() (protocol.TeamStats, bool)
	FloorRev() uint64
}

// New builds a board over what the desk knows.
func New(st *themes.Styles, cat *i18n.Catalog, desk Desk) *Board {
	return &Board{st: st, cat: cat, desk: desk, marked: map[string]bool{}, dirty: true}
}

// SetSize sets the area the board renders into.
func (b *Board) SetSize(w, h int) { b.width, b.height = w, h }

// SetNow moves the board's clock (waits and SLA countdowns).
func (b *Board) SetNow(t time.Time) { b.now = t; b.timeDirty = true }

// Loaded reports whether server aggregates have arrived.
func (b *Board) Loaded() bool {
	_, ok := b.desk.Stats()
	return ok
}

// Pane returns the list with the cursor.
func (b *Board) Pane() Pane { return b.pane }

// SetPane moves the cursor to a list.
func (b *Board) SetPane(p Pane) { b.pane = p }

// SelectedAgent is the agent under the cursor.
func (b *Board) SelectedAgent() (protocol.Agent, bool) {
	b.refresh()
	if b.agentCur < 0 || b.agentCur >= len(b.agentRows) {
		return protocol.Agent{}, false
	}
	return b.agentRows[b.agentCur], true
}

// SelectedChat is the chat under the cursor.
func (b *Board) SelectedChat() (protocol.Conversation, bool) {
	b.refresh()
	if b.chatCur < 0 || b.chatCur >= len(b.chatRows) {
		return protocol.Conversation{}, false
	}
	return b.chatRows[b.chatCur], true
}

// SelectedChats are the marked chats still open, in board order, or the
// one under the cursor when none is marked.
func (b *Board) SelectedChats() []protocol.Conversation {
	b.refresh()
	var out []protocol.Conversation
	for _, c := range b.chatRows {
		if b.marked[c.ID] {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		if c, ok := b.SelectedChat(); ok {
			out = append(out, c)
		}
	}
	return out
}

// ClearMarks empties the multi-selection.
func (b *Board) ClearMarks() { clear(b.marked) }

// SelectChat moves the chat cursor to a conversation if it is listed.
func (b *Board) SelectChat(id string) bool {
	b.refresh()
	for i, c := range b.chatRows {
		if c.ID == id {
			b.chatCur, b.pane = i, PaneChats
			return true
		}
	}
	return false
}

// SelectAgent moves the agent cursor to an agent if it is listed.
func (b *Board) SelectAgent(id string) bool {
	b.refresh()
	for i, a := range b.agentRows {
		if a.ID == id {
			b.agentCur, b.pane = i, PaneAgents
			return true
		}
	}
	return false
}

// HandleKey moves the cursors, switches lists, marks chats and filters to
// an agent. It returns the action for keys it does not handle itself, for
// the root to perform (reassign, drain, capacity, status, takeover, note,
// and global keys).
func (b *Board) HandleKey(km *keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	act, ok := km.Lookup(keymap.ScopeTeam, msg.String())
	if !ok {
		return "", false
	}
	b.refresh()
	switch act {
	case keymap.TeamUp:
		b.move(-1)
	case keymap.TeamDown:
		b.move(1)
	case keymap.TeamPageUp:
		b.move(-max(b.pageRows(), 1))
	case keymap.TeamPageDown:
		b.move(max(b.pageRows(), 1))
	case keymap.TeamTop:
		b.move(-1 << 30)
	case keymap.TeamBottom:
		b.move(1 << 30)
	case keymap.TeamPane:
		// The arrow keys go where they point (← agents, → chats); a
		// rebound key toggles.
		switch msg.String() {
		case "left", "h":
			b.pane = PaneAgents
		case "right", "l":
			b.pane = PaneChats
		default:
			b.TogglePane()
		}
	case keymap.TeamSelect:
		if c, ok := b.SelectedChat(); ok && b.pane == PaneChats {
			if b.marked[c.ID] {
				delete(b.marked, c.ID)
			} else {
				b.marked[c.ID] = true
			}
			b.move(1)
		}
	case keymap.TeamOpen:
		if b.pane == PaneAgents {
			a, ok := b.SelectedAgent()
			if !ok {
				return "", true
			}
			if b.only == a.ID {
				b.only = ""
			} else {
				b.only = a.ID
			}
			b.chatCur = 0
			b.dirty = true
			return "", true
		}
		return act, false // open the chat in the desk: the root does it
	default:
		return act, false
	}
	return "", true
}

// pageRows is how many rows of the focused list were on screen last.
func (b *Board) pageRows() int {
	if b.pane == PaneAgents {
		return b.agentPage
	}
	return b.chatPage
}

// TogglePane switches between the agents and the chats list.
func (b *Board) TogglePane() {
	if b.pane == PaneAgents {
		b.pane = PaneChats
	} else {
		b.pane = PaneAgents
	}
}

func (b *Board) move(d int) {
	if b.pane == PaneAgents {
		b.agentCur = clamp(b.agentCur+d, 0, len(b.agentRows)-1)
	} else {
		b.chatCur = clamp(b.chatCur+d, 0, len(b.chatRows)-1)
	}
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

func openConv(c protocol.Conversation) bool {
	return c.Status == protocol.ConvQueued || c.Status == protocol.ConvAssigned || c.Status == protocol.ConvSnoozed
}

func risky(c protocol.Conversation) bool {
	for _, f := range c.Flags {
		if f == protocol.FlagAngry || f == protocol.FlagLegalThreat {
			return true
		}
	}
	return false
}

// sinceOf is when the chat's customer started waiting for a person (ms):
// their first unanswered message as the server or the event stream says,
// or escalation for a queued chat (a queued chat waits by definition).
// Zero when nobody waits.
func (b *Board) sinceOf(c protocol.Conversation) int64 {
	return c.WaitStart() // protocol's one definition, as the agent's queue
}

// waitOf is how long the chat's customer has waited (zero: not waiting).
func (b *Board) waitOf(c protocol.Conversation) time.Duration {
	b.refresh()
	at := b.since[c.ID]
	if at == 0 {
		return 0
	}
	return time.Duration(max(b.now.UnixMilli()-at, 0)) * time.Millisecond
}

func (b *Board) refresh() {
	if rev := b.desk.FloorRev(); rev != b.seen {
		b.seen, b.dirty = rev, true
		b.stats, b.loaded = b.desk.Stats()
	}
	if !b.dirty {
		if b.timeDirty {
			b.recountSLA()
		}
		return
	}
	b.dirty = false
	// The cursors follow the agent and chat they are on, not the row
	// number, as waits and loads re-sort the lists.
	var curAgent, curChat string
	if b.agentCur >= 0 && b.agentCur < len(b.agentRows) {
		curAgent = b.agentRows[b.agentCur].ID
	}
	if b.chatCur >= 0 && b.chatCur < len(b.chatRows) {
		curChat = b.chatRows[b.chatCur].ID
	}
	b.agentRows = b.agentRows[:0]
	for a := range b.desk.Agents() {
		// Agents (also one a lead set to take nothing: the board is where
		// that is undone), and leads who take chats or hold one they took
		// over; a lead who only watches the floor is no agent at 0/0, and
		// trainers and admin accounts (integrations) never are.
		if a.Role != protocol.RoleAgent && (a.Role != protocol.RoleLead || !a.TakesChats() && a.Load == 0) {
			continue
		}
		b.agentRows = append(b.agentRows, a)
	}
	rank := map[string]int{protocol.StatusOnline: 0, protocol.StatusAway: 1, protocol.StatusOffline: 2}
	sort.Slice(b.agentRows, func(i, j int) bool {
		x, y := b.agentRows[i], b.agentRows[j]
		if rank[x.Status] != rank[y.Status] {
			return rank[x.Status] < rank[y.Status]
		}
		return x.ID < y.ID
	})
	if b.since == nil {
		b.since = make(map[string]int64, b.desk.NumConversations())
	}
	clear(b.since)
	g := aggregates{chats: map[string]int{}, oldest: map[string]int64{}, byPrio: map[int]int{},
		byChannel: map[string]int{}, byTeam: map[string]int{}}
	type key struct {
		id    string
		hot   bool // risky and waiting
		since int64
		prio  int
	}
	keys := make([]key, 0, b.desk.NumConversations())
	for c := range b.desk.Conversations() {
		if !openConv(c) {
			continue
		}
		since := b.sinceOf(c)
		if since > 0 {
			b.since[c.ID] = since
		}
		hot := risky(c) && since > 0
		if hot {
			g.riskyWaiting++
		}
		switch c.Sentiment {
		case "negative":
			g.neg++
		case "positive":
			g.pos++
		default:
			g.neu++
		}
		if c.Status == protocol.ConvQueued {
			g.queued++
			if since > 0 && (g.oldestQueued == 0 || since < g.oldestQueued) {
				g.oldestQueued = since
			}
			g.byPrio[c.Priority]++
			g.byChannel[c.Channel]++ // labelled when rendered
			g.byTeam[c.Team]++
		} else if c.Assignee != "" {
			g.chats[c.Assignee]++
			if since > 0 && (g.oldest[c.Assignee] == 0 || since < g.oldest[c.Assignee]) {
				g.oldest[c.Assignee] = since
			}
		}
		if _, on := c.SLALeft(b.now); on {
			g.slaDue = append(g.slaDue, c.SLADueAt)
		}
		if b.only != "" && c.Assignee != b.only {
			continue
		}
		keys = append(keys, key{id: c.ID, hot: hot, since: since, prio: c.Priority})
	}
	b.agg = g
	b.recountSLA()
	sort.Slice(keys, func(i, j int) bool {
		kx, ky := keys[i], keys[j]
		if kx.hot != ky.hot {
			return kx.hot
		}
		if (kx.since > 0) != (ky.since > 0) {
			return kx.since > 0
		}
		if kx.since != ky.since {
			return kx.since < ky.since // waiting longer first
		}
		if kx.prio != ky.prio {
			return kx.prio > ky.prio
		}
		return kx.id < ky.id
	})
	b.chatRows = b.chatRows[:0]
	for _, k := range keys {
		c, _ := b.desk.Conversation(k.id)
		b.chatRows = append(b.chatRows, c)
	}
	for id := range b.marked {
		if c, ok := b.desk.Conversation(id); !ok || !openConv(c) {
			delete(b.marked, id)
		}
	}
	for i, a := range b.agentRows {
		if a.ID == curAgent {
			b.agentCur = i
		}
	}
	for i, c := range b.chatRows {
		if c.ID == curChat {
			b.chatCur = i
		}
	}
	b.agentCur = clamp(b.agentCur, 0, len(b.agentRows)-1)
	b.chatCur = clamp(b.chatCur, 0, len(b.chatRows)-1)
}

// recountSLA counts chats past or near their first-response deadline.
func (b *Board) recountSLA() {
	b.timeDirty = false
	nowMs := b.now.UnixMilli()
	b.agg.slaBreached, b.agg.slaSoon = 0, 0
	for _, due := range b.agg.slaDue {
		if due <= nowMs {
			b.agg.slaBreached++
		} else if due-nowMs <= soonWindow.Milliseconds() {
			b.agg.slaSoon++
		}
	}
}
