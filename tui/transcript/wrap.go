package transcript

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// wrap breaks plain (sanitized, unstyled) text into lines of at most width
// cells. Latin words break at spaces; CJK text has no spaces, so a line may
// break before any wide character, and a word longer than the line is
// split. It walks grapheme clusters, so emoji sequences and combining marks
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
	for len(s) > 0 {
		var g string
		var w int
		g, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if g == " " && lineW == 0 && len(out) > 0 {
			continue // no leading space on a wrapped line
		}
		wide := w > 1
		if lineW+w > width && lineW > 0 {
			if wide || g == " " || breakAt < 0 {
				flush()
				if g == " " {
					continue
				}
			} else {
				// Move the partial word after the last break to a new line.
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
		if wide && lineW > 0 {
			breakAt = line.Len()
		}
		line.WriteString(g)
		lineW += w
		if g == " " || wide {
			breakAt = line.Len()
		}
	}
	return append(out, strings.TrimRight(line.String(), " "))
}
