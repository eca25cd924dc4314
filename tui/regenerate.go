package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
)

// regenWait is how long the panel says "regenerating…" before it gives up
// on the new draft (the copilot failed, or the event was lost).
const regenWait = 90 * time.Second

// regenState is a regenerate in flight: the draft it replaces and what the
// agent asked for.
type regenState struct {
	after       string // id of the newest draft when it was asked; "" if none
	instruction string
	since       time.Time
}

// regenPicks are the regenerate dialog's quick picks.
func (m *Model) regenPicks() []dialog.RegenPick {
	c := m.cat
	return []dialog.RegenPick{
		{Label: c.RegenShorter, Instruction: "shorter"},
		{Label: c.RegenFormal, Instruction: "more formal"},
		{Label: c.RegenFriendlier, Instruction: "friendlier"},
		{Label: c.RegenEnglish, Instruction: "answer in English"},
		{Label: c.RegenChinese, Instruction: "用中文回答"},
		{Label: c.RegenCite, Instruction: "cite the policy"},
	}
}

// regenerate asks for a new draft. The panel says "regenerating…" from
// now until a newer open draft arrives (draftArrived), the request fails, or
// regenWait passes.
func (m *Model) regenerate(convID, instruction string) tea.Cmd {
	d, _ := m.desk.Draft(convID)
	m.regen[convID] = regenState{after: d.ID, instruction: instruction, since: m.now}
	be := m.be
	return m.request(protocol.ReqRegenerate, convID, func(ctx context.Context, r *resultMsg) error {
		_, err := be.Regenerate(ctx, convID, instruction)
		return err
	})
}

// regenFailed ends a regenerate the server refused and says why, in the
// desk's words for the codes the server uses for it.
func (m *Model) regenFailed(convID string, err error) {
	delete(m.regen, convID)
	switch protocol.CodeOf(err) {
	case protocol.CodeForbidden:
		m.say(m.cat.NoticeRegenForbidden, true)
	case protocol.CodeConflict:
		m.say(m.cat.NoticeRegenConflict, true)
	case protocol.CodeUnavailable:
		if m.conn.State.String() != "online" {
			m.say(m.cat.NoticeOffline(m.cat.ActRegenerate), true)
			return
		}
		// Connected, yet unavailable: the server has no copilot (or did
		// not answer in time); its own words say which.
		m.say(m.explainPlain(m.cat.ActRegenerate, err), true)
	default:
		m.say(m.explain(m.cat.ActRegenerate, err), true)
	}
}

// regenArrived ends the "regenerating…" state when a newer open draft
// comes in for the conversation.
func (m *Model) regenArrived(d protocol.Draft) {
	st, ok := m.regen[d.ConversationID]
	if ok && d.ID != st.after && d.Status == protocol.DraftOpen {
		delete(m.regen, d.ConversationID)
	}
}

// expireRegen gives up on regenerates that produced nothing in regenWait.
func (m *Model) expireRegen() {
	for id, st := range m.regen {
		if m.now.Sub(st.since) >= regenWait {
			delete(m.regen, id)
			if id == m.open {
				m.say(m.cat.NoticeRegenLost, true)
			}
		}
	}
}
