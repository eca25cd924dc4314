package queue

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// flagSeverity orders flags for the one badge a row has room for: the flag
// that should change what the agent does first wins.
var flagSeverity = []string{"legal_threat", "angry", "churn_risk", "urgent", "asks_for_human"}

// badge picks the single most important badge of a conversation.
func (m *Model) badge(c *protocol.Conversation) (string, lipgloss.Style) {
	b := &m.st.Badge
	for _, f := range flagSeverity {
		for _, have := range c.Flags {
			if have != f {
				continue
			}
			switch f {
			case "legal_threat":
				return m.cat.FlagLegalThreat, b.LegalThreat
			case "angry":
				return m.cat.FlagAngry, b.Angry
			case "churn_risk":
				return m.cat.FlagChurnRisk, b.ChurnRisk
			case "urgent":
				return m.cat.FlagUrgent, b.Urgent
			case "asks_for_human":
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
