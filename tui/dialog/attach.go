package dialog

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Attach asks for a path; tab completes it from the file system.
type Attach struct {
	pick func(path string) tea.Cmd
	text textinput.Model
	hint string // the candidates of an ambiguous completion
}

// NewAttach builds the attach dialog; pick gets the path typed.
func NewAttach(pick func(path string) tea.Cmd) *Attach {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "~/Downloads/invoice.pdf"
	ti.CharLimit = 4096
	return &Attach{pick: pick, text: ti}
}

// Scope implements Dialog.
func (d *Attach) Scope() keymap.Scope { return keymap.ScopeDialog }

// Focus gives the path input the keyboard.
func (d *Attach) Focus() tea.Cmd { return d.text.Focus() }

// Input implements Dialog.
func (d *Attach) Input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return cmd
}

// Key implements Dialog: tab completes, enter picks.
func (d *Attach) Key(env Env, msg tea.KeyPressMsg) Reply {
	if msg.String() == "tab" {
		d.complete()
		return Reply{}
	}
	if act, ok := env.Keys.Lookup(keymap.ScopeDialog, msg.String()); ok {
		switch act {
		case keymap.DialogCancel:
			return Reply{Done: true}
		case keymap.DialogConfirm:
			p := strings.TrimSpace(d.text.Value())
			if p == "" {
				return Reply{}
			}
			return done(func() tea.Cmd { return d.pick(p) })
		}
	}
	d.hint = ""
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return Reply{Cmd: cmd}
}

// complete extends the path to the longest prefix its matches share.
func (d *Attach) complete() {
	typed := d.text.Value()
	dir, prefix := filepath.Split(ExpandHome(typed))
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.hint = err.Error()
		return
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && (strings.HasPrefix(prefix, ".") || !strings.HasPrefix(e.Name(), ".")) {
			n := e.Name()
			if e.IsDir() {
				n += string(filepath.Separator)
			}
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		d.hint = "—"
		return
	}
	sort.Strings(names)
	common := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	head := typed[:len(typed)-len(prefix)]
	d.text.SetValue(head + common)
	d.text.CursorEnd()
	d.hint = ""
	if len(names) > 1 {
		d.hint = strings.Join(names[:min(len(names), 8)], "  ")
	}
}

// View implements Dialog.
func (d *Attach) View(env Env, maxW, maxH int) string {
	lines := []string{env.Styles.Draft.Title.Render(cell.Fit(env.Cat.Files.AttachTitle, maxW)), d.text.View()}
	if d.hint != "" {
		lines = append(lines, env.Styles.Muted.Render(cell.Fit(sanitize.Line(d.hint), maxW)))
	}
	lines = append(lines, env.Styles.Muted.Render(cell.Fit(env.Cat.Files.AttachHint, maxW)))
	return strings.Join(lines, "\n")
}

// ExpandHome expands a leading ~/ to the home folder.
func ExpandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~"+string(filepath.Separator)); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
