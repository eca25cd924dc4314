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
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
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
		// People who take chats: agents and leads (trainers never do;
		// admin accounts are integrations and operators).
		if a.Role != protocol.RoleAgent && a.Role != protocol.RoleLead {
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

// Render draws the board in width × height cells.
func (b *Board) Render() string {
	if b.width <= 0 || b.height <= 0 {
		return ""
	}
	b.refresh()
	var lines []string
	lines = append(lines, b.st.Title.Render(cell.Fit("▌"+b.cat.Team.Title+" · "+b.summary(), b.width)))
	if b.width >= 120 {
		side := min(max(b.width*36/100, 44), 64)
		mainW := b.width - side - 1
		left := b.lists(mainW, b.height-1)
		right := b.panels(side, b.height-1)
		sep := b.st.Separator.Render("│")
		for i := 0; i < b.height-1; i++ {
			lines = append(lines, left[i]+sep+right[i])
		}
	} else {
		// Narrow: the figures shrink to a few lines under the summary.
		panels := b.compactPanels(b.width)
		body := max(b.height-1-len(panels), 0)
		lines = append(lines, panels...)
		lines = append(lines, b.lists(b.width, body)...)
	}
	if len(lines) > b.height {
		lines = lines[:b.height]
	}
	return strings.Join(lines, "\n")
}

func (b *Board) name(id string) string {
	if a, ok := b.desk.Agent(id); ok && a.Name != "" {
		return sanitize.Line(a.Name)
	}
	return sanitize.Line(id)
}

func (b *Board) summary() string {
	online := 0
	for _, a := range b.agentRows {
		if a.Status == protocol.StatusOnline {
			online++
		}
	}
	longest := b.cat.Team.NotWaiting // nobody queued: no "longest 0s"
	if b.agg.oldestQueued > 0 {
		longest = b.cat.Duration(time.Duration(max(b.now.UnixMilli()-b.agg.oldestQueued, 0)) * time.Millisecond)
	}
	return b.cat.Team.Summary(online, len(b.agentRows), b.agg.queued, longest,
		b.agg.slaBreached, b.agg.slaSoon, b.agg.riskyWaiting)
}

// lists renders the agents table over the chats table.
func (b *Board) lists(w, h int) []string {
	if h <= 0 {
		return nil
	}
	agentH := min(len(b.agentRows)+2, max(h*2/5, 4))
	if len(b.agentRows) == 0 {
		agentH = min(3, h)
	}
	agentH = min(agentH, h)
	out := b.agentTable(w, agentH)
	out = append(out, b.chatTable(w, h-agentH)...)
	return out
}

func (b *Board) heading(text string, focused bool, w int) string {
	if focused {
		return b.st.Title.Render(cell.Fit("▌"+text, w))
	}
	return b.st.Muted.Render(cell.Fit(" "+text, w))
}

type col struct {
	title string
	w     int
	right bool
}

func row(cols []col, vals []string, w int) string {
	var sb strings.Builder
	used := 0
	for i, c := range cols {
		cw := c.w
		if i == len(cols)-1 || used+cw+1 > w {
			cw = w - used
		}
		if cw <= 0 {
			break
		}
		v := vals[i]
		if c.right {
			v = padLeft(v, cw-1) + " "
		} else {
			v = cell.Fit(v, cw-1) + " "
		}
		if cw == 1 {
			v = " "
		}
		sb.WriteString(v)
		used += cw
		if used >= w {
			break
		}
	}
	return cell.Fit(sb.String(), w)
}

func padLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = cell.Fit(s, w)
	s = strings.TrimRight(s, " ")
	return strings.Repeat(" ", max(w-lipgloss.Width(s), 0)) + s
}

func (b *Board) dayOf(id string) protocol.AgentDay {
	for _, d := range b.stats.Agents {
		if d.AgentID == id {
			return d
		}
	}
	return protocol.AgentDay{AgentID: id}
}

