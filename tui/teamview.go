package tui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/sanitize"
	"github.com/agentdesk/agentdesk/tui/team"
)

// LeadBackend is what the team board needs beyond Backend. *client.Client
// implements it; a backend without it has no team board (the desk says so).
type LeadBackend interface {
	SetCapacity(ctx context.Context, agentID string, capacity int) (protocol.Agent, error)
	Drain(ctx context.Context, req protocol.DrainReq) (protocol.DrainAck, error)
	Takeover(ctx context.Context, req protocol.TakeoverReq) (protocol.Conversation, error)
	TeamBoard(ctx context.Context, dayStart int64) (protocol.TeamStats, error)
	Viewing(ctx context.Context, conversationID string) (protocol.Presence, error)
}

var _ LeadBackend = (*client.Client)(nil)

// view is which screen the desk shows.
type view int

const (
	viewDesk view = iota
	viewTeam
)

// leadState is the desk's team-board state.
type leadState struct {
	view       view
	board      *team.Board
	subscribed bool // team_board was asked on this connection
}

func (m *Model) initLead() {
	m.lead.board = team.New(m.st, m.cat, m.desk)
	m.lead.board.SetNow(m.now)
}

// Board is the team board (for tests).
func (m *Model) Board() *team.Board { return m.lead.board }

// TeamView reports whether the team board is on screen.
func (m *Model) TeamView() bool { return m.lead.view == viewTeam }

// teamMsg is the answer to a team-board request.
type teamMsg struct {
	kind     string // protocol request type
	stats    protocol.TeamStats
	drain    protocol.DrainAck
	conv     protocol.Conversation
	agent    protocol.Agent
	presence protocol.Presence
	name     string // who was drained
	err      error
}

func (m *Model) leadBackend() (LeadBackend, bool) {
	lb, ok := m.be.(LeadBackend)
	return lb, ok
}

// teamRequest runs fn with the desk's timeout and returns a teamMsg.
func (m *Model) teamRequest(kind string, fn func(ctx context.Context, lb LeadBackend, r *teamMsg) error) tea.Cmd {
	lb, ok := m.leadBackend()
	if !ok {
		m.say(m.cat.NoticeNotBuilt(m.cat.ViewTeam), true)
		return nil
	}
	base, timeout := m.ctx, m.timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		r := teamMsg{kind: kind}
		r.err = fn(ctx, lb, &r)
		return r
	}
}

// showTeam opens the team board and asks for the aggregates (which also
// subscribes this connection to team_stats pushes).
func (m *Model) showTeam() tea.Cmd {
	if !m.privileged() {
		m.say(m.cat.Team.Forbidden, true)
		return nil
	}
	m.lead.view = viewTeam
	cmds := []tea.Cmd{m.sendViewing("")}
	if !m.lead.subscribed {
		cmds = append(cmds, m.requestBoard())
	}
	return tea.Batch(cmds...)
}

func (m *Model) showDesk() tea.Cmd {
	if m.lead.view == viewDesk {
		m.setFocus(focusQueue)
		return nil
	}
	m.lead.view = viewDesk
	m.setFocus(focusQueue)
	if m.open != "" {
		return m.sendViewing(m.open)
	}
	return nil
}

func (m *Model) dayStart() int64 {
	t := m.now.In(m.loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, m.loc).UnixMilli()
}

func (m *Model) requestBoard() tea.Cmd {
	day := m.dayStart()
	return m.teamRequest(protocol.ReqTeamBoard, func(ctx context.Context, lb LeadBackend, r *teamMsg) error {
		var err error
		r.stats, err = lb.TeamBoard(ctx, day)
		return err
	})
}

// sendViewing tells the server what is on screen; failures (offline) are
// silent: the desk repeats it after reconnecting.
func (m *Model) sendViewing(convID string) tea.Cmd {
	if _, ok := m.leadBackend(); !ok || m.conn.State != client.StateOnline {
		return nil
	}
	return m.teamRequest(protocol.ReqViewing, func(ctx context.Context, lb LeadBackend, r *teamMsg) error {
		var err error
		r.presence, err = lb.Viewing(ctx, convID)
		return err
	})
}

