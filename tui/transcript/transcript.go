// Package transcript renders a conversation's messages — customer, bot,
// agent, system events and internal notes, each visibly distinct even
// without colour — with times, delivery status of agent replies, CJK-aware
// word wrapping and virtualised scrollback.
//
// Like every desk component it is a plain struct (SetSize, Render,
// HandleKey) owned by the root model. The scroll position is an anchor
// (message, line within it), so rendering and scrolling only wrap the
// messages they pass over; wrapped lines are cached per message and width,
// and a conversation of thousands of messages scrolls without re-wrapping.
package transcript

import (
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/media"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// block is the rendered lines of one message at one width.
type block struct {
	width    int
	delivery protocol.DeliveryState
	lines    []string
}

// Model is the transcript view.
type Model struct {
	st  *themes.Styles
	cat *i18n.Catalog
	loc *time.Location

	msgs   []protocol.Message
	blocks []block // parallel to msgs; width 0 = not rendered yet

	// queued is how many of msgs, at the end, are the agent's replies and
	// notes still in the desk's outbox (SetQueued); online says whether
	// they are on their way.
	queued int
	online bool

	width, height int
	now           time.Time
	noRoute       string           // channel replies are not delivered on (SetNoRoute)
	thumbs        map[string]Thumb // attachment id → its image in the terminal (SetThumb)

	// follow keeps the newest message in view as messages arrive; when the
	// agent scrolls up it turns off and top anchors the view instead.
	follow  bool
	topMsg  int
	topLine int
	unseen  int // messages that arrived while not following
}

// New returns an empty transcript showing times in loc.
func New(st *themes.Styles, cat *i18n.Catalog, loc *time.Location) *Model {
	if loc == nil {
		loc = time.Local
	}
	return &Model{st: st, cat: cat, loc: loc, follow: true, now: time.Now()}
}

// SetSize sets the area the transcript renders into.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 0), max(height, 0)
	if !m.follow {
		m.clampTop()
	}
}

// Invalidate drops the wrapped-line cache, e.g. after the theme changed.
func (m *Model) Invalidate() {
	for i := range m.blocks {
		m.blocks[i] = block{}
	}
}

// SetNow sets the clock used to decide whether a time needs its date.
func (m *Model) SetNow(t time.Time) { m.now = t }

// SetMessages replaces the transcript (a conversation was opened) and shows
// its newest messages.
func (m *Model) SetMessages(msgs []protocol.Message) {
	m.msgs = append(m.msgs[:0], msgs...)
	m.blocks = make([]block, len(m.msgs))
	m.follow, m.topMsg, m.topLine, m.unseen, m.queued = true, 0, 0, 0, 0
}

// Append adds a message that arrived live, before the queued ones.
func (m *Model) Append(msg protocol.Message) {
	i := len(m.msgs) - m.queued
	m.msgs = slices.Insert(m.msgs, i, msg)
	m.blocks = slices.Insert(m.blocks, i, block{})
	if !m.follow {
		if m.topMsg >= i && m.queued > 0 {
			m.topMsg++
		}
		m.unseen++
	}
}

// SetQueued shows the agent's replies and notes the desk has not yet
// handed to the server after the transcript, marked queued (offline) or
// sending (online), at the time they were written; they replace the
// previous ones.
func (m *Model) SetQueued(msgs []protocol.Message, online bool) {
	n := len(m.msgs) - m.queued
	if online == m.online && slices.EqualFunc(m.msgs[n:], msgs, func(a, b protocol.Message) bool { return a.ID == b.ID }) {
		return
	}
	m.msgs = append(m.msgs[:n], msgs...)
	m.blocks = append(m.blocks[:n], make([]block, len(msgs))...)
	m.queued, m.online = len(msgs), online
	if m.topMsg >= len(m.msgs) {
		m.topMsg, m.topLine = max(len(m.msgs)-1, 0), 0
	}
}

// Real returns the messages the server holds (not the queued ones).
func (m *Model) Real() []protocol.Message { return m.msgs[:len(m.msgs)-m.queued] }

