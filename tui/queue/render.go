package queue

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Render draws the list: a tab line, a column header and exactly the rows
// that fit, each padded to the full width.
func (m *Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if len(m.cache) > maxCache {
		clear(m.cache)
	}
	var b strings.Builder
	b.Grow((m.width + 16) * m.height * 2)
	b.WriteString(m.tabLine())
	if m.height > 1 {
		b.WriteByte('\n')
		b.WriteString(m.headerLine())
	}
	rows := m.rows()
	minute := m.now.Unix() / 60
	drawn := 0
	if len(m.view) == 0 && rows > 0 {
		msg := m.cat.QueueEmpty
		if m.filter != "" {
			msg = m.cat.NoMatch(m.filter)
		}
		b.WriteByte('\n')
		b.WriteString(m.st.Queue.Empty.Render(cell.Fit(" "+msg, m.width)))
		drawn++
	}
	for i := m.offset; i < len(m.view) && drawn < rows; i++ {
		e := m.view[i]
		k := rowKey{id: e.c.ID, version: e.c.Version, width: m.width, selected: i == m.cursor,
			marked: m.marked[e.c.ID], minute: minute}
		row, ok := m.cache[k]
		if !ok {
			row = m.renderRow(e, k.selected, k.marked)
			m.cache[k] = row
		}
		b.WriteByte('\n')
		b.WriteString(row)
		drawn++
	}
	blank := strings.Repeat(" ", m.width)
	for ; drawn < rows; drawn++ {
		b.WriteByte('\n')
		b.WriteString(blank)
	}
	return b.String()
}

