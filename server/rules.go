package server

import (
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

// SentimentFunc reads one customer message: sentiment, risk flags and the
// words behind them. It is the copilot's analyser (copilot.Analyze, or the
// engine's own with a trained sentiment model), so the rules, the queue's
// flags and the handoff card read a message the same way.
type SentimentFunc func(text string) copilot.Analysis

// Rules decide when a bot-handled conversation goes to people. They run on
// every customer message of a conversation still with the bot, on the
// copilot's reading of it (SentimentFunc): what counts as a legal threat, a
// request for a person or a churn threat is the copilot's cue lists
// (copilot/flags.go), false friends included (人工智能, 工商银行, travel
// agent). The zero value escalates nothing; start from DefaultRules.
type Rules struct {
	// Legal escalates a legal or regulator threat.
	Legal bool
	// AskHuman escalates a request for a person.
	AskHuman bool
	// Churn escalates a threat to leave ("cancel my membership", 销户).
	Churn bool
	// EscalateAngry escalates when the analyser says angry.
	EscalateAngry bool
	// NegativeScore escalates when the sentiment score is at or below it;
	// 0 disables.
	NegativeScore float64
	// BotFailures escalates once this many bot turns of the conversation
	// were flagged as fallback or below LowConfidence; 0 disables.
	BotFailures   int
	LowConfidence float64
	// Repeats escalates when the customer has sent this many near-identical
	// messages (the bot is not helping); 0 disables. Messages shorter than
	// RepeatMinRunes ("hi", "ok") never count.
	Repeats        int
	RepeatMinRunes int
	// VIP sends VIP customers to people on their first message.
	VIP bool
}

// DefaultRules are the rules agentdesk ships with.
func DefaultRules() Rules {
	return Rules{
		Legal:          true,
		AskHuman:       true,
		Churn:          true,
		EscalateAngry:  true,
		NegativeScore:  -0.6,
		BotFailures:    2,
		LowConfidence:  0.4,
		Repeats:        2,
		RepeatMinRunes: 4,
		VIP:            true,
	}
}

// Turn is what the rules look at for one customer message.
type Turn struct {
	Text        string
	VIP         bool
	Previous    []string // earlier customer messages, newest first
	BotFailures int      // bot turns flagged as fallback or low confidence so far
}

// Verdict is the rules' judgement of a turn.
type Verdict struct {
	Escalate  bool
	Reason    protocol.Reason
	Evidence  string                  // the words or facts that triggered it, for the handoff card
	Facts     *protocol.EvidenceFacts // the same in parts, for the desk to word
	Flags     []protocol.Flag         // the copilot's flags: set even without escalation
	Sentiment string                  // the sentiment label
	Score     float64
}

// Evaluate applies the rules to a turn read by analyse (copilot.Analyze
// when nil). When several rules fire the most severe gives the reason:
// legal threat, anger, churn threat, strongly negative sentiment, asking
// for a person, repeated bot failure, VIP.
func (r *Rules) Evaluate(t Turn, analyse SentimentFunc) Verdict {
	h := history{vip: t.VIP, botFailures: t.BotFailures}
	for _, p := range t.Previous {
		h.previous = append(h.previous, newFingerprint(copilot.FoldText(p)))
	}
	return r.decide(r.assess(t.Text, analyse), h)
}

// The channel API runs the rules on every customer message in two steps:
// assess reads the message alone (the copilot's analysis, the fingerprint
// the repeat rule compares) and needs no stored state, so it runs before
// the write transaction, off the single-writer path; decide weighs it with
// what the conversation's running state says about earlier turns
// (rulestate.go), inside the transaction, cheaply.

// assessment is what the rules read from one message's text alone.
type assessment struct {
	text  string
	a     copilot.Analysis
	print fingerprint
}

func (r *Rules) assess(text string, analyse SentimentFunc) assessment {
	if analyse == nil {
		analyse = copilot.Analyze
	}
	return assessment{text: text, a: analyse(text), print: newFingerprint(copilot.FoldText(text))}
}

// history is what the rules know of a conversation before a turn.
type history struct {
	vip         bool
	botFailures int
	previous    []fingerprint // earlier customer messages, newest first
}

func (r *Rules) decide(as assessment, h history) Verdict {
	a := as.a
	v := Verdict{Sentiment: string(a.Label), Score: a.Score, Flags: protocol.FlagsOf(a.Flags.Names())}
	f := a.Flags
	cues := func(flag string) *protocol.EvidenceFacts {
		return &protocol.EvidenceFacts{Kind: protocol.EvidenceCues, Cues: a.Cues[flag]}
	}
	switch {
	case r.Legal && f.LegalThreat:
		v.Reason, v.Evidence, v.Facts = protocol.ReasonLegalThreat, quoteAll(a.Cues[copilot.FlagLegalThreat]), cues(copilot.FlagLegalThreat)
	case r.EscalateAngry && f.Angry:
		v.Reason, v.Evidence = protocol.ReasonNegativeSentiment, fmt.Sprintf("angry (score %.2f%s): %s", a.Score, cueNote(a.Cues[copilot.FlagAngry]), excerpt(as.text))
		v.Facts = &protocol.EvidenceFacts{Kind: protocol.EvidenceAngry, Score: a.Score, Cues: a.Cues[copilot.FlagAngry], Excerpt: excerpt(as.text)}
	case r.Churn && f.ChurnRisk:
		v.Reason, v.Evidence, v.Facts = protocol.ReasonChurnRisk, quoteAll(a.Cues[copilot.FlagChurnRisk]), cues(copilot.FlagChurnRisk)
	case r.NegativeScore < 0 && a.Score <= r.NegativeScore:
		v.Reason, v.Evidence = protocol.ReasonNegativeSentiment, fmt.Sprintf("negative (score %.2f): %s", a.Score, excerpt(as.text))
		v.Facts = &protocol.EvidenceFacts{Kind: protocol.EvidenceNegative, Score: a.Score, Excerpt: excerpt(as.text)}
	case r.AskHuman && f.AsksForHuman:
		v.Reason, v.Evidence, v.Facts = protocol.ReasonAsksForHuman, quoteAll(a.Cues[copilot.FlagAsksForHuman]), cues(copilot.FlagAsksForHuman)
	case r.BotFailures > 0 && h.botFailures >= r.BotFailures:
		v.Reason = protocol.ReasonBotFailure
		v.Evidence = fmt.Sprintf("%d bot replies were fallbacks or below confidence %.2f", h.botFailures, r.LowConfidence)
		v.Facts = &protocol.EvidenceFacts{Kind: protocol.EvidenceBotFailures, Count: h.botFailures, Threshold: r.LowConfidence}
	case r.Repeats > 1 && repeats(as.print, h.previous, r.RepeatMinRunes)+1 >= r.Repeats:
		n := repeats(as.print, h.previous, r.RepeatMinRunes) + 1
		v.Reason = protocol.ReasonBotFailure
		v.Evidence = fmt.Sprintf("customer repeated themselves %d times: %s", n, excerpt(as.text))
		v.Facts = &protocol.EvidenceFacts{Kind: protocol.EvidenceRepeats, Count: n, Excerpt: excerpt(as.text)}
	case r.VIP && h.vip:
		v.Reason, v.Evidence, v.Facts = protocol.ReasonVIP, "VIP customer", &protocol.EvidenceFacts{Kind: protocol.EvidenceVIP}
	}
	v.Escalate = v.Reason != ""
	return v
}

// cueNote names the anger cue in the evidence: `angry (score -0.81, "骗子")`.
func cueNote(cues []string) string {
	if len(cues) == 0 {
		return ""
	}
	return ", " + quoteAll(cues)
}

func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

// excerpt keeps the handoff card's evidence short.
func excerpt(s string) string {
	return textcut.Runes(strings.Join(strings.Fields(s), " "), 120)
}