// SetDelivery updates the delivery status of an agent reply (or a bot
// turn sent as mail).
func (m *Model) SetDelivery(messageID string, delivery protocol.DeliveryState) {
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if m.msgs[i].ID == messageID {
			m.msgs[i].Delivery = delivery
			return
		}
	}
}

// SetNoRoute says that replies in this conversation reach no customer (the
// server delivers nothing on its channel): pending replies then read "no
// delivery configured for channel X" instead of "sending…" for ever.
// Empty clears it.
func (m *Model) SetNoRoute(channel string) {
	if m.noRoute != channel {
		m.noRoute = channel
		m.Invalidate()
	}
}

// Len returns the number of messages.
func (m *Model) Len() int { return len(m.msgs) }

// Following reports whether the view sticks to the newest message.
func (m *Model) Following() bool { return m.follow }

// lines returns the rendered lines of message i at the current width.
// Every message but the first starts with a blank separator line, so
// blocks stack without a special case at the ends.
func (m *Model) lines(i int) []string {
	b := &m.blocks[i]
	if b.width == m.width && b.delivery == m.msgs[i].Delivery && b.lines != nil {
		return b.lines
	}
	*b = block{width: m.width, delivery: m.msgs[i].Delivery, lines: m.render(&m.msgs[i], i > 0, i >= len(m.msgs)-m.queued)}
	return b.lines
}

func (m *Model) render(msg *protocol.Message, sep, queued bool) []string {
	t := &m.st.Transcript
	var out []string
	if sep {
		out = append(out, "")
	}
	// The time the agent wrote it; a reply that waited in an offline
	// desk's outbox says when it went out too.
	stamp := m.stamp(msg.CreatedAt)
	if msg.WrittenAt > 0 {
		stamp = m.stamp(msg.WrittenAt)
		if msg.CreatedAt-msg.WrittenAt >= time.Minute.Milliseconds() {
			stamp = m.cat.WrittenSent(stamp, m.stamp(msg.CreatedAt))
		}
	}
	name := sanitize.Line(msg.AuthorName)
	label := m.cat.Author(msg.Author)
	var labelStyle, bodyStyle = t.System, t.SystemBody
	gutter := "  "
	switch msg.Author {
	case protocol.AuthorCustomer:
		labelStyle, bodyStyle = t.Customer, t.CustomerBody
	case protocol.AuthorBot:
		labelStyle, bodyStyle = t.Bot, t.BotBody
	case protocol.AuthorAgent:
		labelStyle, bodyStyle = t.Agent, t.AgentBody
	case protocol.AuthorNote:
		// The gutter marks notes without colour: an agent must never
		// mistake a note for something the customer saw.
		labelStyle, bodyStyle, gutter = t.Note, t.NoteBody, "┃ "
	}
	head := label
	if name != "" {
		head += " · " + name
	}
	header := labelStyle.Render(head) + "  " + t.Time.Render(stamp)
	status := ""
	// What the desk has not handed to the server yet says so; agents'
	// replies, and the bot's turns where they are sent like replies
	// (e-mail), say whether they reached the customer.
	switch {
	case queued && m.online:
		status = t.DeliveryPending.Render("… " + m.cat.DeliveryPending)
	case queued:
		status = t.DeliveryPending.Render("⧗ " + m.cat.DeliveryQueued)
	case (msg.Author == protocol.AuthorAgent || msg.Author == protocol.AuthorBot) && msg.Delivery != "":
		switch msg.Delivery {
		case protocol.DeliveryPending:
			if m.noRoute != "" {
				status = t.DeliveryFailed.Render("✗ " + m.cat.DeliveryNoRoute(sanitize.Line(m.noRoute)))
				break
			}
			status = t.DeliveryPending.Render("… " + m.cat.DeliveryPending)
		case protocol.DeliveryDelivered:
			status = t.DeliveryDelivered.Render("✓ " + m.cat.DeliveryDelivered)
		case protocol.DeliveryFailed:
			status = t.DeliveryFailed.Render("✗ " + m.cat.DeliveryFailed)
		}
	}
	if msg.Author == protocol.AuthorNote {
		header = t.NoteGutter.Render(gutter) + header
	}
	switch {
	case status == "":
		out = append(out, ansi.Truncate(header, m.width, "…"))
	case ansi.StringWidth(header)+2+ansi.StringWidth(status) <= m.width:
		out = append(out, header+"  "+status)
	default: // the status on a line of its own rather than cut
		out = append(out, ansi.Truncate(header, m.width, "…"), ansi.Truncate("  "+status, m.width, "…"))
	}

	textWidth := max(m.width-2, 1)
	for _, l := range cell.Wrap(sanitize.Text(msg.Text), textWidth) {
		g := gutter
		if msg.Author == protocol.AuthorNote {
			g = t.NoteGutter.Render(gutter)
		}
		out = append(out, g+bodyStyle.Render(l))
	}
	for _, a := range msg.Attachments {
		g := gutter
		if msg.Author == protocol.AuthorNote {
			g = t.NoteGutter.Render(gutter)
		}
		out = append(out, g+ansi.Truncate(FileLine(a, t.Time.Render), textWidth, "…"))
		if th, ok := m.thumbs[a.ID]; ok && th.Cols <= textWidth { // too narrow: the line alone
			for _, l := range media.Placeholders(th.ID, th.Cols, th.Rows) {
				out = append(out, g+l)
			}
		}
	}
	return out
}

