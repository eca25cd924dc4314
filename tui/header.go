package tui

import (
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// convHeader is one line about the open conversation: channel, state,
// owner, SLA and flags; the customer typing, and other desks with it open,
// first.
func (m *Model) convHeader(c protocol.Conversation, w int) string {
	parts := []string{}
	if l, ok := m.cat.Channel(c.Channel); ok {
		parts = append(parts, l)
	} else {
		parts = append(parts, sanitize.Line(c.Channel))
	}
	parts = append(parts, m.cat.ConvStatus(c.Status))
	if c.Assignee != "" {
		name := c.Assignee
		if a, ok := m.desk.Agent(c.Assignee); ok && a.Name != "" {
			name = a.Name
		}
		parts = append(parts, "→ "+sanitize.Line(name))
	}
	if c.VIP {
		parts = append(parts, m.cat.VIP)
	}
	for _, f := range c.Flags {
		if l := m.cat.Flag(f); l != "" {
			parts = append(parts, l)
		}
	}
	if left, on := c.SLALeft(m.now); on {
		if left <= 0 {
			parts = append(parts, m.cat.ColSLA+" "+m.cat.SLAOverdue(max((-left).Truncate(time.Second), time.Second)))
		} else {
			parts = append(parts, m.cat.ColSLA+" "+m.cat.SLALeft(left))
		}
	} else if c.SLADueAt != 0 && c.Answered() {
		parts = append(parts, m.cat.ColSLA+" ✓")
	}
	if m.compose.hasKept(c.ID) && m.focus != focusCompose {
		parts = append([]string{m.cat.HeaderUnsent}, parts...)
	}
	if m.customerTyping(c.ID) {
		parts = append([]string{m.cat.Media.Typing}, parts...)
	}
	if also := m.alsoOpen(c.ID); also != "" { // collision indicator (teamview.go)
		parts = append([]string{also}, parts...)
	}
	return m.st.Muted.Render(cell.Fit(strings.Join(parts, " · "), w))
}

// noteTyping records a customer_typing frame: the customer of an open
// conversation is writing (shown in its header while fresh).
func (m *Model) noteTyping(u client.CustomerTyping) {
	now := m.clock()
	if m.typingAt == nil {
		m.typingAt = map[string]time.Time{}
	}
	for id, at := range m.typingAt { // forget the stale ones here, not in View
		if now.Sub(at) >= protocol.CustomerTypingFresh {
			delete(m.typingAt, id)
		}
	}
	m.typingAt[u.ConversationID] = now
}

// customerTyping reports whether the customer of convID was typing within
// protocol.CustomerTypingFresh; the customer's message ends it.
func (m *Model) customerTyping(convID string) bool {
	at, ok := m.typingAt[convID]
	return ok && m.now.Sub(at) < protocol.CustomerTypingFresh
}