func (m *Model) applyTeamMsg(r teamMsg) tea.Cmd {
	t := &m.cat.Team
	if r.err != nil {
		if r.kind == protocol.ReqViewing {
			return nil
		}
		what := map[string]string{protocol.ReqDrain: t.ActDrain, protocol.ReqTakeover: t.ActTakeover,
			protocol.ReqSetCapacity: t.ActCapacity, protocol.ReqTeamBoard: m.cat.ViewTeam}[r.kind]
		if what == "" {
			what = m.what(r.kind, "")
		}
		m.say(m.explain(what, r.err), true)
		return nil
	}
	switch r.kind {
	case protocol.ReqTeamBoard:
		m.lead.subscribed = true
		m.desk.SetStats(r.stats)
	case protocol.ReqViewing:
		m.desk.SetPresence(r.presence)
	case protocol.ReqDrain:
		moved, failed := 0, 0
		for _, res := range r.drain.Results {
			if res.OK && res.Conversation != nil {
				m.upsertConv(*res.Conversation)
				moved++
			} else {
				failed++
			}
		}
		m.desk.PutAgent(r.drain.Agent)
		m.say(t.Drained(r.name, moved, failed), failed > 0)
	case protocol.ReqTakeover:
		m.upsertConv(r.conv)
		m.say(t.TakeoverDone, false)
	case protocol.ReqSetCapacity, protocol.ReqSetStatus:
		m.desk.PutAgent(r.agent)
		m.say(m.cat.NoticeDone(m.what(r.kind, "")), false)
	}
	return nil
}

// teamKey routes a key on the team board: the board's own keys, then the
// team actions and global bindings.
func (m *Model) teamKey(msg tea.KeyPressMsg) tea.Cmd {
	act, handled := m.lead.board.HandleKey(m.km, msg)
	if handled {
		return nil
	}
	if act == "" {
		var ok bool
		if act, ok = m.km.Lookup(keymap.ScopeGlobal, msg.String()); !ok {
			return nil
		}
	}
	return m.perform(act)
}

// renderTeam draws the board with the help line and status bar.
func (m *Model) renderTeam() string {
	body := max(m.height-2, 0)
	b := m.lead.board
	b.SetSize(m.width, body)
	b.SetNow(m.now)
	frame := make([]string, 0, m.height)
	if body > 0 {
		frame = append(frame, strings.Split(b.Render(), "\n")...)
	}
	frame = padLines(frame, m.width, body)
	if m.height >= 2 {
		frame = append(frame, m.helpLine())
	}
	if m.height >= 1 {
		frame = append(frame, m.statusBar())
	}
	if len(frame) > m.height {
		frame = frame[:m.height]
	}
	if n := len(m.dialogs); n > 0 {
		top := m.dialogs[n-1]
		inner := top.view(m, max(m.width-4, 1), max(m.height-4, 1))
		overlay(frame, m.st.Dialog.Frame.Render(inner), m.width, m.height)
	}
	return strings.Join(frame, "\n")
}

// alsoOpen names the others who have conversation id open, for the
// conversation header (the collision indicator).
func (m *Model) alsoOpen(id string) string {
	var names []string
	for _, v := range m.desk.Viewers(id) {
		if v == m.desk.Me().ID {
			continue
		}
		name := v
		if a, ok := m.desk.Agent(v); ok && a.Name != "" {
			name = a.Name
		}
		names = append(names, sanitize.Line(name))
	}
	if len(names) == 0 {
		return ""
	}
	return "👁 " + m.cat.Team.AlsoOpen(names)
}

// teamResult is what a team dialog chose.
type teamResult struct {
	act   keymap.Action
	ids   []string // chats
	agent string   // agent acted on
	value string
	dest  string // drain destination, chosen in the first step
}

