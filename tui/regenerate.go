package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// regenWait is how long the panel says "regenerating…" before it gives up
// on the new draft (the copilot failed, or the event was lost).
const regenWait = 90 * time.Second

// regenState is a regenerate in flight: the draft it replaces and what the
// agent asked for.
type regenState struct {
	after       string // id of the newest draft when it was asked; "" if none
	instruction string
	since       time.Time
}

// regenResult is what the regenerate dialog returns.
type regenResult struct {
	convID, instruction string
}

// regenPick is a quick pick: the label shown, the instruction sent. The
// instructions are the copilot's own vocabulary (copilot.parseInstruction).
type regenPick struct{ label, instruction string }

func (m *Model) regenPicks() []regenPick {
	c := m.cat
	return []regenPick{
		{c.RegenShorter, "shorter"},
		{c.RegenFormal, "more formal"},
		{c.RegenFriendlier, "friendlier"},
		{c.RegenEnglish, "answer in English"},
		{c.RegenChinese, "用中文回答"},
		{c.RegenCite, "cite the policy"},
	}
}

// regenDialog offers the quick picks and, on its last row, a free-text
// instruction. Digits pick at once; the free-text row takes typing.
type regenDialog struct {
	convID string
	picks  []regenPick
	cursor int // len(picks) is the free-text row
	text   textinput.Model
}

func newRegenDialog(m *Model, convID string) *regenDialog {
	ti := textinput.New()
	ti.Prompt = m.cat.RegeneratePrompt
	ti.Placeholder = m.cat.RegenOwn
	ti.CharLimit = 500 // protocol.RegenerateReq limit, in bytes; runes are checked below
	// The own-instruction row has the keyboard from the start: what the
	// agent types is the instruction (it was dropped, and ⏎ then sent the
	// first preset). Digits pick a preset while nothing is typed; arrows
	// move to the presets.
	d := &regenDialog{convID: convID, picks: m.regenPicks(), text: ti}
	d.cursor = len(d.picks)
	d.text.Focus()
	return d
}

func (d *regenDialog) typing() bool { return d.cursor == len(d.picks) }

func (d *regenDialog) scope() keymap.Scope { return keymap.ScopeDialog }

func (d *regenDialog) input(msg tea.Msg) tea.Cmd {
	if !d.typing() {
		return nil
	}
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return cmd
}

func (d *regenDialog) move(to int) tea.Cmd {
	d.cursor = max(0, min(to, len(d.picks)))
	if d.typing() {
		return d.text.Focus()
	}
	d.text.Blur()
	return nil
}

func (d *regenDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	s := msg.String()
	act, ok := m.km.Lookup(keymap.ScopeDialog, s)
	if ok {
		switch act {
		case keymap.DialogCancel:
			return nil, true, nil
		case keymap.DialogUp:
			return nil, false, d.move(d.cursor - 1)
		case keymap.DialogDown:
			return nil, false, d.move(d.cursor + 1)
		case keymap.DialogConfirm:
			if !d.typing() {
				return regenResult{convID: d.convID, instruction: d.picks[d.cursor].instruction}, true, nil
			}
			in := strings.TrimSpace(d.text.Value())
			if in == "" || len(in) > 500 {
				return nil, false, nil
			}
			return regenResult{convID: d.convID, instruction: in}, true, nil
		}
	}
	if d.typing() {
		if d.text.Value() == "" && len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(d.picks) {
			return regenResult{convID: d.convID, instruction: d.picks[s[0]-'1'].instruction}, true, nil
		}
		var cmd tea.Cmd
		d.text, cmd = d.text.Update(msg)
		return nil, false, cmd
	}
	if msg.Text != "" && s != "j" && s != "k" && (s[0] < '1' || s[0] > '9') {
		// Typing on a preset row writes an instruction of one's own.
		cmd := d.move(len(d.picks))
		var c2 tea.Cmd
		d.text, c2 = d.text.Update(msg)
		return nil, false, tea.Batch(cmd, c2)
	}
	switch {
	case s == "j":
		return nil, false, d.move(d.cursor + 1)
	case s == "k":
		return nil, false, d.move(d.cursor - 1)
	case s == "tab":
		return nil, false, d.move(len(d.picks))
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(d.picks):
		return regenResult{convID: d.convID, instruction: d.picks[s[0]-'1'].instruction}, true, nil
	}
	return nil, false, nil
}

func (d *regenDialog) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	w := min(maxW, 56)
	lines := []string{ds.Title.Render(cell.Fit(m.cat.RegenerateTitle, w))}
	for i, p := range d.picks {
		text := strconv.Itoa(i+1) + " " + p.label
		if i == d.cursor {
			lines = append(lines, ds.Selected.Render(cell.Fit(text, w)))
		} else {
			lines = append(lines, ds.Item.Render(cell.Fit(text, w)))
		}
	}
	d.text.SetWidth(max(w-ansi.StringWidth(d.text.Prompt)-1, 4))
	row := cell.Fit(d.text.View(), w)
	if d.typing() {
		row = ds.Selected.Render(row)
	}
	lines = append(lines, row)
	lines = append(lines, ds.Hint.Render(cell.Fit("1-6 · ↑/↓ · tab · ⏎ · esc", w)))
	return strings.Join(lines[:min(len(lines), max(maxH, 3))], "\n")
}

// regenerate asks for a new draft. The panel says "regenerating…" from
// now until a newer open draft arrives (draftArrived), the request fails, or
// regenWait passes.
func (m *Model) regenerate(convID, instruction string) tea.Cmd {
	d, _ := m.desk.Draft(convID)
	m.regen[convID] = regenState{after: d.ID, instruction: instruction, since: m.now}
	be := m.be
	return m.request(protocol.ReqRegenerate, convID, func(ctx context.Context, r *resultMsg) error {
		_, err := be.Regenerate(ctx, convID, instruction)
		return err
	})
}

// regenFailed ends a regenerate the server refused and says why, in the
// desk's words for the codes the server uses for it.
func (m *Model) regenFailed(convID string, err error) {
	delete(m.regen, convID)
	switch protocol.CodeOf(err) {
	case protocol.CodeForbidden:
		m.say(m.cat.NoticeRegenForbidden, true)
	case protocol.CodeConflict:
		m.say(m.cat.NoticeRegenConflict, true)
	case protocol.CodeUnavailable:
		if m.conn.State.String() != "online" {
			m.say(m.cat.NoticeOffline(m.cat.ActRegenerate), true)
			return
		}
		// Connected, yet unavailable: the server has no copilot (or did
		// not answer in time); its own words say which.
		m.say(m.explainPlain(m.cat.ActRegenerate, err), true)
	default:
		m.say(m.explain(m.cat.ActRegenerate, err), true)
	}
}

// regenArrived ends the "regenerating…" state when a newer open draft
// comes in for the conversation.
func (m *Model) regenArrived(d protocol.Draft) {
	st, ok := m.regen[d.ConversationID]
	if ok && d.ID != st.after && d.Status == protocol.DraftOpen {
		delete(m.regen, d.ConversationID)
	}
}

// expireRegen gives up on regenerates that produced nothing in regenWait.
func (m *Model) expireRegen() {
	for id, st := range m.regen {
		if m.now.Sub(st.since) >= regenWait {
			delete(m.regen, id)
			if id == m.open {
				m.say(m.cat.NoticeRegenLost, true)
			}
		}
	}
}
