package keymap

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/lang"
)

func TestDefaultsHaveNoConflicts(t *testing.T) {
	if c := New(lang.EN).Conflicts(); len(c) > 0 {
		t.Fatalf("default keymap conflicts: %+v", c)
	}
}

func TestDefaultsAreValidAndDescribed(t *testing.T) {
	seen := map[Action]bool{}
	for _, d := range defs {
		if seen[d.action] {
			t.Errorf("%s defined twice", d.action)
		}
		seen[d.action] = true
		if !strings.HasPrefix(string(d.action), strings.Split(string(d.action), ".")[0]+".") {
			t.Errorf("%s: action names are dotted", d.action)
		}
		if d.en == "" || d.zh == "" {
			t.Errorf("%s: missing help text", d.action)
		}
		if len(d.keys) == 0 {
			t.Errorf("%s: no default keys", d.action)
		}
		for _, ks := range d.keys {
			if msg := checkKey(ks); msg != "" {
				t.Errorf("%s: default key %q: %s", d.action, ks, msg)
			}
		}
	}
	for a := range RejectReasons {
		if !seen[a] {
			t.Errorf("reject reason action %s undefined", a)
		}
	}
}

// TestLookupWithRealKeys feeds the strings bubbletea produces for real key
// presses, so a default written as a name bubbletea never reports fails here.
func TestLookupWithRealKeys(t *testing.T) {
	m := New(lang.EN)
	cases := []struct {
		scope Scope
		key   tea.KeyPressMsg
		want  Action
	}{
		{ScopeQueue, tea.KeyPressMsg{Code: 'j', Text: "j"}, QueueDown},
		{ScopeQueue, tea.KeyPressMsg{Code: tea.KeyDown}, QueueDown},
		{ScopeQueue, tea.KeyPressMsg{Code: 'g', Text: "G", Mod: tea.ModShift}, QueueBottom},
		{ScopeQueue, tea.KeyPressMsg{Code: tea.KeyPgDown}, QueuePageDown},
		{ScopeQueue, tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}, QueuePageDown},
		{ScopeQueue, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}, QueueSelect},
		{ScopeQueue, tea.KeyPressMsg{Code: tea.KeyEnter}, QueueOpen},
		{ScopeQueue, tea.KeyPressMsg{Code: 'q', Text: "q"}, AppQuit}, // falls back to global
		{ScopeQueue, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, FocusPrev},
		{ScopeConv, tea.KeyPressMsg{Code: 'a', Text: "a"}, DraftAccept},
		{ScopeConv, tea.KeyPressMsg{Code: 'x', Text: "x"}, DraftReject},
		{ScopeConv, tea.KeyPressMsg{Code: tea.KeyEscape}, ConvBack},
		{ScopeReject, tea.KeyPressMsg{Code: '2', Text: "2"}, RejectWrongTone},
		{ScopeCompose, tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}, ComposeSend},
		{ScopeCompose, tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt}, ComposeSend},
	}
	for _, c := range cases {
		got, ok := m.Lookup(c.scope, c.key.String())
		if !ok || got != c.want {
			t.Errorf("%s %q = %q, %v; want %q", c.scope, c.key.String(), got, ok, c.want)
		}
	}
	// Text-entry scopes must not fall back: typing "q" in a reply is a letter.
	if a, ok := m.Lookup(ScopeCompose, "q"); ok {
		t.Errorf("compose q triggered %s", a)
	}
	if a, ok := m.Lookup(ScopeReject, "q"); ok {
		t.Errorf("reject dialog q triggered %s", a)
	}
}

func TestSetEnabled(t *testing.T) {
	m := New(lang.EN)
	m.SetEnabled(DraftAccept, false)
	if _, ok := m.Lookup(ScopeConv, "a"); ok {
		t.Error("disabled action still matched")
	}
	for _, b := range m.Help(ScopeConv).ShortHelp() {
		if b.Help().Desc == "accept draft" {
			t.Error("disabled action shown in help")
		}
	}
	m.SetEnabled(DraftAccept, true)
	if a, _ := m.Lookup(ScopeConv, "a"); a != DraftAccept {
		t.Error("re-enabled action did not match")
	}
}

