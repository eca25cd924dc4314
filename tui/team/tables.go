package team

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Render draws the board in width × height cells.
func (b *Board) Render() string {
	if b.width <= 0 || b.height <= 0 {
		return ""
	}
	b.refresh()
	var lines []string
	lines = append(lines, b.st.Title.Render(cell.Fit("▌"+b.cat.Team.Title+" · "+b.summary(), b.width)))
	if b.width >= 120 {
		side := min(max(b.width*36/100, 44), 64)
		mainW := b.width - side - 1
		left := b.lists(mainW, b.height-1)
		right := b.panels(side, b.height-1)
		sep := b.st.Separator.Render("│")
		for i := 0; i < b.height-1; i++ {
			lines = append(lines, left[i]+sep+right[i])
		}
	} else {
		// Narrow: the figures shrink to a few lines under the summary.
		panels := b.compactPanels(b.width)
		body := max(b.height-1-len(panels), 0)
		lines = append(lines, panels...)
		lines = append(lines, b.lists(b.width, body)...)
	}
	if len(lines) > b.height {
		lines = lines[:b.height]
	}
	return strings.Join(lines, "\n")
}

func (b *Board) name(id string) string {
	if a, ok := b.desk.Agent(id); ok && a.Name != "" {
		return sanitize.Line(a.Name)
	}
	return sanitize.Line(id)
}

func (b *Board) summary() string {
	online := 0
	for _, a := range b.agentRows {
		if a.Status == protocol.StatusOnline {
			online++
		}
	}
	longest := b.cat.Team.NotWaiting // nobody queued: no "longest 0s"
	if b.agg.oldestQueued > 0 {
		longest = b.cat.Duration(time.Duration(max(b.now.UnixMilli()-b.agg.oldestQueued, 0)) * time.Millisecond)
	}
	return b.cat.Team.Summary(online, len(b.agentRows), b.agg.queued, longest,
		b.agg.slaBreached, b.agg.slaSoon, b.agg.riskyWaiting)
}

// lists renders the agents table over the chats table.
func (b *Board) lists(w, h int) []string {
	if h <= 0 {
		return nil
	}
	agentH := min(len(b.agentRows)+2, max(h*2/5, 4))
	if len(b.agentRows) == 0 {
		agentH = min(3, h)
	}
	agentH = min(agentH, h)
	out := b.agentTable(w, agentH)
	out = append(out, b.chatTable(w, h-agentH)...)
	return out
}

func (b *Board) heading(text string, focused bool, w int) string {
	if focused {
		return b.st.Title.Render(cell.Fit("▌"+text, w))
	}
	return b.st.Muted.Render(cell.Fit(" "+text, w))
}

type col struct {
	title string
	w     int
	right bool
}

func row(cols []col, vals []string, w int) string {
	return styledRow(cols, vals, w, nil)
}

func padLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = cell.Fit(s, w)
	s = strings.TrimRight(s, " ")
	return strings.Repeat(" ", max(w-lipgloss.Width(s), 0)) + s
}

func (b *Board) dayOf(id string) protocol.AgentDay {
	for _, d := range b.stats.Agents {
		if d.AgentID == id {
			return d
		}
	}
	return protocol.AgentDay{AgentID: id}
}