// teamAction performs a team-board action from a key or the palette.
func (m *Model) teamAction(act keymap.Action) tea.Cmd {
	t := &m.cat.Team
	if !m.privileged() {
		m.say(m.cat.NoticeLeadOnly, true)
		return nil
	}
	if m.lead.view != viewTeam {
		cmd := m.showTeam()
		switch act {
		case keymap.TeamUp, keymap.TeamDown, keymap.TeamPane, keymap.TeamPageUp, keymap.TeamPageDown, keymap.TeamTop, keymap.TeamBottom:
			return cmd
		}
	}
	b := m.lead.board
	agentSel := func() (protocol.Agent, bool) {
		if b.Pane() == team.PaneChats {
			if c, ok := b.SelectedChat(); ok && c.Assignee != "" {
				if a, ok := m.desk.Agent(c.Assignee); ok {
					return a, true
				}
			}
		}
		a, ok := b.SelectedAgent()
		if !ok {
			m.say(t.NoAgentSelected, true)
		}
		return a, ok
	}
	chatSel := func() (protocol.Conversation, bool) {
		c, ok := b.SelectedChat()
		if !ok || b.Pane() != team.PaneChats {
			m.say(t.NoChatSelected, true)
			return c, false
		}
		return c, true
	}
	switch act {
	case keymap.TeamPane:
		b.TogglePane() // from the palette
	case keymap.TeamUp, keymap.TeamDown, keymap.TeamSelect, keymap.TeamPageUp, keymap.TeamPageDown,
		keymap.TeamTop, keymap.TeamBottom:
		// From the palette: run them through the board's key path.
		key := map[keymap.Action]tea.KeyPressMsg{keymap.TeamUp: {Code: tea.KeyUp}, keymap.TeamDown: {Code: tea.KeyDown},
			keymap.TeamSelect: {Code: tea.KeySpace, Text: " "},
			keymap.TeamPageUp: {Code: tea.KeyPgUp}, keymap.TeamPageDown: {Code: tea.KeyPgDown},
			keymap.TeamTop: {Code: tea.KeyHome}, keymap.TeamBottom: {Code: tea.KeyEnd}}[act]
		b.HandleKey(m.km, key)
	case keymap.TeamOpen:
		if b.Pane() == team.PaneAgents {
			b.HandleKey(m.km, tea.KeyPressMsg{Code: tea.KeyEnter})
			return nil
		}
		c, ok := chatSel()
		if !ok {
			return nil
		}
		m.lead.view = viewDesk
		m.queue.SelectID(c.ID)
		return m.openConv(c.ID) // which tells the server it is on screen
	case keymap.TeamReassign:
		if b.Pane() != team.PaneChats {
			m.say(t.NoChatSelected, true)
			return nil
		}
		chats := b.SelectedChats()
		if len(chats) == 0 {
			m.say(t.NoChatSelected, true)
			return nil
		}
		ids := make([]string, len(chats))
		for i, c := range chats {
			ids[i] = c.ID
		}
		m.push(m.teamTargetDialog(m.cat.ReassignTitle, teamResult{act: act, ids: ids}, "", true))
	case keymap.TeamDrain:
		a, ok := agentSel()
		if !ok {
			return nil
		}
		m.push(m.teamTargetDialog(sanitize.Line(a.Name)+" · "+t.DrainTitle, teamResult{act: act, agent: a.ID}, a.ID, false))
	case keymap.TeamCapacity:
		a, ok := agentSel()
		if !ok {
			return nil
		}
		d := &listDialog{title: t.CapacityTitle + " · " + sanitize.Line(a.Name), byValue: true}
		// A digit picks that capacity, 0 (takes nothing) included.
		for i, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
			hint := ""
			if n == 0 {
				hint = t.CapacityNone
			}
			if n == a.Capacity {
				hint, d.cursor = strings.TrimSpace(hint+"  ●"), i
			}
			d.items = append(d.items, listItem{label: fmt.Sprintf("%2d", n), hint: hint, value: strconv.Itoa(n)})
		}
		d.pick = func(v string) any { return teamResult{act: act, agent: a.ID, value: v} }
		m.push(d)
	case keymap.TeamStatus:
		a, ok := agentSel()
		if !ok {
			return nil
		}
		d := &listDialog{title: t.StatusTitleFor + " · " + sanitize.Line(a.Name)}
		for _, s := range []string{protocol.StatusOnline, protocol.StatusAway, protocol.StatusOffline} {
			d.items = append(d.items, listItem{label: m.statusLabel(s), value: s})
		}
		d.pick = func(v string) any { return teamResult{act: act, agent: a.ID, value: v} }
		m.push(d)
	case keymap.TeamTakeover:
		c, ok := chatSel()
		if !ok {
			return nil
		}
		id, version := c.ID, c.Version
		return m.teamRequest(protocol.ReqTakeover, func(ctx context.Context, lb LeadBackend, r *teamMsg) error {
			var err error
			r.conv, err = lb.Takeover(ctx, protocol.TakeoverReq{ConversationID: id, Version: version})
			return err
		})
	case keymap.TeamNote:
		c, ok := chatSel()
		if !ok {
			return nil
		}
		m.push(newNoteDialog(m, c.ID))
	}
	return nil
}

