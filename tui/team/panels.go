package team

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// panels is the right-hand column of wide boards: queue breakdown, charts,
// sentiment, hot topics, CSAT.
func (b *Board) panels(w, h int) []string {
	t := &b.cat.Team
	var out []string
	add := func(s string) { out = append(out, cell.Fit(" "+s, w)) }
	head := func(s string) { out = append(out, b.st.Muted.Render(cell.Fit(" "+s, w))) }

	head(t.Queue)
	for _, l := range b.queueBreakdown() {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(t.Charts)
	depth, frt, frtAvg := b.series()
	sparkW := max(w-16, 8)
	add(cell.Fit(t.QueueDepth, 12) + Sparkline(lastN(depth, sparkW)) + " " + strconv.Itoa(lastInt(depth)))
	add(cell.Fit(t.FirstResponse, 12) + Sparkline(lastN(frt, sparkW)))
	if frtAvg >= 0 {
		add(cell.Fit("", 12) + t.Avg(b.cat.Duration(time.Duration(frtAvg)*time.Millisecond)))
	}
	add(cell.Fit(t.Sentiment, 12) + b.sentimentBar(max(w-14, 8)))
	out = append(out, strings.Repeat(" ", w))
	head(t.Topics)
	for _, l := range b.topicLines(w - 2) {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(t.CSAT)
	for _, l := range b.csatLines() {
		add(l)
	}
	out = append(out, strings.Repeat(" ", w))
	head(b.cat.Bot.Panel)
	for _, l := range b.botLines() {
		add(l)
	}
	return padTo(out, w, h)
}

// compactPanels is the few lines of figures a narrow board has room for.
func (b *Board) compactPanels(w int) []string {
	t := &b.cat.Team
	depth, _, _ := b.series()
	q := b.queueBreakdown()
	lines := []string{
		cell.Fit(" "+t.QueueDepth+" "+Sparkline(lastN(depth, 20))+"  "+q[0], w),
		cell.Fit(" "+t.Sentiment+" "+b.sentimentBar(16)+"  "+t.Topics+": "+b.topTopic(), w),
	}
	return lines
}

func lastInt(v []float64) int {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) {
			return int(v[i])
		}
	}
	return 0
}

func lastN(v []float64, n int) []float64 {
	if len(v) > n {
		return v[len(v)-n:]
	}
	return v
}

// series returns queue depth and first-response time per minute over the
// last hour (NaN where unknown), and the hour's mean first response (ms,
// -1 with none). The newest queue-depth point is the live count.
func (b *Board) series() (depth, frt []float64, frtAvg int64) {
	frtAvg = -1
	if !b.loaded {
		return []float64{float64(b.queued())}, nil, -1
	}
	var sum, n int64
	for _, m := range b.stats.Minutes {
		d := math.NaN()
		if m.QueueDepth >= 0 {
			d = float64(m.QueueDepth)
		}
		depth = append(depth, d)
		f := math.NaN()
		if m.FirstReplies > 0 {
			f = float64(m.FirstRespMs)
			sum += m.FirstRespMs * int64(m.FirstReplies)
			n += int64(m.FirstReplies)
		}
		frt = append(frt, f)
	}
	if len(depth) > 0 {
		depth[len(depth)-1] = float64(b.queued())
	}
	if n > 0 {
		frtAvg = sum / n
	}
	return depth, frt, frtAvg
}

func (b *Board) queued() int { return b.agg.queued }

// queueBreakdown is three lines: queued chats by priority, channel, team.
func (b *Board) queueBreakdown() []string {
	t := &b.cat.Team
	var ps []int
	for p := range b.agg.byPrio {
		ps = append(ps, p)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ps)))
	var pparts []string
	for _, p := range ps {
		pparts = append(pparts, fmt.Sprintf("P%d×%d", p, b.agg.byPrio[p]))
	}
	if len(pparts) > 8 {
		pparts = append(pparts[:8], "…")
	}
	channels, teams := map[string]int{}, map[string]int{}
	for ch, n := range b.agg.byChannel {
		label := sanitize.Line(ch)
		if l, ok := b.cat.Channel(ch); ok {
			label = l
		}
		channels[label] += n
	}
	for tm, n := range b.agg.byTeam {
		label := sanitize.Line(tm)
		if label == "" {
			label = t.NoTeam
		}
		teams[label] += n
	}
	return []string{
		t.ByPriority + ": " + orDash(strings.Join(pparts, " ")),
		t.ByChannel + ": " + orDash(counts(channels)),
		t.ByTeam + ": " + orDash(counts(teams)),
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// counts renders a tally biggest first: "web 3 · wechat 2".
func counts(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.k + " " + strconv.Itoa(e.v)
	}
	return strings.Join(parts, " · ")
}