func (m *Model) tabLine() string {
	labels := [numTabs]string{m.cat.TabMine, m.cat.TabUnassigned, m.cat.TabAll}
	var b strings.Builder
	for t := Tab(0); t < numTabs; t++ {
		text := " " + labels[t] + " " + itoa(m.counts[t]) + " "
		if t == m.tab {
			b.WriteString(m.st.Queue.TabActive.Render("[" + strings.TrimSpace(text) + "]"))
		} else {
			b.WriteString(m.st.Queue.Tab.Render(text))
		}
		b.WriteByte(' ')
	}
	left := b.String()
	right := ""
	if m.filter != "" {
		right = m.st.Queue.FilterPrompt.Render(m.cat.FilterPrompt) + m.st.Queue.Filter.Render(m.filter) + " "
	}
	right += m.st.Queue.Count.Render(m.cat.Count(len(m.view), m.counts[TabAll]))
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return cell.Fit(left+" "+right, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// columns are the cell widths of a row at a total width; summary takes
// what is left. Wider terminals get wider names and assignees first, since
// those are what an agent scans for.
type columns struct {
	marker, channel, customer, wait, sla, flag, assignee, summary int
}

func layout(width int) columns {
	c := columns{marker: 2, channel: 6, customer: 14, wait: 5, sla: 6, flag: 6, assignee: 8}
	switch {
	case width >= 120:
		c.customer, c.assignee, c.channel = 20, 14, 8
	case width >= 70:
		c.channel = 8 // "WhatsApp" whole, not "whats…"
	}
	fixed := c.marker + c.channel + c.customer + c.wait + c.sla + c.flag + c.assignee + 7 // 7 one-cell gaps between 8 cells
	c.summary = width - fixed
	if c.summary < 8 {
		// Narrow panes drop the assignee before squeezing the summary away.
		c.summary += c.assignee + 1
		c.assignee = 0
	}
	c.summary = max(c.summary, 0)
	return c
}

func (m *Model) headerLine() string {
	c := layout(m.width)
	cells := []string{
		cell.Fit("", c.marker), cell.Fit(m.cat.ColChannel, c.channel), cell.Fit(m.cat.ColCustomer, c.customer),
		cell.Fit(m.cat.ColWait, c.wait), cell.Fit(m.cat.ColSLA, c.sla), cell.Fit(m.cat.ColStatus, c.flag),
		cell.Fit(m.cat.ColSummary, c.summary),
	}
	if c.assignee > 0 {
		cells = append(cells, cell.Fit(m.cat.ColAssignee, c.assignee))
	}
	return m.st.Queue.Header.Render(cell.Fit(strings.Join(cells, " "), m.width))
}

func (m *Model) renderRow(e *entry, selected, marked bool) string {
	c := layout(m.width)
	q := &m.st.Queue
	marker := "  "
	switch {
	case selected && marked:
		marker = ">*"
	case selected:
		marker = "> "
	case marked:
		marker = " *"
	}

	// Rows are redrawn once a minute, so under a minute reads "<1m", not a
	// "0s" that would sit there for the whole minute.
	// Wait and SLA as protocol defines them (wait.go there): the wait runs
	// from the oldest unanswered customer message, the SLA stops at the
	// first reply — the same figures the lead's board shows.
	waitText := "—"
	if e.c.WaitStart() != 0 {
		wait := e.c.Wait(m.now).Truncate(time.Minute)
		waitText = i18n.FitDuration(m.cat.Duration, wait, c.wait)
		if wait < time.Minute {
			waitText = "<" + m.cat.Duration(time.Minute)
		}
	}
	slaText, slaStyle := "—", q.SLANone
	if e.c.SLADueAt != 0 && e.c.Answered() {
		slaText = "✓"
	}
	if left, on := e.c.SLALeft(m.now); on {
		total := time.UnixMilli(e.c.SLADueAt).Sub(time.UnixMilli(e.c.EscalatedAt))
		switch {
		case left <= 0:
			slaText, slaStyle = i18n.FitDuration(m.cat.SLAOverdue, max((-left).Truncate(time.Minute), time.Minute), c.sla), q.SLABreached
		case left <= 2*time.Minute || (total > 0 && left*4 <= total):
			slaText, slaStyle = i18n.FitDuration(m.cat.SLALeft, left.Truncate(time.Minute), c.sla), q.SLASoon
		default:
			slaText, slaStyle = i18n.FitDuration(m.cat.SLALeft, left.Truncate(time.Minute), c.sla), q.SLAOk
		}
		if left > 0 && left < time.Minute {
			slaText = "<" + m.cat.SLALeft(time.Minute)
		}
	}
	if e.c.Status == protocol.ConvSnoozed && e.c.SnoozedUntil > 0 {
		// Parked: when it comes back, not an SLA ticking under it.
		back := max(time.UnixMilli(e.c.SnoozedUntil).Sub(m.now), 0)
		slaText, slaStyle = "z"+i18n.FitDuration(m.cat.Duration, back.Truncate(time.Minute), c.sla-1), q.SLANone
	}
	flagText, flagStyle := m.badge(&e.c)
	assignee := m.cat.Unassigned
	assigneeStyle := q.Unassigned
	if e.c.Assignee != "" {
		assignee, assigneeStyle = e.c.Assignee, q.Assignee
		if n, ok := m.names[e.c.Assignee]; ok && n != "" {
			assignee = n
		} else {
			assignee = sanitize.Line(assignee)
		}
	}

	if selected {
		// One style over the whole plain row: the cursor must read as one
		// band, and cell colours on the selection background clash.
		cells := []string{marker, cell.Fit(e.channel, c.channel), cell.Fit(e.name, c.customer), padLeft(waitText, c.wait),
			padLeft(slaText, c.sla), cell.Fit(flagText, c.flag), cell.Fit(e.summary, c.summary)}
		if c.assignee > 0 {
			cells = append(cells, cell.Fit(assignee, c.assignee))
		}
		return q.Selected.Render(cell.Fit(strings.Join(cells, " "), m.width))
	}
	markerStyle := q.Row
	if marked {
		markerStyle = q.Marked
	}
	cells := []string{
		markerStyle.Render(marker),
		q.Channel.Render(cell.Fit(e.channel, c.channel)),
		q.Customer.Render(cell.Fit(e.name, c.customer)),
		q.Wait.Render(padLeft(waitText, c.wait)),
		slaStyle.Render(padLeft(slaText, c.sla)),
		flagStyle.Render(cell.Fit(flagText, c.flag)),
		q.Summary.Render(cell.Fit(e.summary, c.summary)),
	}
	if c.assignee > 0 {
		cells = append(cells, assigneeStyle.Render(cell.Fit(assignee, c.assignee)))
	}
	row := strings.Join(cells, " ")
	if w := ansi.StringWidth(row); w < m.width {
		row += strings.Repeat(" ", m.width-w)
	} else if w > m.width {
		// A pane narrower than the fixed columns (the queue beside the
		// conversation on a 120-column terminal) cuts the row, as the header
		// and the selected row are cut, instead of pushing the pane border.
		row = ansi.Truncate(row, m.width, "")
	}
	return row
}
