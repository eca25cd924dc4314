package tui

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// View renders the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "agentdesk"
	return v
}

// Render draws the frame as a string: the panes, the help line and the
// status bar, with the top dialog over them.
func (m *Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.lead.view == viewTeam {
		return m.renderTeam()
	}
	l := m.lay
	frame := make([]string, 0, m.height)
	if m.lead.view == viewReview {
		frame = append(frame, m.reviewFrame()...)
		return m.finishFrame(frame)
	}
	q := m.queuePane()
	c := m.convPane()
	p := m.copilotPane()
	if l.stacked {
		frame = append(frame, q...)
		frame = append(frame, c...)
		frame = append(frame, p...)
	} else {
		sep := m.st.Separator.Render("│")
		for i := 0; i < l.queue.h; i++ {
			frame = append(frame, q[i]+sep+c[i]+sep+p[i])
		}
	}
	return m.finishFrame(frame)
}

// finishFrame adds the help line and status bar and the top dialog.
func (m *Model) finishFrame(frame []string) string {
	l := m.lay
	if l.help.h > 0 {
		frame = append(frame, m.helpLine())
	}
	if l.status.h > 0 {
		frame = append(frame, m.statusBar())
	}
	if len(frame) > m.height {
		frame = frame[:m.height]
	}
	if n := len(m.dialogs); n > 0 {
		inner := m.dialogView()
		overlay(frame, m.st.Dialog.Frame.Render(inner), m.width, m.height)
	}
	return strings.Join(frame, "\n")
}

// title renders a pane's title row; the focused pane is marked with a
// glyph as well as colour, so it shows without colour too.
func (m *Model) title(text string, focused bool, w int) string {
	if focused {
		return m.st.Title.Render(cell.Fit("▌"+text, w))
	}
	return m.st.Muted.Render(cell.Fit(" "+text, w))
}

func (m *Model) queuePane() []string {
	r := m.lay.queue
	if r.h <= 0 {
		return nil
	}
	out := make([]string, 0, r.h)
	if m.focus == focusFilter {
		out = append(out, cell.Fit(m.filter.View(), r.w))
	} else {
		out = append(out, m.title(m.cat.PaneQueue, m.focus == focusQueue, r.w))
	}
	if r.h > 1 {
		out = append(out, strings.Split(m.queue.Render(), "\n")...)
	}
	return padLines(out, r.w, r.h)
}

func padLines(lines []string, w, h int) []string {
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return lines[:h]
}

func (m *Model) convPane() []string {
	r := m.lay.conv
	if r.h <= 0 {
		return nil
	}
	focused := m.focus == focusConv || m.focus == focusCompose
	c, ok := m.openConversation()
	if !ok {
		out := []string{m.title(m.cat.PaneConversation, focused, r.w)}
		if problem := m.connProblem(r.w); problem != nil {
			return padLines(append(out, problem...), r.w, r.h)
		}
		hint := m.cat.NoConversation
		if m.firstRun() {
			hint = m.cat.Conn.FirstRun + "\n\n" + hint
		}
		for _, para := range strings.Split(hint, "\n") {
			for _, l := range wrapPlain(para, r.w) {
				out = append(out, m.st.Muted.Render(cell.Fit(l, r.w)))
			}
		}
		return padLines(out, r.w, r.h)
	}
	name := sanitize.Line(c.CustomerName)
	if name == "" {
		name = sanitize.Line(c.CustomerID)
	}
	out := []string{m.title(m.cat.PaneConversation+" · "+name, focused, r.w)}
	if r.h > 1 {
		out = append(out, m.convHeader(c, r.w))
	}
	if r.h > 2 {
		out = append(out, strings.Split(m.transcript.Render(), "\n")...)
	}
	if m.focus == focusCompose {
		out = append(out, m.composeLines(r.w)...)
	}
	return padLines(out, r.w, r.h)
}

func (m *Model) composeLines(w int) []string {
	title := m.cat.ComposeReply
	switch m.compose.mode {
	case composeNote:
		title = m.cat.ComposeNote
	case composeEdit:
		title = m.cat.ComposeEdit
	}
	out := []string{m.st.Draft.Title.Render(cell.Fit(title, w))}
	out = append(out, block(m.compose.ta.View(), w, composeRows(m.lay.conv.h))...)
	// Say it is too long while it is typed or pasted, not after send.
	if n := len(m.compose.ta.Value()); n > protocol.MaxTextBytes*9/10 {
		size := m.cat.ComposeSize(n, protocol.MaxTextBytes)
		if m.composeOver() > 0 {
			out = append(out, m.st.Status.Disconnected.Render(cell.Fit(size, w)))
			return out
		}
		out = append(out, m.st.Muted.Render(cell.Fit(size+" · "+m.cat.ComposeHint, w)))
		return out
	}
	if len(m.compose.files) > 0 { // the files going with it replace the hint
		return append(out, m.filesLine(w))
	}
	out = append(out, m.st.Muted.Render(cell.Fit(m.cat.ComposeHint, w)))
	return out
}