// stamp is a message time: the clock time today, with the date otherwise.
func (m *Model) stamp(ms int64) string {
	ts := time.UnixMilli(ms).In(m.loc)
	if today := m.now.In(m.loc); ts.Year() != today.Year() || ts.YearDay() != today.YearDay() {
		return ts.Format("01-02 15:04")
	}
	return ts.Format("15:04")
}

// ClearThumbs forgets every image (the terminal no longer holds them).
func (m *Model) ClearThumbs() {
	clear(m.thumbs)
	m.Invalidate()
}

// Thumb is an image the terminal holds (kitty image id) and the cells it
// fills under its file line.
type Thumb struct{ ID, Cols, Rows int }

// SetThumb shows an attachment's image under its file line (tui/media:
// Unicode placeholders of an image already sent to the terminal).
func (m *Model) SetThumb(attachmentID string, th Thumb) {
	if m.thumbs == nil {
		m.thumbs = map[string]Thumb{}
	}
	m.thumbs[attachmentID] = th
	for i := range m.msgs {
		for _, a := range m.msgs[i].Attachments {
			if a.ID == attachmentID {
				m.blocks[i] = block{} // rendered again with the image
			}
		}
	}
}

// FileLine is an attachment as the transcript shows it: a clip, the name
// (sanitised: it comes from the customer), then type and size, muted.
func FileLine(a protocol.Attachment, muted func(...string) string) string {
	name := sanitize.Line(a.Name)
	if name == "" {
		name = "attachment"
	}
	return "📎 " + name + "  " + muted(sanitize.Line(a.ContentType)+" · "+Size(a.Size))
}

// Size is a byte count for people: 812 B, 12 KB, 3.4 MB.
func Size(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatInt((n+500)/1000, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}

// Files is every attachment of the transcript, newest first.
func (m *Model) Files() []protocol.Attachment {
	var out []protocol.Attachment
	for i := len(m.msgs) - 1; i >= 0; i-- {
		for j := len(m.msgs[i].Attachments) - 1; j >= 0; j-- {
			out = append(out, m.msgs[i].Attachments[j])
		}
	}
	return out
}

// Render draws exactly height lines.
func (m *Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	rows := m.height
	var indicator string
	if !m.follow && m.unseen > 0 {
		indicator = m.st.Transcript.NewBelow.Render(cell.Fit(m.cat.NewBelow(m.unseen), m.width))
		rows--
	}
	var lines []string
	switch {
	case len(m.msgs) == 0:
		lines = []string{m.st.Transcript.Empty.Render(m.cat.TranscriptEmpty)}
	case m.follow:
		lines = m.tail(rows)
	default:
		lines = m.from(m.topMsg, m.topLine, rows)
	}
	var b strings.Builder
	b.Grow(m.height * (m.width + 32))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(l)
		if w := ansi.StringWidth(l); w < m.width {
			b.WriteString(strings.Repeat(" ", m.width-w))
		}
	}
	if indicator != "" {
		b.WriteByte('\n')
		b.WriteString(indicator)
	}
	return b.String()
}

