package copilot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The summary's ask: the conversation's main request, which a follow-up
// turn ("The tracking says it was delivered. Can you check?", "帮我催一下",
// "有人吗？") does not replace; a later turn that asks for something new is
// added to it (newerAsk).

// summaryAsk is the ask for the summary's first line: what the customer
// wants done, not that they want a person (the escalation line says that)
// nor their greeting: the first turn that states a request or a problem.
// A request too short to stand alone ("能换一个吗？") takes the sentence
// before it, which says what happened.
func summaryAsk(turns []Message, zh bool) string {
	cleaned := askTurns(turns)
	if len(cleaned) == 0 {
		return pickAsk(turns, zh)
	}
	if i := mainAskTurn(cleaned, zh); i >= 0 {
		return turnAsk(cleaned[i], zh)
	}
	return turnAsk(cleaned[len(cleaned)-1], zh)
}

// newerAsk is the newest customer turn's request when it is a new one,
// after the turn of the main ask: not a nudge, not only more facts.
func newerAsk(turns []Message, zh bool) string {
	cleaned := askTurns(turns)
	i := mainAskTurn(cleaned, zh)
	if i < 0 || i == len(cleaned)-1 {
		return ""
	}
	last := cleaned[len(cleaned)-1]
	var asks []string
	for _, s := range strings.Split(last.Text, "\n") {
		if requestLike(s, zh) && !nudge(s) {
			asks = append(asks, s)
		}
	}
	if len(asks) == 0 {
		return ""
	}
	ask := turnAsk(Message{Role: RoleCustomer, Text: strings.Join(asks, "\n")}, zh)
	if ask == turnAsk(cleaned[i], zh) {
		return ""
	}
	// The summary says "also" itself.
	for _, p := range []string{"also,", "also", "and", "另外，", "另外", "还有，", "还有", "还想问", "顺便问一下，", "顺便"} {
		if len(ask) > len(p) && strings.EqualFold(ask[:len(p)], p) {
			return strings.TrimLeft(ask[len(p):], " ,，")
		}
	}
	return ask
}

// askTurns are the customer's turns without greetings and requests for a
// person, one kept sentence a line; turns with nothing left are dropped.
func askTurns(turns []Message) []Message {
	cleaned := make([]Message, 0, len(turns))
	for _, m := range turns {
		var kept []string
		for _, s := range splitSentences(limitText(m.Text)) {
			s = strings.TrimSpace(reGreeting.ReplaceAllString(withoutHandoffClauses(s), ""))
			if s != "" && strings.Trim(s, "，,。.！!？?；; ") != "" {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			m.Text = strings.Join(kept, "\n")
			cleaned = append(cleaned, m)
		}
	}
	return cleaned
}

// mainAskTurn is the index of the first turn with a sentence that states a
// request or a problem (not a nudge, long enough to say something); -1
// when none does.
func mainAskTurn(cleaned []Message, zh bool) int {
	for i, m := range cleaned {
		for _, s := range strings.Split(m.Text, "\n") {
			if nudge(s) {
				continue
			}
			n := utf8.RuneCountInString(s)
			long := n >= 8
			if isASCII(s) {
				long = len(strings.Fields(s)) >= 4
			}
			if long || (n >= 4 && requestLike(s, zh)) {
				return i
			}
		}
	}
	return -1
}

// turnAsk is one turn's ask: its most request-like sentence, with the
// sentence before when it is too short to stand alone.
func turnAsk(m Message, zh bool) string {
	ask := pickAsk([]Message{m}, zh)
	if utf8.RuneCountInString(ask) >= 10 {
		return ask
	}
	ss := strings.Split(m.Text, "\n")
	for i := 1; i < len(ss); i++ {
		if ss[i] == ask {
			prev := strings.TrimRight(ss[i-1], "，,。.！!；;")
			sep := " "
			if zh && !strings.HasSuffix(prev, "？") && !strings.HasSuffix(prev, "?") {
				sep = "，" // a question keeps its mark and needs no comma ("谁赔？，我要…")
			} else if zh {
				sep = ""
			}
			return prev + sep + ask
		}
	}
	return ask
}

// requestLike reports whether a sentence has a request cue.
func requestLike(s string, zh bool) bool {
	l := strings.ToLower(s)
	cues := askEN
	if zh || !isASCII(s) {
		cues = askZH
	}
	for _, c := range cues {
		if strings.Contains(l, c) {
			return true
		}
	}
	return false
}

// nudgeCues are what a customer says to chase, check or get attention
// without saying what about: "can you check?", "帮我催一下", "有人吗？".
var nudgeCues = []string{
	"can you check", "could you check", "can you please check", "please check", "check it", "check this", "check that",
	"look into it", "look into this", "any update", "any news", "anyone there", "anybody there", "are you there",
	"hello?", "please hurry", "hurry up", "what's going on", "whats going on", "still waiting", "please help",
	"can you help", "help me", "help", "i have a question", "a question", "a problem", "an issue", "not working",
	"帮我查", "查一下", "查查", "催一下", "催催", "帮我催", "有人吗", "在吗", "在不在", "怎么样了", "有进展", "进展如何",
	"快点", "尽快", "处理一下", "看一下", "看看", "帮帮我", "帮个忙", "有个问题", "有问题", "问一下", "咨询一下", "回复我",
}

// nudge reports whether a sentence only chases or asks for attention:
// without its nudge phrases, ids and filler, almost nothing is left.
func nudge(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	hit := false
	for _, c := range nudgeCues {
		if strings.Contains(l, c) {
			hit = true
			l = strings.ReplaceAll(l, c, " ")
		}
	}
	if !hit {
		return false
	}
	l = reOrder.ReplaceAllString(l, " ")
	words, han := 0, 0
	for _, w := range strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if isASCII(w) {
			if !nudgeFiller[w] {
				words++
			}
			continue
		}
		for _, r := range w {
			if !strings.ContainsRune(nudgeFillerZH, r) {
				han++
			}
		}
	}
	return words <= 1 && han <= 3
}

// The filler a nudge is said with.
var nudgeFiller = map[string]bool{"please": true, "pls": true, "you": true, "can": true, "could": true, "it": true, "this": true,
	"that": true, "my": true, "me": true, "for": true, "the": true, "a": true, "again": true, "now": true, "thanks": true,
	"thank": true, "and": true, "is": true, "so": true, "just": true, "ok": true, "hi": true, "hello": true, "on": true,
	"i": true, "need": true, "some": true, "have": true, "we": true, "got": true, "with": true}

const nudgeFillerZH = "请麻烦你们您我的吧呢啊呀吗了一下帮好嘛哈下"
