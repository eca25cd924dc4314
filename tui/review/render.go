package review

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/internal/textdiff"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// wideMin is the narrowest width that shows list and detail side by side.
const wideMin = 120

// Render draws the view in exactly width × height cells.
func (m *Model) Render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	out := make([]string, 0, h)
	out = append(out, m.titleLine(w))
	body := max(h-2, 0)
	switch {
	case m.metricsOn:
		out = append(out, pad(m.metricsLines(w), w, body)...)
	case m.form != nil && w < wideMin:
		out = append(out, pad(m.form.view(w), w, body)...)
	case m.zoom:
		out = append(out, pad(m.detailLines(w, body), w, body)...)
	case w >= wideMin:
		lw := w * 38 / 100
		dw := w - lw - 1
		list := m.listLines(lw, body)
		var right []string
		if m.form != nil {
			right = pad(m.form.view(dw), dw, body)
		} else {
			right = pad(m.detailLines(dw, body), dw, body)
		}
		sep := m.st.Separator.Render("│")
		for i := 0; i < body; i++ {
			out = append(out, list[i]+sep+right[i])
		}
	default:
		lh := max(min(body/3, len(m.items)+1), min(3, body))
		if len(m.items) == 0 {
			lh = min(2, body)
		}
		dh := max(body-lh-1, 0)
		out = append(out, m.listLines(w, lh)...)
		if body > lh {
			out = append(out, m.st.Separator.Render(strings.Repeat("─", w)))
		}
		out = append(out, pad(m.detailLines(w, dh), w, dh)...)
	}
	if h > 1 {
		out = append(out, m.footer(w))
	}
	return strings.Join(pad(out, w, h), "\n")
}

// DetailHeight is how many detail rows show at once.
func (m *Model) detailHeight() int {
	body := max(m.height-2, 1)
	if m.zoom || m.width >= wideMin {
		return body
	}
	return max(body-body/3-1, 1)
}

func pad(lines []string, w, h int) []string {
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	for i := range lines {
		lines[i] = cell.Fit(lines[i], w)
	}
	return lines[:h]
}

func (m *Model) titleLine(w int) string {
	c := m.cat
	parts := []string{"▌" + c.Title}
	if m.metricsOn {
		parts = append(parts, c.MetricsTitle)
	}
	if m.loaded {
		shown := 0
		if len(m.items) > 0 {
			shown = m.sel + 1
		}
		parts = append(parts, c.Count(shown, m.total))
	} else {
		parts = append(parts, c.Loading)
	}
	if m.sort == protocol.SortNewest {
		parts = append(parts, c.SortNewest)
	} else {
		parts = append(parts, c.SortChange)
	}
	if m.filterText != "" {
		parts = append(parts, c.FilterLabel(sanitize.Line(m.filterText)))
	}
	if m.sideBySide {
		parts = append(parts, c.SideBySide)
	} else {
		parts = append(parts, c.Unified)
	}
	if m.busy != "" {
		parts = append(parts, m.busy+"…")
	}
	return m.st.Title.Render(cell.Fit(strings.Join(parts, " · "), w))
}

func (m *Model) footer(w int) string {
	if m.filtering || m.titling {
		return cell.Fit(m.input.View(), w)
	}
	if m.notice != "" && m.o.Now().Sub(m.noticeAt) < noticeFor {
		if m.noticeErr {
			return m.st.Draft.Warning.Render(cell.Fit(" "+m.notice, w))
		}
		return m.st.Draft.Provenance.Render(cell.Fit(" "+m.notice, w))
	}
	return m.st.Muted.Render(cell.Fit(" "+m.o.Cat.Review.FilterLabel(orText(m.filterText, m.cat.FilterNone)), w))
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func glyph(action protocol.Action) string {
	switch action {
	case protocol.ActionReject:
		return "✗"
	case protocol.ActionEdit:
		return "✎"
	}
	return "✓"
}

func (m *Model) actionWord(action protocol.Action) string {
	switch action {
	case protocol.ActionReject:
		return m.cat.Rejected
	case protocol.ActionEdit:
		return m.cat.Edited
	}
	return m.cat.Accepted
}

// listLines renders the visible rows of the list, keeping the selection
// in view.
func (m *Model) listLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	if !m.loaded {
		return pad([]string{m.st.Muted.Render(" " + m.cat.Loading)}, w, h)
	}
	if len(m.items) == 0 {
		msg := m.cat.Empty
		if m.filterText != "" || len(m.filter.Actions) > 0 {
			msg = m.cat.EmptyFiltered
		}
		return pad(wrapPlain(msg, w, &m.st.Queue.Empty), w, h)
	}
	top := 0
	if m.sel >= h {
		top = m.sel - h + 1
	}
	out := make([]string, 0, h)
	for i := top; i < len(m.items) && len(out) < h; i++ {
		out = append(out, m.row(m.items[i], w, i == m.sel))
	}
	return pad(out, w, h)
}

