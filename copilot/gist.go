package copilot

import (
	"strings"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// problemGist is what the honest draft names of the customer's problem:
// the clause of the ask that says what went wrong, cut at clause
// boundaries, without ids or codes (a tax id or an order number quoted
// back reads like a form letter, and the order number has its own line)
// and without the connective it began with: "我填了但是提示税号格式不对，税号是
// 91310115MA1K4XXXX" → "提示税号格式不对". Empty when nothing is left.
func problemGist(ask string, zh bool) string {
	var clauses []string
	for _, c := range splitClauses(ask) {
		for _, part := range splitConnectives(c) {
			part = strings.TrimSpace(strings.Trim(part, clausePunct+" "))
			if part != "" && !hasCode(part) {
				clauses = append(clauses, part)
			}
		}
	}
	if len(clauses) == 0 {
		return ""
	}
	limit, sep := 8, ", " // words
	if zh {
		limit, sep = 24, "，" // characters
	}
	size := func(s string) int {
		if isASCII(s) {
			return len(strings.Fields(s))
		}
		return utf8.RuneCountInString(s)
	}
	// The clauses that say what went wrong, else the first: not the
	// venting around them ("太离谱了", "this is ridiculous").
	var problem []string
	for _, c := range clauses {
		if len(newCueText(c).hitsOf(problemCues)) > 0 {
			problem = append(problem, c)
		}
	}
	if len(problem) == 0 {
		problem = clauses[:1]
	}
	gist := problem[0]
	for _, c := range problem[1:] {
		if size(gist)+size(c) > limit {
			break
		}
		gist += sep + c
	}
	if size(gist) > limit {
		if isASCII(gist) {
			return cutAtWord(gist, 60)
		}
		return textcut.Runes(gist, limit)
	}
	return gist
}

// connectives start the clause that says what went wrong: "我填了但是提示…",
// "I filled it in but it says…".
var connectives = []string{"但是", "可是", "不过", "结果", " but ", " however ", " and then "}

// splitConnectives cuts a clause before each connective, dropping it.
func splitConnectives(clause string) []string {
	out := []string{clause}
	for _, c := range connectives {
		var next []string
		for _, s := range out {
			next = append(next, strings.Split(s, c)...)
		}
		out = next
	}
	for i, s := range out {
		t := strings.TrimSpace(s)
		for _, lead := range []string{"but ", "however ", "and "} {
			if len(t) > len(lead) && strings.EqualFold(t[:len(lead)], lead) {
				t = t[len(lead):]
			}
		}
		out[i] = t
	}
	return out
}

// hasCode reports whether text holds an id or code token.
func hasCode(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-')
	}) {
		if textcut.IsCode(w) {
			return true
		}
	}
	return false
}

// problemCues mark the clause that says what went wrong.
var problemCues = []string{"不对", "错误", "错了", "失败", "无法", "不能", "不了", "没有", "没收到", "没到", "坏", "不行", "异常", "提示", "显示",
	"收不到", "丢", "扣了", "wrong", "error", "fail", "can't", "cannot", "won't", "doesn't", "didn't", "isn't", "not ", "never",
	"broken", "missing", "invalid", "says", "stuck", "charged"}