// teamTargetDialog lists where chats can go: for a drain, first the queue
// and "spread over online teammates"; then agents, online and least
// loaded first (load against capacity), then team queues.
func (m *Model) teamTargetDialog(title string, base teamResult, exclude string, withTeams bool) dialog {
	t := &m.cat.Team
	var agents []protocol.Agent
	// A single chat is not offered back to its own owner.
	if len(base.ids) == 1 && exclude == "" {
		c, _ := m.desk.Conversation(base.ids[0])
		exclude = c.Assignee
	}
	for a := range m.desk.Agents() {
		if a.ID == exclude || !takesChats(a) {
			continue
		}
		agents = append(agents, a)
	}
	rank := map[string]int{protocol.StatusOnline: 0, protocol.StatusAway: 1, protocol.StatusOffline: 2}
	ratio := func(a protocol.Agent) float64 {
		if a.Capacity <= 0 {
			return float64(a.Load)
		}
		return float64(a.Load) / float64(a.Capacity)
	}
	sort.Slice(agents, func(i, j int) bool {
		x, y := agents[i], agents[j]
		if rank[x.Status] != rank[y.Status] {
			return rank[x.Status] < rank[y.Status]
		}
		if ratio(x) != ratio(y) {
			return ratio(x) < ratio(y)
		}
		return x.ID < y.ID
	})
	d := &listDialog{title: title}
	if base.act == keymap.TeamDrain {
		var online []string
		for _, a := range agents {
			if a.Status == protocol.StatusOnline && a.ID != m.desk.Me().ID {
				online = append(online, sanitize.Line(a.Name))
			}
		}
		if len(online) > 0 {
			d.items = append(d.items, listItem{label: t.DrainSpread, hint: t.SpreadHint(online), value: "spread"})
		}
		d.items = append(d.items, listItem{label: t.DrainToQueue, value: "queue"})
	}
	for _, a := range agents {
		name := sanitize.Line(a.Name)
		if name == "" {
			name = sanitize.Line(a.ID)
		}
		d.items = append(d.items, listItem{label: name,
			hint: m.statusLabel(a.Status) + " · " + m.cat.Load(a.Load, a.Capacity), value: "agent:" + a.ID})
	}
	if withTeams || base.act == keymap.TeamDrain {
		for _, tm := range m.teams() {
			d.items = append(d.items, listItem{label: sanitize.Line(tm), hint: m.cat.TeamQueue, value: "team:" + tm})
		}
	}
	d.pick = func(v string) any {
		r := base
		r.value = v
		return r
	}
	return d
}

