// Package queue is the desk's escalation list: a virtualised table of
// conversations sorted by priority then wait, with mine / unassigned / all
// tabs and an incremental filter.
//
// It follows the component rule of the desk (crush's internal/ui): a plain
// struct the root model owns, with SetSize, Render and HandleKey, no Elm
// loop of its own and no I/O. Only the visible rows are rendered, and each
// rendered row is cached per (conversation id, version, width, selected,
// marked, minute) so a frame over 10,000 conversations costs a handful of
// map look-ups.
package queue

import (
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Tab selects which conversations the list shows.
type Tab int

// Tabs, in display order.
const (
	TabMine Tab = iota
	TabUnassigned
	TabAll
	numTabs
)

// entry is one conversation with the derived text the list needs, computed
// once per version instead of per frame or per keystroke.
type entry struct {
	c        protocol.Conversation
	name     string // sanitized customer name
	summary  string // sanitized one-line summary
	channel  string // label or sanitized channel
	haystack string // lower-cased name, summary and channel for the filter
}

// rowKey identifies a rendered row. The minute is part of it because wait
// and SLA columns count down.
type rowKey struct {
	id       string
	version  int64
	width    int
	selected bool
	marked   bool
	minute   int64
}

// maxCache bounds the row cache; it is cleared wholesale when full, which
// costs one re-render of the visible rows.
const maxCache = 4096

// Model is the queue list.
type Model struct {
	st  *themes.Styles
	cat *i18n.Catalog
	me  string // agent id of the desk's user, for the mine tab

	byID   map[string]*entry
	sorted []*entry // every open conversation, in queue order
	view   []*entry // sorted ∩ tab ∩ filter
	counts [numTabs]int
	dirty  bool // sorted needs rebuilding

	tab        Tab
	filter     string // lower-cased
	viewFilter string // filter view was computed with, for incremental narrowing

	cursor, offset int
	width, height  int
	now            time.Time
	names          map[string]string // agent id → display name
	marked         map[string]bool

	cache map[rowKey]string
}

// New returns an empty list. me is the agent id whose chats the mine tab
// shows.
func New(st *themes.Styles, cat *i18n.Catalog, me string) *Model {
	return &Model{
		st: st, cat: cat, me: me,
		byID:   map[string]*entry{},
		names:  map[string]string{},
		marked: map[string]bool{},
		cache:  map[rowKey]string{},
		now:    time.Now(),
	}
}

// SetSize sets the area the list renders into, in cells.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 0), max(height, 0)
	m.clampScroll()
}

// SetMe sets whose conversations the mine tab shows (known once the server
// has welcomed the desk).
func (m *Model) SetMe(id string) {
	if id == m.me {
		return
	}
	m.me = id
	m.dirty = true
	m.refresh(m.selectedID())
}

// Invalidate drops cached rows, e.g. after the theme changed.
func (m *Model) Invalidate() { clear(m.cache) }

// SetNow sets the clock the wait and SLA columns count from; the root calls
// it from its tick so rendering stays a pure function of state.
func (m *Model) SetNow(t time.Time) { m.now = t }

// SetAgentNames sets the names shown in the assignee column.
func (m *Model) SetAgentNames(names map[string]string) {
	m.names = make(map[string]string, len(names))
	for id, n := range names {
		m.names[id] = sanitize.Line(n)
	}
	clear(m.cache)
}

// SetConversations replaces the whole list (snapshot on connect).
func (m *Model) SetConversations(cs []protocol.Conversation) {
	sel := m.selectedID()
	clear(m.byID)
	for i := range cs {
		m.put(cs[i])
	}
	m.dirty = true
	m.refresh(sel)
}

// Upsert adds or replaces one conversation. Resolved conversations leave
// the list. The queue shows what it is given: which version is the newest
// is decided once, by the desk's state (tui/deskstate).
func (m *Model) Upsert(c protocol.Conversation) {
	sel := m.selectedID()
	m.put(c)
	m.dirty = true
	m.refresh(sel)
}

// UpsertMany applies a batch of conversation events with one re-sort, so a
// burst of server events costs one refresh instead of one per event.
func (m *Model) UpsertMany(cs []protocol.Conversation) {
	if len(cs) == 0 {
		return
	}
	sel := m.selectedID()
	for _, c := range cs {
		m.put(c)
	}
	m.dirty = true
	m.refresh(sel)
}