func (b *Board) agentTable(w, h int) []string {
	t := &b.cat.Team
	out := []string{b.heading(t.Agents, b.pane == PaneAgents, w)}
	if h <= 1 {
		return out[:h]
	}
	wide := w >= 100
	cols := []col{{t.ColName, 12, false}, {t.ColStatus, 14, false}, {t.ColLoad, 6, true}, {t.ColOldest, 9, true},
		{t.ColHandle, 9, true}, {t.ColAccept, 10, true}}
	if wide {
		cols = []col{{t.ColName, 14, false}, {t.ColStatus, 16, false}, {t.ColLoad, 6, true}, {t.ColChats, 6, true},
			{t.ColOldest, 9, true}, {t.ColHandle, 9, true}, {t.ColDone, 6, true}, {t.ColAccept, 10, true}, {t.ColCSAT, 10, true}}
	}
	out = append(out, b.tableHead(cols, w))
	if len(b.agentRows) == 0 {
		return padTo(append(out, b.st.Muted.Render(cell.Fit("  "+t.NoAgents, w))), w, h)
	}
	chats := b.agg.chats
	csat := map[string]protocol.CSATRow{}
	for _, r := range b.stats.CSATByAgent {
		csat[r.Key] = r
	}
	rows := h - 2
	b.agentPage = rows
	start := window(b.agentCur, len(b.agentRows), rows)
	for i := start; i < len(b.agentRows) && i < start+rows; i++ {
		a := b.agentRows[i]
		day := b.dayOf(a.ID)
		status := b.statusLabel(a.Status)
		if a.StatusSince > 0 {
			status += " " + b.cat.Duration(b.now.Sub(time.UnixMilli(a.StatusSince)))
		}
		load := strconv.Itoa(a.Load) + "/" + strconv.Itoa(a.Capacity)
		old := t.NotWaiting
		if at := b.agg.oldest[a.ID]; at > 0 {
			old = b.cat.Duration(time.Duration(max(b.now.UnixMilli()-at, 0)) * time.Millisecond)
		}
		handle, accept, done, cs := "—", "—", "—", "—"
		if b.loaded {
			handle = b.cat.Duration(time.Duration(day.HandleMs) * time.Millisecond)
			decided := day.DraftsAccepted + day.DraftsEdited + day.DraftsRejected
			accept = t.AcceptCell(day.DraftsAccepted, decided)
			done = strconv.Itoa(day.Resolved)
			if r, ok := csat[a.ID]; ok {
				cs = t.CSATCell(r.Avg, r.Count)
			}
		}
		vals := []string{b.name(a.ID), status, load, old, handle, accept}
		if wide {
			vals = []string{b.name(a.ID), status, load, strconv.Itoa(chats[a.ID]), old, handle, done, accept, cs}
		}
		line := row(cols, vals, w)
		switch {
		case i == b.agentCur && b.pane == PaneAgents:
			line = b.st.Queue.Selected.Render(line)
		case a.Capacity > 0 && a.Load >= a.Capacity:
			line = b.st.Queue.SLASoon.Render(line)
		case a.Status != protocol.StatusOnline:
			line = b.st.Muted.Render(line)
		default:
			line = b.st.Queue.Row.Render(line)
		}
		out = append(out, line)
	}
	return padTo(out, w, h)
}

func (b *Board) statusLabel(s string) string {
	switch s {
	case protocol.StatusOnline:
		return b.cat.StatusOnline
	case protocol.StatusAway:
		return b.cat.StatusAway
	case protocol.StatusOffline:
		return b.cat.StatusOffline
	}
	return sanitize.Line(s)
}

func window(cur, n, rows int) int {
	if rows <= 0 || n <= rows {
		return 0
	}
	return clamp(cur-rows/2, 0, n-rows)
}

func padTo(lines []string, w, h int) []string {
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return lines[:h]
}

// flagLabel is the most important risk or state badge of a chat.
func (b *Board) flagLabel(c protocol.Conversation) (string, lipgloss.Style) {
	bs := &b.st.Badge
	has := func(f protocol.Flag) bool {
		for _, x := range c.Flags {
			if x == f {
				return true
			}
		}
		return false
	}
	switch {
	case has(protocol.FlagLegalThreat):
		return b.cat.FlagLegalThreat, bs.LegalThreat
	case has(protocol.FlagAngry):
		return b.cat.FlagAngry, bs.Angry
	case has(protocol.FlagChurnRisk):
		return b.cat.FlagChurnRisk, bs.ChurnRisk
	case c.VIP:
		return b.cat.VIP, bs.VIP
	case c.Sentiment == "negative":
		return b.cat.SentimentNegative, bs.Negative
	}
	return "", bs.Neutral
}

