package tui

import (
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// keptText is a reply, note or draft edit the agent wrote and did not get
// out: the box was closed (esc), the chat was taken from them, or the
// server refused the send. It waits per conversation until the agent opens
// the box again (a reply kept can go out as a note with the note key).
type keptText struct {
	mode    composeMode
	text    string
	draftID string // composeEdit: the draft it edits
}

// keep stores what the box holds for its conversation, when there is
// something worth keeping (not empty, not an untouched draft).
func (b *composeBox) keep() bool {
	text := b.ta.Value()
	if b.convID == "" || text == "" || (b.mode == composeEdit && text == b.draft.Text) {
		return false
	}
	if b.kept == nil {
		b.kept = map[string]keptText{}
	}
	b.kept[b.convID] = keptText{mode: b.mode, text: text, draftID: b.draft.ID}
	return true
}

// restore returns the text kept for convID that a box opened in mode for
// draft d should start with, and forgets it. A kept reply or note fills
// either (the agent may post a refused reply as a note); a kept edit fills
// only an edit of the same draft.
func (b *composeBox) restore(convID string, mode composeMode, d protocol.Draft) (string, bool) {
	k, ok := b.kept[convID]
	if !ok || (mode == composeEdit) != (k.mode == composeEdit) || (mode == composeEdit && k.draftID != d.ID) {
		return "", false
	}
	delete(b.kept, convID)
	return k.text, true
}

// hasKept reports whether convID has unsent text waiting.
func (b *composeBox) hasKept(convID string) bool {
	_, ok := b.kept[convID]
	return ok
}

// keepFailedSend puts a reply or note the server refused back for the
// agent (kind is protocol.ReqSend or protocol.ReqNote).
func (m *Model) keepFailedSend(convID, kind, text string) {
	if m.compose.kept == nil {
		m.compose.kept = map[string]keptText{}
	}
	mode := composeReply
	if kind == protocol.ReqNote {
		mode = composeNote
	}
	if _, ok := m.compose.kept[convID]; !ok && text != "" {
		m.compose.kept[convID] = keptText{mode: mode, text: text}
	}
}

// noteLostChat tells the agent that someone else took a chat of theirs
// (takeover, reassign), keeping whatever they were writing in it.
func (m *Model) noteLostChat(old, c protocol.Conversation, by string) {
	if m.desk.Me().ID == "" || old.Assignee != m.desk.Me().ID || c.Assignee == m.desk.Me().ID || by == m.desk.Me().ID || by == "" {
		return
	}
	if m.focus == focusCompose && m.compose.convID == c.ID && m.compose.mode != composeNote {
		m.compose.keep()
		m.endCompose()
	}
	name := sanitize.Line(c.CustomerName)
	who := m.agentName(c.Assignee)
	if m.compose.hasKept(c.ID) {
		m.say(m.cat.NoticeChatTakenKept(name, who), true)
		return
	}
	m.say(m.cat.NoticeChatTaken(name, who), true)
}

// noteLeadChange tells the agent when someone else changed their status
// or capacity.
func (m *Model) noteLeadChange(old, a protocol.Agent, by string) {
	if a.ID != m.desk.Me().ID || by == "" || by == m.desk.Me().ID {
		return
	}
	who := m.agentName(by)
	switch {
	case old.Status != a.Status:
		m.say(m.cat.NoticeStatusSetBy(m.statusLabel(a.Status), who), false)
	case old.Capacity != a.Capacity:
		m.say(m.cat.NoticeCapacitySetBy(a.Capacity, who), false)
	}
}

// agentName is a teammate's display name (sanitized), or their id.
func (m *Model) agentName(id string) string {
	if id == "" {
		return m.cat.Unassigned
	}
	if a, ok := m.desk.Agent(id); ok && a.Name != "" {
		return sanitize.Line(a.Name)
	}
	return sanitize.Line(id)
}
