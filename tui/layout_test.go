package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/lang"
)

// TestDialogsStandClearOfThePanes: a dialog is drawn with a blank cell on
// either side and a blank row above and below, so no pane text touches
// its border (issue 14: "Flag│", "huma│" beside the palette's frame read as
// part of it). Every dialog, on a busy screen, in both languages and sizes.
func TestDialogsStandClearOfThePanes(t *testing.T) {
	dialogs := map[string][]string{"palette": {"ctrl+p"}, "help": {"?"}, "transfer": {"t"}, "reject": {"x"}, "snooze": {"z"}}
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		for _, sz := range [][2]int{{160, 48}, {80, 24}} {
			for name, keys := range dialogs {
				h := newHarness(t, lg, sz[0], sz[1])
				openC1(h)
				h.press(keys...)
				checkClear(t, lg.String()+" "+name, h.screen())
			}
		}
	}
}

// checkClear finds the dialog's frame on the screen and checks the ring of
// cells around it is blank (where the screen has room for one).
func checkClear(t *testing.T, name, scr string) {
	t.Helper()
	lines := strings.Split(scr, "\n")
	top, bottom, x0, x1 := -1, -1, -1, -1
	for i, l := range lines {
		for _, corners := range [][2]string{{"╭", "╮"}, {"┌", "┐"}} {
			if j, k := strings.Index(l, corners[0]), strings.LastIndex(l, corners[1]); j >= 0 && k > j && top < 0 {
				top, x0, x1 = i, ansi.StringWidth(l[:j]), ansi.StringWidth(l[:k])
			}
		}
		if top >= 0 && (strings.Contains(l, "╰") || strings.Contains(l, "└")) {
			bottom = i
		}
	}
	if top < 0 || bottom < 0 {
		t.Fatalf("%s: no dialog frame on screen:\n%s", name, scr)
	}
	at := func(row, col int) string { return ansi.Cut(lines[row], col, col+1) }
	w := ansi.StringWidth(lines[0])
	for row := max(top-1, 0); row <= min(bottom+1, len(lines)-1); row++ {
		for _, col := range []int{x0 - 1, x1 + 1} {
			if col >= 0 && col < w && at(row, col) != " " {
				t.Fatalf("%s: %q beside the frame (row %d, col %d):\n%s", name, at(row, col), row, col, scr)
			}
		}
		if row == top-1 || row == bottom+1 {
			if s := ansi.Cut(lines[row], max(x0-1, 0), min(x1+2, w)); strings.TrimSpace(s) != "" {
				t.Fatalf("%s: %q against the frame's edge (row %d):\n%s", name, s, row, scr)
			}
		}
	}
}
