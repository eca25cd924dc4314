package copilot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Negation around cues and cases: "账号先不注销了" decides against
// cancelling (no churn), and "我根本没用过" is the case of the rule for an
// unused membership, not the one for a used one.

// negatorsZH may stand right before a Chinese cue to negate it, longest
// first; a filler word (先, 再, 去, 要) may sit between ("先不注销了",
// "不打算再退订").
var negatorsZH = []string{"不打算", "不准备", "不需要", "没打算", "不想", "不会", "不要", "不用", "不必", "无需", "没想", "暂不", "不", "没", "别"}

// reNegatedEN matches an English negator and its auxiliaries right before
// the place a cue starts: "not going to ", "don't want to ", "won't ".
var reNegatedEN = regexp.MustCompile(`(?:^| )(?:not|don't|dont|won't|wont|do not|will not|no longer|never) (?:(?:going to|gonna|want to|wanna|need to|planning to|plan to|be|to|actually|really|after all) )*$`)

// negatedZH reports where the negation of the cue starting at byte i of s
// begins, or -1 when the text just before it does not negate it. "要不"
// (how about) and "得不" (have to) are no negation.
func negatedZH(s string, i int) int {
	before := s[:i]
	for _, f := range []string{"先", "再", "去", "要", "就"} {
		if b, ok := strings.CutSuffix(before, f); ok {
			before = b
			break
		}
	}
	for _, n := range negatorsZH {
		if b, ok := strings.CutSuffix(before, n); ok {
			if r, _ := utf8.DecodeLastRuneInString(b); n == "不" && (r == '要' || r == '得') {
				return -1
			}
			return len(b)
		}
	}
	return -1
}

// withoutNegated blanks the cues of the lists that are negated where they
// stand: "先不注销了", "not going to cancel my account", "I won't
// unsubscribe". A cue that is itself a negation ("不用你们") keeps
// counting.
func (t cueText) withoutNegated(zh, en []string) cueText {
	for _, w := range zh {
		for from := 0; ; {
			i := strings.Index(t.lower[from:], w)
			if i < 0 {
				break
			}
			i += from
			if n := negatedZH(t.lower, i); n >= 0 {
				// The negation goes with the cue: "先不注销了" says no "不" any more.
				t.lower = t.lower[:n] + strings.Repeat("　", utf8.RuneCountInString(t.lower[n:i+len(w)])) + t.lower[i+len(w):]
			}
			from = i + len("　")
		}
	}
	for _, w := range en {
		for from := 0; ; {
			i := strings.Index(t.words[from:], " "+w+" ")
			if i < 0 {
				break
			}
			i += from
			if reNegatedEN.MatchString(t.words[:i+1]) {
				t.words = t.words[:i] + " _" + strings.Repeat(" ", len(w)) + t.words[i+len(w)+2:]
			}
			from = i + 1
		}
	}
	return t
}

// negatedCancel blanks the negated churn cues of text ("账号先不注销了"):
// what is left says whether the turn still negates anything.
func negatedCancel(text string) string {
	t := newCueText(text).withoutNegated(churnZH, nil)
	return t.lower
}
