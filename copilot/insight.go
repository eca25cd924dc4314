package copilot

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Offline insight: sentiment trajectory, flags, intent, language and the
// extractive summary for the handoff card.

var (
	reOrder = regexp.MustCompile(`(?i)(?:订单号?|单号|运单号?|order\s*(?:no\.?|number|num|#|id)?|#)\s*[:：#]?\s*([A-Za-z]{0,4}\d[A-Za-z0-9\-]{4,23})|(\[订单编号\])`)
	reMoney = regexp.MustCompile(`(?i)[¥￥$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:元|块钱|块|rmb|cny|usd|dollars?|bucks)`)
	reDate  = regexp.MustCompile(`(?i)\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}[日号]|昨天|前天|今天|上周[一二三四五六日天]?|上个月|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b|\byesterday\b|\blast week\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b`)
	// Request cues mark the sentence that states what the customer wants.
	askZH = []string{"想", "要", "能不能", "能否", "可以吗", "可不可以", "怎么", "如何", "为什么", "为啥", "什么时候", "多久", "请", "麻烦", "帮我", "帮忙", "希望", "吗", "？", "?"}
	askEN = []string{"want", "need", "would like", "can you", "could you", "can i", "how", "why", "when", "where", "please", "help", "?"}
)

// customerText joins the customer's turns, newest last.
func customerTurns(c Conversation) []Message {
	var out []Message
	for _, m := range c.Messages {
		if m.Role == RoleCustomer && strings.TrimSpace(m.Text) != "" {
			out = append(out, m)
		}
	}
	return out
}

// retrievalQuery is what a draft or intent is about: the customer's last
// few turns, without the words that are about the escalation itself
// ("转人工", "lawyer"): those say how the customer feels, not what about.
func retrievalQuery(turns []Message) []string {
	var q []string
	n := len(turns)
	for i := max(0, n-3); i < n; i++ {
		q = appendTokens(q, topicText(limitText(turns[i].Text)))
	}
	return q
}

// lastTurnQuery is the newest customer turn's tokens: what exemplar
// similarity is judged on, since a stored exemplar answers one turn.
func lastTurnQuery(turns []Message) []string {
	if len(turns) == 0 {
		return nil
	}
	return Tokens(topicText(limitText(turns[len(turns)-1].Text)))
}

var metaCues = func() *strings.Replacer {
	var pairs []string
	// "投诉" and "客服" name the process, not the topic, in Chinese chats.
	for _, list := range [][]string{legalZH, humanZH, urgentZH, {"投诉", "客服"}} {
		for _, w := range list {
			pairs = append(pairs, w, " ")
		}
	}
	return strings.NewReplacer(pairs...)
}()

func topicText(s string) string { return metaCues.Replace(s) }

func (e *Engine) offlineInsight(c Conversation) Insight {
	turns := customerTurns(c)
	lang := conversationLanguage(c)
	ins := Insight{Language: lang, Sentiment: Sentiment{Label: Neutral, Trend: "steady"}}
	var flags Flags
	var weighted, wsum float64
	threat := false
	for i, m := range turns {
		a := e.Analyze(m.Text)
		ins.Sentiment.Trajectory = append(ins.Sentiment.Trajectory, TurnSentiment{Seq: m.Seq, Score: a.Score, Label: a.Label})
		flags.merge(a.Flags)
		threat = threat || a.Flags.LegalThreat || a.Flags.ChurnRisk
		// Recent turns say more about how the customer feels now.
		w := float64(i + 1)
		weighted += a.Score * w
		wsum += w
	}
	if wsum > 0 {
		s := weighted / wsum
		ins.Sentiment.Score = round2(s)
		switch {
		case s >= neutralBand:
			ins.Sentiment.Label = Positive
		case s <= -neutralBand:
			ins.Sentiment.Label = Negative
		}
	}
	// A customer who threatened a lawyer or to leave is not neutral because
	// a later turn was calm: the card and the queue say negative until
	// the conversation really improves.
	if threat && ins.Sentiment.Label == Neutral {
		ins.Sentiment.Label = Negative
		ins.Sentiment.Score = min(ins.Sentiment.Score, round2(-neutralBand))
	}
	if tr := ins.Sentiment.Trajectory; len(tr) >= 2 {
		first, last := tr[0].Score, tr[len(tr)-1].Score
		switch {
		case last-first >= 0.3:
			ins.Sentiment.Trend = "improving"
		case first-last >= 0.3:
			ins.Sentiment.Trend = "worsening"
		}
	}
	ins.Flags = flags
	q := retrievalQuery(turns)
	if hits := e.kb.searchTokens(q, lang, 1); len(hits) > 0 && hits[0].Confidence >= intentMinConfidence {
		ins.Intent = hits[0].Entry.Intent
		ins.IntentConfidence = round2(hits[0].Confidence)
		ins.Provenance.Sources = append(ins.Provenance.Sources, Source{Kind: SourceKB, ID: hits[0].Entry.ID, Title: hits[0].Entry.Title, Score: round2(hits[0].Score)})
	} else {
		ins.Intent = "other"
	}
	ins.Summary = summarize(c, turns, lang, ins)
	return ins
}

