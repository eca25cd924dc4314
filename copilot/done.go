package copilot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What the customer already did. "I already waited 2 days. Neighbours don't
// have it either." is answered, not told to wait or to ask the neighbours:
// a passage or a reused sentence that tells the customer to do what the
// conversation says they have done is dropped.

// doneCueWords are English words that mark a clause as a report of
// something done ("I already…", "…either", "I checked…").
var doneCueWords = wordSet("already either tried checked asked looked called contacted searched waited restarted rebooted reinstalled reset cleared emailed messaged")

// doneCuesZH mark a Chinese clause as a report of something done: 已经,
// a verb with 过 or 了 (问过, 查了), "…也没有".
var doneCuesZH = []string{"已经", "问过", "查过", "看过", "找过", "试过", "联系过", "打过", "等过", "问了", "查了", "看了", "找了", "试了",
	"联系了", "打了", "等了", "重启了", "也没有", "都没有", "也没", "都没", "都问", "都找", "都看", "都查"}

// doneVerbs are the reporting verbs themselves: "checked the mailbox"
// says the mailbox was checked, and a passage that says "check" about
// something else is not what the customer did. A verb that is the whole
// action (wait, restart, 等) stays a done word.
var doneVerbs = wordSet("alreadi alreadi either tri check ask look call contact search email messag have get find found got said tell told " +
	"问 查 看 找 试 联系 打 查看 询问 已经 没有 也 都")

// doneGeneric are words too general to say what was done: the thing
// everyone talks about (order, parcel, 快递) and units of time.
var doneGeneric = wordSet("order parcel packag item it day hour week minut time today yesterday 订单 包裹 快递 东西 商品 今天 昨天 小时 天 时间 一下")

// reClause splits a sentence into clauses.
var reClause = regexp.MustCompile(`[，,、；;：:]|\s+(?:and|but)\s+`)

// doneWords are the retrieval tokens of what the customer reports having
// done in any of their turns.
func doneWords(turns []Message) map[string]bool { return doneWordsBy(turns, reportsDone) }

// doneWordsBy are the tokens of the clauses that report (a predicate on a
// clause) something done.
func doneWordsBy(turns []Message, reports func(string) bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range turns {
		for _, s := range splitSentences(limitText(m.Text)) {
			for _, cl := range reClause.Split(s, -1) {
				if !reports(cl) {
					continue
				}
				for _, t := range Tokens(cl) {
					r, _ := utf8.DecodeRuneInString(t)
					if unicode.IsDigit(r) || doneVerbs[t] || doneGeneric[t] || utf8.RuneCountInString(t) < 2 && !isHan(r) {
						continue
					}
					out[t] = true
				}
			}
		}
	}
	return out
}

func reportsDone(clause string) bool {
	l := strings.ToLower(clause)
	for _, w := range strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if doneCueWords[w] {
			return true
		}
	}
	for _, c := range doneCuesZH {
		if strings.Contains(clause, c) {
			return true
		}
	}
	return false
}

// reInstruction: a sentence that asks the customer to do something.
var reInstruction = regexp.MustCompile(`(?i)\bplease\b|\bkindly\b|\bmake sure\b|\byou (?:can|could|may|might) (?:also )?(?:try|check|ask|look|wait)\b|^\s*(?:first,?\s*|also,?\s*|then,?\s*)?(?:check|ask|look|try|wait|restart|reboot|clear|reset|search|contact)\b|请|麻烦您|建议|您可以先|可以先`)

// repeatsDone reports whether text tells the customer to do one of the
// things done: one of its instructing sentences names a done word.
func repeatsDone(text string, done map[string]bool) bool {
	if len(done) == 0 {
		return false
	}
	for _, s := range splitSentences(text) {
		if instructsDone(s, done) {
			return true
		}
	}
	return false
}

func instructsDone(sentence string, done map[string]bool) bool {
	if !reInstruction.MatchString(sentence) {
		return false
	}
	for _, t := range Tokens(sentence) {
		if done[t] {
			return true
		}
	}
	return false
}

// dropDone removes the sentences of text that tell the customer to do
// what they have done.
func dropDone(text string, done map[string]bool) string {
	if len(done) == 0 {
		return text
	}
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		var kept []string
		for _, s := range splitSentences(line) {
			if !instructsDone(s, done) {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			lines = append(lines, joinSentences(kept))
		}
	}
	return strings.Join(lines, "\n")
}

// contrastMarkers introduce what a sentence is really about: "包裹今天到了，
// 但是盒子压坏了", "It arrived on time but the screen is cracked".
var contrastMarkers = []string{"但是", "可是", "不过", "然而", " but ", " however", "However"}

// splitBackground parts text into its background — in each sentence, what
// stands before its last contrast marker, when what follows still has two
// words — and the rest, its focus.
func splitBackground(text string) (focus, background string) {
	var f, b []string
	for _, line := range strings.Split(text, "\n") {
		for _, s := range splitSentences(line) {
			at, n := -1, 0
			for _, m := range contrastMarkers {
				if i := strings.LastIndex(s, m); i > at {
					at, n = i, len(m)
				}
			}
			if at > 0 && len(Tokens(s[at+n:])) >= 2 {
				b = append(b, s[:at])
				f = append(f, s[at+n:])
				continue
			}
			f = append(f, s)
		}
	}
	return strings.Join(f, "\n"), strings.Join(b, "\n")
}
