// Package dialog is the desk's dialogs: lists (with the one agent picker),
// yes/no questions, the reject reasons, a line of text, the regenerate
// instruction, a file path, the command palette and the key help. A dialog
// never sees the desk: it is built with what it shows and a typed callback
// for what the agent chose, and answers a key with a [Reply] whose Then
// the root runs once the dialog is closed.
package dialog

import (
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

// Env is what dialogs read to handle keys and draw.
type Env struct {
	Keys   *keymap.KeyMap
	Styles *themes.Styles
	Cat    *i18n.Catalog
}

// Reply is a dialog's answer to a key: Done closes it, Cmd is its own
// (cursor blink), Then, when set, runs after it closed (it may open the
// next dialog).
type Reply struct {
	Done bool
	Cmd  tea.Cmd
	Then func() tea.Cmd
}

// Dialog is one entry of the root's dialog stack.
type Dialog interface {
	// Scope is the keymap scope of its keys, for the help line.
	Scope() keymap.Scope
	// Key handles a key press.
	Key(env Env, msg tea.KeyPressMsg) Reply
	// Input receives other messages (paste, cursor blink) for text inputs.
	Input(msg tea.Msg) tea.Cmd
	// View renders the content, at most maxW cells wide and maxH rows.
	View(env Env, maxW, maxH int) string
}

// Typer is a dialog that holds text the agent typed (quitting would lose it).
type Typer interface{ Typing() bool }

// Wrap wraps sanitized text to w cells with the transcript's rules
// (cell.Wrap: words kept whole, Chinese line breaking).
func Wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return cell.Wrap(s, w)
}

// done closes the dialog and then runs fn.
func done(fn func() tea.Cmd) Reply { return Reply{Done: true, Then: fn} }

// digit is the 0-based index a key 1-9 names, or -1.
func digit(s string, n int) int {
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < n {
		return int(s[0] - '1')
	}
	return -1
}
