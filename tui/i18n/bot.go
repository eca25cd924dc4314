package i18n

import (
	"fmt"
	"strings"

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
	Evidence            EvidenceWords
}

// EvidenceWords word an escalation's evidence facts, one format a kind
// (the customer's words and excerpts come in “”, ListSep between words).
type EvidenceWords struct {
	ListSep       string
	Angry         string // score, excerpt
	AngryCues     string // score, cues, excerpt
	Negative      string // score, excerpt
	BotFailures   string // count, threshold
	Repeats       string // count, excerpt
	VIP           string
	LowConfidence string // confidence, threshold, excerpt
	NoBot         string // channel
	WidgetButton  string
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
	Evidence: EvidenceWords{ListSep: ", ",
		Angry: "angry (score %.2f): %s", AngryCues: "angry (score %.2f, %s): %s", Negative: "negative (score %.2f): %s",
		BotFailures: "%d bot replies were fallbacks or below confidence %.2f", Repeats: "the customer said it %d times: %s",
		VIP: "VIP customer", LowConfidence: "bot confidence %.2f under %.2f on %s", NoBot: "no bot answers on %s",
		WidgetButton: "pressed the chat window's “talk to a person” button"},
}

var zhBot = BotCatalog{
	ReasonLowConfidence: "机器人没有把握", Sources: "机器人依据",
	Turns: func(n int) string { return fmt.Sprintf("机器人回答 %d 次", n) },
	Panel: "前台机器人 · 今天",
	Day: func(answers, fallbacks, resolved, handoffs int) string {
		return fmt.Sprintf("回答 %d · 追问 %d · 自助解决 %d · 转人工 %d", answers, fallbacks, resolved, handoffs)
	},
	Why: "原因", NoHandoffs: "暂无转人工",
	Evidence: EvidenceWords{ListSep: "、",
		Angry: "愤怒（得分 %.2f）：%s", AngryCues: "愤怒（得分 %.2f，%s）：%s", Negative: "负面（得分 %.2f）：%s",
		BotFailures: "机器人有 %d 次回答是兜底或置信度低于 %.2f", Repeats: "客户重复说了 %d 次：%s",
		VIP: "VIP 客户", LowConfidence: "机器人置信度 %.2f，低于 %.2f：%s", NoBot: "%s没有机器人应答",
		WidgetButton: "客户在聊天窗口点了“转人工”按钮"},
}

// EscalationEvidence words an escalation's evidence in the desk's language;
// ok is false for a kind the desk has no words for (a newer server's).
func (c *Catalog) EscalationEvidence(f protocol.EvidenceFacts) (string, bool) {
	ew := &c.Bot.Evidence
	quote := func(words ...string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = "“" + w + "”"
		}
		return strings.Join(q, ew.ListSep)
	}
	switch f.Kind {
	case protocol.EvidenceCues:
		return quote(f.Cues...), len(f.Cues) > 0
	case protocol.EvidenceAngry:
		if len(f.Cues) > 0 {
			return fmt.Sprintf(ew.AngryCues, f.Score, quote(f.Cues...), quote(f.Excerpt)), true
		}
		return fmt.Sprintf(ew.Angry, f.Score, quote(f.Excerpt)), true
	case protocol.EvidenceNegative:
		return fmt.Sprintf(ew.Negative, f.Score, quote(f.Excerpt)), true
	case protocol.EvidenceBotFailures:
		return fmt.Sprintf(ew.BotFailures, f.Count, f.Threshold), true
	case protocol.EvidenceRepeats:
		return fmt.Sprintf(ew.Repeats, f.Count, quote(f.Excerpt)), true
	case protocol.EvidenceVIP:
		return ew.VIP, true
	case protocol.EvidenceLowConfidence:
		return fmt.Sprintf(ew.LowConfidence, f.Score, f.Threshold, quote(f.Excerpt)), true
	case protocol.EvidenceNoBot:
		channel, ok := c.Channel(f.Channel)
		if !ok {
			channel = f.Channel
		}
		return fmt.Sprintf(ew.NoBot, channel), true
	case protocol.EvidenceWidgetButton:
		return ew.WidgetButton, true
	}
	return "", false
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
