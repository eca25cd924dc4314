// Package kbtitle makes a knowledge-base entry's title general: a title
// taken from one customer's words loses what only that customer has —
// order and tracking numbers, phone numbers, e-mail addresses, other long
// ids — and reads whole without them.
package kbtitle

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	email = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+`)
	// An id: an optional # or No., then a run of at least 4 digits (with
	// dashes or letters inside, as order and tracking numbers have).
	id = regexp.MustCompile(`(?i)(#|№|\bno\.?\s*)?\b[a-z]{0,4}-?\d[\d-]{2,}\d[a-z0-9]*\b|#\s*\d+`)
	// A placeholder the PII redactor put in ([客户], [PHONE_1]).
	placeholder = regexp.MustCompile(`\[[^\[\]\s]{1,20}\]`)
	// What stays of "订单号：" or "(order )" once its number went.
	emptyBrackets = regexp.MustCompile(`[（(【\[]\s*[）)】\]]`)
	labels        = regexp.MustCompile(`(?i)(订单号|订单编号|单号|运单号|快递单号|手机号|电话|order number|order no\.?|tracking number|phone)\s*[:：]\s*([，,。.;；]|$)`)
	spaces        = regexp.MustCompile(`\s+`)
	beforePunct   = regexp.MustCompile(`\s+([,，.。;；:：?？!！)）])`)
	doubled       = regexp.MustCompile(`([，,、])(\s*[，,、])+`)
)

// units after a number mean an amount or a time, not an id: 1299 元, 2026年.
const units = "元块円年月日天号%"

var unitWords = []string{"yuan", "rmb", "usd", "eur", "days", "day", "hours", "hour", "minutes", "gb", "mb"}

// Clean returns title without order numbers, phone numbers, e-mail
// addresses and other long ids, and without what they leave behind (a
// "订单号：" with nothing after it, empty brackets, doubled spaces).
func Clean(title string) string {
	s := email.ReplaceAllString(title, "")
	s = placeholder.ReplaceAllString(s, "")
	var b strings.Builder
	last := 0
	for _, loc := range id.FindAllStringIndex(s, -1) {
		if amount(s, loc[0], loc[1]) {
			continue
		}
		b.WriteString(s[last:loc[0]])
		last = loc[1]
	}
	b.WriteString(s[last:])
	s = labels.ReplaceAllString(b.String(), "$2")
	s = emptyBrackets.ReplaceAllString(s, "")
	s = spaces.ReplaceAllString(s, " ")
	s = beforePunct.ReplaceAllString(s, "$1")
	s = doubled.ReplaceAllString(s, "$1")
	s = closeCJK(s)
	return strings.Trim(s, " ,，:：;；-—")
}

// amount reports whether the number at s[i:j] is a price, a quantity or a
// date: a currency sign before it or a unit after it.
func amount(s string, i, j int) bool {
	before := strings.TrimRight(s[:i], " ")
	if r, _ := utf8.DecodeLastRuneInString(before); strings.ContainsRune("$¥€£￥", r) {
		return true
	}
	after := strings.TrimLeft(s[j:], " ")
	if r, _ := utf8.DecodeRuneInString(after); r != utf8.RuneError && strings.ContainsRune(units, r) {
		return true
	}
	lower := strings.ToLower(after)
	for _, u := range unitWords {
		if strings.HasPrefix(lower, u) {
			return true
		}
	}
	return false
}

// closeCJK drops a space left between two Chinese characters or marks
// ("我的订单 的耳机"); one beside Latin text stays.
func closeCJK(s string) string {
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && wide(rs[i-1]) && wide(rs[i+1]) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}
