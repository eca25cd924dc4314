package tui

import (
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
)

// confirmQuit asks before quitting while offline with writes still in the
// outbox: they are kept, but go out only when this desk next connects.
func (m *Model) confirmQuit(title string) dialog.Dialog {
	return dialog.Confirm(m.env(), title, quitTag, func() tea.Cmd { return tea.Quit })
}

// riskyFlags are the flags on which `a` asks before sending a draft as is:
// a one-keystroke reply to a legal threat or an angry customer deserves a
// second look.
var riskyFlags = []protocol.Flag{protocol.FlagLegalThreat, protocol.FlagAngry}

// longDraft is the length (bytes) past which `a` asks too: nobody reads a
// long draft in the moment before pressing a key.
const longDraft = 1200

// confirmAccept returns the question to ask before accepting d as is in c,
// or nil when it may go at once.
func (m *Model) confirmAccept(c protocol.Conversation, d protocol.Draft) dialog.Dialog {
	title := ""
	switch {
	case c.LastCustomer > d.BasedOnSeq:
		title = m.cat.StaleConfirm
	case slices.ContainsFunc(c.Flags, func(f protocol.Flag) bool { return slices.Contains(riskyFlags, f) }):
		title = m.cat.RiskyConfirm(m.cat.Flag(firstRisky(c.Flags)))
	case len(d.Text) > longDraft:
		title = m.cat.LongConfirm(len([]rune(d.Text)))
	default:
		return nil
	}
	return dialog.Confirm(m.env(), title, "", func() tea.Cmd {
		return m.recordOutcome(d, protocol.ActionAccept, "", "", "")
	})
}

func firstRisky(flags []protocol.Flag) protocol.Flag {
	for _, f := range riskyFlags {
		if slices.Contains(flags, f) {
			return f
		}
	}
	return ""
}

// waitingWarning heads the resolve and snooze dialogs while the customer
// waits for an answer ("" when nobody waits).
func (m *Model) waitingWarning(convID string) string {
	c, ok := m.desk.Conversation(convID)
	if !ok || c.WaitStart() == 0 {
		return ""
	}
	return m.cat.WaitingWarning(m.cat.Duration(max(c.Wait(m.now).Truncate(time.Minute), time.Minute))) + " · "
}
