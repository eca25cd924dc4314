package review

import (
	"strings"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// labelForm edits one outcome's label: reason, severity, the customer's
// mood, golden, comment and the gold reply.
type labelForm struct {
	m         *Model
	outcomeID string
	version   int64
	field     int // fieldReason … fieldGold
	reason    int // index into reasons ("" first)
	severity  int // index into severities ("" first)
	mood      int // index into moods ("" first)
	golden    bool
	comment   textinput.Model
	gold      textarea.Model
}

const (
	fieldReason = iota
	fieldSeverity
	fieldMood
	fieldGolden
	fieldComment
	fieldGold
	fieldCount
)

var (
	reasons    = append([]string{""}, protocol.RejectReasons...)
	severities = append([]string{""}, protocol.Severities...)
	moods      = append([]string{""}, protocol.Moods...)
)

func indexOf(xs []string, v string) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return 0
}

func newLabelForm(m *Model, it protocol.ReviewItem, gold bool) *labelForm {
	f := &labelForm{m: m, outcomeID: it.Outcome.ID, comment: textinput.New(), gold: textarea.New()}
	f.comment.Prompt = ""
	f.comment.CharLimit = 2000
	f.gold.ShowLineNumbers = false
	f.gold.Prompt = "│ "
	f.gold.CharLimit = protocol.MaxTextBytes / 4
	f.reason = indexOf(reasons, it.Outcome.Reason)
	goldText := ""
	if l := it.Label; l != nil {
		f.version = l.Version
		if l.Reason != "" {
			f.reason = indexOf(reasons, l.Reason)
		}
		f.severity = indexOf(severities, l.Severity)
		f.mood = indexOf(moods, l.Mood)
		f.golden = l.Golden
		f.comment.SetValue(l.Comment)
		goldText = l.GoldReply
	}
	if goldText == "" && gold {
		// Start from what the agent sent; a rejected draft is no start.
		goldText = it.Outcome.FinalText
	}
	f.gold.SetValue(goldText)
	if gold {
		f.field = fieldGold
	}
	f.setWidth(m.formWidth())
	return f
}

func (m *Model) formWidth() int { return max(min(m.width-4, 100), 20) }

func (f *labelForm) setWidth(w int) {
	f.comment.SetWidth(max(w-14, 10))
	f.gold.SetWidth(max(w-2, 10))
	f.gold.SetHeight(max(min(f.m.height-12, 8), 2))
}

func (f *labelForm) focusCmd() tea.Cmd {
	f.comment.Blur()
	f.gold.Blur()
	switch f.field {
	case fieldComment:
		return f.comment.Focus()
	case fieldGold:
		return f.gold.Focus()
	}
	return nil
}

func (f *labelForm) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch f.field {
	case fieldComment:
		f.comment, cmd = f.comment.Update(msg)
	case fieldGold:
		f.gold, cmd = f.gold.Update(msg)
	}
	return cmd
}

func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.form
	switch msg.String() {
	case "esc":
		m.form = nil
		return nil
	case "ctrl+s":
		req := protocol.LabelReq{OutcomeID: f.outcomeID, Reason: reasons[f.reason], Severity: severities[f.severity], Mood: moods[f.mood],
			Comment: strings.TrimSpace(f.comment.Value()), GoldReply: strings.TrimSpace(f.gold.Value()), Golden: f.golden,
			Version: f.version}
		if err := req.Validate(); err != nil {
			m.say(err.(*protocol.Error).Message, true)
			return nil
		}
		m.form = nil
		return m.sendLabel(req, m.cat.Saved)
	case "tab":
		f.field = (f.field + 1) % fieldCount
		return f.focusCmd()
	case "shift+tab":
		f.field = (f.field + fieldCount - 1) % fieldCount
		return f.focusCmd()
	}
	switch f.field {
	case fieldReason, fieldSeverity, fieldMood, fieldGolden:
		step := 0
		switch msg.String() {
		case "left", "h":
			step = -1
		case "right", "l", "space", "enter":
			step = 1
		case "up", "k":
			f.field = max(f.field-1, 0)
			return f.focusCmd()
		case "down", "j":
			f.field++
			return f.focusCmd()
		}
		switch f.field {
		case fieldReason:
			f.reason = (f.reason + step + len(reasons)) % len(reasons)
		case fieldSeverity:
			f.severity = (f.severity + step + len(severities)) % len(severities)
		case fieldMood:
			f.mood = (f.mood + step + len(moods)) % len(moods)
		case fieldGolden:
			if step != 0 {
				f.golden = !f.golden
			}
		}
		return nil
	}
	return f.update(msg)
}

// view renders the form in w cells.
func (f *labelForm) view(w int) []string {
	m := f.m
	st, c := m.st, m.cat
	none := func(v string) string {
		if v == "" {
			return c.FormNone
		}
		return v
	}
	row := func(i int, label, value string) string {
		mark := "  "
		style := st.Dialog.Item
		if f.field == i {
			mark, style = "▸ ", st.Dialog.Selected
		}
		return style.Render(cell.Fit(mark+label+": "+value, w))
	}
	reason := none(reasons[f.reason])
	if reasons[f.reason] != "" {
		reason = m.o.Cat.RejectReason(reasons[f.reason])
	}
	golden := "[ ]"
	if f.golden {
		golden = "[x]"
	}
	lines := []string{
		st.Dialog.Title.Render(cell.Fit(c.FormTitle, w)),
		row(fieldReason, c.Reason, "‹ "+reason+" ›"),
		row(fieldSeverity, c.Severity, "‹ "+none(severities[f.severity])+" ›"),
		row(fieldMood, c.Mood, "‹ "+none(c.MoodName(moods[f.mood]))+" ›"),
		row(fieldGolden, c.Golden, golden),
		row(fieldComment, c.Comment, f.comment.View()),
		row(fieldGold, c.GoldReply, ""),
	}
	for _, l := range strings.Split(f.gold.View(), "\n") {
		lines = append(lines, cell.Fit(l, w))
	}
	lines = append(lines, st.Dialog.Hint.Render(cell.Fit(c.FormHint, w)))
	return lines
}
