package main

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// writeTable prints rows as columns two cells apart, measured in terminal
// cells (text/tabwriter counts runes, so a Chinese name pushed its row out
// of line), each cell sanitized.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			r[i] = sanitize.Line(c)
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
