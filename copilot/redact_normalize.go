package copilot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalized is the redactor's view of a text: what it matches on, and for
// every byte of it the original bytes it came from.
type normalized struct {
	s          string
	start, end []int32 // per byte of s: the original rune's [start, end)
}

// orig maps a span of the normalised text back to original byte offsets.
func (v *normalized) orig(a, b int) (int, int) {
	return int(v.start[a]), int(v.end[b-1])
}

// invisible reports runes that show nothing but can split a number or a
// word so a pattern misses it: format characters (zero-width space and
// joiners, soft hyphen, word joiner, BOM, bidi controls), Unicode tag
// characters and variation selectors.
func invisible(c rune) bool {
	return unicode.Is(unicode.Cf, c) || c >= 0xE0000 && c <= 0xE007F ||
		c >= 0xFE00 && c <= 0xFE0F || c >= 0xE0100 && c <= 0xE01EF || c == 0x034F
}

// StripInvisible removes format characters, tag characters and variation
// selectors from text that goes to a model: they are invisible to the
// agent, so they must not carry instructions the agent cannot see.
func StripInvisible(s string) string {
	if !strings.ContainsFunc(s, invisible) {
		return s
	}
	return strings.Map(func(c rune) rune {
		if invisible(c) {
			return -1
		}
		return c
	}, s)
}

// zhNumeral maps Chinese numerals (and 幺, the spoken 1 of phone numbers)
// to digits; only runs of three or more are mapped, so 一个 stays a word.
var zhNumeral = map[rune]byte{'〇': '0', '零': '0', '一': '1', '幺': '1', '二': '2', '三': '3', '四': '4', '五': '5',
	'六': '6', '七': '7', '八': '8', '九': '9', '壹': '1', '贰': '2', '叁': '3', '肆': '4', '伍': '5', '陆': '6',
	'柒': '7', '捌': '8', '玖': '9'}

// cjkPunct maps CJK punctuation that NFKC leaves alone to the ASCII the
// patterns use as separators.
var cjkPunct = map[rune]byte{'。': '.', '、': ',', '，': ',', '｡': '.', '・': '.', '·': '.', '－': '-', '—': '-', '–': '-', '‐': '-', '‑': '-', '‒': '-', '―': '-'}

// normalize builds the matching view of text: NFKC per rune (full-width
// digits, letters and ＠ become ASCII), invisible runes dropped, every
// Unicode space a plain space, CJK punctuation ASCII, and runs of three or
// more Chinese numerals digits.
func normalize(text string) normalized {
	v := normalized{}
	var b strings.Builder
	b.Grow(len(text))
	emit := func(s string, from, to int) {
		b.WriteString(s)
		for range len(s) {
			v.start = append(v.start, int32(from))
			v.end = append(v.end, int32(to))
		}
	}
	numeralRun := func(i int) bool { // text[i:] starts a run of ≥3 numerals or digits
		n := 0
		for j := i; j < len(text) && n < 3; {
			c, size := utf8.DecodeRuneInString(text[j:])
			if _, ok := zhNumeral[c]; !ok && !unicode.IsDigit(c) {
				break
			}
			n++
			j += size
		}
		return n >= 3
	}
	inNumerals := false
	for i := 0; i < len(text); {
		c, size := utf8.DecodeRuneInString(text[i:])
		next := i + size
		switch d, isNum := zhNumeral[c]; {
		case c < utf8.RuneSelf:
			inNumerals = c >= '0' && c <= '9' && (inNumerals || numeralRun(i))
			if c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				emit(" ", i, next)
				break
			}
			emit(text[i:next], i, next)
		case isNum && (inNumerals || numeralRun(i)):
			inNumerals = true
			emit(string(rune(d)), i, next)
		case invisible(c):
			emit("", i, next)
		case unicode.IsSpace(c):
			inNumerals = false
			emit(" ", i, next)
		default:
			if p, ok := cjkPunct[c]; ok {
				inNumerals = false
				emit(string(rune(p)), i, next)
				break
			}
			n := norm.NFKC.String(text[i:next])
			if n == "" || !utf8.ValidString(n) {
				n = text[i:next]
			}
			if d, ok := digitValue(c); ok && (n == text[i:next]) {
				n = string(rune('0' + d)) // Arabic-Indic, Devanagari… digits NFKC keeps
			}
			inNumerals = unicode.IsDigit(c) && (inNumerals || numeralRun(i))
			emit(n, i, next)
		}
		i = next
	}
	v.s = b.String()
	return v
}

// digitValue is the value of a decimal digit of any script. Unicode lays
// every script's digits out as a block of ten starting at its zero.
func digitValue(c rune) (int, bool) {
	if c < utf8.RuneSelf || !unicode.IsDigit(c) {
		return 0, false
	}
	zero := c
	for zero > 0 && unicode.IsDigit(zero-1) && c-zero < 9 {
		zero--
	}
	return int(c-zero) % 10, true
}
