package copilot

import (
	"regexp"
	"sort"
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

// The customer's case: a rule's negative case ("7 天内未使用任何会员权益…可
// 申请退还") answers "我根本没用过", its positive one ("已经使用过会员权益的，
// 本期续费不退") does not.

// caseVerbs name what a customer says they did not do, by concept.
var caseVerbs = map[string]string{"使用": "use", "用": "use", "拆封": "open", "打开": "open", "激活": "activate",
	"穿": "wear", "安装": "install", "used": "use", "use": "use", "opened": "open", "open": "open",
	"activated": "activate", "worn": "wear", "wore": "wear", "installed": "install"}

var (
	reNotDoneZH = regexp.MustCompile(`(?:没有|没|未曾|从未|从没|尚未|不曾|未)(?:有)?(?:怎么|任何)?(使用|用|拆封|打开|激活|穿|安装)`)
	reNotDoneEN = regexp.MustCompile(`(?i)\b(?:never|not|haven't|hasn't|didn't|have not|has not|did not|don't|do not)(?: (?:even|yet|ever|been|actually|once))* (used|use|opened|open|activated|worn|wore|installed)\b|\b(un)(used|opened|worn|activated|installed)\b`)
	reDoneEN    = regexp.MustCompile(`(?i)\b(used|opened|activated|worn|installed)\b`)
)

// notDone is the set of concepts text says were not done.
func notDone(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range reNotDoneZH.FindAllStringSubmatch(text, -1) {
		out[caseVerbs[m[1]]] = true
	}
	for _, m := range reNotDoneEN.FindAllStringSubmatch(text, -1) {
		v := m[1]
		if v == "" {
			v = m[3]
		}
		out[caseVerbs[strings.ToLower(v)]] = true
	}
	return out
}

// passageCase: +1 when the passage is about a concept of want not done,
// -1 when it is about one done, 0 when it names none.
func passageCase(text string, want map[string]bool) int {
	for c := range notDone(text) {
		if want[c] {
			return 1
		}
	}
	rest := reNotDoneEN.ReplaceAllString(reNotDoneZH.ReplaceAllString(text, " "), " ")
	for w, c := range caseVerbs {
		if !want[c] {
			continue
		}
		if isASCII(w) && reDoneEN.MatchString(rest) && strings.Contains(strings.ToLower(rest), w) || !isASCII(w) && strings.Contains(rest, w) {
			return -1
		}
	}
	return 0
}

// Weights of a passage of the customer's stated case and of the other.
const (
	statedCaseBoost = 1.6
	otherCaseCut    = 0.4
)

// preferStatedCase reweighs an entry's matched passages when the customer
// says what they did not do ("我根本没用过", "I never used it"): a passage
// of that negative case counts more (and joins the matches when it was
// not among them): it leads; one of the positive case counts less.
func preferStatedCase(h KBHit, customer string) KBHit {
	want := notDone(customer)
	if len(want) == 0 || len(h.Passages) == 0 {
		return h
	}
	top := h.Passages[0].Score
	ps := make([]PassageHit, 0, len(h.Passages)+1)
	seen := map[int]bool{}
	for _, ph := range h.Passages {
		seen[ph.N] = true
		switch passageCase(h.Entry.Passages[ph.N].Text, want) {
		case 1:
			ph.Score = max(ph.Score, top) * statedCaseBoost
		case -1:
			ph.Score *= otherCaseCut
		}
		ps = append(ps, ph)
	}
	for n, p := range h.Entry.Passages {
		if !seen[n] && passageCase(p.Text, want) == 1 {
			ps = append(ps, PassageHit{N: n, Score: top * statedCaseBoost})
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Score > ps[j].Score })
	h.Passages = ps
	return h
}
