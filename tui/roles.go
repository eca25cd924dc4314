package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/review"
)

// actionRequest names the request each desk action that works a chat
// sends. Who may do it is protocol's role table (protocol.MayRequest), the
// one the server admits by: the desk neither offers nor sends what the
// server would refuse (trainers never talk to customers or take chats;
// reassign and takeover are for leads and admins).
var actionRequest = map[keymap.Action]string{
	keymap.QueueClaim: protocol.ReqClaim, keymap.QueueNext: protocol.ReqNext, keymap.ConvClaim: protocol.ReqClaim,
	keymap.ConvRelease: protocol.ReqRelease, keymap.ConvTransfer: protocol.ReqTransfer, keymap.ConvResolve: protocol.ReqResolve,
	keymap.ConvSnooze: protocol.ReqSnooze, keymap.ComposeReply: protocol.ReqSend, keymap.ComposeNote: protocol.ReqNote,
	keymap.ComposeAttach: protocol.ReqSend, keymap.DraftAccept: protocol.ReqOutcome, keymap.DraftEdit: protocol.ReqOutcome,
	keymap.DraftEditExternal: protocol.ReqOutcome, keymap.DraftReject: protocol.ReqOutcome,
	keymap.DraftRegenerate: protocol.ReqRegenerate, keymap.QueueReassign: protocol.ReqReassign,
	keymap.ConvTakeover: protocol.ReqTakeover,
}

func init() {
	for act := range keymap.RejectReasons { // from the palette: reject at once
		actionRequest[act] = protocol.ReqOutcome
	}
}

// may reports whether the signed-in role may send request type t.
func (m *Model) may(t string) bool { return protocol.MayRequest(m.desk.Me().Role, t) }

// mayAct reports whether the signed-in role may send what act sends (true
// for actions that send nothing role-bound).
func (m *Model) mayAct(act keymap.Action) bool {
	t, ok := actionRequest[act]
	return !ok || m.may(t)
}

// allowed reports whether the signed-in role can do act: help, the help
// line and the palette list only what it can (an agent saw lead actions,
// a lead the trainers' label, promote and export).
func (m *Model) allowed(act keymap.Action) bool {
	switch {
	case act == keymap.ViewTeam || strings.HasPrefix(string(act), "team."):
		return m.may(protocol.ReqTeamBoard)
	case act == keymap.ViewReview || strings.HasPrefix(string(act), "review."):
		return m.mayReview() && (!review.Writes(act) || m.may(protocol.ReqLabel))
	}
	return m.mayAct(act)
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