func (b *Board) agentTable(w, h int) []string {
	t := &b.cat.Team
	out := []string{b.heading(t.Agents, b.pane == PaneAgents, w)}
	if h <= 1 {
		return out[:h]
	}
	wide := w >= 100
	cols := []col{{t.ColName, 12, false}, {t.ColStatus, 14, false}, {t.ColLoad, 6, true}, {t.ColOldest, 9, true},
		{t.ColHandle, 9, true}, {t.ColAccept, 10, true}}
	if wide {
		cols = []col{{t.ColName, 14, false}, {t.ColStatus, 16, false}, {t.ColLoad, 6, true}, {t.ColChats, 6, true},
			{t.ColOldest, 9, true}, {t.ColHandle, 9, true}, {t.ColDone, 6, true}, {t.ColAccept, 10, true}, {t.ColCSAT, 10, true}}
	}
	out = append(out, b.tableHead(cols, w))
	if len(b.agentRows) == 0 {
		return padTo(append(out, b.st.Muted.Render(cell.Fit("  "+t.NoAgents, w))), w, h)
	}
	chats := b.agg.chats
	csat := map[string]protocol.CSATRow{}
	for _, r := range b.stats.CSATByAgent {
		csat[r.Key] = r
	}
	rows := h - 2
	b.agentPage = rows
	start := window(b.agentCur, len(b.agentRows), rows)
	for i := start; i < len(b.agentRows) && i < start+rows; i++ {
		a := b.agentRows[i]
		day := b.dayOf(a.ID)
		status := b.statusLabel(a.Status)
		if a.StatusSince > 0 {
			status += " " + b.cat.Duration(b.now.Sub(time.UnixMilli(a.StatusSince)))
		}
		load := strconv.Itoa(a.Load) + "/" + strconv.Itoa(a.Capacity)
		old := t.NotWaiting
		if at := b.agg.oldest[a.ID]; at > 0 {
			old = b.cat.Duration(time.Duration(max(b.now.UnixMilli()-at, 0)) * time.Millisecond)
		}
		handle, accept, done, cs := "—", "—", "—", "—"
		if b.loaded {
			handle = b.cat.Duration(time.Duration(day.HandleMs) * time.Millisecond)
			decided := day.DraftsAccepted + day.DraftsEdited + day.DraftsRejected
			accept = t.AcceptCell(day.DraftsAccepted, decided)
			done = strconv.Itoa(day.Resolved)
			if r, ok := csat[a.ID]; ok {
				cs = t.CSATCell(r.Avg, r.Count)
			}
		}
		vals := []string{b.name(a.ID), status, load, old, handle, accept}
		if wide {
			vals = []string{b.name(a.ID), status, load, strconv.Itoa(chats[a.ID]), old, handle, done, accept, cs}
		}
		line := row(cols, vals, w)
		switch {
		case i == b.agentCur && b.pane == PaneAgents:
			line = b.st.Queue.Selected.Render(line)
		case a.Capacity > 0 && a.Load >= a.Capacity:
			line = b.st.Queue.SLASoon.Render(line)
		case a.Status != protocol.StatusOnline:
			line = b.st.Muted.Render(line)
		default:
			line = b.st.Queue.Row.Render(line)
		}
		out = append(out, line)
	}
	return padTo(out, w, h)
}

func (b *Board) statusLabel(s string) string {
	switch s {
	case protocol.StatusOnline:
		return b.cat.StatusOnline
	case protocol.StatusAway:
		return b.cat.StatusAway
	case protocol.StatusOffline:
		return b.cat.StatusOffline
	}
	return sanitize.Line(s)
}

func window(cur, n, rows int) int {
	if rows <= 0 || n <= rows {
		return 0
	}
	return clamp(cur-rows/2, 0, n-rows)
}

func padTo(lines []string, w, h int) []string {
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return lines[:h]
}

// flagLabel is the most important risk or state badge of a chat.
func (b *Board) flagLabel(c protocol.Conversation) (string, lipgloss.Style) {
	bs := &b.st.Badge
	has := func(f protocol.Flag) bool {
		for _, x := range c.Flags {
			if x == f {
				return true
			}
		}
		return false
	}
	switch {
	case has(protocol.FlagLegalThreat):
		return b.cat.FlagLegalThreat, bs.LegalThreat
	case has(protocol.FlagAngry):
		return b.cat.FlagAngry, bs.Angry
	case has(protocol.FlagChurnRisk):
		return b.cat.FlagChurnRisk, bs.ChurnRisk
	case c.VIP:
		return b.cat.VIP, bs.VIP
	case c.Sentiment == "negative":
		return b.cat.SentimentNegative, bs.Negative
	}
	return "", bs.Neutral
}

