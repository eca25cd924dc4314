package server

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SentimentFunc scores one customer message: a label (negative, neutral or
// positive), a score in [-1, 1] and whether the customer is angry. The
// copilot's offline engine plugs in here through ChannelsConfig.Sentiment;
// KeywordSentiment is the small built-in fallback.
type SentimentFunc func(text string) (label string, score float64, angry bool)

// Escalation reasons the rules record (protocol.Escalation.Reason).
const (
	ReasonAsksForHuman      = "asks_for_human"
	ReasonNegativeSentiment = "negative_sentiment"
	ReasonLegalThreat       = "legal_threat"
	ReasonBotFailure        = "bot_failure"
	ReasonVIP               = "vip"
	ReasonExplicit          = "explicit"
)

// Conversation flags the rules set (protocol.Conversation.Flags).
const (
	FlagAngry        = "angry"
	FlagLegalThreat  = "legal_threat"
	FlagAsksForHuman = "asks_for_human"
)

// Rules decide when a bot-handled conversation goes to people. They run on
// every customer message of a conversation still with the bot. Phrases match
// case-insensitively, after full-width characters are folded to ASCII;
// phrases in Latin script match whole words only ("sue" is not in "issue"),
// others (Chinese) match anywhere. The zero value escalates nothing; start
// from DefaultRules.
type Rules struct {
	// AskHuman: the customer asks for a person.
	AskHuman []string
	// NotHuman: phrases that contain an AskHuman phrase but do not ask for
	// a person (人工智能 is "artificial intelligence", "不用转人工" declines
	// one); they are blanked out before AskHuman is matched.
	NotHuman []string
	// Legal: threats of lawyers, courts, regulators or chargebacks.
	Legal []string
	// NotLegal: phrases containing a Legal phrase that are not threats
	// (工商银行 is a bank).
	NotLegal []string
	// EscalateAngry escalates when the sentiment function says angry.
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

// DefaultRules are the rules agentdesk ships with, in Chinese and English.
func DefaultRules() Rules {
	return Rules{
		AskHuman: []string{
			"转人工", "人工客服", "人工服务", "找人工", "要人工", "人工", "真人", "活人", "接线员",
			"human", "real person", "live person", "speak to a person", "talk to a person", "agent", "live agent", "representative",
			"operator", "someone real", "speak to someone", "talk to someone",
		},
		NotHuman: []string{
			"人工智能", "人工费", "人工成本", "不需要人工", "不用人工", "不要人工", "不用转人工", "不需要转人工", "别转人工",
			"human resources", "human error", "don't need a human", "do not need a human", "no need for a human",
			"don't need an agent", "do not need an agent", "no need for an agent", "don't need a person",
			"travel agent", "delivery agent", "shipping agent", "customs agent", "user agent", "agent fee",
		},
		Legal: []string{
			"律师", "起诉", "法院", "诉讼", "12315", "消协", "消费者协会", "投诉到", "工商", "市场监管", "仲裁", "报警", "黑猫投诉", "媒体曝光",
			"lawyer", "attorney", "sue", "suing", "sued", "lawsuit", "legal action", "court", "small claims",
			"regulator", "ftc", "bbb", "better business bureau", "chargeback", "charge back", "dispute the charge",
			"consumer protection", "ombudsman", "trading standards",
		},
		NotLegal:       []string{"工商银行", "工商管理", "food court", "basketball court"},
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
	Flags     []string // angry, legal_threat, asks_for_human: set even without escalation
	Sentiment string   // the sentiment label
	Score     float64
}

// Evaluate applies the rules to a turn. When several rules fire the most
// severe gives the reason: legal threat, anger / negative sentiment, asking
// for a person, repeated bot failure, VIP.
func (r *Rules) Evaluate(t Turn, sentiment SentimentFunc) Verdict {
	var v Verdict
	text := fold(t.Text)
	if sentiment == nil {
		sentiment = KeywordSentiment
	}
	label, score, angry := sentiment(t.Text)
	v.Sentiment, v.Score = label, score
	legal := matchPhrases(blank(text, r.NotLegal), r.Legal)
	human := matchPhrases(blank(text, r.NotHuman), r.AskHuman)
	if len(legal) > 0 {
		v.Flags = append(v.Flags, FlagLegalThreat)
	}
	if angry {
		v.Flags = append(v.Flags, FlagAngry)
	}
	if len(human) > 0 {
		v.Flags = append(v.Flags, FlagAsksForHuman)
	}
	switch {
	case len(legal) > 0:
		v.Reason, v.Evidence = ReasonLegalThreat, quoteAll(legal)
	case angry && r.EscalateAngry:
		v.Reason, v.Evidence = ReasonNegativeSentiment, fmt.Sprintf("angry (score %.2f): %s", score, excerpt(t.Text))
	case r.NegativeScore < 0 && score <= r.NegativeScore:
		v.Reason, v.Evidence = ReasonNegativeSentiment, fmt.Sprintf("negative (score %.2f): %s", score, excerpt(t.Text))
	case len(human) > 0:
		v.Reason, v.Evidence = ReasonAsksForHuman, quoteAll(human)
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

// fold lower-cases text and folds full-width ASCII (ｈｕｍａｎ, ！) and
// typographic apostrophes to their plain forms, so phrases match however
// an input method typed them.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r == '’' || r == '‘':
			r = '\''
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// blank replaces every occurrence of the given phrases with spaces.
func blank(text string, phrases []string) string {
	for _, p := range phrases {
		p = fold(p)
		if p != "" && strings.Contains(text, p) {
			text = strings.ReplaceAll(text, p, strings.Repeat(" ", len(p)))
		}
	}
	return text
}

// matchPhrases returns the phrases found in the folded text, in list order.
func matchPhrases(text string, phrases []string) []string {
	var hits []string
	for _, p := range phrases {
		if containsPhrase(text, fold(p)) {
			hits = append(hits, p)
		}
	}
	return hits
}

// containsPhrase matches Latin-script phrases on word boundaries and other
// scripts anywhere.
func containsPhrase(text, p string) bool {
	if p == "" {
		return false
	}
	if !latin(p) {
		return strings.Contains(text, p)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], p)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(p)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		i = start + 1
	}
}

func latin(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
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
		prev := squash(fold(p))
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

// Keyword lists of the built-in sentiment fallback. Strong words alone mean
// anger; mild ones add up.
var (
	angryWords = []string{
		"气死", "垃圾", "骗子", "骗钱", "坑人", "坑爹", "恶心", "忍无可忍", "太过分", "什么破", "破公司", "无耻", "混蛋", "妈的", "火大", "愤怒", "烂透",
		"furious", "angry", "pissed", "scam", "scammers", "fraud", "ridiculous", "unacceptable", "disgusting", "outrageous",
		"worst", "wtf", "rip off", "ripoff", "useless", "incompetent", "fed up", "sick of", "hate",
	}
	negativeWords = []string{
		"失望", "不满", "太慢", "很差", "差劲", "糟糕", "生气", "无语", "烦", "着急", "还没", "一直没", "怎么回事",
		"disappointed", "annoyed", "frustrated", "upset", "bad", "terrible", "awful", "slow", "poor", "unhappy", "still not", "still no",
	}
	positiveWords = []string{"谢谢", "感谢", "满意", "太好了", "thanks", "thank you", "great", "perfect", "awesome", "appreciate"}
)

// KeywordSentiment is the built-in SentimentFunc: a modest zh + en keyword
// count, for when no copilot engine is plugged in. A strong word ("骗子",
// "scam") means angry; mild words ("失望", "slow") lower the score by 0.3
// each; two or more exclamation marks intensify.
func KeywordSentiment(text string) (string, float64, bool) {
	t := fold(text)
	strong := len(matchPhrases(t, angryWords))
	mild := len(matchPhrases(t, negativeWords))
	score := -0.7*float64(strong) - 0.3*float64(mild)
	if score < 0 && strings.Count(t, "!") >= 2 {
		score -= 0.2
	}
	if score == 0 {
		score = 0.3 * float64(len(matchPhrases(t, positiveWords)))
	}
	score = max(-1, min(1, score))
	angry := strong > 0 || (mild >= 2 && strings.Count(t, "!") >= 2)
	switch {
	case score < 0:
		return "negative", score, angry
	case score > 0:
		return "positive", score, angry
	}
	return "neutral", 0, angry
}
