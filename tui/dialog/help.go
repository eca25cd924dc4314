package dialog

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// Help shows every binding, one block per scope: the scopes shown and
// the actions allowed are the role's.
type Help struct {
	offset, page int
	scopes       func(keymap.Scope) bool
	allowed      func(keymap.Action) bool
}

// NewHelp builds the key help.
func NewHelp(scopes func(keymap.Scope) bool, allowed func(keymap.Action) bool) *Help {
	return &Help{scopes: scopes, allowed: allowed}
}

// Scope implements Dialog.
func (h *Help) Scope() keymap.Scope { return keymap.ScopeDialog }

// Input implements Dialog.
func (h *Help) Input(tea.Msg) tea.Cmd { return nil }

// Key implements Dialog: it scrolls; ?, q, esc and enter close it.
func (h *Help) Key(env Env, msg tea.KeyPressMsg) Reply {
	switch msg.String() {
	case "j", "down":
		h.offset++
		return Reply{}
	case "k", "up":
		h.offset = max(h.offset-1, 0)
		return Reply{}
	case "pgdown", "ctrl+d", "space":
		h.offset += max(h.page-1, 1) // the view clamps it
		return Reply{}
	case "pgup", "ctrl+u":
		h.offset = max(h.offset-max(h.page-1, 1), 0)
		return Reply{}
	case "home", "g":
		h.offset = 0
		return Reply{}
	case "end", "G":
		h.offset = 1 << 20
		return Reply{}
	}
	if act, ok := env.Keys.Lookup(keymap.ScopeGlobal, msg.String()); ok && (act == keymap.HelpToggle || act == keymap.AppQuit) {
		return Reply{Done: true}
	}
	if act, ok := env.Keys.Lookup(keymap.ScopeDialog, msg.String()); ok && (act == keymap.DialogCancel || act == keymap.DialogConfirm) {
		return Reply{Done: true}
	}
	return Reply{}
}

var scopeTitles = map[keymap.Scope][2]string{
	keymap.ScopeGlobal: {"Everywhere", "全局"}, keymap.ScopeQueue: {"Queue", "队列"},
	keymap.ScopeConv: {"Conversation & draft", "会话与草稿"}, keymap.ScopeCompose: {"Writing", "编辑"},
	keymap.ScopeFilter: {"Filter", "筛选"}, keymap.ScopeReject: {"Reject reasons", "拒绝原因"},
	keymap.ScopeDialog: {"Dialogs", "对话框"}, keymap.ScopePalette: {"Command palette", "命令面板"},
	keymap.ScopeTeam: {"Team board (lead)", "团队看板（组长）"}, keymap.ScopeReview: {"Review (trainer)", "复核（培训师）"},
}

// View implements Dialog.
func (h *Help) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	lang := 0
	if env.Cat == nil || env.Cat.HelpTitle != "Keys" {
		lang = 1
	}
	// Entries in scope order, each scope headed by its title; the team
	// board's and the review view's keys only for those who have them.
	type entry struct{ title, keys, help string }
	var entries []entry
	infos := env.Keys.Actions()
	for _, s := range keymap.Scopes {
		if !h.scopes(s) {
			continue
		}
		first := true
		for _, info := range infos {
			if info.Scope != s || !h.allowed(info.Action) {
				continue
			}
			if first {
				if len(entries) > 0 {
					entries = append(entries, entry{})
				}
				entries = append(entries, entry{title: scopeTitles[s][lang]})
				first = false
			}
			entries = append(entries, entry{keys: keymap.HelpKeys(info.Keys), help: info.Help})
		}
	}
	// As many columns as the entries need and the width allows, each as
	// wide as the width shares out (up to a comfortable 48 cells), filled
	// top to bottom; what still does not fit scrolls.
	const minColW, maxColW = 34, 48
	rows := max(maxH-2, 1) // below the title, above the frame's hint line
	cols := max(min((len(entries)+rows-1)/rows, maxW/(minColW+2), 4), 1)
	colW := max(min((maxW-2*(cols-1))/cols, maxColW), 1)
	perCol := max((len(entries)+cols-1)/cols, 1)
	keyW := 12 // wider when the columns have the room (ctrl+s/alt+enter)
	if colW >= 44 {
		keyW = 16
	}
	h.page = rows
	h.offset = min(h.offset, max(perCol-rows, 0))
	w := min(maxW, cols*colW+2*(cols-1))
	title := env.Cat.HelpTitle + "  (?/esc)"
	if perCol > rows {
		// Say that there is more, and where we are.
		title += fmt.Sprintf("  ↑/↓ %d–%d/%d", h.offset+1, min(h.offset+rows, perCol), perCol)
	}
	lines := []string{ds.Title.Render(cell.Fit(title, w))}
	for r := h.offset; r < perCol && r < h.offset+rows; r++ {
		var b strings.Builder
		for c := 0; c < cols; c++ {
			i := c*perCol + r
			text := ""
			if i < len(entries) {
				switch e := entries[i]; {
				case e.title != "":
					text = ds.Title.Render(e.title)
				case e.keys != "":
					text = cell.Fit(e.keys, keyW) + " " + e.help
				}
			}
			b.WriteString(cell.Fit(text, colW))
			if c < cols-1 {
				b.WriteString("  ")
			}
		}
		lines = append(lines, cell.Fit(b.String(), w))
	}
	return strings.Join(lines, "\n")
}
