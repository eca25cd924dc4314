// Package textdiff compares a draft with the reply that was sent, word by
// word, for Chinese and English alike: Han characters (and kana) are one
// token each, runs of letters and digits are words, every punctuation mark
// is its own token and whitespace is kept so the text can be rebuilt. The
// diff itself is github.com/sergi/go-diff run over those tokens.
package textdiff

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/agentdesk/agentdesk/internal/suggest"
)

// Op is what a segment of a diff does.
type Op int8

// Segment operations.
const (
	Equal  Op = 0
	Delete Op = -1 // only in the old text (the draft)
	Insert Op = 1  // only in the new text (what was sent)
)

// Segment is a run of tokens with one operation.
type Segment struct {
	Op   Op
	Text string
}

// Tokens splits text into diff tokens. Concatenating them gives text back.
func Tokens(text string) []string {
	var out []string
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		j := i + n
		switch {
		case unicode.IsSpace(r):
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += n2
			}
		case perChar(r):
		case wordRune(r):
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if wordRune(r2) && !perChar(r2) {
					j += n2
					continue
				}
				// Keep "don't", "3.5" and "e-mail" whole.
				if (r2 == '\'' || r2 == '’' || r2 == '.' || r2 == '-') && j+n2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+n2:])
					if wordRune(r3) && !perChar(r3) && (r2 != '.' || unicode.IsDigit(r3)) {
						j += n2
						continue
					}
				}
				break
			}
		}
		out = append(out, text[i:j])
		i = j
	}
	return out
}

// perChar reports whether r is written without spaces between words (Han,
// kana, Hangul syllables): each character is a token.
func perChar(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isSpace(tok string) bool { return strings.TrimSpace(tok) == "" }

// maxTokens bounds the diff's input: longer texts are compared on their
// first maxTokens tokens and the rest is one replaced segment.
const maxTokens = 20000

// Diff compares old (the draft) with new (what was sent) word by word.
func Diff(old, new string) []Segment {
	if old == new {
		if old == "" {
			return nil
		}
		return []Segment{{Equal, old}}
	}
	a, b := Tokens(old), Tokens(new)
	var tailA, tailB string
	if len(a) > maxTokens {
		tailA, a = strings.Join(a[maxTokens:], ""), a[:maxTokens]
	}
	if len(b) > maxTokens {
		tailB, b = strings.Join(b[maxTokens:], ""), b[:maxTokens]
	}
	segs := diffTokens(a, b, true)
	if tailA != "" {
		segs = append(segs, Segment{Delete, tailA})
	}
	if tailB != "" {
		segs = append(segs, Segment{Insert, tailB})
	}
	return merge(segs)
}

// diffTokens maps every distinct token to one rune and diffs the rune
// strings, so go-diff's algorithm works on whole words.
func diffTokens(a, b []string, cleanup bool) []Segment {
	ids := map[string]rune{}
	ra, rb := intern(ids, a), intern(ids, b)
	byRune := make(map[rune]string, len(ids))
	for t, r := range ids {
		byRune[r] = t
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // exact: the inputs are bounded by maxTokens
	diffs := dmp.DiffMainRunes(ra, rb, false)
	if cleanup {
		diffs = dmp.DiffCleanupSemantic(diffs)
	}
	out := make([]Segment, 0, len(diffs))
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(byRune[r])
		}
		op := Equal
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = Delete
		case diffmatchpatch.DiffInsert:
			op = Insert
		}
		out = append(out, Segment{op, sb.String()})
	}
	return out
}

// intern numbers tokens as runes, the same token the same rune across every
// call sharing ids, so token sequences can be compared (and diffed by
// go-diff) as rune strings.
func intern(ids map[string]rune, toks []string) []rune {
	out := make([]rune, len(toks))
	for i, t := range toks {
		r, ok := ids[t]
		if !ok {
			r = runeFor(len(ids))
			ids[t] = r
		}
		out[i] = r
	}
	return out
}

// runeFor gives token number i a valid rune, skipping the surrogates.
func runeFor(i int) rune {
	r := rune(i) + 0x100
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

// merge joins neighbours with the same op and drops empty segments.
func merge(segs []Segment) []Segment {
	out := segs[:0]
	for _, s := range segs {
		if s.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Op == s.Op {
			out[n-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}

// Distance is the word-level edit distance between old and new divided by
// the longer one's length in tokens (whitespace ignored): 0 means the same
// words, 1 means nothing in common.
func Distance(old, new string) float64 {
	if old == new {
		return 0
	}
	a, b := words(Tokens(old)), words(Tokens(new))
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	if len(a) > maxTokens {
		a = a[:maxTokens]
	}
	if len(b) > maxTokens {
		b = b[:maxTokens]
	}
	return min(1, float64(levenshtein(a, b))/float64(max(len(a), len(b))))
}

// levenshtein is the exact token edit distance when the inputs are small
// enough for the quadratic table; otherwise it counts go-diff's edit
// script (substitutions as the larger of the paired insert and delete).
func levenshtein(a, b []string) int {
	if len(a)*len(b) <= 4_000_000 {
		// Compare token numbers, not strings, in the quadratic loop.
		ids := map[string]rune{}
		return suggest.Levenshtein(intern(ids, a), intern(ids, b))
	}
	d, ins, del := 0, 0, 0
	for _, s := range diffTokensRaw(a, b) {
		n := len(s.toks)
		switch s.op {
		case Insert:
			ins += n
		case Delete:
			del += n
		default:
			d += max(ins, del)
			ins, del = 0, 0
		}
	}
	return d + max(ins, del)
}

type rawSeg struct {
	op   Op
	toks []rune
}

// diffTokensRaw is diffTokens without the semantic cleanup, as rune runs:
// the exact edit script, for counting.
func diffTokensRaw(a, b []string) []rawSeg {
	ids := map[string]rune{}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	diffs := dmp.DiffMainRunes(intern(ids, a), intern(ids, b), false)
	out := make([]rawSeg, 0, len(diffs))
	for _, d := range diffs {
		op := Equal
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = Delete
		case diffmatchpatch.DiffInsert:
			op = Insert
		}
		out = append(out, rawSeg{op, []rune(d.Text)})
	}
	return out
}

func words(toks []string) []string {
	out := toks[:0:0]
	for _, t := range toks {
		if !isSpace(t) {
			out = append(out, t)
		}
	}
	return out
}

// Old rebuilds the old text from a diff; New the new one.
func Old(segs []Segment) string { return rebuild(segs, Delete) }

// New rebuilds the new text from a diff.
func New(segs []Segment) string { return rebuild(segs, Insert) }

func rebuild(segs []Segment, keep Op) string {
	var sb strings.Builder
	for _, s := range segs {
		if s.Op == Equal || s.Op == keep {
			sb.WriteString(s.Text)
		}
	}
	return sb.String()
}
