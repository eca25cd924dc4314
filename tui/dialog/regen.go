package dialog

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// RegenPick is a quick pick: the label shown, the instruction sent. The
// instructions are the copilot's own vocabulary (copilot.parseInstruction).
type RegenPick struct{ Label, Instruction string }

// Regen offers the quick picks and, on its last row, a free-text
// instruction. Digits pick at once; the free-text row takes typing.
type Regen struct {
	picks  []RegenPick
	pick   func(instruction string) tea.Cmd
	cursor int // len(picks) is the free-text row
	text   textinput.Model
}

// NewRegen builds the regenerate dialog; pick gets the instruction.
func NewRegen(env Env, picks []RegenPick, pick func(instruction string) tea.Cmd) *Regen {
	ti := textinput.New()
	ti.Prompt = env.Cat.RegeneratePrompt
	ti.Placeholder = env.Cat.RegenOwn
	ti.CharLimit = 500 // protocol.RegenerateReq limit, in bytes; runes are checked below
	// The own-instruction row has the keyboard from the start: what the
	// agent types is the instruction (it was dropped, and ⏎ then sent the
	// first preset). Digits pick a preset while nothing is typed; arrows
	// move to the presets.
	d := &Regen{picks: picks, pick: pick, text: ti}
	d.cursor = len(d.picks)
	d.text.Focus()
	return d
}

func (d *Regen) typing() bool { return d.cursor == len(d.picks) }

// Scope implements Dialog.
func (d *Regen) Scope() keymap.Scope { return keymap.ScopeDialog }

// Input implements Dialog.
func (d *Regen) Input(msg tea.Msg) tea.Cmd {
	if !d.typing() {
		return nil
	}
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return cmd
}

func (d *Regen) move(to int) tea.Cmd {
	d.cursor = max(0, min(to, len(d.picks)))
	if d.typing() {
		return d.text.Focus()
	}
	d.text.Blur()
	return nil
}

// Key implements Dialog: digits pick a preset, the last row takes an
// instruction of one's own.
func (d *Regen) Key(env Env, msg tea.KeyPressMsg) Reply {
	s := msg.String()
	act, ok := env.Keys.Lookup(keymap.ScopeDialog, s)
	if ok {
		switch act {
		case keymap.DialogCancel:
			return Reply{Done: true}
		case keymap.DialogUp:
			return Reply{Cmd: d.move(d.cursor - 1)}
		case keymap.DialogDown:
			return Reply{Cmd: d.move(d.cursor + 1)}
		case keymap.DialogConfirm:
			if !d.typing() {
				return d.chose(d.picks[d.cursor].Instruction)
			}
			in := strings.TrimSpace(d.text.Value())
			if in == "" || len(in) > 500 {
				return Reply{}
			}
			return d.chose(in)
		}
	}
	if d.typing() {
		if d.text.Value() == "" && len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(d.picks) {
			return d.chose(d.picks[s[0]-'1'].Instruction)
		}
		var cmd tea.Cmd
		d.text, cmd = d.text.Update(msg)
		return Reply{Cmd: cmd}
	}
	if msg.Text != "" && s != "j" && s != "k" && (s[0] < '1' || s[0] > '9') {
		// Typing on a preset row writes an instruction of one's own.
		cmd := d.move(len(d.picks))
		var c2 tea.Cmd
		d.text, c2 = d.text.Update(msg)
		return Reply{Cmd: tea.Batch(cmd, c2)}
	}
	switch {
	case s == "j":
		return Reply{Cmd: d.move(d.cursor + 1)}
	case s == "k":
		return Reply{Cmd: d.move(d.cursor - 1)}
	case s == "tab":
		return Reply{Cmd: d.move(len(d.picks))}
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(d.picks):
		return d.chose(d.picks[s[0]-'1'].Instruction)
	}
	return Reply{}
}

// View implements Dialog.
func (d *Regen) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	w := min(maxW, 56)
	lines := []string{ds.Title.Render(cell.Fit(env.Cat.RegenerateTitle, w))}
	for i, p := range d.picks {
		text := strconv.Itoa(i+1) + " " + p.Label
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

func (d *Regen) chose(instruction string) Reply {
	return done(func() tea.Cmd { return d.pick(instruction) })
}