// applyTeamResult performs what a team dialog chose.
func (m *Model) applyTeamResult(r teamResult) tea.Cmd {
	t := &m.cat.Team
	switch r.act {
	case keymap.TeamReassign:
		versions := map[string]int64{}
		for _, id := range r.ids {
			if c, ok := m.desk.Conversation(id); ok {
				versions[id] = c.Version
			}
		}
		m.lead.board.ClearMarks()
		if tm, ok := strings.CutPrefix(r.value, "team:"); ok {
			return m.reassign(r.ids, "", tm, versions)
		}
		return m.reassign(r.ids, strings.TrimPrefix(r.value, "agent:"), "", versions)
	case keymap.TeamDrain:
		if r.dest == "" {
			// Second step: what to set the agent to.
			next := r
			next.dest = r.value
			d := &listDialog{title: t.DrainStatusTitle}
			d.items = []listItem{{label: m.statusLabel(protocol.StatusOffline), value: protocol.StatusOffline},
				{label: m.statusLabel(protocol.StatusAway), value: protocol.StatusAway},
				{label: t.DrainKeepStatus, value: ""}}
			d.pick = func(v string) any {
				n := next
				n.value = v
				return n
			}
			m.push(d)
			return nil
		}
		req := protocol.DrainReq{AgentID: r.agent, Status: r.value}
		switch {
		case r.dest == "spread":
			for a := range m.desk.Agents() {
				if a.ID != r.agent && a.ID != m.desk.Me().ID && a.Status == protocol.StatusOnline && takesChats(a) {
					req.ToAgents = append(req.ToAgents, a.ID)
				}
			}
			sort.Strings(req.ToAgents)
			if len(req.ToAgents) == 0 {
				m.say(t.SpreadNone, true)
				return nil
			}
		case strings.HasPrefix(r.dest, "agent:"):
			req.ToAgents = []string{strings.TrimPrefix(r.dest, "agent:")}
		case strings.HasPrefix(r.dest, "team:"):
			req.ToTeam = strings.TrimPrefix(r.dest, "team:")
		}
		name := r.agent
		if a, ok := m.desk.Agent(r.agent); ok && a.Name != "" {
			name = sanitize.Line(a.Name)
		}
		return m.teamRequest(protocol.ReqDrain, func(ctx context.Context, lb LeadBackend, res *teamMsg) error {
			var err error
			res.name = name
			res.drain, err = lb.Drain(ctx, req)
			return err
		})
	case keymap.TeamCapacity:
		n, _ := strconv.Atoi(r.value)
		id := r.agent
		return m.teamRequest(protocol.ReqSetCapacity, func(ctx context.Context, lb LeadBackend, res *teamMsg) error {
			var err error
			res.agent, err = lb.SetCapacity(ctx, id, n)
			return err
		})
	case keymap.TeamStatus:
		id, status, be := r.agent, r.value, m.be
		return m.teamRequest(protocol.ReqSetStatus, func(ctx context.Context, _ LeadBackend, res *teamMsg) error {
			var err error
			res.agent, err = be.SetStatus(ctx, id, status)
			return err
		})
	case keymap.TeamNote:
		if len(r.ids) == 1 && strings.TrimSpace(r.value) != "" {
			return m.enqueue(deskstate.Job{Kind: protocol.ReqNote, ConvID: r.ids[0]}, protocol.TextReq{ConversationID: r.ids[0], Text: r.value})
		}
	}
	return nil
}

// noteDialog asks for a note to leave on a chat for its assignee.
type noteDialog struct {
	convID string
	in     textinput.Model
}

func newNoteDialog(m *Model, convID string) *noteDialog {
	ti := textinput.New()
	ti.Prompt = m.cat.Team.NotePrompt
	ti.CharLimit = 2000
	ti.Focus()
	d := &noteDialog{convID: convID, in: ti}
	d.setWidth(max(m.width-4, 1))
	return d
}

// setWidth fits the input to the dialog's width: the prompt and the cursor
// cell share the row with the text, and a wider input would have its tail
// (and the cursor) cut off.
func (d *noteDialog) setWidth(maxW int) int {
	w := min(maxW, 72)
	d.in.SetWidth(max(w-ansi.StringWidth(d.in.Prompt)-1, 4))
	return w
}

func (d *noteDialog) scope() keymap.Scope { return keymap.ScopeCompose }

func (d *noteDialog) input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return cmd
}

func (d *noteDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return nil, true, nil
	case "enter":
		text := strings.TrimSpace(d.in.Value())
		if text == "" {
			return nil, true, nil
		}
		return teamResult{act: keymap.TeamNote, ids: []string{d.convID}, value: text}, true, nil
	}
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return nil, false, cmd
}

func (d *noteDialog) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	w := d.setWidth(maxW)
	title := m.cat.Team.NoteTitle
	if c, ok := m.desk.Conversation(d.convID); ok {
		title += " · " + sanitize.Line(c.CustomerName)
	}
	return strings.Join([]string{ds.Title.Render(cell.Fit(title, w)), cell.Fit(d.in.View(), w)}, "\n")
}
