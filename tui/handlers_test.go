package tui

import (
	"testing"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
)

// TestEveryDeskActionHasAHandler: each action of the desk's scopes is in
// one handler table (the dialog, palette and review scopes have their
// own; the reject dialog's note and cancel keys are the dialog's).
func TestEveryDeskActionHasAHandler(t *testing.T) {
	own := map[keymap.Scope]bool{keymap.ScopeDialog: true, keymap.ScopePalette: true, keymap.ScopeReview: true}
	for _, info := range keymap.New(lang.EN).Actions() {
		if own[info.Scope] || info.Action == keymap.RejectNote || info.Action == keymap.RejectCancel {
			continue
		}
		if _, ok := handlers[info.Action]; !ok {
			t.Errorf("%s (%s) has no handler", info.Action, info.Scope)
		}
	}
}
