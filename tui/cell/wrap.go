package cell

import (
	"strings"

	"github.com/rivo/uniseg"
)

// Run is a piece of text wrapped with the text around it and drawn with
// Render (nil: as it is), e.g. a lipgloss style's Render.
type Run struct {
	Text   string
	Render func(...string) string
}

// Wrap breaks plain (sanitized, unstyled) text into lines of at most width
// cells. Latin words break at spaces; CJK text has no spaces, so a line may
// break before any wide character — except closing punctuation, which takes
// the character before it to the next line — and after any, except opening
// punctuation (the Chinese and Japanese line-breaking rules); a word longer
// than the line is split. It walks grapheme clusters, so emoji sequences and
// combining marks are never cut apart. Newlines start new lines.
func Wrap(text string, width int) []string {
	return WrapRuns([]Run{{Text: text}}, width)
}

// WrapRuns lays runs out like Wrap, as one text, each run drawn in its own
// style.
func WrapRuns(runs []Run, width int) []string {
	width = max(width, 1)
	var b breaker
	b.width = width
	for ri, r := range runs {
		state := -1
		for s := r.Text; len(s) > 0; {
			var g string
			var w int
			g, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
			b.add(piece{g: g, w: w, run: ri})
		}
	}
	b.flush(false)
	out := make([]string, len(b.lines))
	for i, l := range b.lines {
		out[i] = render(l, runs)
	}
	return out
}

type piece struct {
	g   string
	w   int
	run int
}

type breaker struct {
	width int
	lines [][]piece
	line  []piece
	lineW int
	// breakAt is the length of line at the last place it could be broken.
	breakAt int
	// soft: the current line began where a longer one was broken (its
	// leading spaces go), not at the text's start or a newline.
	soft     bool
	prev     string
	prevWide bool
}

func (b *breaker) flush(soft bool) {
	b.lines = append(b.lines, trimSpaces(b.line, false))
	b.line, b.lineW, b.breakAt, b.soft = nil, 0, 0, soft
}

func (b *breaker) add(p piece) {
	if p.g == "\n" || p.g == "\r\n" {
		b.flush(false)
		b.prev, b.prevWide = "", false
		return
	}
	if p.g == " " && b.lineW == 0 && b.soft {
		return // no leading space on a wrapped line
	}
	wide := p.w > 1
	breakable := (wide || b.prevWide || b.prev == " ") && !noLineStart(p.g) && !noLineEnd(b.prev)
	if b.lineW+p.w > b.width && b.lineW > 0 {
		if p.g == " " {
			b.flush(true)
			return
		}
		if breakable || b.breakAt <= 0 {
			b.flush(true)
		} else {
			// Move what follows the last break to a new line.
			tail := trimSpaces(append([]piece(nil), b.line[b.breakAt:]...), true)
			b.line = b.line[:b.breakAt]
			b.flush(true)
			b.line = tail
			for _, t := range tail {
				b.lineW += t.w
			}
			if b.lineW+p.w > b.width {
				b.flush(true)
			}
		}
	}
	if breakable && b.lineW > 0 {
		b.breakAt = len(b.line)
	}
	b.line = append(b.line, p)
	b.lineW += p.w
	b.prev, b.prevWide = p.g, wide
}

// trimSpaces drops the spaces at a line's end (or its start, when left).
func trimSpaces(l []piece, left bool) []piece {
	if left {
		for len(l) > 0 && l[0].g == " " {
			l = l[1:]
		}
		return l
	}
	for len(l) > 0 && l[len(l)-1].g == " " {
		l = l[:len(l)-1]
	}
	return l
}

// render draws a line's pieces, each stretch of one run in its style.
func render(l []piece, runs []Run) string {
	var sb, seg strings.Builder
	for i := 0; i < len(l); {
		j := i
		seg.Reset()
		for j < len(l) && l[j].run == l[i].run {
			seg.WriteString(l[j].g)
			j++
		}
		if r := runs[l[i].run].Render; r != nil {
			sb.WriteString(r(seg.String()))
		} else {
			sb.WriteString(seg.String())
		}
		i = j
	}
	return sb.String()
}

// noLineStart reports whether g is closing punctuation that may not begin a
// line: Chinese and Japanese full-width marks and their ASCII kin.
func noLineStart(g string) bool {
	return g != "" && strings.Contains("，。、；：？！）」』】》〉〕］｝〗〙〛”’…‥·・ー々〜～％‰℃,.;:?!)]}%", g)
}

// noLineEnd reports whether g is opening punctuation that may not end a line.
func noLineEnd(g string) bool {
	return g != "" && strings.Contains("（「『【《〈〔［｛〖〘〚“‘([{", g)
}