// copilotCache holds the rendered copilot panel, keyed on everything it
// shows: rebuilt at most once per frame, and only when the key changed.
type copilotCache struct {
	key   copilotKey
	valid bool
	lines []string
}

// copilotKey is what the copilot panel is drawn from: the desk's revision
// (conversations, drafts, outcomes, streams, moods) and the view's own
// state.
type copilotKey struct {
	rev                       uint64
	theme, width              int
	open                      string
	stacked, profile, sources bool
	loading                   bool
	customer                  *protocol.Customer
	history                   int
	regen                     regenState
}

func (m *Model) copilotKey(w int) copilotKey {
	return copilotKey{rev: m.desk.Rev(), theme: m.themeRev, width: w, open: m.open, stacked: m.lay.stacked,
		profile: m.showProfile, sources: m.showSources, loading: m.loading, customer: m.customer,
		history: len(m.history), regen: m.regen[m.open]}
}

// copilotCached is the copilot panel's lines at the pane's width.
func (m *Model) copilotCached() []string {
	if key := m.copilotKey(m.lay.copilot.w); !m.copilotCache.valid || m.copilotCache.key != key {
		m.copilotCache = copilotCache{key: key, valid: true, lines: m.copilotLines(m.lay.copilot.w)}
	}
	return m.copilotCache.lines
}

// copilotEnd is the copilot pane's scroll offset that shows its last line.
func (m *Model) copilotEnd() int {
	if m.lay.copilot.h <= 1 {
		return 0
	}
	return max(len(m.copilotCached())-(m.lay.copilot.h-1), 0)
}

func (m *Model) copilotPane() []string {
	r := m.lay.copilot
	if r.h <= 0 {
		return nil
	}
	lines := m.copilotCached()
	rows := r.h - 1
	scroll := min(m.copilotScroll, max(len(lines)-rows, 0))
	out := []string{m.title(m.cat.PaneCopilot, m.focus == focusCopilot, r.w)}
	if scroll < len(lines) {
		out = append(out, lines[scroll:min(len(lines), scroll+rows)]...)
	}
	return padLines(out, r.w, r.h)
}

// wrapPlain wraps sanitized text to w cells, CJK-aware.
var wrapPlain = dialog.Wrap

func (m *Model) labelled(label, value string, w int) []string {
	head := m.st.Muted.Render(label + ": ")
	lw := ansi.StringWidth(label) + 2
	ls := wrapPlain(value, max(w-lw, 8))
	out := make([]string, 0, len(ls))
	for i, l := range ls {
		if i == 0 {
			out = append(out, cell.Fit(head+l, w))
		} else {
			out = append(out, cell.Fit(strings.Repeat(" ", lw)+l, w))
		}
	}
	return out
}

// sparkline draws sentiment readings: low is negative, high positive.
func sparkline(h []int8) string {
	var b strings.Builder
	for _, v := range h {
		switch v {
		case -1:
			b.WriteRune('▁')
		case 0:
			b.WriteRune('▄')
		default:
			b.WriteRune('█')
		}
	}
	return b.String()
}