func (b *Board) chatTable(w, h int) []string {
	if h <= 0 {
		return nil
	}
	t := &b.cat.Team
	title := t.Chats
	if b.only != "" {
		title += " · " + t.FilteredTo(b.name(b.only))
	}
	if n := len(b.marked); n > 0 {
		title += " · " + t.Marked(n)
	}
	out := []string{b.heading(title, b.pane == PaneChats, w)}
	if h == 1 {
		return out
	}
	cols := []col{{"", 2, false}, {"", 7, false}, {t.ColCustomer, 14, false}, {t.ColOwner, 10, false},
		{t.ColPrio, 5, true}, {t.ColWait, 7, true}, {t.ColSLA, 8, true}, {t.ColViewing, 20, false}}
	if w >= 100 {
		cols = []col{{"", 2, false}, {"", 9, false}, {t.ColCustomer, 18, false}, {t.ColOwner, 12, false},
			{t.ColPrio, 6, true}, {t.ColWait, 8, true}, {t.ColSLA, 9, true}, {t.ColChannel, 9, false}, {t.ColViewing, 24, false}}
	}
	out = append(out, b.tableHead(cols, w))
	if len(b.chatRows) == 0 {
		return padTo(append(out, b.st.Muted.Render(cell.Fit("  "+t.NoChats, w))), w, h)
	}
	rows := h - 2
	b.chatPage = rows
	start := window(b.chatCur, len(b.chatRows), rows)
	nowMs := b.now.UnixMilli()
	for i := start; i < len(b.chatRows) && i < start+rows; i++ {
		c := b.chatRows[i]
		// The cursor shows as a glyph too, not only as colour: without
		// colour (NO_COLOR, a screen reader) the lead must still see which
		// chat a note or a reassign goes to.
		mark := " "
		if i == b.chatCur && b.pane == PaneChats {
			mark = "▸"
		}
		if b.marked[c.ID] {
			mark += "●"
		}
		badge, badgeStyle := b.flagLabel(c)
		customer := sanitize.Line(c.CustomerName)
		if customer == "" {
			customer = sanitize.Line(c.CustomerID)
		}
		owner := t.InQueue
		if c.Assignee != "" {
			owner = b.name(c.Assignee)
		}
		waitW, slaW := cols[5].w-1, cols[6].w-1
		wait := t.NotWaiting
		if d := b.waitOf(c); d > 0 {
			wait = i18n.FitDuration(b.cat.Duration, d, waitW)
		}
		sla, slaStyle := "", b.st.Queue.SLANone
		if left, on := c.SLALeft(time.UnixMilli(nowMs)); on {
			switch {
			case left <= 0:
				// Under a minute over reads "-1m", never "-0s".
				sla, slaStyle = i18n.FitDuration(b.cat.SLAOverdue, max((-left).Truncate(time.Minute), time.Minute), slaW), b.st.Queue.SLABreached
			case left <= soonWindow:
				sla, slaStyle = i18n.FitDuration(b.cat.SLALeft, left, slaW), b.st.Queue.SLASoon
			default:
				sla, slaStyle = i18n.FitDuration(b.cat.SLALeft, left, slaW), b.st.Queue.SLAOk
			}
		}
		channel := sanitize.Line(c.Channel)
		if l, ok := b.cat.Channel(c.Channel); ok {
			channel = l
		}
		var names []string
		for _, id := range b.desk.Viewers(c.ID) {
			names = append(names, b.name(id))
		}
		viewing := ""
		if len(names) > 0 {
			viewing = "👁 " + t.Viewing(names)
		}
		vals := []string{mark, badge, customer, owner, strconv.Itoa(c.Priority), wait, sla, viewing}
		if w >= 100 {
			vals = []string{mark, badge, customer, owner, strconv.Itoa(c.Priority), wait, sla, channel, viewing}
		}
		line := row(cols, vals, w)
		if i == b.chatCur && b.pane == PaneChats {
			line = b.st.Queue.Selected.Render(line)
		} else if badge != "" || sla != "" {
			// Colour the badge and SLA cells, keep the rest plain.
			line = styledRow(cols, vals, w, map[int]lipgloss.Style{1: badgeStyle, 6: slaStyle})
		} else {
			line = b.st.Queue.Row.Render(line)
		}
		out = append(out, line)
	}
	return padTo(out, w, h)
}

// styledRow lays vals out in cols within w cells; the cells numbered in
// styles are rendered in their own style.
func styledRow(cols []col, vals []string, w int, styles map[int]lipgloss.Style) string {
	var sb strings.Builder
	used := 0
	for i, c := range cols {
		cw := c.w
		if i == len(cols)-1 || used+cw+1 > w {
			cw = w - used
		}
		if cw <= 0 {
			break
		}
		v := cell.Fit(vals[i], cw-1) + " "
		if c.right {
			v = padLeft(vals[i], cw-1) + " "
		}
		if cw == 1 {
			v = " "
		}
		if s, ok := styles[i]; ok {
			v = s.Render(v)
		}
		sb.WriteString(v)
		used += cw
		if used >= w {
			break
		}
	}
	return cell.Fit(sb.String(), w)
}

// tableHead renders a table's column titles.
func (b *Board) tableHead(cols []col, w int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return b.st.Queue.Header.Render(row(cols, titles, w))
}