// sentimentBar shows the mix of open chats' sentiment as a bar of w cells
// (− negative, · neutral, + positive, so it reads without colour too)
// followed by the counts.
func (b *Board) sentimentBar(w int) string {
	neg, neu, pos := b.agg.neg, b.agg.neu, b.agg.pos
	total := neg + neu + pos
	label := fmt.Sprintf(" %d/%d/%d", neg, neu, pos)
	barW := max(w-lipgloss.Width(label), 3)
	if total == 0 {
		return strings.Repeat("·", barW) + label
	}
	n := int(math.Round(float64(neg) * float64(barW) / float64(total)))
	p := int(math.Round(float64(pos) * float64(barW) / float64(total)))
	m := max(barW-n-p, 0)
	bs := &b.st.Badge
	return bs.Negative.Render(strings.Repeat("−", n)) + bs.Neutral.Render(strings.Repeat("·", m)) +
		bs.Positive.Render(strings.Repeat("+", p)) + label
}

func (b *Board) topicName(tp protocol.Topic) string {
	if tp.Kind == protocol.TopicKeyword {
		return "“" + sanitize.Line(tp.Name) + "”"
	}
	return sanitize.Line(b.cat.IntentName(tp.Name))
}

func (b *Board) topicLines(w int) []string {
	t := &b.cat.Team
	if !b.loaded {
		return []string{t.Loading}
	}
	var out []string
	for _, win := range []struct {
		label string
		ts    []protocol.Topic
	}{{t.HotHour, b.stats.HotHour}, {t.HotDay, b.stats.HotDay}} {
		if len(win.ts) == 0 {
			out = append(out, win.label+": "+t.NothingRising)
			continue
		}
		out = append(out, win.label+":")
		for i, tp := range win.ts {
			if i == 4 {
				break
			}
			out = append(out, cell.Fit("  "+t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin), w))
		}
	}
	return out
}

// topTopic is the one-line hot-topic summary of a narrow board.
func (b *Board) topTopic() string {
	t := &b.cat.Team
	switch {
	case !b.loaded:
		return t.Loading
	case len(b.stats.HotHour) > 0:
		tp := b.stats.HotHour[0]
		return t.HotHour + " " + t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin)
	case len(b.stats.HotDay) > 0:
		tp := b.stats.HotDay[0]
		return t.HotDay + " " + t.TopicLine(b.topicName(tp), tp.Count, tp.Expected, tp.Thin)
	}
	return t.NothingRising
}

func (b *Board) csatLines() []string {
	t := &b.cat.Team
	if !b.loaded {
		return []string{t.Loading}
	}
	fmtRows := func(label string, rows []protocol.CSATRow, name func(string) string) string {
		if len(rows) == 0 {
			return label + ": " + t.NoRatings
		}
		parts := make([]string, 0, len(rows))
		for _, r := range rows {
			parts = append(parts, name(r.Key)+" "+t.CSATCell(r.Avg, r.Count))
		}
		return label + ": " + strings.Join(parts, " · ")
	}
	return []string{
		fmtRows(t.ByAgent, b.stats.CSATByAgent, b.name),
		fmtRows(t.ByTopic, b.stats.CSATByTopic, func(k string) string { return sanitize.Line(b.cat.IntentName(k)) }),
	}
}

// botLines are the front-line bot's figures for today: answers, requests
// for detail, chats it resolved, handoffs and their reasons.
func (b *Board) botLines() []string {
	bc := &b.cat.Bot
	if !b.loaded {
		return []string{b.cat.Team.Loading}
	}
	d := b.stats.Bot
	why := bc.NoHandoffs
	if len(d.Reasons) > 0 {
		parts := make([]string, 0, len(d.Reasons))
		for _, r := range d.Reasons {
			label, ok := b.cat.Reason(r.Reason)
			if !ok {
				label = sanitize.Line(string(r.Reason))
			}
			parts = append(parts, label+" "+strconv.Itoa(r.Count))
		}
		why = bc.Why + ": " + strings.Join(parts, " · ")
	}
	return []string{bc.Day(d.Answers, d.Fallbacks, d.Resolved, d.Handoffs), why}
}

// sparkBlocks are the eight heights of a sparkline cell.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one row of block characters scaled to the
// largest; NaN (no data) is a blank, zero the lowest block.
func Sparkline(v []float64) string {
	top := 0.0
	for _, x := range v {
		if !math.IsNaN(x) {
			top = max(top, x)
		}
	}
	var sb strings.Builder
	for _, x := range v {
		switch {
		case math.IsNaN(x):
			sb.WriteRune(' ')
		case top <= 0:
			sb.WriteRune(sparkBlocks[0])
		default:
			i := int(math.Round(x / top * float64(len(sparkBlocks)-1)))
			sb.WriteRune(sparkBlocks[clamp(i, 0, len(sparkBlocks)-1)])
		}
	}
	return sb.String()
}