func (m *Model) row(it protocol.ReviewItem, w int, selected bool) string {
	o := it.Outcome
	mark := " "
	if it.Label != nil {
		mark = "●"
		if it.Label.Golden {
			mark = "★"
		}
	}
	reason := o.Reason
	if it.Label != nil && it.Label.Reason != "" {
		reason = it.Label.Reason
	}
	if reason != "" {
		reason = m.o.Cat.RejectReason(reason)
	}
	// Ages share one column as wide as the language's "9h59m": a longer
	// age drops its smaller unit rather than pushing the row's fields right.
	ageW := ansi.StringWidth(m.o.Cat.Duration(9*time.Hour + 59*time.Minute))
	age := cell.Fit(i18n.FitDuration(m.o.Cat.Duration, max(m.o.Now().Sub(time.UnixMilli(o.CreatedAt)), 0), ageW), ageW)
	agent := orText(it.AgentName, o.AgentID)
	fields := []string{}
	if reason != "" {
		fields = append(fields, sanitize.Line(reason))
	}
	intent := "—"
	if it.Intent != "" {
		intent = m.o.Cat.IntentName(it.Intent)
	}
	fields = append(fields, sanitize.Line(intent), sanitize.Line(agent), sanitize.Line(o.DraftText))
	text := fmt.Sprintf("%s%s %s %s %s", mark, glyph(o.Action), m.cat.Change(int(it.Change*100+0.5)), age,
		strings.Join(fields, " · "))
	if selected {
		return m.st.Queue.Selected.Render(cell.Fit(text, w))
	}
	style := m.st.Queue.Row
	switch o.Action {
	case protocol.ActionReject:
		style = m.st.Draft.Warning
	case protocol.ActionEdit:
		style = m.st.Queue.SLASoon
	}
	return style.Render(cell.Fit(text, w))
}

// detailLines renders the selected outcome's detail from the scroll offset.
func (m *Model) detailLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	it, ok := m.selected()
	if !ok {
		if m.loaded && len(m.items) == 0 {
			return nil
		}
		return wrapPlain(m.cat.NoSelection, w, &m.st.Muted)
	}
	lines := m.detailBody(it, w)
	maxScroll := max(len(lines)-h, 0)
	m.scroll = min(m.scroll, maxScroll)
	return lines[m.scroll:]
}

func (m *Model) section(title string, w int) string {
	return m.st.Title.Render(cell.Fit("── "+title+" ", w))
}