func (m *Model) copilotLines(w int) []string {
	c, ok := m.openConversation()
	if !ok {
		var out []string
		for _, l := range wrapPlain(m.cat.NoConversation, w) {
			out = append(out, m.st.Muted.Render(cell.Fit(l, w)))
		}
		return out
	}
	cat := m.cat
	var out []string

	// The handoff card.
	if e := c.Escalation; e != nil {
		why := m.reasonLabel(e.Reason)
		if e.BotConfidence > 0 {
			why += fmt.Sprintf(" · %s %d%%", cat.CardConfidence, int(e.BotConfidence*100+0.5))
		}
		if e.BotTurns > 0 {
			why += " · " + cat.Bot.Turns(e.BotTurns)
		}
		out = append(out, m.labelled(cat.CardReason, why, w)...)
		if ev, ok := m.evidence(e); ok {
			out = append(out, m.labelled(cat.CardEvidence, ev, w)...)
		}
	} else {
		out = append(out, m.labelled(cat.CardReason, cat.CardNotEscalated, w)...)
	}
	mood := sparkline(m.desk.Moods(c.ID))
	if mood == "" {
		mood = cat.CardTrajectoryEmpty
	} else {
		switch c.Sentiment {
		case "negative":
			mood += " " + cat.SentimentNegative
		case "positive":
			mood += " " + cat.SentimentPositive
		case "neutral":
			mood += " " + cat.SentimentNeutral
		}
	}
	var flags []string
	for _, f := range c.Flags {
		if l := cat.Flag(f); l != "" {
			flags = append(flags, l)
		}
	}
	if len(flags) > 0 {
		mood += " · " + strings.Join(flags, ", ")
	}
	out = append(out, m.labelled(cat.CardSentiment, mood, w)...)
	if e := c.Escalation; e != nil && len(e.BotTried) > 0 {
		out = append(out, m.st.Muted.Render(cell.Fit(cat.CardBotTried+":", w)))
		for _, t := range e.BotTried {
			for i, l := range wrapPlain(sanitize.Line(t), max(w-2, 8)) {
				lead := "• "
				if i > 0 {
					lead = "  "
				}
				out = append(out, cell.Fit(lead+l, w))
			}
		}
	}
	if e := c.Escalation; e != nil && len(e.BotSources) > 0 {
		var srcs []string
		for _, s := range e.BotSources {
			label := sanitize.Line(s.ID)
			if t := sanitize.Line(s.Title); t != "" {
				label += " (" + t + ")"
			}
			srcs = append(srcs, label)
		}
		out = append(out, m.labelled(cat.Bot.Sources, strings.Join(srcs, ", "), w)...)
	}
	if s := sanitize.Line(c.Summary); s != "" {
		out = append(out, m.labelled(cat.CardSummary, s, w)...)
	}
	if m.showProfile {
		out = append(out, m.profileLines(c, w)...)
	}
	card := out
	draft := m.draftLines(c, w)
	sep := m.st.Separator.Render(strings.Repeat("─", w))
	if m.lay.stacked {
		// Stacked panes are short: the draft, what the agent acts on, first.
		return append(append(draft, sep), card...)
	}
	return append(append(card, sep), draft...)
}

// profileLines renders the customer profile: who they are, the channels
// they reach us on, and their other conversations, newest first.
func (m *Model) profileLines(c protocol.Conversation, w int) []string {
	cat := m.cat
	name, id, vip, lang := c.CustomerName, c.CustomerID, c.VIP, c.Language
	if cu := m.customer; cu != nil {
		name, id, vip = cu.Name, cu.ID, cu.VIP
		if cu.Language != "" {
			lang = cu.Language
		}
	}
	prof := sanitize.Line(name) + " · " + sanitize.Line(id)
	if vip {
		prof += " · " + cat.VIP
	}
	if lang != "" {
		prof += " · " + cat.CardLanguage + " " + sanitize.Line(lang)
	}
	out := m.labelled(cat.CardProfile, prof, w)
	if m.customer == nil {
		if !m.loading {
			out = append(out, m.st.Muted.Render(cell.Fit(cat.CardHistoryUnavailable, w)))
		}
		return out
	}
	if ids := m.customer.Identities; len(ids) > 0 {
		parts := make([]string, 0, len(ids))
		for _, i := range ids {
			parts = append(parts, m.channelLabel(i.Channel)+" "+sanitize.Line(i.ExternalID))
		}
		out = append(out, m.labelled(cat.CardReachedOn, strings.Join(parts, " · "), w)...)
	}
	if len(m.history) == 0 {
		return append(out, m.st.Muted.Render(cell.Fit(cat.CardHistoryNone, w)))
	}
	out = append(out, m.st.Muted.Render(cell.Fit(cat.CardHistory(len(m.history))+":", w)))
	for _, h := range m.history {
		state := cat.ConvStatus(h.Status)
		if h.Disposition != "" {
			state += " (" + m.dispositionLabel(h.Disposition) + ")"
		}
		line := "• " + m.shortDate(h.CreatedAt) + " " + m.channelLabel(h.Channel) + " · " + state
		out = append(out, cell.Fit(line, w))
		if s := sanitize.Line(h.Summary); s != "" {
			out = append(out, m.st.Muted.Render(cell.Fit("  "+s, w)))
		}
	}
	return out
}

func (m *Model) channelLabel(ch string) string {
	if l, ok := m.cat.Channel(ch); ok {
		return l
	}
	return sanitize.Line(ch)
}

func (m *Model) dispositionLabel(d string) string {
	c := m.cat
	switch d {
	case "resolved":
		return c.DispResolved
	case "answered":
		return c.DispAnswered
	case "refund_issued":
		return c.DispRefund
	case "duplicate":
		return c.DispDuplicate
	case "no_response":
		return c.DispNoResponse
	case "spam":
		return c.DispSpam
	}
	return sanitize.Line(d)
}

