package copilot

import (
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Splitting a text into the units the sentiment scan reads (Han
// characters, words, emoji, punctuation), and the helpers that match them.

type unit struct {
	text       string
	kind       int  // uHan, uWord, uPunct, uEmoji
	tag        bool // a #hashtag word
	r          rune
	start, end int // byte offsets in the analysed text
}

const (
	uHan = iota
	uWord
	uPunct
	uEmoji
)

// scanUnits splits text into Han characters, Latin words (with apostrophes
// and inner hyphens), emoji and punctuation; whitespace is dropped.
func scanUnits(text string, dst []unit) []unit {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case (r == 'h' || r == 'H') && hasURLPrefix(text[i:]):
			j := i
			for j < len(text) && text[j] != ' ' && text[j] != '\n' && text[j] != '\t' {
				j++
			}
			i = j
		case isHan(r):
			dst = append(dst, unit{text: text[i : i+size], kind: uHan, r: r, start: i, end: i + size})
			i += size
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isHan(r2) {
					break
				}
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) || ((r2 == '\'' || r2 == '’' || r2 == '-') && j+s2 < len(text) && isWordByte(text[j+s2])) {
					j += s2
					continue
				}
				break
			}
			dst = append(dst, unit{text: text[i:j], kind: uWord, r: r, start: i, end: j})
			i = j
		case unicode.IsSpace(r):
			i += size
		case r == '@':
			// @mentions and links name things, they do not evaluate them
			// ("@SouthwestAir", "Love Field"): skip to the next space.
			j := i + size
			for j < len(text) && (isWordByte(text[j]) || text[j] == '_') {
				j++
			}
			i = j
		case r == '#' && i+1 < len(text) && isWordByte(text[i+1]):
			j := i + 1
			for j < len(text) && (isWordByte(text[j]) || text[j] == '_') {
				j++
			}
			dst = append(dst, unit{text: text[i+1 : j], kind: uWord, r: rune(text[i+1]), start: i + 1, end: j, tag: true})
			i = j
		case (r == ':' || r == ';' || r == '<' || r == '&') && emoticonAt(text[i:]) != "":
			e := emoticonAt(text[i:])
			dst = append(dst, unit{text: e, kind: uEmoji, r: ':', start: i, end: i + len(e)})
			i += len(e)
		case r == '[':
			// Chat stickers like [怒] are one unit.
			if end := strings.IndexByte(text[i:], ']'); end > 0 && end <= 16 {
				dst = append(dst, unit{text: text[i : i+end+1], kind: uEmoji, r: r})
				i += end + 1
				continue
			}
			dst = append(dst, unit{text: "[", kind: uPunct, r: r})
			i += size
		case emojiWeights[r] != 0 || r >= 0x1F300:
			dst = append(dst, unit{text: text[i : i+size], kind: uEmoji, r: r})
			i += size
		default:
			dst = append(dst, unit{text: text[i : i+size], kind: uPunct, r: r})
			i += size
		}
	}
	return dst
}

func hasURLPrefix(s string) bool {
	return len(s) > 8 && (strings.EqualFold(s[:7], "http://") || strings.EqualFold(s[:8], "https://"))
}

// asciiEmoticons are the text faces of tweets and chats.
var asciiEmoticons = map[string]float64{
	":)": 1.5, ":-)": 1.5, ":D": 2, ":-D": 2, ";)": 1, ";-)": 1, ":P": 1, ":p": 1, "<3": 2, "&lt;3": 2,
	":(": -2, ":-(": -2, ":/": -1, ":-/": -1, ":'(": -2, ">:(": -2.5, "&gt;:(": -2.5, ":|": -0.5,
}

func emoticonAt(s string) string {
	for n := min(6, len(s)); n >= 2; n-- {
		if _, ok := asciiEmoticons[s[:n]]; ok {
			// ":D" must not be the start of a word (":Done").
			if n < len(s) && isWordByte(s[n]) && isWordByte(s[n-1]) {
				continue
			}
			return s[:n]
		}
	}
	return ""
}