func (m *Model) detailBody(it protocol.ReviewItem, w int) []string {
	c, st := m.cat, m.st
	o := it.Outcome
	var out []string
	head := fmt.Sprintf("%s %s · %s", glyph(o.Action), m.actionWord(o.Action), m.cat.Change(int(it.Change*100+0.5)))
	if o.Reason != "" {
		head += " · " + m.o.Cat.RejectReason(o.Reason)
	}
	if l := it.Label; l != nil && l.Reason != "" && l.Reason != o.Reason {
		head += " → " + m.o.Cat.RejectReason(l.Reason)
	}
	out = append(out, st.Title.Render(cell.Fit(head, w)))
	out = append(out, wrapPlain(c.Meta(orText(it.AgentName, o.AgentID), o.Provider, o.Model, o.PromptVersion), w, &st.Muted)...)
	info := []string{time.UnixMilli(o.CreatedAt).In(m.o.Location).Format("2006-01-02 15:04")}
	if it.Intent != "" {
		info = append(info, m.o.Cat.IntentName(it.Intent))
	}
	if it.Language != "" {
		info = append(info, it.Language)
	}
	d := m.detail
	if d != nil && d.Item.Outcome.ID == o.ID {
		if d.Customer != "" {
			info = append(info, d.Customer)
		}
		if d.Channel != "" {
			if label, ok := m.o.Cat.Channel(d.Channel); ok {
				info = append(info, label)
			} else {
				info = append(info, d.Channel)
			}
		}
	}
	out = append(out, wrapPlain(strings.Join(info, " · "), w, &st.Muted)...)

	if d == nil || d.Item.Outcome.ID != o.ID {
		out = append(out, "", st.Muted.Render(c.Loading))
	} else {
		out = append(out, "", m.section(c.Context, w))
		for _, msg := range d.Context {
			out = append(out, m.message(msg, w)...)
		}
	}

	// The diff: draft against what was sent, or against the gold reply.
	target, title, right := o.FinalText, c.DraftVsSent, c.Sent
	if it.Label != nil && it.Label.GoldReply != "" && (o.Action != protocol.ActionAccept || it.Label.GoldReply != o.FinalText) {
		target, title, right = it.Label.GoldReply, c.DraftVsGold, c.Gold
	}
	out = append(out, "")
	if target == "" {
		out = append(out, m.section(c.DraftOnly, w))
		out = append(out, wrapRuns(diffRuns([]textdiff.Segment{{Op: textdiff.Delete, Text: o.DraftText}}, "", st), w)...)
	} else {
		mode := c.Unified
		if m.sideBySide {
			mode = c.SideBySide
		}
		out = append(out, m.section(title+" ("+mode+")", w))
		segs := textdiff.Diff(o.DraftText, target)
		if m.sideBySide && w >= 30 {
			out = append(out, sideBySide(diffRuns(segs, "old", st), diffRuns(segs, "new", st), c.Draft, right, w, st.Muted)...)
		} else {
			out = append(out, wrapRuns(diffRuns(segs, "", st), w)...)
		}
	}
	if o.Note != "" {
		out = append(out, "", m.section(c.Note, w))
		out = append(out, wrapPlain(o.Note, w, nil)...)
	}

	out = append(out, "", m.section(c.Reason+" / "+c.Severity+" / "+c.GoldReply, w))
	if l := it.Label; l != nil {
		at := time.UnixMilli(l.LabelledAt).In(m.o.Location).Format("01-02 15:04")
		by := l.LabelledBy
		if m.o.Name != nil {
			by = orText(m.o.Name(by), by)
		}
		out = append(out, wrapPlain(c.Labelled(by, at), w, &st.Muted)...)
		var facts []string
		if l.Reason != "" {
			facts = append(facts, c.Reason+": "+m.o.Cat.RejectReason(l.Reason))
		}
		if l.Severity != "" {
			facts = append(facts, c.Severity+": "+l.Severity)
		}
		if l.Mood != "" {
			facts = append(facts, c.Mood+": "+c.MoodName(l.Mood))
		}
		if l.Golden {
			facts = append(facts, "★ "+c.Golden)
		}
		if len(facts) > 0 {
			out = append(out, wrapPlain(strings.Join(facts, " · "), w, nil)...)
		}
		if l.Comment != "" {
			out = append(out, wrapPlain(c.Comment+": "+l.Comment, w, nil)...)
		}
		if l.GoldReply != "" {
			out = append(out, wrapPlain(c.GoldReply+": "+l.GoldReply, w, &st.Diff.Insert)...)
		}
	} else {
		out = append(out, st.Muted.Render(cell.Fit(c.NotLabelled, w)))
	}
	if d != nil && d.Item.Outcome.ID == o.ID && len(d.Promotions) > 0 {
		out = append(out, "", m.section(c.Promotions, w))
		for _, p := range d.Promotions {
			status := c.StatusActive
			if p.Status == protocol.PromotionPending {
				status = c.StatusPending
			}
			out = append(out, wrapPlain(c.PromotionLine(p.Target, p.Ref, status), w, nil)...)
		}
	}
	if len(o.Sources) > 0 {
		var src []string
		for _, s := range o.Sources {
			src = append(src, s.Kind+":"+s.ID)
		}
		out = append(out, "")
		out = append(out, wrapPlain(c.Sources+": "+strings.Join(src, ", "), w, &st.Muted)...)
	}
	if d != nil && d.Item.Outcome.ID == o.ID && len(d.After) > 0 {
		out = append(out, "", m.section(c.After, w))
		for _, msg := range d.After {
			out = append(out, m.message(msg, w)...)
		}
	}
	return out
}