// shortDate is a day: month-day this year, with the year otherwise.
func (m *Model) shortDate(ms int64) string {
	t := time.UnixMilli(ms).In(m.loc)
	if t.Year() == m.now.In(m.loc).Year() {
		return t.Format("01-02")
	}
	return t.Format("2006-01-02")
}

// draftLines renders the draft section of the copilot panel.
func (m *Model) draftLines(c protocol.Conversation, w int) []string {
	cat, ds := m.cat, &m.st.Draft
	var out []string
	if st, ok := m.desk.Stream(c.ID); ok {
		// Being written: the text so far replaces "regenerating…" and the
		// previous draft until the finished one arrives.
		out = append(out, cell.Fit(ds.Title.Render(cat.DraftTitle)+" "+ds.Stale.Render("✎ "+cat.DraftStreaming), w))
		for _, l := range wrapPlain(sanitize.Text(st.Text), w) {
			out = append(out, ds.Body.Render(cell.Fit(l, w)))
		}
		return out
	}
	d, ok := m.desk.Draft(c.ID)
	var regen []string
	if st, busy := m.regen[c.ID]; busy {
		regen = []string{ds.Stale.Render(cell.Fit("⟳ "+cat.DraftRegenerating(sanitize.Line(st.instruction)), w))}
	}
	if !ok {
		return append(regen, m.st.Muted.Render(cell.Fit(cat.DraftNone, w)))
	}
	head := ds.Title.Render(cat.DraftTitle)
	if in := sanitize.Line(d.Instruction); in != "" {
		head += " " + ds.Provenance.Render("↻ "+in) // what the agent asked this one to be
	}
	if st, done := m.desk.Outcome(d.ID); done {
		head += " " + ds.Provenance.Render("["+cat.DraftOutcome(st.Action, st.Queued)+"]")
	} else if d.Status != protocol.DraftOpen {
		head += " " + ds.Provenance.Render("["+sanitize.Line(string(d.Status))+"]")
	}
	out = append(out, cell.Fit(head, w))
	out = append(out, regen...)
	if c.LastCustomer > d.BasedOnSeq && d.Status == protocol.DraftOpen {
		out = append(out, ds.Stale.Render(cell.Fit("⚠ "+cat.DraftStale, w)))
	}
	for _, l := range wrapPlain(sanitize.Text(d.Text), w) {
		out = append(out, ds.Body.Render(cell.Fit(l, w)))
	}
	// One line says a draft cites nothing: the copilot's warning when it
	// gave one (it says why), else the desk's own; none on a closing or
	// holding reply, which states no facts.
	said := slices.ContainsFunc(d.Warnings, func(wn string) bool {
		code := protocol.WarningCode(wn)
		return code == protocol.WarnNoCitation || code == protocol.WarnNoArticle
	})
	if len(d.Sources) == 0 {
		if d.Kind.NeedsSource() && !said {
			out = append(out, ds.Warning.Render(cell.Fit("⚠ "+cat.DraftNoSources, w)))
		}
	} else {
		out = append(out, m.st.Muted.Render(cell.Fit(cat.DraftSources+":", w)))
		for i, s := range d.Sources {
			t := sanitize.Line(s.Title)
			if t == "" {
				t = sanitize.Line(s.ID)
			}
			line := "[" + strconv.Itoa(i+1) + "] " + t + " (" + sanitize.Line(s.Kind) + ")"
			if m.showSources {
				line += fmt.Sprintf(" %s %.2f", sanitize.Line(s.ID), s.Score)
			}
			out = append(out, ds.Citation.Render(cell.Fit(line, w)))
		}
	}
	for _, wn := range d.Warnings {
		for _, l := range wrapPlain("⚠ "+cat.DraftWarnings+": "+sanitize.Line(cat.DraftWarning(wn)), w) {
			out = append(out, ds.Warning.Render(cell.Fit(l, w)))
		}
	}
	out = append(out, ds.Provenance.Render(cell.Fit(cat.DraftProvenance(sanitize.Line(d.Provider), sanitize.Line(d.Model), sanitize.Line(d.PromptVersion)), w)))
	if _, done := m.desk.Outcome(d.ID); !done && d.Status == protocol.DraftOpen {
		out = append(out, m.st.Muted.Render(cell.Fit(m.draftKeys(), w)))
	}
	return out
}

