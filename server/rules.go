package server

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/copilot"
)

// SentimentFunc reads one customer message: sentiment, risk flags and the
// words behind them. It is the copilot's analyser (copilot.Analyze, or the
// engine's own with a trained sentiment model), so the rules, the queue's
// flags and the handoff card read a message the same way.
type SentimentFunc func(text string) copilot.Analysis

// Escalation reasons the rules record (protocol.Escalation.Reason).
const (
	ReasonAsksForHuman      = "asks_for_human"
	ReasonNegativeSentiment = "negative_sentiment"
	ReasonLegalThreat       = "legal_threat"
	ReasonChurnRisk         = "churn_risk"
	ReasonBotFailure        = "bot_failure"
	ReasonVIP               = "vip"
	ReasonExplicit          = "explicit"
)

// Conversation flags (protocol.Conversation.Flags): the copilot's names.
const (
	FlagAngry        = copilot.FlagAngry
	FlagLegalThreat  = copilot.FlagLegalThreat
	FlagAsksForHuman = copilot.FlagAsksForHuman
	FlagChurnRisk    = copilot.FlagChurnRisk
	FlagUrgent       = copilot.FlagUrgent
)

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
	Reason    string
	Evidence  string   // the words or facts that triggered it, for the handoff card
	Flags     []string // the copilot's flags: set even without escalation
	Sentiment string   // the sentiment label
	Score     float64
}

// Evaluate applies the rules to a turn read by analyse (copilot.Analyze
// when nil). When several rules fire the most severe gives the reason:
// legal threat, anger, churn threat, strongly negative sentiment, asking
// for a person, repeated bot failure, VIP.
func (r *Rules) Evaluate(t Turn, analyse SentimentFunc) Verdict {
	if analyse == nil {
		analyse = copilot.Analyze
	}
	a := analyse(t.Text)
	v := Verdict{Sentiment: string(a.Label), Score: a.Score, Flags: a.Flags.Names()}
	f := a.Flags
	text := copilot.FoldText(t.Text)
	switch {
	case r.Legal && f.LegalThreat:
		v.Reason, v.Evidence = ReasonLegalThreat, quoteAll(a.Cues[FlagLegalThreat])
	case r.EscalateAngry && f.Angry:
		v.Reason, v.Evidence = ReasonNegativeSentiment, fmt.Sprintf("angry (score %.2f%s): %s", a.Score, cueNote(a.Cues[FlagAngry]), excerpt(t.Text))
	case r.Churn && f.ChurnRisk:
		v.Reason, v.Evidence = ReasonChurnRisk, quoteAll(a.Cues[FlagChurnRisk])
	case r.NegativeScore < 0 && a.Score <= r.NegativeScore:
		v.Reason, v.Evidence = ReasonNegativeSentiment, fmt.Sprintf("negative (score %.2f): %s", a.Score, excerpt(t.Text))
	case r.AskHuman && f.AsksForHuman:
		v.Reason, v.Evidence = ReasonAsksForHuman, quoteAll(a.Cues[FlagAsksForHuman])
	case r.BotFailures > 0 && t.BotFailures >= r.BotFailures:
		v.Reason = ReasonBotFailure
		v.Evidence = fmt.Sprintf("%d bot replies were fallbacks or below confidence %.2f", t.BotFailures, r.LowConfidence)
	case r.Repeats > 1 && repeats(text, t.Previous, r.RepeatMinRunes)+1 >= r.Repeats:
		v.Reason = ReasonBotFailure
		v.Evidence = fmt.Sprintf("customer repeated themselves %d times: %s", repeats(text, t.Previous, r.RepeatMinRunes)+1, excerpt(t.Text))
	case r.VIP && t.VIP:
		v.Reason, v.Evidence = ReasonVIP, "VIP customer"
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

// repeats counts earlier messages that say the same as text: equal after
// dropping spaces and punctuation, or sharing at least 80% of their
// character bigrams.
func repeats(text string, previous []string, minRunes int) int {
	cur := squash(text)
	if utf8.RuneCountInString(cur) < minRunes {
		return 0
	}
	n := 0
	for _, p := range previous {
		prev := squash(copilot.FoldText(p))
		if prev == cur || similar(prev, cur) >= 0.8 {
			n++
		}
	}
	return n
}

func squash(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// similar is the Jaccard similarity of the character bigram sets of a and b.
func similar(a, b string) float64 {
	ba, bb := bigrams(a), bigrams(b)
	if len(ba) == 0 || len(bb) == 0 {
		return 0
	}
	inter := 0
	for g := range ba {
		if bb[g] {
			inter++
		}
	}
	return float64(inter) / float64(len(ba)+len(bb)-inter)
}

func bigrams(s string) map[[2]rune]bool {
	rs := []rune(s)
	out := make(map[[2]rune]bool, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		out[[2]rune{rs[i], rs[i+1]}] = true
	}
	return out
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
	s = strings.Join(strings.Fields(s), " ")
	const max = 120
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
