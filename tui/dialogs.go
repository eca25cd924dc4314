package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// The dialogs themselves live in tui/dialog: built here with what they
// show and a typed callback for what the agent chose, which runs once the
// dialog is closed.

// quitTag names the "quit anyway?" question on the dialog stack.
const quitTag = "quit"

func (m *Model) env() dialog.Env { return dialog.Env{Keys: m.km, Styles: m.st, Cat: m.cat} }

func (m *Model) push(d dialog.Dialog) { m.dialogs = append(m.dialogs, d) }

func (m *Model) pop() {
	if n := len(m.dialogs); n > 0 {
		m.dialogs = m.dialogs[:n-1]
	}
}

func (m *Model) topDialogInput(msg tea.Msg) tea.Cmd {
	return m.dialogs[len(m.dialogs)-1].Input(msg)
}

func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	r := m.dialogs[len(m.dialogs)-1].Key(m.env(), msg)
	if r.Done {
		m.pop()
	}
	if r.Then == nil {
		return r.Cmd
	}
	return tea.Batch(r.Cmd, r.Then())
}

// dialogView renders the top dialog for the overlay.
func (m *Model) dialogView() string {
	top := m.dialogs[len(m.dialogs)-1]
	return top.View(m.env(), max(m.width-4, 1), max(m.height-4, 1))
}

// agentPicker is the one list of chat targets (transfer, reassign, drain):
// people who take chats, without those in exclude.
func (m *Model) agentPicker(title string, p dialog.Picker, exclude []string, pick func(dialog.Target) tea.Cmd) dialog.Dialog {
	for a := range m.desk.Agents() {
		if a.TakesChats() && !strings.Contains(","+strings.Join(exclude, ",")+",", ","+a.ID+",") {
			p.Agents = append(p.Agents, a)
		}
	}
	p.Me = m.desk.Me().ID
	return dialog.AgentPicker(m.env(), title, p, pick)
}

// transferDialog hands the open chat to a teammate or a team queue.
func (m *Model) transferDialog(convID string) dialog.Dialog {
	return m.agentPicker(m.cat.TransferTitle, dialog.Picker{Teams: m.teams()}, []string{m.desk.Me().ID}, func(t dialog.Target) tea.Cmd {
		req := protocol.TransferReq{ConversationID: convID, ToAgent: t.Agent, ToTeam: t.Team}
		m.setFocus(focusQueue)
		return m.enqueue(deskstate.Job{Kind: protocol.ReqTransfer, ConvID: convID}, req)
	})
}

// reassignDialog moves chats (a lead's) to a teammate or a team queue.
func (m *Model) reassignDialog(ids []string, p dialog.Picker, exclude []string, then func()) dialog.Dialog {
	p.Teams = m.teams()
	return m.agentPicker(m.cat.ReassignTitle, p, exclude, func(t dialog.Target) tea.Cmd {
		versions := m.desk.Versions(ids)
		if then != nil {
			then()
		}
		return m.reassign(ids, t.Agent, t.Team, versions)
	})
}

func (m *Model) resolveDialog(convID string) dialog.Dialog {
	c := m.cat
	return &dialog.List[string]{Title: m.waitingWarning(convID) + c.ResolveTitle, Items: []dialog.Item[string]{
		{Label: c.DispResolved, Value: "resolved"},
		{Label: c.DispAnswered, Value: "answered"},
		{Label: c.DispRefund, Value: "refund_issued"},
		{Label: c.DispDuplicate, Value: "duplicate"},
		{Label: c.DispNoResponse, Value: "no_response"},
		{Label: c.DispSpam, Value: "spam"},
	}, OnPick: func(disposition string) tea.Cmd {
		m.setFocus(focusQueue)
		return m.enqueue(deskstate.Job{Kind: protocol.ReqResolve, ConvID: convID},
			protocol.ResolveReq{ConversationID: convID, Disposition: disposition})
	}}
}