// draftKeys is the draft panel's key hint, from the keymap so a rebinding
// shows.
func (m *Model) draftKeys() string {
	var parts []string
	for _, a := range []keymap.Action{keymap.DraftAccept, keymap.DraftEdit, keymap.DraftEditExternal, keymap.DraftReject, keymap.DraftRegenerate} {
		h := m.km.Binding(a).Help()
		parts = append(parts, h.Key+" "+h.Desc)
	}
	return strings.Join(parts, " · ")
}

// helpLine shows the notice if there is one, else the focused scope's
// essential keys.
func (m *Model) helpLine() string {
	w := m.width
	if h, ok := m.reviewHelp(); ok && m.notice.text == "" {
		return h
	}
	if m.notice.text != "" {
		if m.notice.err {
			return m.st.Draft.Warning.Render(cell.Fit(" "+m.notice.text, w))
		}
		return m.st.Title.Render(cell.Fit(" "+m.notice.text, w))
	}
	scope := m.scope()
	if m.helpCache.text != "" && m.helpCache.scope == scope && m.helpCache.width == w && m.helpCache.role == m.desk.Me().Role {
		return m.helpCache.text
	}
	var parts []string
	for _, b := range m.km.HelpFor(scope, m.allowed).ShortHelp() {
		h := b.Help()
		parts = append(parts, m.st.Help.ShortKey.Render(h.Key)+" "+m.st.Help.ShortDesc.Render(h.Desc))
	}
	text := cell.Fit(" "+strings.Join(parts, m.st.Help.ShortSeparator.Render(" · ")), w)
	m.helpCache.scope, m.helpCache.width, m.helpCache.role, m.helpCache.text = scope, w, m.desk.Me().Role, text
	return text
}

// statusBar: DEMO badge, connection, who and how, load, outbox, clock.
func (m *Model) statusBar() string {
	s := &m.st.Status
	var parts []string
	if m.demo {
		parts = append(parts, s.Demo.Render(" "+m.cat.Demo+" "))
	}
	switch m.conn.State {
	case client.StateOnline:
		parts = append(parts, s.Connected.Render("● "+m.cat.ConnConnected))
	case client.StateConnecting:
		parts = append(parts, s.Connecting.Render("◌ "+m.cat.ConnConnecting))
	case client.StateOffline:
		text := m.cat.ConnOffline
		if !m.conn.RetryAt.IsZero() {
			text = m.cat.ConnRetry(max(m.conn.RetryAt.Sub(m.now), 0))
		}
		if certUntrusted(m.conn.Err) {
			text = m.cat.ConnCertUntrusted // retrying will not help until the CA is given
		} else if why := connReason(&m.cat.Conn, m.conn.Err); why != "" {
			text = why + " · " + text
		}
		parts = append(parts, s.Disconnected.Render("✗ "+text))
	case client.StateAuthFailed:
		parts = append(parts, s.Disconnected.Render("✗ "+m.cat.ConnAuthFailed))
	case client.StateFailed:
		parts = append(parts, s.Disconnected.Render("✗ "+connReason(&m.cat.Conn, m.conn.Err)))
	default:
		parts = append(parts, s.Disconnected.Render("✗ "+m.cat.ConnStopped))
	}
	if m.desk.Me().ID != "" {
		name := sanitize.Line(m.desk.Me().Name)
		if name == "" {
			name = sanitize.Line(m.desk.Me().ID)
		}
		st := s.Offline
		switch m.desk.Me().Status {
		case protocol.StatusOnline:
			st = s.Online
		case protocol.StatusAway:
			st = s.Away
		}
		parts = append(parts, s.Value.Render(name)+" "+st.Render(m.statusLabel(m.desk.Me().Status)))
		parts = append(parts, s.Value.Render(m.cat.Load(m.desk.Me().Load, m.desk.Me().Capacity)))
	}
	parts = append(parts, s.Value.Render(m.cat.Queued(m.queuedCount())))
	ob := s.Value
	if m.desk.Pending() > 0 {
		ob = s.Connecting
	}
	parts = append(parts, ob.Render(m.cat.Outbox(m.desk.Pending())))
	left := " " + strings.Join(parts, s.Key.Render(" │ "))
	clock := s.Value.Render(m.now.In(m.loc).Format("15:04:05") + " ")
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(clock)
	if gap < 1 {
		return s.Bar.Render(cell.Fit(left, m.width))
	}
	return s.Bar.Render(left + strings.Repeat(" ", gap) + clock)
}

// queuedCount is how many conversations wait for a person.
func (m *Model) queuedCount() int {
	return m.desk.Queued()
}

// certUntrusted reports whether a connection failed because the server's
// TLS certificate did not verify (unknown CA, wrong host, expired).
func certUntrusted(err error) bool {
	if err == nil {
		return false
	}
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}