// tail returns the last n lines of the transcript, wrapping only the
// messages they come from.
func (m *Model) tail(n int) []string {
	var rev [][]string
	count := 0
	for i := len(m.msgs) - 1; i >= 0 && count < n; i-- {
		ls := m.lines(i)
		rev = append(rev, ls)
		count += len(ls)
	}
	out := make([]string, 0, count)
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i]...)
	}
	return out[max(len(out)-n, 0):]
}

// from returns up to n lines starting at line l of message i.
func (m *Model) from(i, l, n int) []string {
	out := make([]string, 0, n)
	for ; i < len(m.msgs) && len(out) < n; i, l = i+1, 0 {
		ls := m.lines(i)
		if l < len(ls) {
			out = append(out, ls[l:min(len(ls), l+n-len(out))]...)
		}
	}
	return out
}

// anchorTop turns a following view into an explicit top anchor.
func (m *Model) anchorTop() {
	if !m.follow {
		return
	}
	need := m.height
	i := len(m.msgs) - 1
	for ; i >= 0; i-- {
		ls := len(m.lines(i))
		if ls >= need {
			m.topMsg, m.topLine = i, ls-need
			return
		}
		need -= ls
	}
	m.topMsg, m.topLine = 0, 0
}

// ScrollUp moves the view n lines towards older messages.
func (m *Model) ScrollUp(n int) {
	if len(m.msgs) == 0 {
		return
	}
	m.anchorTop()
	m.follow = false
	m.topLine -= n
	for m.topLine < 0 && m.topMsg > 0 {
		m.topMsg--
		m.topLine += len(m.lines(m.topMsg))
	}
	m.clampTop()
}

// ScrollDown moves the view n lines towards newer messages; reaching the
// end turns following back on.
func (m *Model) ScrollDown(n int) {
	if m.follow || len(m.msgs) == 0 {
		return
	}
	m.topLine += n
	for m.topMsg < len(m.msgs)-1 && m.topLine >= len(m.lines(m.topMsg)) {
		m.topLine -= len(m.lines(m.topMsg))
		m.topMsg++
	}
	m.clampTop()
}

// clampTop keeps the anchor inside the transcript and switches to
// following when the bottom is in view, so the newest message is never
// hidden below a half-empty screen.
func (m *Model) clampTop() {
	if m.topMsg < 0 || m.topLine < 0 {
		m.topMsg, m.topLine = max(m.topMsg, 0), max(m.topLine, 0)
	}
	if len(m.from(m.topMsg, m.topLine, m.height+1)) <= m.height {
		m.follow, m.unseen = true, 0
	}
}

// Top shows the oldest message.
func (m *Model) Top() {
	if len(m.msgs) == 0 {
		return
	}
	m.follow = false
	m.topMsg, m.topLine = 0, 0
	m.clampTop()
}

// Bottom shows the newest message and follows new ones.
func (m *Model) Bottom() { m.follow, m.unseen = true, 0 }

// HandleKey applies a scroll key of the conversation scope and reports
// whether it did; other conversation actions are for the root.
func (m *Model) HandleKey(km *keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	act, ok := km.Lookup(keymap.ScopeConv, msg.String())
	if !ok {
		return "", false
	}
	page := max(m.height-2, 1)
	switch act {
	case keymap.ConvScrollUp:
		m.ScrollUp(1)
	case keymap.ConvScrollDown:
		m.ScrollDown(1)
	case keymap.ConvPageUp:
		m.ScrollUp(page)
	case keymap.ConvPageDown:
		m.ScrollDown(page)
	case keymap.ConvTop:
		m.Top()
	case keymap.ConvBottom:
		m.Bottom()
	default:
		return act, false
	}
	return act, true
}
