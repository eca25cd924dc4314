package dialog

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// Item is one choice of a list.
type Item[T any] struct {
	Label, Hint string
	Value       T
	// Digit is the key that picks the item in a ByValue list (the
	// capacity list: 0 picks 0); 0 for none.
	Digit byte
}

// List is a titled list: transfer targets, dispositions, snooze times,
// canned replies, files, capacities, yes/no. OnPick gets the chosen value.
type List[T any] struct {
	Title  string
	Items  []Item[T]
	Cursor int
	// ByValue: a digit picks the item with that Digit instead of the nth
	// item; the list then shows no position numbers of its own.
	ByValue bool
	// Tag names the list for the root (the quit question).
	Tag    string
	OnPick func(T) tea.Cmd
}

// Scope implements Dialog.
func (d *List[T]) Scope() keymap.Scope { return keymap.ScopeDialog }

// Input implements Dialog.
func (d *List[T]) Input(tea.Msg) tea.Cmd { return nil }

// Key implements Dialog: arrows (and j/k) move, digits and enter pick, esc
// cancels.
func (d *List[T]) Key(env Env, msg tea.KeyPressMsg) Reply {
	act, ok := env.Keys.Lookup(keymap.ScopeDialog, msg.String())
	if !ok {
		// Vim keys and digits also move and pick: lists are short.
		switch s := msg.String(); {
		case s == "j":
			act = keymap.DialogDown
		case s == "k":
			act = keymap.DialogUp
		case d.ByValue && len(s) == 1 && s[0] >= '0' && s[0] <= '9':
			i := slices.IndexFunc(d.Items, func(it Item[T]) bool { return it.Digit == s[0] })
			if i < 0 {
				return Reply{}
			}
			d.Cursor = i
			act = keymap.DialogConfirm
		case !d.ByValue && digit(s, len(d.Items)) >= 0:
			d.Cursor = digit(s, len(d.Items))
			act = keymap.DialogConfirm
		default:
			return Reply{}
		}
	}
	switch act {
	case keymap.DialogUp:
		d.Cursor = max(d.Cursor-1, 0)
	case keymap.DialogDown:
		d.Cursor = min(d.Cursor+1, max(len(d.Items)-1, 0))
	case keymap.DialogCancel:
		return Reply{Done: true}
	case keymap.DialogConfirm:
		if len(d.Items) == 0 || d.OnPick == nil {
			return Reply{Done: true}
		}
		v := d.Items[d.Cursor].Value
		return done(func() tea.Cmd { return d.OnPick(v) })
	}
	return Reply{}
}

// View implements Dialog.
func (d *List[T]) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	w := min(maxW, 64)
	// A long title (a question) wraps rather than losing its end.
	var lines []string
	for _, l := range Wrap(d.Title, w) {
		lines = append(lines, ds.Title.Render(cell.Fit(l, w)))
	}
	rows := max(maxH-2-len(lines), 1)
	start := max(0, min(d.Cursor-rows+1, len(d.Items)-rows))
	start = max(start, 0)
	for i := start; i < len(d.Items) && i < start+rows; i++ {
		it := d.Items[i]
		num := "  "
		switch {
		case d.ByValue:
			num = ""
		case i < 9:
			num = strconv.Itoa(i+1) + " "
		}
		text := num + it.Label
		if it.Hint != "" {
			text += "  " + it.Hint
		}
		if i == d.Cursor {
			lines = append(lines, ds.Selected.Render(cell.Fit(text, w)))
		} else {
			lines = append(lines, ds.Item.Render(cell.Fit(text, w)))
		}
	}
	keys := "↑/↓ · 1-9 · ⏎ · esc"
	if d.ByValue {
		keys = "↑/↓ · 0-9 · ⏎ · esc"
	}
	lines = append(lines, ds.Hint.Render(cell.Fit(keys, w)))
	return strings.Join(lines, "\n")
}

// Confirm asks a yes/no question, No first; yes runs onYes.
func Confirm(env Env, title, tag string, onYes func() tea.Cmd) *List[bool] {
	return &List[bool]{Title: title, Tag: tag,
		Items: []Item[bool]{{Label: env.Cat.No, Value: false}, {Label: env.Cat.Yes, Value: true}},
		OnPick: func(yes bool) tea.Cmd {
			if yes {
				return onYes()
			}
			return nil
		}}
}