// Remove drops a conversation.
func (m *Model) Remove(id string) {
	if _, ok := m.byID[id]; !ok {
		return
	}
	sel := m.selectedID()
	delete(m.byID, id)
	delete(m.marked, id)
	m.dirty = true
	m.refresh(sel)
}

func (m *Model) put(c protocol.Conversation) {
	if c.Status == protocol.ConvResolved || c.Status == protocol.ConvBot {
		delete(m.byID, c.ID)
		return
	}
	e := &entry{c: c, name: sanitize.Line(c.CustomerName), summary: sanitize.Line(c.Summary)}
	if e.summary == "" {
		e.summary = sanitize.Line(c.Subject)
	}
	if l, ok := m.cat.Channel(c.Channel); ok {
		e.channel = l
	} else {
		e.channel = sanitize.Line(c.Channel)
	}
	e.haystack = strings.ToLower(e.name + "\x00" + e.summary + "\x00" + e.channel + "\x00" + sanitize.Line(c.Channel))
	m.byID[c.ID] = e
}

// less orders the queue: snoozed (parked) chats last, then priority, then
// who has waited longest.
func less(a, b *entry) bool {
	if sa, sb := a.c.Status == protocol.ConvSnoozed, b.c.Status == protocol.ConvSnoozed; sa != sb {
		return sb
	}
	if a.c.Priority != b.c.Priority {
		return a.c.Priority > b.c.Priority
	}
	wa, wb := waitingSince(&a.c), waitingSince(&b.c)
	if wa != wb {
		return wa < wb
	}
	return a.c.ID < b.c.ID
}

// waitingSince orders chats by how long their customer has waited
// (protocol's WaitStart); chats nobody waits on go after, oldest first.
func waitingSince(c *protocol.Conversation) int64 {
	if at := c.WaitStart(); at != 0 {
		return at
	}
	return 1<<62 + c.CreatedAt
}

// refresh rebuilds the sorted list if needed and the view, keeping the
// cursor on the conversation it was on.
func (m *Model) refresh(keepID string) {
	if m.dirty {
		m.sorted = m.sorted[:0]
		m.counts = [numTabs]int{}
		for _, e := range m.byID {
			m.sorted = append(m.sorted, e)
			m.counts[TabAll]++
			switch {
			case e.c.Assignee == "":
				m.counts[TabUnassigned]++
			case e.c.Assignee == m.me:
				m.counts[TabMine]++
			}
		}
		sort.Slice(m.sorted, func(i, j int) bool { return less(m.sorted[i], m.sorted[j]) })
		m.dirty = false
	}
	m.rebuildView(m.sorted)
	m.restoreCursor(keepID)
}

func (m *Model) inTab(e *entry) bool {
	switch m.tab {
	case TabMine:
		return e.c.Assignee != "" && e.c.Assignee == m.me
	case TabUnassigned:
		return e.c.Assignee == ""
	}
	return true
}

// rebuildView filters from into m.view, reusing m.view's array. from may be
// m.view itself (narrowing), which is safe because the write index never
// passes the read index.
func (m *Model) rebuildView(from []*entry) {
	out := m.view[:0]
	if len(from) > 0 && len(m.view) > 0 && &from[0] != &m.view[0] {
		out = make([]*entry, 0, len(from))
	}
	for _, e := range from {
		if m.inTab(e) && (m.filter == "" || strings.Contains(e.haystack, m.filter)) {
			out = append(out, e)
		}
	}
	m.view = out
	m.viewFilter = m.filter
}

func (m *Model) restoreCursor(id string) {
	if id != "" {
		for i, e := range m.view {
			if e.c.ID == id {
				m.cursor = i
				m.clampScroll()
				return
			}
		}
	}
	m.clampScroll()
}

// SetTab switches tabs.
func (m *Model) SetTab(t Tab) {
	if t < 0 || t >= numTabs || t == m.tab {
		return
	}
	sel := m.selectedID()
	m.tab = t
	m.rebuildView(m.sorted)
	m.restoreCursor(sel)
}

// CurrentTab returns the tab shown.
func (m *Model) CurrentTab() Tab { return m.tab }