func (b *Board) chatTable(w, h int) []string {
	if h <= 0 {
		return nil
	}
	t := &b.cat.Team
	title := t.Chats
	if b.only != "" {
		title += " · " + t.FilteredTo(b.name(b.only))
	}
	if n := len(b.marked); n > 0 {
		title += " · " + t.Marked(n)
	}
	out := []string{b.heading(title, b.pane == PaneChats, w)}
	if h == 1 {
		return out
	}
	cols := []col{{"", 2, false}, {"", 7, false}, {t.ColCustomer, 14, false}, {t.ColOwner, 10, false},
		{t.ColPrio, 5, true}, {t.ColWait, 7, true}, {t.ColSLA, 8, true}, {t.ColViewing, 20, false}}
	if w >= 100 {
		cols = []col{{"", 2, false}, {"", 9, false}, {t.ColCustomer, 18, false}, {t.ColOwner, 12, false},
			{t.ColPrio, 6, true}, {t.ColWait, 8, true}, {t.ColSLA, 9, true}, {t.ColChannel, 9, false}, {t.ColViewing, 24, false}}
	}
	out = append(out, b.tableHead(cols, w))
	if len(b.chatRows) == 0 {
		return padTo(append(out, b.st.Muted.Render(cell.Fit("  "+t.NoChats, w))), w, h)
	}
	rows := h - 2
	b.chatPage = rows
	start := window(b.chatCur, len(b.chatRows), rows)
	nowMs := b.now.UnixMilli()
	for i := start; i < len(b.chatRows) && i < start+rows; i++ {
		c := b.chatRows[i]
		// The cursor shows as a glyph too, not only as colour: without
		// colour (NO_COLOR, a screen reader) the lead must still see which
		// chat a note or a reassign goes to.
		mark := " "
		if i == b.chatCur && b.pane == PaneChats {
			mark = "▸"
		}
		if b.marked[c.ID] {
			mark += "●"
		}
		badge, badgeStyle := b.flagLabel(c)
		customer := sanitize.Line(c.CustomerName)
		if customer == "" {
			customer = sanitize.Line(c.CustomerID)
		}
		owner := t.InQueue
		if c.Assignee != "" {
			owner = b.name(c.Assignee)
		}
		wait := t.NotWaiting
		if d := b.waitOf(c); d > 0 {
			wait = b.cat.Duration(d)
		}
		sla, slaStyle := "", b.st.Queue.SLANone
		if left, on := c.SLALeft(time.UnixMilli(nowMs)); on {
			switch {
			case left <= 0:
				// Under a minute over reads "-1m", never "-0s".
				sla, slaStyle = b.cat.SLAOverdue(max((-left).Truncate(time.Minute), time.Minute)), b.st.Queue.SLABreached
			case left <= soonWindow:
				sla, slaStyle = b.cat.SLALeft(left), b.st.Queue.SLASoon
			default:
				sla, slaStyle = b.cat.SLALeft(left), b.st.Queue.SLAOk
			}
		}
		channel := sanitize.Line(c.Channel)
		if l, ok := b.cat.Channel(c.Channel); ok {
			channel = l
		}
		var names []string
		for _, id := range b.desk.Viewers(c.ID) {
			names = append(names, b.name(id))
		}
		viewing := ""
		if len(names) > 0 {
			viewing = "👁 " + t.Viewing(names)
		}
		vals := []string{mark, badge, customer, owner, strconv.Itoa(c.Priority), wait, sla, viewing}
		if w >= 100 {
			vals = []string{mark, badge, customer, owner, strconv.Itoa(c.Priority), wait, sla, channel, viewing}
		}
		line := row(cols, vals, w)
		if i == b.chatCur && b.pane == PaneChats {
			line = b.st.Queue.Selected.Render(line)
		} else if badge != "" || sla != "" {
			// Colour the badge and SLA cells, keep the rest plain.
			line = b.colourCells(cols, vals, w, map[int]lipgloss.Style{1: badgeStyle, 6: slaStyle})
		} else {
			line = b.st.Queue.Row.Render(line)
		}
		out = append(out, line)
	}
	return padTo(out, w, h)
}

// colourCells renders a row with some cells in their own style.
func (b *Board) colourCells(cols []col, vals []string, w int, styles map[int]lipgloss.Style) string {
	var sb strings.Builder
	used := 0
	for i, c := range cols {
		cw := c.w
		if i == len(cols)-1 || used+cw+1 > w {
			cw = w - used
		}
		if cw <= 0 {
			break
		}
		v := cell.Fit(vals[i], cw-1) + " "
		if c.right {
			v = padLeft(vals[i], cw-1) + " "
		}
		if cw == 1 {
			v = " "
		}
		if s, ok := styles[i]; ok {
			v = s.Render(v)
		}
		sb.WriteString(v)
		used += cw
		if used >= w {
			break
		}
	}
	return cell.Fit(sb.String(), w)
}

