package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/team"
)

// boardHandlers are the team board's actions (a lead's), after teamAction
// checked the role and brought the board up.
var boardHandlers = map[keymap.Action]handler{
	keymap.TeamPane:     (*Model).onTeamPane,
	keymap.TeamUp:       (*Model).onTeamMove,
	keymap.TeamDown:     (*Model).onTeamMove,
	keymap.TeamSelect:   (*Model).onTeamMove,
	keymap.TeamPageUp:   (*Model).onTeamMove,
	keymap.TeamPageDown: (*Model).onTeamMove,
	keymap.TeamTop:      (*Model).onTeamMove,
	keymap.TeamBottom:   (*Model).onTeamMove,
	keymap.TeamOpen:     (*Model).onTeamOpen,
	keymap.TeamReassign: (*Model).onTeamReassign,
	keymap.TeamDrain:    (*Model).onTeamDrain,
	keymap.TeamCapacity: (*Model).onTeamCapacity,
	keymap.TeamStatus:   (*Model).onTeamStatus,
	keymap.TeamTakeover: (*Model).onTeamTakeover,
	keymap.TeamNote:     (*Model).onTeamNote,
}

// teamAction performs a team-board action from a key or the palette.
func (m *Model) teamAction(act keymap.Action) tea.Cmd {
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
	if h, ok := boardHandlers[act]; ok {
		return h(m, act)
	}
	return nil
}

// boardAgent is the agent a team action is for: the selected chat's
// owner in the chats list, else the agent under the cursor.
func (m *Model) boardAgent() (protocol.Agent, bool) {
	b := m.lead.board
	if b.Pane() == team.PaneChats {
		if c, ok := b.SelectedChat(); ok && c.Assignee != "" {
			if a, ok := m.desk.Agent(c.Assignee); ok {
				return a, true
			}
		}
	}
	a, ok := b.SelectedAgent()
	if !ok {
		m.say(m.cat.Team.NoAgentSelected, true)
	}
	return a, ok
}

// boardChat is the chat under the cursor of the chats list.
func (m *Model) boardChat() (protocol.Conversation, bool) {
	b := m.lead.board
	c, ok := b.SelectedChat()
	if !ok || b.Pane() != team.PaneChats {
		m.say(m.cat.Team.NoChatSelected, true)
		return c, false
	}
	return c, true
}

func (m *Model) onTeamPane(keymap.Action) tea.Cmd {
	m.lead.board.TogglePane() // from the palette
	return nil
}

// onTeamMove runs a cursor action from the palette through the board's key path.
func (m *Model) onTeamMove(act keymap.Action) tea.Cmd {
	key := map[keymap.Action]tea.KeyPressMsg{keymap.TeamUp: {Code: tea.KeyUp}, keymap.TeamDown: {Code: tea.KeyDown},
		keymap.TeamSelect: {Code: tea.KeySpace, Text: " "},
		keymap.TeamPageUp: {Code: tea.KeyPgUp}, keymap.TeamPageDown: {Code: tea.KeyPgDown},
		keymap.TeamTop: {Code: tea.KeyHome}, keymap.TeamBottom: {Code: tea.KeyEnd}}[act]
	m.lead.board.HandleKey(m.km, key)
	return nil
}

func (m *Model) onTeamOpen(keymap.Action) tea.Cmd {
	b := m.lead.board
	if b.Pane() == team.PaneAgents {
		b.HandleKey(m.km, tea.KeyPressMsg{Code: tea.KeyEnter})
		return nil
	}
	c, ok := m.boardChat()
	if !ok {
		return nil
	}
	m.lead.view = viewDesk
	m.queue.SelectID(c.ID)
	return m.openConv(c.ID) // which tells the server it is on screen
}

func (m *Model) onTeamReassign(keymap.Action) tea.Cmd {
	b := m.lead.board
	chats := b.SelectedChats()
	if b.Pane() != team.PaneChats || len(chats) == 0 {
		m.say(m.cat.Team.NoChatSelected, true)
		return nil
	}
	ids := make([]string, len(chats))
	for i, c := range chats {
		ids[i] = c.ID
	}
	var exclude []string
	if len(chats) == 1 { // a single chat is not offered back to its own owner
		exclude = []string{chats[0].Assignee}
	}
	m.push(m.reassignDialog(ids, dialog.Picker{ByLoad: true}, exclude, b.ClearMarks))
	return nil
}

// onAgent runs open with the agent a team action is for.
func (m *Model) onAgent(open func(protocol.Agent) dialog.Dialog) tea.Cmd {
	if a, ok := m.boardAgent(); ok {
		m.push(open(a))
	}
	return nil
}

func (m *Model) onTeamDrain(keymap.Action) tea.Cmd    { return m.onAgent(m.drainDialog) }
func (m *Model) onTeamCapacity(keymap.Action) tea.Cmd { return m.onAgent(m.capacityDialog) }
func (m *Model) onTeamStatus(keymap.Action) tea.Cmd   { return m.onAgent(m.statusDialog) }

func (m *Model) onTeamTakeover(keymap.Action) tea.Cmd {
	c, ok := m.boardChat()
	if !ok {
		return nil
	}
	return m.takeover(c.ID, c.Version)
}

// takeover makes the lead the owner of a chat at the version they saw:
// one request (takeover, audited as such) from the conversation and from
// the team board alike.
func (m *Model) takeover(id string, version int64) tea.Cmd {
	return m.teamRequest(protocol.ReqTakeover, func(ctx context.Context, lb LeadBackend, r *teamMsg) error {
		var err error
		r.conv, err = lb.Takeover(ctx, protocol.TakeoverReq{ConversationID: id, Version: version})
		return err
	})
}

func (m *Model) onTeamNote(keymap.Action) tea.Cmd {
	if c, ok := m.boardChat(); ok {
		m.push(m.noteDialog(c))
	}
	return nil
}