func (m *Model) snoozeDialog(convID string) dialog.Dialog {
	d := &dialog.List[int]{Title: m.waitingWarning(convID) + m.cat.SnoozeTitle, OnPick: func(minutes int) tea.Cmd {
		m.setFocus(focusQueue)
		return m.enqueue(deskstate.Job{Kind: protocol.ReqSnooze, ConvID: convID},
			protocol.SnoozeReq{ConversationID: convID, Minutes: minutes})
	}}
	for _, n := range []int{15, 30, 60, 120, 240, 1440} {
		d.Items = append(d.Items, dialog.Item[int]{Label: m.cat.Minutes(n), Value: n})
	}
	return d
}

func (m *Model) cannedDialog() dialog.Dialog {
	d := &dialog.List[string]{Title: m.cat.CannedTitle, OnPick: func(text string) tea.Cmd {
		m.insertCanned(text)
		return nil
	}}
	for _, c := range m.cannedReplies() {
		d.Items = append(d.Items, dialog.Item[string]{Label: "/" + c.name, Hint: sanitize.Line(c.text), Value: c.text})
	}
	return d
}

// capacityDialog sets an agent's capacity; a digit picks that capacity, 0
// (takes nothing) included.
func (m *Model) capacityDialog(a protocol.Agent) dialog.Dialog {
	t := &m.cat.Team
	d := &dialog.List[int]{Title: t.CapacityTitle + " · " + sanitize.Line(a.Name), ByValue: true,
		OnPick: func(n int) tea.Cmd { return m.setCapacity(a.ID, n) }}
	for i, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
		hint := ""
		if n == 0 {
			hint = t.CapacityNone
		}
		if n == a.Capacity {
			hint, d.Cursor = strings.TrimSpace(hint+"  ●"), i
		}
		var key byte
		if n <= 9 {
			key = byte('0' + n)
		}
		d.Items = append(d.Items, dialog.Item[int]{Label: padNum(n), Hint: hint, Value: n, Digit: key})
	}
	return d
}

func padNum(n int) string {
	s := strconv.Itoa(n)
	if len(s) < 2 {
		s = " " + s
	}
	return s
}

// statusDialog sets a teammate's status.
func (m *Model) statusDialog(a protocol.Agent) dialog.Dialog {
	d := &dialog.List[string]{Title: m.cat.Team.StatusTitleFor + " · " + sanitize.Line(a.Name),
		OnPick: func(s string) tea.Cmd { return m.setAgentStatus(a.ID, s) }}
	for _, s := range []string{protocol.StatusOnline, protocol.StatusAway, protocol.StatusOffline} {
		d.Items = append(d.Items, dialog.Item[string]{Label: m.statusLabel(s), Value: s})
	}
	return d
}

// typing reports whether the user is writing something that quitting would
// lose: a reply, note or draft edit, a team note, or the review label form.
func (m *Model) typing() bool {
	if m.focus == focusCompose && strings.TrimSpace(m.compose.ta.Value()) != "" {
		return true
	}
	for _, d := range m.dialogs {
		if t, ok := d.(*dialog.Text); ok && t.Typing() {
			return true
		}
	}
	return m.lead.view == viewReview && m.review != nil && m.review.Editing()
}

// quitAsked reports whether the "quit anyway?" question is open.
func (m *Model) quitAsked() bool {
	for _, d := range m.dialogs {
		if l, ok := d.(*dialog.List[bool]); ok && l.Tag == quitTag {
			return true
		}
	}
	return false
}

// isQuitKey reports whether msg is the global quit key that text entry
// would otherwise swallow (ctrl+c; a plain q is typed).
func (m *Model) isQuitKey(msg tea.KeyPressMsg) bool {
	if msg.Text != "" {
		return false // printable: typed where text is entered
	}
	act, ok := m.km.Lookup(keymap.ScopeGlobal, msg.String())
	return ok && act == keymap.AppQuit
}

// helpDialog shows the role's keys.
func (m *Model) helpDialog() dialog.Dialog {
	return dialog.NewHelp(func(s keymap.Scope) bool {
		return !(s == keymap.ScopeTeam && !m.privileged()) && !(s == keymap.ScopeReview && !m.mayReview())
	}, m.allowed)
}

// paletteDialog lists what the role can run.
func (m *Model) paletteDialog() dialog.Dialog {
	var infos []keymap.Info
	for _, info := range m.km.Actions() {
		if m.inPalette(info) { // roles.go
			infos = append(infos, info)
		}
	}
	return dialog.NewPalette(m.env(), infos, m.perform)
}