func TestRebind(t *testing.T) {
	m := New(lang.EN)
	if err := m.Rebind(map[string][]string{"queue.down": {"ctrl+n", "down"}, "queue.up": {"ctrl+p"}}); err == nil {
		t.Fatal("ctrl+p in queue shadows palette.open; want a conflict")
	}
	if err := m.Rebind(map[string][]string{"queue.down": {"ctrl+n", "down"}, "queue.up": {"ctrl+o"}}); err != nil {
		t.Fatal(err)
	}
	if a, _ := m.Lookup(ScopeQueue, "ctrl+n"); a != QueueDown {
		t.Errorf("ctrl+n = %q", a)
	}
	if _, ok := m.Lookup(ScopeQueue, "j"); ok {
		t.Error("old key j still bound")
	}
	if h := m.Binding(QueueDown).Help(); h.Key != "ctrl+n/↓" || h.Desc != "down" {
		t.Errorf("help not updated: %+v", h)
	}
}

func TestRebindErrors(t *testing.T) {
	cases := []struct {
		name   string
		keys   map[string][]string
		action string
		want   string
	}{
		{"unknown action", map[string][]string{"queue.donw": {"j"}}, "queue.donw", `did you mean "queue.down"`},
		{"unknown far", map[string][]string{"frobnicate": {"j"}}, "frobnicate", "unknown action"},
		{"empty keys", map[string][]string{"draft.accept": {}}, "draft.accept", "no keys"},
		{"bad key", map[string][]string{"draft.accept": {"ctrl+enterr"}}, "draft.accept", "unknown key"},
		{"literal space", map[string][]string{"queue.select": {" "}}, "queue.select", `"space"`},
		{"conflict in scope", map[string][]string{"draft.accept": {"x"}}, "draft.accept", "already bound to draft.reject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New(lang.EN)
			err := m.Rebind(c.keys)
			if err == nil {
				t.Fatal("no error")
			}
			var be *BindError
			if !errors.As(err, &be) || be.Action != c.action || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v (action %v), want action %s and %q", err, be, c.action, c.want)
			}
			// Nothing changes on error.
			if a, _ := m.Lookup(ScopeConv, "a"); a != DraftAccept {
				t.Error("failed rebind changed the keymap")
			}
		})
	}
}

func TestRebindReportsAllProblems(t *testing.T) {
	err := New(lang.EN).Rebind(map[string][]string{"nope": {"a"}, "draft.accept": {}})
	if err == nil || !strings.Contains(err.Error(), "keys.nope") || !strings.Contains(err.Error(), "keys.draft.accept") {
		t.Fatalf("want both problems, got %v", err)
	}
}

func TestHelp(t *testing.T) {
	zh := New(lang.ZhCN)
	short := zh.Help(ScopeConv).ShortHelp()
	if len(short) == 0 || short[0].Help().Desc != "采纳草稿" {
		t.Fatalf("zh short help = %+v", short)
	}
	full := zh.Help(ScopeQueue).FullHelp()
	if len(full) != 2 {
		t.Fatalf("queue full help has %d columns, want queue + global", len(full))
	}
	if got := full[0][0].Help().Key; got != "↑/k" {
		t.Errorf("help key = %q", got)
	}
	if cols := zh.FullHelp(); len(cols) != len(Scopes) {
		t.Errorf("full help has %d columns, want %d", len(cols), len(Scopes))
	}
}

func TestActionsForPalette(t *testing.T) {
	infos := New(lang.EN).Actions()
	if len(infos) != len(defs) {
		t.Fatalf("%d actions, want %d", len(infos), len(defs))
	}
	found := false
	for _, in := range infos {
		if in.Action == DraftRegenerate && in.Help == "regenerate draft" && in.Scope == ScopeConv && in.Keys[0] == "R" {
			found = true
		}
	}
	if !found {
		t.Error("draft.regenerate missing from palette list")
	}
}