// intentMinConfidence: below this share of a perfect match the KB's best
// guess is noise and the intent is "other".
const intentMinConfidence = 0.12

// summarize builds at most three short lines: the ask, the facts (order
// numbers, amounts, dates) with what the bot tried, and why it escalated.
func summarize(c Conversation, turns []Message, lang string, ins Insight) []string {
	zh := lang == LangZH
	if len(turns) == 0 {
		if zh {
			return []string{"客户尚未发言。"}
		}
		return []string{"No customer message yet."}
	}
	var lines []string
	ask, also := summaryAsk(turns, zh), newerAsk(turns, zh)
	switch {
	case zh && also != "":
		lines = append(lines, "诉求："+textcut.Runes(ask, 22)+"；另："+textcut.Runes(also, 16))
	case zh:
		lines = append(lines, "诉求："+textcut.Runes(ask, 40))
	case also != "":
		lines = append(lines, "Ask: "+textcut.Runes(ask, 40)+"; also: "+textcut.Runes(also, 40))
	default:
		lines = append(lines, "Ask: "+textcut.Runes(ask, 70))
	}
	var facts []string
	all := ""
	for _, m := range turns {
		all += limitText(m.Text) + "\n"
	}
	for _, m := range reOrder.FindAllStringSubmatch(all, 3) {
		v := m[1]
		if v == "" {
			v = m[2]
		}
		facts = appendUnique(facts, orderLabel(zh)+v)
	}
	for _, m := range reMoney.FindAllString(all, 2) {
		facts = appendUnique(facts, strings.TrimSpace(m))
	}
	for _, m := range reDate.FindAllString(all, 2) {
		facts = appendUnique(facts, m)
	}
	bot := botTried(c)
	var second []string
	if len(facts) > 0 {
		if zh {
			second = append(second, "信息："+strings.Join(facts, "、"))
		} else {
			second = append(second, "Details: "+strings.Join(facts, ", "))
		}
	}
	if bot != "" {
		if zh {
			second = append(second, "机器人已答："+textcut.Runes(bot, 24))
		} else {
			second = append(second, "Bot tried: "+textcut.Runes(bot, 50))
		}
	}
	if len(second) > 0 {
		sep := "; "
		if zh {
			sep = "；"
		}
		lines = append(lines, strings.Join(second, sep))
	}
	if why := escalationWhy(c, ins, zh); why != "" {
		lines = append(lines, why)
	}
	return lines
}

func orderLabel(zh bool) string {
	if zh {
		return "订单 "
	}
	return "order "
}

// pickAsk chooses the customer sentence that best states the request: the
// most request-like sentence, preferring later ones on ties.
func pickAsk(turns []Message, zh bool) string {
	if len(turns) == 0 {
		return ""
	}
	best, bestScore := "", -1.0
	cues := askEN
	if zh {
		cues = askZH
	}
	for ti, m := range turns {
		for _, s := range splitSentences(limitText(m.Text)) {
			l := strings.ToLower(s)
			score := 0.0
			for _, c := range cues {
				if strings.Contains(l, c) {
					score++
				}
			}
			// Greetings and one-word turns ("在吗", "hello") are not asks.
			n := len([]rune(s))
			if n < 4 {
				score -= 2
			}
			score += 0.1 * float64(ti) // later turns refine the ask
			score += min(float64(n), 40) / 80
			if score >= bestScore {
				best, bestScore = s, score
			}
		}
	}
	if best == "" {
		best = limitText(turns[len(turns)-1].Text)
	}
	return best
}

// withoutHandoffClauses drops the short clauses of a sentence that only ask
// for a person ("我要找人工处理", "I want to talk to a person"); a clause
// with more in it ("can a manager check my refund status please") stays.
func withoutHandoffClauses(sentence string) string {
	var b strings.Builder
	for _, clause := range splitClauses(sentence) {
		body := strings.TrimSpace(strings.Trim(clause, clausePunct+" "))
		short := utf8.RuneCountInString(body) <= 10
		if isASCII(body) {
			short = len(strings.Fields(body)) <= 8
		}
		if body != "" && short && len(newCueText(body).without(notHuman).hits(humanZH, humanEN)) > 0 {
			continue
		}
		b.WriteString(clause)
	}
	return strings.TrimRight(strings.TrimLeft(strings.TrimSpace(b.String()), clausePunct+" "), "，,、；; ")
}

// clausePunct ends a clause in either language.
const clausePunct = "，,、；;。！!？?"