func (m *Model) message(msg protocol.Message, w int) []string {
	st := &m.st.Transcript
	label, style := st.Customer, st.CustomerBody
	switch msg.Author {
	case protocol.AuthorBot:
		label, style = st.Bot, st.BotBody
	case protocol.AuthorAgent:
		label, style = st.Agent, st.AgentBody
	case protocol.AuthorNote:
		label, style = st.Note, st.NoteBody
	case protocol.AuthorSystem:
		label, style = st.System, st.SystemBody
	}
	who := m.o.Cat.Author(msg.Author)
	runs := []run{{who + ": ", &label}, {sanitize.Text(msg.Text), &style}}
	return wrapRuns(runs, w)
}

// sideBySide lays the old and new sides in two columns.
func sideBySide(left, right []run, lt, rt string, w int, muted lipgloss.Style) []string {
	cw := (w - 3) / 2
	l := wrapRuns(left, cw)
	r := wrapRuns(right, cw)
	out := []string{muted.Render(cell.Fit(lt, cw)) + " │ " + muted.Render(cell.Fit(rt, cw))}
	for i := 0; i < max(len(l), len(r)); i++ {
		a, b := "", ""
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			b = r[i]
		}
		out = append(out, cell.Fit(a, cw)+" │ "+cell.Fit(b, cw))
	}
	return out
}

// metricsLines renders the metrics panel.
func (m *Model) metricsLines(w int) []string {
	c, st := m.cat, m.st
	if m.metrics == nil {
		return []string{st.Muted.Render(c.Loading)}
	}
	r := m.metrics
	var out []string
	widths := []int{7, 9, 9, 9, 11}
	cols := func(vals []string) string {
		var b strings.Builder
		for i, v := range vals {
			if i < len(widths) {
				b.WriteString(padLeft(v, widths[i]))
			}
		}
		return b.String()
	}
	row := func(s protocol.OutcomeStats, label string) string {
		return cell.Fit("  "+cell.Fit(sanitize.Line(label), 24)+cols([]string{fmt.Sprint(s.Total), pctOf(s.AcceptRate),
			pctOf(s.EditRate), pctOf(s.RejectRate), fmt.Sprintf("%.3f", s.MeanEditDistance)}), w)
	}
	header := st.Muted.Render(cell.Fit("  "+strings.Repeat(" ", 24)+cols(strings.Split(c.MetricsHeader, "  ")), w))
	if r.Overall.Total == 0 {
		return []string{st.Muted.Render(c.NoData)}
	}
	block := func(title string, rows []protocol.OutcomeStats, name func(string) string) {
		if len(rows) == 0 {
			return
		}
		out = append(out, m.section(title, w), header)
		for _, s := range rows {
			out = append(out, row(s, name(s.Key)))
		}
	}
	same := func(k string) string { return k }
	block(c.Overall, []protocol.OutcomeStats{r.Overall}, same)
	if len(r.Reasons) > 0 {
		out = append(out, m.section(c.Reasons, w))
		keys := make([]string, 0, len(r.Reasons))
		most := 0
		for k, v := range r.Reasons {
			keys = append(keys, k)
			most = max(most, v)
		}
		sortByCount(keys, r.Reasons)
		for _, k := range keys {
			bar := strings.Repeat("█", max(1, r.Reasons[k]*20/max(most, 1)))
			// cell.Fit pads by cells; %-24s would pad again by runes and push
			// Chinese labels off the column.
			out = append(out, cell.Fit(fmt.Sprintf("  %s %5d  %s", cell.Fit(m.o.Cat.RejectReason(k), 24), r.Reasons[k], bar), w))
		}
	}
	block(c.ByDay, r.Days, same)
	block(c.ByPrompt, r.ByPromptVersion, same)
	block(c.ByModel, r.ByModel, same)
	block(c.ByIntent, r.ByIntent, m.o.Cat.IntentName)
	return out
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return strings.Repeat(" ", w-sw) + s
	}
	return s
}

func pctOf(v float64) string { return fmt.Sprintf("%d%%", int(v*100+0.5)) }

func sortByCount(keys []string, n map[string]int) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && (n[keys[j]] > n[keys[j-1]] || n[keys[j]] == n[keys[j-1]] && keys[j] < keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}