// panels is the right-hand column of wide boards: queue breakdown, charts,
// sentiment, hot topics, CSAT.
func (b *Board) panels(w, h int) []string {
	t := &b.cat.Team
	var out []string
	add := func(s string) { out = append(out, cell.Fit(" "+s, w)) }
	head := func(s string) { out = append(out, b.st.Muted.Render(cell.Fit(" "+s, w))) }

	head(t.Queue)
	for _, l := range b.queueBreakdown() {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(t.Charts)
	depth, frt, frtAvg := b.series()
	sparkW := max(w-16, 8)
	add(cell.Fit(t.QueueDepth, 12) + Sparkline(lastN(depth, sparkW)) + " " + strconv.Itoa(lastInt(depth)))
	add(cell.Fit(t.FirstResponse, 12) + Sparkline(lastN(frt, sparkW)))
	if frtAvg >= 0 {
		add(cell.Fit("", 12) + t.Avg(b.cat.Duration(time.Duration(frtAvg)*time.Millisecond)))
	}
	add(cell.Fit(t.Sentiment, 12) + b.sentimentBar(max(w-14, 8)))
	out = append(out, strings.Repeat(" ", w))
	head(t.Topics)
	for _, l := range b.topicLines(w - 2) {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(t.CSAT)
	for _, l := range b.csatLines() {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(b.cat.Bot.Panel)
	for _, l := range b.botLines() {
		add(l)
	}
	return padTo(out, w, h)
}

// compactPanels is the few lines of figures a narrow board has room for.
func (b *Board) compactPanels(w int) []string {
	t := &b.cat.Team
	depth, _, _ := b.series()
	q := b.queueBreakdown()
	lines := []string{
		cell.Fit(" "+t.QueueDepth+" "+Sparkline(lastN(depth, 20))+"  "+q[0], w),
		cell.Fit(" "+t.Sentiment+" "+b.sentimentBar(16)+"  "+t.Topics+": "+b.topTopic(), w),
	}
	return lines
}

func lastInt(v []float64) int {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) {
			return int(v[i])
		}
	}
	return 0
}

func lastN(v []float64, n int) []float64 {
	if len(v) > n {
		return v[len(v)-n:]
	}
	return v
}

// series returns queue depth and first-response time per minute over the
// last hour (NaN where unknown), and the hour's mean first response (ms,
// -1 with none). The newest queue-depth point is the live count.
func (b *Board) series() (depth, frt []float64, frtAvg int64) {
	frtAvg = -1
	if !b.loaded {
		return []float64{float64(b.queued())}, nil, -1
	}
	var sum, n int64
	for _, m := range b.stats.Minutes {
		d := math.NaN()
		if m.QueueDepth >= 0 {
			d = float64(m.QueueDepth)
		}
		depth = append(depth, d)
		f := math.NaN()
		if m.FirstReplies > 0 {
			f = float64(m.FirstRespMs)
			sum += m.FirstRespMs * int64(m.FirstReplies)
			n += int64(m.FirstReplies)
		}
		frt = append(frt, f)
	}
	if len(depth) > 0 {
		depth[len(depth)-1] = float64(b.queued())
	}
	if n > 0 {
		frtAvg = sum / n
	}
	return depth, frt, frtAvg
}

func (b *Board) queued() int { return b.agg.queued }

// queueBreakdown is three lines: queued chats by priority, channel, team.
func (b *Board) queueBreakdown() []string {
	t := &b.cat.Team
	var ps []int
	for p := range b.agg.byPrio {
		ps = append(ps, p)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ps)))
	var pparts []string
	for _, p := range ps {
		pparts = append(pparts, fmt.Sprintf("P%d×%d", p, b.agg.byPrio[p]))
	}
	if len(pparts) > 8 {
		pparts = append(pparts[:8], "…")
	}
	channels, teams := map[string]int{}, map[string]int{}
	for ch, n := range b.agg.byChannel {
		label := sanitize.Line(ch)
		if l, ok := b.cat.Channel(ch); ok {
			label = l
		}
		channels[label] += n
	}
	for tm, n := range b.agg.byTeam {
		label := sanitize.Line(tm)
		if label == "" {
			label = t.NoTeam
		}
		teams[label] += n
	}
	return []string{
		t.ByPriority + ": " + orDash(strings.Join(pparts, " ")),
		t.ByChannel + ": " + orDash(counts(channels)),
		t.ByTeam + ": " + orDash(counts(teams)),
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// counts renders a tally biggest first: "web 3 · wechat 2".
func counts(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.k + " " + strconv.Itoa(e.v)
	}
	return strings.Join(parts, " · ")
}

