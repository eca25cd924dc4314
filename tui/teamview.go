package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
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
		inner := m.dialogView()
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

// drainDialog empties an agent's chats: where they go (spread over online
// teammates, the queue, an agent or a team queue), then what to set the
// agent to.
func (m *Model) drainDialog(a protocol.Agent) dialog.Dialog {
	t := &m.cat.Team
	title := sanitize.Line(a.Name) + " · " + t.DrainTitle
	return m.agentPicker(title, dialog.Picker{ByLoad: true, Drain: true, Teams: m.teams()}, []string{a.ID}, func(dest dialog.Target) tea.Cmd {
		d := &dialog.List[string]{Title: t.DrainStatusTitle, OnPick: func(status string) tea.Cmd { return m.drain(a.ID, dest, status) }}
		d.Items = []dialog.Item[string]{{Label: m.statusLabel(protocol.StatusOffline), Value: protocol.StatusOffline},
			{Label: m.statusLabel(protocol.StatusAway), Value: protocol.StatusAway},
			{Label: t.DrainKeepStatus, Value: ""}}
		m.push(d)
		return nil
	})
}

// drain moves an agent's chats to dest and sets their status ("" keeps it).
func (m *Model) drain(agentID string, dest dialog.Target, status string) tea.Cmd {
	t := &m.cat.Team
	req := protocol.DrainReq{AgentID: agentID, Status: status, ToTeam: dest.Team}
	switch {
	case dest.Spread:
		for a := range m.desk.Agents() {
			if a.ID != agentID && a.ID != m.desk.Me().ID && a.Status == protocol.StatusOnline && a.TakesChats() {
				req.ToAgents = append(req.ToAgents, a.ID)
			}
		}
		sort.Strings(req.ToAgents)
		if len(req.ToAgents) == 0 {
			m.say(t.SpreadNone, true)
			return nil
		}
	case dest.Agent != "":
		req.ToAgents = []string{dest.Agent}
	}
	name := agentID
	if a, ok := m.desk.Agent(agentID); ok && a.Name != "" {
		name = sanitize.Line(a.Name)
	}
	return m.teamRequest(protocol.ReqDrain, func(ctx context.Context, lb LeadBackend, res *teamMsg) error {
		var err error
		res.name = name
		res.drain, err = lb.Drain(ctx, req)
		return err
	})
}

func (m *Model) setCapacity(agentID string, n int) tea.Cmd {
	return m.teamRequest(protocol.ReqSetCapacity, func(ctx context.Context, lb LeadBackend, res *teamMsg) error {
		var err error
		res.agent, err = lb.SetCapacity(ctx, agentID, n)
		return err
	})
}

func (m *Model) setAgentStatus(agentID, status string) tea.Cmd {
	be := m.be
	return m.teamRequest(protocol.ReqSetStatus, func(ctx context.Context, _ LeadBackend, res *teamMsg) error {
		var err error
		res.agent, err = be.SetStatus(ctx, agentID, status)
		return err
	})
}

// noteDialog asks for a note to leave on a chat for its assignee.
func (m *Model) noteDialog(c protocol.Conversation) dialog.Dialog {
	title := m.cat.Team.NoteTitle + " · " + sanitize.Line(c.CustomerName)
	id := c.ID
	return dialog.NewText(title, m.cat.Team.NotePrompt, max(m.width-4, 1), func(text string) tea.Cmd {
		return m.enqueueText(protocol.ReqNote, protocol.TextReq{ConversationID: id, Text: text})
	})
}
