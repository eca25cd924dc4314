package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/tui/cell"
)

// rect is an area of the screen, in cells.
type rect struct{ x, y, w, h int }

// layout is the screen cut into named areas. Each pane's first row is its
// title; the rest is content.
type layout struct {
	queue, conv, copilot rect
	help, status         rect
	stacked              bool // panes one above another (narrow terminals)
}

// wideMin is the narrowest terminal that gets three columns.
const wideMin = 120

// computeLayout turns the window size into panes. Wide terminals get queue
// | conversation | copilot side by side, the queue wider while it has the
// focus; narrow ones stack them and give the focused pane half the height,
// so whatever the agent works on stays readable at 80×24.
func computeLayout(w, h int, f focus) layout {
	var l layout
	l.help = rect{0, max(h-2, 0), w, min(1, max(h-1, 0))}
	l.status = rect{0, max(h-1, 0), w, min(1, h)}
	body := max(h-2, 0)
	if w >= wideMin {
		qw := w * 34 / 100
		pw := w * 30 / 100
		if f == focusQueue || f == focusFilter {
			// Triage: the queue gets the room to show channel, summary and
			// assignee; the panes give it back when a chat is worked.
			qw, pw = w*46/100, w*24/100
		}
		cw := w - qw - pw - 2 // two separator columns
		l.queue = rect{0, 0, qw, body}
		l.conv = rect{qw + 1, 0, cw, body}
		l.copilot = rect{qw + 1 + cw + 1, 0, pw, body}
		return l
	}
	l.stacked = true
	big := body / 2
	small := (body - big) / 2
	rest := body - big - small
	hq, hc, hp := small, rest, small
	switch f {
	case focusQueue, focusFilter:
		hq, hc, hp = big, rest, small
	case focusConv, focusCompose:
		hq, hc, hp = small, big, rest
	case focusCopilot:
		hq, hc, hp = small, rest, big
	}
	l.queue = rect{0, 0, w, hq}
	l.conv = rect{0, hq, w, hc}
	l.copilot = rect{0, hq + hc, w, hp}
	return l
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.relayout()
}

// relayout recomputes the areas and pushes sizes down to the components.
func (m *Model) relayout() {
	m.lay = computeLayout(m.width, m.height, m.focus)
	m.queue.SetSize(m.lay.queue.w, max(m.lay.queue.h-1, 0))
	convH := max(m.lay.conv.h-2, 0) // title and conversation header
	if m.focus == focusCompose {
		convH = max(convH-m.composeHeight(), 0)
	}
	m.transcript.SetSize(m.lay.conv.w, convH)
	m.compose.ta.SetWidth(max(m.lay.conv.w-1, 4))
	m.compose.ta.SetHeight(composeRows(m.lay.conv.h))
	m.filter.SetWidth(max(m.lay.queue.w-ansi.StringWidth(m.filter.Prompt)-2, 4))
}

// block splits rendered text into exactly h lines of exactly w cells.
func block(s string, w, h int) []string {
	lines := strings.Split(s, "\n")
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = cell.Fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out
}

// overlay draws box centred over the frame lines, with a blank cell on
// either side and a blank row above and below (where the frame has room),
// so no pane text touches the box's border.
func overlay(frame []string, box string, width, height int) {
	lines := strings.Split(box, "\n")
	bw := 0
	for _, l := range lines {
		bw = max(bw, ansi.StringWidth(l))
	}
	bw = min(bw, width)
	x := max((width-bw)/2, 0)
	y := max((height-len(lines))/2, 0)
	m0, m1 := max(x-1, 0), min(x+bw+1, width) // the box with its margin
	left, right := strings.Repeat(" ", x-m0), strings.Repeat(" ", m1-x-bw)
	blank := strings.Repeat(" ", m1-m0)
	for row := y - 1; row <= y+len(lines); row++ {
		if row < 0 || row >= len(frame) {
			continue
		}
		s := blank
		if i := row - y; i >= 0 && i < len(lines) {
			s = left + "\x1b[m" + cell.Fit(lines[i], bw) + "\x1b[m" + right
		}
		frame[row] = splice(frame[row], m0, m1-m0, s)
	}
}

// splice puts s, w cells wide, over base from cell x; a wide rune cut at
// either edge is dropped and the row keeps its width.
func splice(base string, x, w int, s string) string {
	left := ansi.Truncate(base, x, "")
	if lw := ansi.StringWidth(left); lw < x {
		left += strings.Repeat(" ", x-lw)
	}
	want := ansi.StringWidth(base) - x - w
	right := ansi.TruncateLeft(base, x+w, "")
	if ansi.StringWidth(right) > want {
		// TruncateLeft keeps a wide rune straddling the cut: drop it.
		right = ansi.TruncateLeft(base, x+w+1, "")
	}
	if ansi.StringWidth(right) < want {
		right = strings.Repeat(" ", want-ansi.StringWidth(right)) + right
	}
	return left + "\x1b[m" + s + "\x1b[m" + right
}