// SetFilter sets the search text. Typing one more character only narrows
// the current view instead of rescanning every conversation; CJK text has
// no case, so lower-casing is the only folding needed.
func (m *Model) SetFilter(q string) {
	q = strings.ToLower(sanitize.Line(q))
	if q == m.filter {
		return
	}
	sel := m.selectedID()
	narrowing := m.filter != "" && strings.HasPrefix(q, m.viewFilter) && m.viewFilter == m.filter
	m.filter = q
	if narrowing {
		m.rebuildView(m.view)
	} else {
		m.rebuildView(m.sorted)
	}
	m.restoreCursor(sel)
}

// Filter returns the current search text.
func (m *Model) Filter() string { return m.filter }

// Len returns how many rows the current tab and filter show.
func (m *Model) Len() int { return len(m.view) }

// Selected returns the conversation under the cursor.
func (m *Model) Selected() (protocol.Conversation, bool) {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return protocol.Conversation{}, false
	}
	return m.view[m.cursor].c, true
}

// SelectID moves the cursor to a conversation if the current tab and
// filter show it, and reports whether it did.
func (m *Model) SelectID(id string) bool {
	for i, e := range m.view {
		if e.c.ID == id {
			m.cursor = i
			m.clampScroll()
			return true
		}
	}
	return false
}

func (m *Model) selectedID() string {
	if c, ok := m.Selected(); ok {
		return c.ID
	}
	return ""
}

// Marked returns the ids selected for a bulk action, in queue order.
func (m *Model) Marked() []string {
	var out []string
	for _, e := range m.sorted {
		if m.marked[e.c.ID] {
			out = append(out, e.c.ID)
		}
	}
	return out
}

// rows is how many conversation rows fit under the tab and header lines.
func (m *Model) rows() int { return max(m.height-2, 0) }

// Move moves the cursor by delta rows, clamped.
func (m *Model) Move(delta int) {
	m.cursor += delta
	m.clampScroll()
}

// Top and Bottom jump to the ends.
func (m *Model) Top()    { m.cursor = 0; m.clampScroll() }
func (m *Model) Bottom() { m.cursor = len(m.view) - 1; m.clampScroll() }

func (m *Model) clampScroll() {
	m.cursor = min(max(m.cursor, 0), max(len(m.view)-1, 0))
	rows := m.rows()
	if rows == 0 {
		m.offset = 0
		return
	}
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = min(max(m.offset, 0), max(len(m.view)-rows, 0))
}

// HandleKey applies a key press in the queue scope. Navigation, tabs and
// marking are done here and reported as handled; other queue actions
// (open, claim, next, filter, reassign) need the root — it owns the network
// and the focus — so they are returned unhandled for it to perform.
func (m *Model) HandleKey(km *keymap.KeyMap, msg tea.KeyPressMsg) (act keymap.Action, handled bool) {
	act, ok := km.Lookup(keymap.ScopeQueue, msg.String())
	if !ok {
		return "", false
	}
	switch act {
	case keymap.QueueUp:
		m.Move(-1)
	case keymap.QueueDown:
		m.Move(1)
	case keymap.QueuePageUp:
		m.Move(-max(m.rows()-1, 1))
	case keymap.QueuePageDown:
		m.Move(max(m.rows()-1, 1))
	case keymap.QueueTop:
		m.Top()
	case keymap.QueueBottom:
		m.Bottom()
	case keymap.QueueTabMine:
		m.SetTab(TabMine)
	case keymap.QueueTabUnassigned:
		m.SetTab(TabUnassigned)
	case keymap.QueueTabAll:
		m.SetTab(TabAll)
	case keymap.QueueTabNext:
		m.SetTab((m.tab + 1) % numTabs)
	case keymap.QueueTabPrev:
		m.SetTab((m.tab + numTabs - 1) % numTabs)
	case keymap.QueueFilterClear:
		if m.filter == "" {
			return act, false
		}
		m.SetFilter("")
	case keymap.QueueSelect:
		if c, ok := m.Selected(); ok {
			if m.marked[c.ID] {
				delete(m.marked, c.ID)
			} else {
				m.marked[c.ID] = true
			}
			m.Move(1)
		}
	default:
		return act, false
	}
	return act, true
}