// hashtagCue reads an unsegmented hashtag (#worstcustomerservice,
// #unitedfail, #welldone) by the evaluative word it starts or ends with
// (inner substrings are too often accidents: "flyingitforward").
func hashtagCue(l *lexicon, tag string) (float64, string) {
	t := strings.ToLower(tag)
	if x, ok := l.en[t]; ok && x.kind == kWord {
		return x.weight, t
	}
	best, cue := 0.0, ""
	for i := 0; i < len(t); i++ {
		for j := min(len(t), i+14); j >= i+3; j-- {
			w := t[i:j]
			x, ok := l.en[w]
			if !ok || x.kind != kWord {
				continue
			}
			if i != 0 && j != len(t) {
				continue
			}
			if math.Abs(x.weight) > math.Abs(best) {
				best, cue = x.weight, w
			}
			break
		}
	}
	if best != 0 && (strings.HasPrefix(t, "no") || strings.HasPrefix(t, "never") || strings.HasPrefix(t, "not")) && !strings.HasPrefix(cue, "no") {
		best = -math.Abs(best)
	}
	return best, cue
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

var unitPool = sync.Pool{New: func() any { s := make([]unit, 0, 256); return &s }}

// analyzeSentiment scores one message. It walks the units once, matching the
// longest lexicon entry at each position, and keeps a little state per
// clause: a pending negation (flips the next evaluative word within a few
// units) and a pending intensifier. A contrast word ("但是", "but") halves
// what came before in the sentence and strengthens what follows. Exclamation
// marks amplify the sentence, repeated question marks read as exasperation,

func nextIsWord(l *lexicon, text string, units []unit, i int, han bool) bool {
	if han {
		n, it := l.matchHan(text, units, i)
		return n > 0 && it.kind == kWord
	}
	if units[i].kind != uWord {
		return false
	}
	x, ok := l.en[strings.ToLower(units[i].text)]
	return ok && x.kind == kWord
}

// matchHan finds the longest Chinese lexicon entry starting at unit i, using
// substrings of the text so matching does not allocate.
func (l *lexicon) matchHan(text string, units []unit, i int) (int, lexItem) {
	run := 1
	for i+run < len(units) && run < l.zhMax && units[i+run].kind == uHan && units[i+run].start == units[i+run-1].end {
		run++
	}
	for L := run; L >= 1; L-- {
		if x, ok := l.zh[text[units[i].start:units[i+L-1].end]]; ok {
			return L, x
		}
	}
	return 0, lexItem{}
}

func allHan(us []unit) bool {
	for _, u := range us {
		if u.kind != uHan {
			return false
		}
	}
	return true
}

func allWords(us []unit) bool {
	for _, u := range us {
		if u.kind != uWord {
			return false
		}
	}
	return true
}

func joinUnits(us []unit, sep string) string {
	if len(us) == 1 {
		return us[0].text
	}
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(u.text)
	}
	return b.String()
}

// squeeze collapses runs of three or more identical letters to one (and
// returns "" when there are none): "soooo" → "so", "goooood" → "god"… so
// it also tries two ("good") first via the caller's lexicon lookup order.
func squeeze(w string) string {
	b := []byte(w)
	out := make([]byte, 0, len(b))
	changed := false
	for i := 0; i < len(b); i++ {
		j := i
		for j+1 < len(b) && b[j+1] == b[i] {
			j++
		}
		if j-i >= 2 {
			changed = true
			out = append(out, b[i], b[i])
		} else {
			out = append(out, b[i:j+1]...)
		}
		i = j
	}
	if !changed {
		return ""
	}
	if _, ok := theLexicon().en[string(out)]; ok {
		return string(out)
	}
	// Try the single-letter form of each doubled run: "soo" → "so".
	single := make([]byte, 0, len(out))
	for i := 0; i < len(out); i++ {
		single = append(single, out[i])
		if i+1 < len(out) && out[i+1] == out[i] {
			i++
		}
	}
	return string(single)
}

func isAllUpper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters > 0
}