// sentimentBar shows the mix of open chats' sentiment as a bar of w cells
// (− negative, · neutral, + positive, so it reads without colour too)
// followed by the counts.
func (b *Board) sentimentBar(w int) string {
	neg, neu, pos := b.agg.neg, b.agg.neu, b.agg.pos
	total := neg + neu + pos
	label := fmt.Sprintf(" %d/%d/%d", neg, neu, pos)
	barW := max(w-lipgloss.Width(label), 3)
	if total == 0 {
		return strings.Repeat("·", barW) + label
	}
	n := int(math.Round(float64(neg) * float64(barW) / float64(total)))
	p := int(math.Round(float64(pos) * float64(barW) / float64(total)))
	m := max(barW-n-p, 0)
	bs := &b.st.Badge
	return bs.Negative.Render(strings.Repeat("−", n)) + bs.Neutral.Render(strings.Repeat("·", m)) +
		bs.Positive.Render(strings.Repeat("+", p)) + label
}

func (b *Board) topicName(tp protocol.Topic) string {
	name := sanitize.Line(tp.Name)
	if tp.Kind == protocol.TopicKeyword {
		name = "“" + name + "”"
	}
	return name
}

func (b *Board) topicLines(w int) []string {
	t := &b.cat.Team
	if !b.loaded {
		return []string{t.Loading}
	}
	var out []string
	for _, win := range []struct {
		label string
		ts    []protocol.Topic
	}{{t.HotHour, b.stats.HotHour}, {t.HotDay, b.stats.HotDay}} {
		if len(win.ts) == 0 {
			out = append(out, win.label+": "+t.NothingRising)
			continue
		}
		out = append(out, win.label+":")
		for i, tp := range win.ts {
			if i == 4 {
				break
			}
			out = append(out, cell.Fit("  "+t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin), w))
		}
	}
	return out
}

// topTopic is the one-line hot-topic summary of a narrow board.
func (b *Board) topTopic() string {
	t := &b.cat.Team
	switch {
	case !b.loaded:
		return t.Loading
	case len(b.stats.HotHour) > 0:
		tp := b.stats.HotHour[0]
		return t.HotHour + " " + t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin)
	case len(b.stats.HotDay) > 0:
		tp := b.stats.HotDay[0]
		return t.HotDay + " " + t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin)
	}
	return t.NothingRising
}

func (b *Board) csatLines() []string {
	t := &b.cat.Team
	if !b.loaded {
		return []string{t.Loading}
	}
	fmtRows := func(label string, rows []protocol.CSATRow, name func(string) string) string {
		if len(rows) == 0 {
			return label + ": " + t.NoRatings
		}
		parts := make([]string, 0, len(rows))
		for _, r := range rows {
			parts = append(parts, name(r.Key)+" "+t.CSATCell(r.Avg, r.Count))
		}
		return label + ": " + strings.Join(parts, " · ")
	}
	return []string{
		fmtRows(t.ByAgent, b.stats.CSATByAgent, b.name),
		fmtRows(t.ByTopic, b.stats.CSATByTopic, sanitize.Line),
	}
}

// botLines are the front-line bot's figures for today: answers, requests
// for detail, chats it resolved, handoffs and their reasons.
func (b *Board) botLines() []string {
	bc := &b.cat.Bot
	if !b.loaded {
		return []string{b.cat.Team.Loading}
	}
	d := b.stats.Bot
	why := bc.NoHandoffs
	if len(d.Reasons) > 0 {
		parts := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			label, ok := b.cat.Reason(r.Reason)
			if !ok {
				label = sanitize.Line(string(r.Reason))
			}
			parts = append(parts, label+" "+strconv.Itoa(r.Count))
		}
		why = bc.Why + ": " + strings.Join(parts, " · ")
	}
	return []string{bc.Day(d.Answers, d.Fallbacks, d.Resolved, d.Handoffs), why}
}

// sparkBlocks are the eight heights of a sparkline cell.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one row of block characters scaled to the
// largest; NaN (no data) is a blank, zero the lowest block.
func Sparkline(v []float64) string {
	top := 0.0
	for _, x := range v {
		if !math.IsNaN(x) {
			top = max(top, x)
		}
	}
	var sb strings.Builder
	for _, x := range v {
		switch {
		case math.IsNaN(x):
			sb.WriteRune(' ')
		case top <= 0:
			sb.WriteRune(sparkBlocks[0])
		default:
			i := int(math.Round(x / top * float64(len(sparkBlocks)-1)))
			sb.WriteRune(sparkBlocks[clamp(i, 0, len(sparkBlocks)-1)])
		}
	}
	return sb.String()
}

// tableHead renders a table's column titles.
func (b *Board) tableHead(cols []col, w int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return b.st.Queue.Header.Render(row(cols, titles, w))
}
