package dialog

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// Text asks for one line of text (a note for a chat's assignee): enter
// hands it to OnSubmit, esc or an empty line closes.
type Text struct {
	title    string
	in       textinput.Model
	onSubmit func(text string) tea.Cmd
}

// NewText builds a focused text dialog maxW cells wide at most.
func NewText(title, prompt string, maxW int, onSubmit func(string) tea.Cmd) *Text {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.CharLimit = 2000
	ti.Focus()
	d := &Text{title: title, in: ti, onSubmit: onSubmit}
	d.setWidth(maxW)
	return d
}

// setWidth fits the input to the dialog's width: the prompt and the cursor
// cell share the row with the text, and a wider input would have its tail
// (and the cursor) cut off.
func (d *Text) setWidth(maxW int) int {
	w := min(maxW, 72)
	d.in.SetWidth(max(w-ansi.StringWidth(d.in.Prompt)-1, 4))
	return w
}

// Typing implements Typer.
func (d *Text) Typing() bool { return strings.TrimSpace(d.in.Value()) != "" }

// Scope implements Dialog.
func (d *Text) Scope() keymap.Scope { return keymap.ScopeCompose }

// Input implements Dialog.
func (d *Text) Input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return cmd
}

// Key implements Dialog.
func (d *Text) Key(_ Env, msg tea.KeyPressMsg) Reply {
	switch msg.String() {
	case "esc":
		return Reply{Done: true}
	case "enter":
		text := strings.TrimSpace(d.in.Value())
		if text == "" {
			return Reply{Done: true}
		}
		return done(func() tea.Cmd { return d.onSubmit(text) })
	}
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return Reply{Cmd: cmd}
}

// View implements Dialog.
func (d *Text) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	w := d.setWidth(maxW)
	return strings.Join([]string{ds.Title.Render(cell.Fit(d.title, w)), cell.Fit(d.in.View(), w)}, "\n")
}
