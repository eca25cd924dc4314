package review

import (
	"charm.land/lipgloss/v2"

	"github.com/agentdesk/agentdesk/internal/textdiff"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/cell"
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

// wrapRuns lays styled runs out in lines of at most w cells with the
// transcript's rules (cell.WrapRuns): words kept whole, Chinese line
// breaking, newlines start new lines.
func wrapRuns(runs []run, w int) []string {
	cr := make([]cell.Run, len(runs))
	for i, r := range runs {
		cr[i].Text = r.text
		if r.style != nil {
			cr[i].Render = r.style.Render
		}
	}
	return cell.WrapRuns(cr, w)
}

// wrapPlain wraps untrusted text in one style.
func wrapPlain(text string, w int, style *lipgloss.Style) []string {
	return wrapRuns([]run{{sanitize.Text(text), style}}, w)
}
