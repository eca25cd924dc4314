package transcript

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// wrap breaks plain (sanitized, unstyled) text into lines of at most width
// cells. Latin words break at spaces; CJK text has no spaces, so a line may
// break before any wide character (except closing punctuation, which takes
// the character before it to the next line, and after opening punctuation),
// and a word longer than the line is split. It walks grapheme clusters, so emoji sequences and combining marks
// are never cut apart.
func wrap(text string, width int) []string {
	width = max(width, 1)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = appendWrapped(out, para, width)
	}
	return out
}

func appendWrapped(out []string, s string, width int) []string {
	var line strings.Builder
	lineW := 0
	// breakAt is the byte length of line at the last place it could be
	// broken.
	breakAt := -1
	flush := func() {
		out = append(out, strings.TrimRight(line.String(), " "))
		line.Reset()
		lineW, breakAt = 0, -1
	}
	state := -1
	prev, prevWide := "", false
	for len(s) > 0 {
		var g string
		var w int
		g, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if g == " " && lineW == 0 && len(out) > 0 {
			continue // no leading space on a wrapped line
		}
		wide := w > 1
		// A line may break before a wide character, after a wide one or a
		// space, but never before closing punctuation nor after opening
		// punctuation (Chinese/Japanese line breaking rules).
		breakable := (wide || prevWide || prev == " ") && !noLineStart(g) && !noLineEnd(prev)
		if lineW+w > width && lineW > 0 {
			if g == " " {
				flush()
				continue
			}
			if breakable || breakAt <= 0 {
				flush()
			} else {
				// Move what follows the last break to a new line.
				cur := line.String()
				head, tail := cur[:breakAt], cur[breakAt:]
				out = append(out, strings.TrimRight(head, " "))
				line.Reset()
				tail = strings.TrimLeft(tail, " ")
				line.WriteString(tail)
				lineW = ansi.StringWidth(tail)
				breakAt = -1
				if lineW+w > width {
					flush()
				}
			}
		}
		if breakable && lineW > 0 {
			breakAt = line.Len()
		}
		line.WriteString(g)
		lineW += w
		prev, prevWide = g, wide
	}
	return append(out, strings.TrimRight(line.String(), " "))
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
