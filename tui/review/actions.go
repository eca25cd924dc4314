package review

import (
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/internal/kbtitle"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Writes reports whether a review action changes something (label,
// promote, export, KB reload): trainers' and admins' work, which a
// read-only view (a lead's) neither offers nor performs.
func Writes(act keymap.Action) bool {
	switch act {
	case keymap.ReviewLabel, keymap.ReviewCorrect, keymap.ReviewPromoteGolden, keymap.ReviewPromoteExemplar,
		keymap.ReviewPromoteKB, keymap.ReviewExport, keymap.ReviewReloadKB:
		return true
	}
	return false
}

// Perform runs a review action (from a key or the command palette); other
// actions come back for the root.
func (m *Model) Perform(act keymap.Action) (tea.Cmd, keymap.Action) {
	if m.o.ReadOnly && Writes(act) {
		m.say(m.cat.ReadOnly, true)
		return nil, ""
	}
	if h, ok := handlers[act]; ok {
		return h(m, act), ""
	}
	return nil, act
}

// handlers are the review view's actions (lazygit's key → handler).
var handlers = map[keymap.Action]func(m *Model, act keymap.Action) tea.Cmd{}

func init() {
	handlers[keymap.ReviewUp] = (*Model).onReviewMove
	handlers[keymap.ReviewDown] = (*Model).onReviewMove
	handlers[keymap.ReviewOpen] = (*Model).onReviewOpen
	handlers[keymap.ReviewPageUp] = (*Model).onReviewPageUp
	handlers[keymap.ReviewPageDown] = (*Model).onReviewPageDown
	handlers[keymap.ReviewDiff] = (*Model).onReviewDiff
	handlers[keymap.ReviewMetrics] = (*Model).onReviewMetrics
	handlers[keymap.ReviewFilter] = (*Model).onReviewFilter
	handlers[keymap.ReviewClearFilter] = (*Model).onReviewClearFilter
	handlers[keymap.ReviewCycleAction] = (*Model).onReviewCycleAction
	handlers[keymap.ReviewSort] = (*Model).onReviewSort
	handlers[keymap.ReviewRefresh] = (*Model).onReviewRefresh
	handlers[keymap.ReviewLabel] = (*Model).onReviewLabel
	handlers[keymap.ReviewCorrect] = (*Model).onReviewLabel
	handlers[keymap.ReviewPromoteGolden] = (*Model).onReviewPromoteGolden
	handlers[keymap.ReviewPromoteExemplar] = (*Model).onReviewPromoteExemplar
	handlers[keymap.ReviewPromoteKB] = (*Model).onReviewPromoteKB
	handlers[keymap.ReviewExport] = (*Model).onReviewExport
	handlers[keymap.ReviewReloadKB] = (*Model).onReviewReloadKB
}

func (m *Model) onReviewMove(act keymap.Action) tea.Cmd {
	if act == keymap.ReviewUp && m.sel > 0 {
		m.sel--
	} else if act == keymap.ReviewDown && m.sel < len(m.items)-1 {
		m.sel++
	}
	return tea.Batch(m.loadDetail(), m.loadMore())
}

func (m *Model) onReviewOpen(act keymap.Action) tea.Cmd {
	m.zoom = !m.zoom
	m.scroll = 0
	return nil
}

func (m *Model) onReviewPageUp(act keymap.Action) tea.Cmd {
	m.scroll = max(m.scroll-max(m.detailHeight()-2, 1), 0)
	return nil
}

func (m *Model) onReviewPageDown(act keymap.Action) tea.Cmd {
	m.scroll += max(m.detailHeight()-2, 1)
	return nil
}

func (m *Model) onReviewDiff(act keymap.Action) tea.Cmd {
	m.sideBySide = !m.sideBySide
	return nil
}

func (m *Model) onReviewMetrics(act keymap.Action) tea.Cmd {
	m.metricsOn = !m.metricsOn
	if m.metricsOn {
		return m.loadMetrics()
	}
	return nil
}

func (m *Model) onReviewFilter(act keymap.Action) tea.Cmd {
	m.filtering = true
	m.input.SetValue(m.filterText)
	m.input.CursorEnd()
	return m.input.Focus()
}

func (m *Model) onReviewClearFilter(act keymap.Action) tea.Cmd {
	if m.zoom {
		m.zoom = false
		return nil
	}
	if m.filterText == "" && len(m.filter.Actions) == 0 {
		return nil
	}
	m.filter, m.filterText = protocol.ReviewFilter{}, ""
	return m.reload()
}

func (m *Model) onReviewCycleAction(act keymap.Action) tea.Cmd {
	next := map[string]protocol.Action{"": protocol.ActionReject, string(protocol.ActionReject): protocol.ActionEdit,
		string(protocol.ActionEdit): protocol.ActionAccept, string(protocol.ActionAccept): ""}
	cur := ""
	if len(m.filter.Actions) == 1 {
		cur = m.filter.Actions[0]
	}
	m.filter.Actions = nil
	if n := next[cur]; n != "" {
		m.filter.Actions = []string{string(n)}
	}
	m.filterText = FormatFilter(m.filter)
	return m.reload()
}

func (m *Model) onReviewSort(act keymap.Action) tea.Cmd {
	if m.sort == protocol.SortChange {
		m.sort = protocol.SortNewest
	} else {
		m.sort = protocol.SortChange
	}
	return m.reload()
}

func (m *Model) onReviewRefresh(act keymap.Action) tea.Cmd {
	return m.reload()
}

func (m *Model) onReviewLabel(act keymap.Action) tea.Cmd {
	it, ok := m.selected()
	if !ok {
		return nil
	}
	m.form = newLabelForm(m, it, act == keymap.ReviewCorrect)
	return m.form.focusCmd()
}

func (m *Model) onReviewPromoteGolden(act keymap.Action) tea.Cmd {
	return m.toggleGolden()
}

func (m *Model) onReviewPromoteExemplar(act keymap.Action) tea.Cmd {
	return m.promote(protocol.PromoteExemplar)
}

func (m *Model) onReviewPromoteKB(act keymap.Action) tea.Cmd {
	// A KB entry needs a title people can find it by: ask, starting
	// from the customer's first question.
	it, ok := m.selected()
	if !ok {
		return nil
	}
	if it.Outcome.Action == protocol.ActionReject && (it.Label == nil || it.Label.GoldReply == "") {
		m.say(m.cat.NeedsGold, true)
		return nil
	}
	m.titling = true
	m.input.Prompt = m.cat.TitlePrompt
	m.fitInput()
	m.input.SetValue(m.defaultTitle())
	m.input.CursorEnd()
	return m.input.Focus()
}

func (m *Model) onReviewExport(act keymap.Action) tea.Cmd {
	return m.export()
}

func (m *Model) onReviewReloadKB(act keymap.Action) tea.Cmd {
	m.busy = m.cat.ActReload
	return func() tea.Msg {
		var ack protocol.KBReloadAck
		err := m.call(protocol.ReqKBReload, protocol.KBReloadReq{}, &ack)
		return reloadMsg{ack: ack, err: err}
	}
}

func (m *Model) toggleGolden() tea.Cmd {
	it, ok := m.selected()
	if !ok {
		return nil
	}
	l := it.Label
	if l == nil || l.GoldReply == "" {
		m.say(m.cat.NeedsGold, true)
		return nil
	}
	req := protocol.LabelReq{OutcomeID: l.OutcomeID, Reason: l.Reason, Severity: l.Severity, Mood: l.Mood, Comment: l.Comment,
		GoldReply: l.GoldReply, Golden: !l.Golden, Version: l.Version}
	notice := m.cat.GoldenOn
	if l.Golden {
		notice = m.cat.GoldenOff
	}
	return m.sendLabel(req, notice)
}

func (m *Model) sendLabel(req protocol.LabelReq, notice string) tea.Cmd {
	m.busy = m.cat.ActLabel
	return func() tea.Msg {
		var ack protocol.LabelAck
		err := m.call(protocol.ReqLabel, req, &ack)
		return labelMsg{l: ack.Label, notice: notice, err: err}
	}
}

// defaultTitle is the first sentence of the customer's that says what
// they want or what happened — not "在吗", "hi, agent please" or a short
// outburst ("This is ridiculous!!!") — without order numbers and other ids
// only that customer has (the server cleans a title the same way).
func (m *Model) defaultTitle() string {
	if m.detail == nil {
		return ""
	}
	for _, msg := range m.detail.Context {
		if msg.Author != protocol.AuthorCustomer {
			continue
		}
		for _, t := range sentences(kbtitle.Clean(strings.Join(strings.Fields(sanitize.Line(msg.Text)), " "))) {
			if !substantive(t) || outburst(t) {
				continue
			}
			if r := []rune(t); len(r) > 80 {
				t = string(r[:80])
			}
			return t
		}
	}
	return ""
}

// sentences splits t after each 。？！?! (a run of them ends one sentence).
func sentences(t string) []string {
	var out []string
	start := 0
	for i, r := range t {
		if !strings.ContainsRune("。？！?!", r) {
			continue
		}
		end := i + utf8.RuneLen(r)
		if next, _ := utf8.DecodeRuneInString(t[end:]); end < len(t) && strings.ContainsRune("。？！?!", next) {
			continue
		}
		if s := strings.TrimSpace(t[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	if s := strings.TrimSpace(t[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// outburst reports whether a sentence only vents: an exclamation of a
// few words ("This is ridiculous!!!", "太过分了！").
func outburst(t string) bool {
	if !strings.HasSuffix(t, "!") && !strings.HasSuffix(t, "！") {
		return false
	}
	letters := 0
	for _, r := range t {
		if unicode.Is(unicode.Han, r) {
			letters++
		}
	}
	return len(strings.Fields(t)) < 5 && letters < 8
}

// chatter is what customers write that asks nothing yet: greetings and
// calls for a person.
var chatter = strings.NewReplacer("你好", "", "您好", "", "在吗", "", "在不在", "", "有人吗", "", "转人工", "", "人工客服", "",
	"人工", "", "客服", "", "hello", "", "hi", "", "hey", "", "anyone there", "", "agent", "", "human", "", "please", "")

// substantive reports whether a customer's line says more than hello or
// "a person, please": four letters or more besides those words.
func substantive(t string) bool {
	n := 0
	for _, r := range chatter.Replace(strings.ToLower(t)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n >= 4
}

func (m *Model) promote(target string) tea.Cmd { return m.promoteTitled(target, "") }

func (m *Model) promoteTitled(target, title string) tea.Cmd {
	it, ok := m.selected()
	if !ok {
		return nil
	}
	if it.Outcome.Action == protocol.ActionReject && (it.Label == nil || it.Label.GoldReply == "") {
		m.say(m.cat.NeedsGold, true)
		return nil
	}
	m.busy = m.cat.ActPromote
	req := protocol.PromoteReq{OutcomeID: it.Outcome.ID, Target: target, Title: title}
	return func() tea.Msg {
		var ack protocol.PromoteAck
		err := m.call(protocol.ReqPromote, req, &ack)
		return promoteMsg{p: ack.Promotion, err: err}
	}
}
