package dialog

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// Reject asks why a draft is rejected: one key per reason, tab to write a
// note first.
type Reject struct {
	note     textinput.Model
	editing  bool
	onReject func(reason, note string) tea.Cmd
}

// NewReject builds the reject dialog; onReject gets the reason code and the note.
func NewReject(env Env, onReject func(reason, note string) tea.Cmd) *Reject {
	ti := textinput.New()
	ti.Prompt = env.Cat.RejectNotePrompt
	ti.CharLimit = 2000
	return &Reject{note: ti, onReject: onReject}
}

// Scope implements Dialog.
func (d *Reject) Scope() keymap.Scope {
	if d.editing {
		return keymap.ScopeCompose
	}
	return keymap.ScopeReject
}

// Input implements Dialog.
func (d *Reject) Input(msg tea.Msg) tea.Cmd {
	if !d.editing {
		return nil
	}
	var cmd tea.Cmd
	d.note, cmd = d.note.Update(msg)
	return cmd
}

// Key implements Dialog.
func (d *Reject) Key(env Env, msg tea.KeyPressMsg) Reply {
	if d.editing {
		// enter or esc end the note and return to the reason keys; the
		// note is kept.
		switch msg.String() {
		case "enter", "esc", "tab":
			d.editing = false
			d.note.Blur()
			return Reply{}
		}
		var cmd tea.Cmd
		d.note, cmd = d.note.Update(msg)
		return Reply{Cmd: cmd}
	}
	act, ok := env.Keys.Lookup(keymap.ScopeReject, msg.String())
	if !ok {
		return Reply{}
	}
	if reason, ok := keymap.RejectReasons[act]; ok {
		note := strings.TrimSpace(d.note.Value())
		return done(func() tea.Cmd { return d.onReject(reason, note) })
	}
	switch act {
	case keymap.RejectNote:
		d.editing = true
		return Reply{Cmd: d.note.Focus()}
	case keymap.RejectCancel:
		return Reply{Done: true}
	}
	return Reply{}
}

// View implements Dialog.
func (d *Reject) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	w := min(maxW, 56)
	lines := []string{ds.Title.Render(cell.Fit(env.Cat.RejectTitle, w))}
	for _, info := range env.Keys.Actions() {
		reason, ok := keymap.RejectReasons[info.Action]
		if !ok {
			continue
		}
		lines = append(lines, ds.Item.Render(cell.Fit(keymap.HelpKeys(info.Keys)+"  "+env.Cat.RejectReason(reason), w)))
	}
	d.note.SetWidth(max(w-ansi.StringWidth(d.note.Prompt)-1, 4))
	lines = append(lines, cell.Fit(d.note.View(), w))
	hint := env.Keys.Binding(keymap.RejectNote).Help()
	cancel := env.Keys.Binding(keymap.RejectCancel).Help()
	text := hint.Key + " " + hint.Desc + " · " + cancel.Key + " " + cancel.Desc
	if d.editing {
		// Digits are typed into the note now: say how to get back to them.
		text = env.Cat.RejectNoteDone
	}
	lines = append(lines, ds.Hint.Render(cell.Fit(text, w)))
	return strings.Join(lines, "\n")
}
