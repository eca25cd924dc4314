// Package cell measures and fits text in terminal cells, where CJK and
// emoji take two cells and styled strings carry escape sequences that take
// none.
package cell

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit makes s exactly w cells wide: truncated with an ellipsis when too
// wide, space-padded when too narrow, empty when w <= 0.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}
