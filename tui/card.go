package tui

import (
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// The handoff card's words for why a chat came to people.

func (m *Model) reasonLabel(r protocol.Reason) string {
	if l, ok := m.cat.Reason(r); ok {
		return l
	}
	return sanitize.Line(string(r))
}

// evidence words an escalation's evidence in the desk's language from its
// facts; an integration's own evidence text (no facts) is shown as it is.
func (m *Model) evidence(e *protocol.Escalation) (string, bool) {
	if e.Facts != nil {
		if ev, ok := m.cat.EscalationEvidence(*e.Facts); ok {
			ev = sanitize.Line(ev)
			return ev, ev != ""
		}
	}
	ev := sanitize.Line(e.Evidence)
	// The rules' evidence is often already a list of quoted words
	// ("律师", "起诉"): quoting it again reads “"律师", "起诉"”.
	if ev != "" && !strings.ContainsAny(ev, "\"“”") {
		ev = "“" + ev + "”"
	}
	return ev, ev != ""
}
