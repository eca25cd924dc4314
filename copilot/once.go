package copilot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// A draft says sorry once and signs off once. The template's apology, a
// reused reply's own ("很抱歉让您久等了！") and an agent's edit pile up
// otherwise: "很抱歉让您久等了！抱歉给您添麻烦了。", "还有其他问题随时告诉我。
// 如有其他问题随时联系我。".

var (
	reApologyZH = regexp.MustCompile(`^(?:真的|实在|十分|非常|很|太|万分)*(?:抱歉|对不起|不好意思)`)
	reApologyEN = regexp.MustCompile(`(?i)^(?:(?:i'?m|i am|we'?re|we are) (?:so |really |very |truly |terribly |deeply )*sorry|(?:so |really )?sorry\b|(?:my |our )?(?:sincere )?apologies\b|(?:i|we) (?:sincerely |do )?apologi[sz]e)`)
	closingsZH  = []string{"还有其他问题", "如有其他问题", "如有其他疑问", "有其他问题随时", "有任何问题随时", "其他需要随时", "还有什么可以帮", "还有其他需要"}
	reClosingEN = regexp.MustCompile(`(?i)^(?:anything else,|anything else\?|let me know if (?:there's|there is|you have|you need) anything|is there anything else|if you have any (?:other|further|more) questions|please (?:do not|don't) hesitate|feel free to (?:reach out|contact|get in touch|let)|(?:just )?let (?:me|us) know if you (?:have|need) anything)`)
)

// apologySentence: the sentence opens with an apology.
func apologySentence(s string) bool {
	s = strings.TrimSpace(s)
	return reApologyZH.MatchString(s) || reApologyEN.MatchString(s)
}

// closingSentence: a short "anything else, just ask" sign-off.
func closingSentence(s string) bool {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 90 {
		return false
	}
	if reClosingEN.MatchString(s) {
		return true
	}
	if utf8.RuneCountInString(s) > 30 {
		return false
	}
	for _, c := range closingsZH {
		if strings.Contains(s, c) {
			return true
		}
	}
	return false
}

// onceEach keeps one apology sentence and the first sign-off of the parts,
// dropping the others where they stand. The apology kept is the answer's
// own when it has one (a reused reply's wording, not the template's), and
// of those the one that says most: "非常抱歉给您带来这么不好的体验，这件事我会
// 负责跟进到底。" over "很抱歉让您久等了！".
func onceEach(parts []part) []part {
	type at struct{ p, l, s int }
	lines := make([][][]string, len(parts)) // part → line → sentences
	var apologies, closings []at
	for i, pt := range parts {
		for j, line := range strings.Split(pt.text, "\n") {
			ss := splitSentences(line)
			lines[i] = append(lines[i], ss)
			for k, s := range ss {
				switch {
				case apologySentence(s):
					apologies = append(apologies, at{i, j, k})
				case closingSentence(s):
					closings = append(closings, at{i, j, k})
				}
			}
		}
	}
	if len(apologies) < 2 && len(closings) < 2 {
		return parts
	}
	drop := map[at]bool{}
	if len(apologies) > 1 {
		best := apologies[0]
		for _, a := range apologies[1:] {
			ka, kb := parts[a.p].keep, parts[best.p].keep
			if ka > kb || ka == kb && utf8.RuneCountInString(lines[a.p][a.l][a.s]) > utf8.RuneCountInString(lines[best.p][best.l][best.s]) {
				best = a
			}
		}
		for _, a := range apologies {
			drop[a] = a != best
		}
	}
	for _, c := range closings[min(1, len(closings)):] {
		drop[c] = true
	}
	out := make([]part, 0, len(parts))
	for i, pt := range parts {
		var kept []string
		changed := false
		for j, ss := range lines[i] {
			var keep []string
			for k, s := range ss {
				if drop[at{i, j, k}] {
					changed = true
					continue
				}
				keep = append(keep, s)
			}
			if len(keep) > 0 {
				kept = append(kept, joinSentences(keep))
			}
		}
		if changed {
			pt.text = strings.Join(kept, "\n")
		}
		if strings.TrimSpace(pt.text) != "" {
			out = append(out, pt)
		}
	}
	return out
}