// splitClauses cuts text after each clause mark, keeping the mark.
func splitClauses(text string) []string {
	var out []string
	for text != "" {
		i := strings.IndexAny(text, clausePunct)
		if i < 0 {
			return append(out, text)
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		out = append(out, text[:i+n])
		text = text[i+n:]
	}
	return out
}

// botTried names what the bot did: the recorded attempts, or the most
// substantive sentence of the bot's messages (not its greetings or its
// clarifying questions, never its notice that a person will reply).
func botTried(c Conversation) string {
	if len(c.BotAttempts) > 0 {
		return strings.Join(c.BotAttempts, " / ")
	}
	best, bestScore := "", 0.0
	for i, m := range c.Messages {
		if m.Role != RoleBot || m.Notice {
			continue
		}
		for _, s := range splitSentences(limitText(m.Text)) {
			l := strings.ToLower(s)
			score := min(float64(len([]rune(s))), 40)/40 + 0.01*float64(i)
			if reGreeting.ReplaceAllString(s, "") == "" || strings.HasPrefix(l, "您好") || strings.HasPrefix(l, "hello") || strings.HasPrefix(l, "hi ") {
				score -= 1
			}
			if strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") {
				score -= 0.5
			}
			if score > bestScore {
				best, bestScore = s, score
			}
		}
	}
	return best
}

// reasonWordsOf are the escalation reasons of the server's rules and bot
// (protocol.Reason*) in words, Chinese and English.
var reasonWordsOf = map[string][2]string{
	reasonAsksForHuman:      {"要求人工", "asked for a human"},
	reasonNegativeSentiment: {"负面情绪", "negative sentiment"},
	reasonLegalThreat:       {"提及投诉/法律", "legal/regulator threat"},
	reasonChurnRisk:         {"流失风险", "churn risk"},
	reasonBotFailure:        {"机器人未能解决", "the bot could not help"},
	reasonVIP:               {"VIP 客户", "VIP customer"},
	reasonExplicit:          {"渠道转交", "handed over by the channel"},
	reasonLowConfidence:     {"机器人没有把握", "bot unsure of an answer"},
	reasonEmail:             {"邮件需人工处理", "e-mail for people"},
}

// The copilot's copy of protocol's escalation reasons (it knows no wire
// type).
const (
	reasonAsksForHuman      = "asks_for_human"
	reasonNegativeSentiment = "negative_sentiment"
	reasonLegalThreat       = "legal_threat"
	reasonChurnRisk         = "churn_risk"
	reasonBotFailure        = "bot_failure"
	reasonVIP               = "vip"
	reasonExplicit          = "explicit"
	reasonLowConfidence     = "low_confidence"
	reasonEmail             = "email"
)

// ReasonWords is a recorded escalation reason ("code: evidence") for the
// summary: a known code in words, an integration's own code with spaces for
// its underscores, never the evidence (the card quotes it apart). Free text
// is kept as it is.
func ReasonWords(reason string, zh bool) string {
	code, _, _ := strings.Cut(reason, ":")
	code = strings.TrimSpace(code)
	if code == "" || strings.ContainsFunc(code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return strings.TrimSpace(reason)
	}
	if w, ok := reasonWordsOf[code]; ok {
		if zh {
			return w[0]
		}
		return w[1]
	}
	return strings.ReplaceAll(code, "_", " ")
}

func escalationWhy(c Conversation, ins Insight, zh bool) string {
	var why []string
	if r := ReasonWords(c.EscalationReason, zh); r != "" {
		why = append(why, r)
	}
	f := ins.Flags
	type cue struct {
		on     bool
		zh, en string
	}
	for _, x := range []cue{
		{f.AsksForHuman, "要求人工", "asked for a human"},
		{f.LegalThreat, "提及投诉/法律", "legal/regulator threat"},
		{f.ChurnRisk, "流失风险", "churn risk"},
		{f.Angry, "情绪激动", "angry"},
		{f.Urgent, "紧急", "urgent"},
	} {
		if !x.on {
			continue
		}
		w := x.en
		if zh {
			w = x.zh
		}
		if !contains(why, w) {
			why = append(why, w)
		}
	}
	if len(why) == 0 && ins.Sentiment.Label == Negative {
		if zh {
			why = append(why, "负面情绪")
		} else {
			why = append(why, "negative sentiment")
		}
	}
	if len(why) == 0 {
		return ""
	}
	if zh {
		return "转人工：" + strings.Join(why, "、")
	}
	return "Escalated: " + strings.Join(why, ", ")
}

// limitText bounds the work done on one message: a 100 KB paste is judged
// by its first 4 KB, which holds the customer's point.
func limitText(s string) string {
	return textcut.Bytes(s, 4096)
}

func round2(f float64) float64 {
	if f < 0 {
		return -float64(int(-f*100+0.5)) / 100
	}
	return float64(int(f*100+0.5)) / 100
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func appendUnique(xs []string, s string) []string {
	if contains(xs, s) {
		return xs
	}
	return append(xs, s)
}
