package review

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"

	"github.com/agentdesk/agentdesk/internal/textdiff"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// run is a piece of text in one style.
type run struct {
	text  string
	style *lipgloss.Style // nil: plain
}

// diffRuns turns a diff into styled runs. Side "" is unified (both sides,
// with [-deleted-] and {+inserted+} markers); "old" keeps equal and deleted
// text, "new" equal and inserted text.
func diffRuns(segs []textdiff.Segment, side string, st *themes.Styles) []run {
	var out []run
	for _, s := range segs {
		text := sanitize.Text(s.Text)
		switch {
		case s.Op == textdiff.Equal:
			out = append(out, run{text: text})
		case s.Op == textdiff.Delete && side != "new":
			out = append(out, run{"[-", &st.Diff.Marker}, run{text, &st.Diff.Delete}, run{"-]", &st.Diff.Marker})
		case s.Op == textdiff.Insert && side != "old":
			out = append(out, run{"{+", &st.Diff.Marker}, run{text, &st.Diff.Insert}, run{"+}", &st.Diff.Marker})
		}
	}
	return out
}

// wrapRuns lays styled runs out in lines of at most w cells, breaking at
// spaces where it can and anywhere in CJK text; newlines in the text start
// new lines. Widths are measured per grapheme, so CJK and emoji take two.
func wrapRuns(runs []run, w int) []string {
	if w < 1 {
		w = 1
	}
	type piece struct {
		g     string
		width int
		style *lipgloss.Style
	}
	var lines []string
	var cur []piece
	curW := 0
	flush := func() {
		var sb strings.Builder
		for i := 0; i < len(cur); {
			j := i
			var seg strings.Builder
			for j < len(cur) && cur[j].style == cur[i].style {
				seg.WriteString(cur[j].g)
				j++
			}
			if cur[i].style != nil {
				sb.WriteString(cur[i].style.Render(seg.String()))
			} else {
				sb.WriteString(seg.String())
			}
			i = j
		}
		lines = append(lines, sb.String())
		cur, curW = cur[:0], 0
	}
	for _, r := range runs {
		g := uniseg.NewGraphemes(r.text)
		for g.Next() {
			s := g.Str()
			if s == "\n" || s == "\r\n" {
				flush()
				continue
			}
			gw := ansi.StringWidth(s)
			if curW+gw > w {
				// Break at the last space of the line when there is one, so
				// English words stay whole.
				// Only when the word after that space is short: CJK text
				// has no spaces and breaks anywhere.
				cut, tail := -1, 0
				for i := len(cur) - 1; i > 0 && tail <= w/3; i-- {
					if cur[i].g == " " {
						cut = i
						break
					}
					tail += cur[i].width
				}
				if tail > w/3 {
					cut = -1
				}
				if cut > 0 && s != " " {
					rest := append([]piece(nil), cur[cut+1:]...)
					cur = cur[:cut]
					flush()
					cur = rest
					for _, p := range rest {
						curW += p.width
					}
				} else {
					flush()
				}
				if s == " " {
					continue
				}
			}
			cur = append(cur, piece{s, gw, r.style})
			curW += gw
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// wrapPlain wraps untrusted text in one style.
func wrapPlain(text string, w int, style *lipgloss.Style) []string {
	return wrapRuns([]run{{sanitize.Text(text), style}}, w)
}
