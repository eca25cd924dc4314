package i18n

import (
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

// BotCatalog holds what the desk says about the front-line bot: its part
// of the handoff card and its panel on the team board.
type BotCatalog struct {
	ReasonLowConfidence string // escalation reason low_confidence
	Sources             string // card label: the KB entries its last answer used
	Turns               func(n int) string
	Panel               string // team board panel title
	Day                 func(answers, fallbacks, resolved, handoffs int) string
	Why                 string // label of the handoff reasons line
	NoHandoffs          string
}

var enBot = BotCatalog{
	ReasonLowConfidence: "bot unsure of an answer", Sources: "Bot used",
	Turns: func(n int) string {
		if n == 1 {
			return "1 bot answer"
		}
		return fmt.Sprintf("%d bot answers", n)
	},
	Panel: "Front-line bot · today",
	Day: func(answers, fallbacks, resolved, handoffs int) string {
		return fmt.Sprintf("answered %d · asked for detail %d · resolved %d · handed over %d", answers, fallbacks, resolved, handoffs)
	},
	Why: "why", NoHandoffs: "no handoffs yet",
}

var zhBot = BotCatalog{
	ReasonLowConfidence: "机器人没有把握", Sources: "机器人依据",
	Turns: func(n int) string { return fmt.Sprintf("机器人回答 %d 次", n) },
	Panel: "前台机器人 · 今天",
	Day: func(answers, fallbacks, resolved, handoffs int) string {
		return fmt.Sprintf("回答 %d · 追问 %d · 自助解决 %d · 转人工 %d", answers, fallbacks, resolved, handoffs)
	},
	Why: "原因", NoHandoffs: "暂无转人工",
}

// Reason returns the label of an escalation reason; ok is false for a code
// the desk has no words for (an integration's own), which the caller shows
// as it is, sanitised.
func (c *Catalog) Reason(r protocol.Reason) (string, bool) {
	switch r {
	case protocol.ReasonAsksForHuman:
		return c.ReasonAsksForHuman, true
	case protocol.ReasonNegativeSentiment:
		return c.ReasonNegative, true
	case protocol.ReasonLegalThreat:
		return c.ReasonLegal, true
	case protocol.ReasonChurnRisk:
		return c.ReasonChurn, true
	case protocol.ReasonBotFailure:
		return c.ReasonBotFailure, true
	case protocol.ReasonVIP:
		return c.ReasonVIP, true
	case protocol.ReasonExplicit:
		return c.ReasonExplicit, true
	case protocol.ReasonLowConfidence:
		return c.Bot.ReasonLowConfidence, true
	}
	return "", false
}

func init() {
	en.Bot = enBot
	zhCN.Bot = zhBot
}
