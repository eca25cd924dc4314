package queue

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// badge picks the single most important badge of a conversation.
func (m *Model) badge(c *protocol.Conversation) (string, lipgloss.Style) {
	b := &m.st.Badge
	// protocol.Flags is most severe first: the one badge a row has room
	// for is the flag that should change what the agent does first.
	for _, f := range protocol.Flags {
		for _, have := range c.Flags {
			if have != f {
				continue
			}
			switch f {
			case protocol.FlagLegalThreat:
				return m.cat.FlagLegalThreat, b.LegalThreat
			case protocol.FlagAngry:
				return m.cat.FlagAngry, b.Angry
			case protocol.FlagChurnRisk:
				return m.cat.FlagChurnRisk, b.ChurnRisk
			case protocol.FlagUrgent:
				return m.cat.FlagUrgent, b.Urgent
			case protocol.FlagAsksForHuman:
				if c.VIP {
					return m.cat.VIP, b.VIP
				}
				return m.cat.FlagAsksForHuman, b.AsksForHuman
			}
		}
	}
	switch {
	case c.VIP:
		return m.cat.VIP, b.VIP
	case c.Sentiment == "negative":
		return m.cat.SentimentNegative, b.Negative
	}
	return "", b.Neutral
}

// padLeft is pad with the text right-aligned, for numbers.
func padLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return cell.Fit(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

func itoa(n int) string { return strconv.Itoa(n) }
