package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/review"
)

// leadOnly are the desk actions for leads and admins (the server refuses
// them to others; the desk does not offer them either).
var leadOnly = map[keymap.Action]bool{
	keymap.QueueReassign: true, keymap.ConvTakeover: true, keymap.ViewTeam: true,
}

// allowed reports whether the signed-in role can do act: help, the help
// line and the palette list only what it can (an agent saw lead actions,
// a lead the trainers' label, promote and export).
func (m *Model) allowed(act keymap.Action) bool {
	switch {
	case leadOnly[act] || strings.HasPrefix(string(act), "team."):
		return m.privileged()
	case act == keymap.ViewReview || strings.HasPrefix(string(act), "review."):
		if !m.mayReview() {
			return false
		}
		return !review.Writes(act) || m.desk.Me().Role == protocol.RoleTrainer || m.desk.Me().Role == protocol.RoleAdmin
	case m.desk.Me().Role == protocol.RoleTrainer && trainerCannot[act]:
		return false
	}
	return true
}

// inPalette reports whether act belongs in the command palette: things to
// do, not moving a cursor or answering the dialog the palette replaces.
func (m *Model) inPalette(info keymap.Info) bool {
	switch info.Scope {
	case keymap.ScopeDialog, keymap.ScopePalette, keymap.ScopeFilter:
		return false
	}
	if info.Action == keymap.RejectNote || info.Action == keymap.RejectCancel {
		return false
	}
	for _, nav := range []string{".up", ".down", ".page.up", ".page.down", ".page_up", ".page_down", ".top", ".bottom", "scroll."} {
		if strings.HasSuffix(string(info.Action), nav) || strings.Contains(string(info.Action), nav) && nav == "scroll." {
			return false
		}
	}
	return m.allowed(info.Action)
}

// otherPaneKey answers a key the focused pane does not have: n (take the
// next chat) works from the conversation too, since it needs no cursor;
// any other key of the queue says where it works instead of doing
// nothing silently.
func (m *Model) otherPaneKey(ks string) tea.Cmd {
	act, ok := m.km.Lookup(keymap.ScopeQueue, ks)
	if !ok || !m.allowed(act) {
		return nil
	}
	if act == keymap.QueueNext {
		return m.perform(act)
	}
	for _, info := range m.km.Actions() {
		if info.Action == act {
			m.say(m.cat.NoticeQueueKey(ks, info.Help), false)
		}
	}
	return nil
}
