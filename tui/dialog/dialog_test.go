package dialog

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

func env() Env {
	return Env{Keys: keymap.New(lang.EN), Styles: themes.New(themes.Dark, false), Cat: i18n.For(lang.EN)}
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// press sends keys and runs what the last reply chose.
func press(d Dialog, keys ...string) Reply {
	var r Reply
	for _, k := range keys {
		r = d.Key(env(), key(k))
	}
	if r.Then != nil {
		r.Then()
	}
	return r
}

// TestListHandsBackTheTypedValue: the value picked is the item's, by
// position digit, by cursor, or by its own digit in a ByValue list.
func TestListHandsBackTheTypedValue(t *testing.T) {
	for _, tc := range []struct {
		name    string
		byValue bool
		keys    []string
		want    int
	}{
		{"digit picks the nth", false, []string{"2"}, 20},
		{"cursor and enter", false, []string{"down", "down", "enter"}, 30},
		{"j moves", false, []string{"j", "enter"}, 20},
		{"by value: 0 picks the item keyed 0", true, []string{"0"}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := -1
			d := &List[int]{ByValue: tc.byValue, OnPick: func(v int) tea.Cmd { got = v; return nil },
				Items: []Item[int]{{Label: "a", Value: 10, Digit: '0'}, {Label: "b", Value: 20, Digit: '1'}, {Label: "c", Value: 30}}}
			if r := press(d, tc.keys...); !r.Done || got != tc.want {
				t.Fatalf("done %v, picked %d, want %d", r.Done, got, tc.want)
			}
		})
	}
	picked := false
	d := &List[int]{OnPick: func(int) tea.Cmd { picked = true; return nil }, Items: []Item[int]{{Value: 1}}}
	if r := press(d, "esc"); !r.Done || picked {
		t.Fatal("esc picked")
	}
	yes := false
	if press(Confirm(env(), "sure?", "", func() tea.Cmd { yes = true; return nil }), "1"); yes {
		t.Fatal("No (first) said yes")
	}
	if press(Confirm(env(), "sure?", "", func() tea.Cmd { yes = true; return nil }), "2"); !yes {
		t.Fatal("Yes did not")
	}
}

// TestAgentPicker: online first; by load when asked; a drain offers
// spreading (over online teammates but me) and the queue first; teams last.
func TestAgentPicker(t *testing.T) {
	agents := []protocol.Agent{
		{ID: "a", Name: "Ann", Status: protocol.StatusOnline, Load: 4, Capacity: 5},
		{ID: "b", Name: "Bo", Status: protocol.StatusOnline, Load: 1, Capacity: 5},
		{ID: "c", Name: "Cy", Status: protocol.StatusOffline},
		{ID: "me", Name: "Me", Status: protocol.StatusAway, Capacity: 5},
	}
	labels := func(d *List[Target]) string {
		var out []string
		for _, it := range d.Items {
			out = append(out, it.Label)
		}
		return fmt.Sprint(out)
	}
	pick := func(Target) tea.Cmd { return nil }
	if got := labels(AgentPicker(env(), "t", Picker{Agents: agents, Teams: []string{"vip"}}, pick)); got != "[Ann Bo Me Cy vip]" {
		t.Errorf("by id: %s", got)
	}
	if got := labels(AgentPicker(env(), "t", Picker{Agents: agents, ByLoad: true}, pick)); got != "[Bo Ann Me Cy]" {
		t.Errorf("by load: %s", got)
	}
	d := AgentPicker(env(), "t", Picker{Agents: agents, Drain: true, Me: "b"}, pick)
	cat := i18n.For(lang.EN)
	if d.Items[0].Label != cat.Team.DrainSpread || d.Items[0].Value != (Target{Spread: true}) ||
		d.Items[1].Value != (Target{Queue: true}) || d.Items[0].Hint != cat.Team.SpreadHint([]string{"Ann"}) {
		t.Errorf("drain items: %+v", d.Items[:2])
	}
	var got Target
	d = AgentPicker(env(), "t", Picker{Agents: agents, Teams: []string{"vip"}}, func(t Target) tea.Cmd { got = t; return nil })
	press(d, "5")
	if got != (Target{Team: "vip"}) {
		t.Errorf("team pick = %+v", got)
	}
}

// TestWrapKeepsChineseLineBreaking: dialogs wrap Chinese like the
// transcript — no line starts with closing punctuation (，。；、” …), none
// ends with an opening one (issue 14: ansi.Wrap put a lone ， at a line's start).
func TestWrapKeepsChineseLineBreaking(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"我已经收到，请稍等", 10, "我已经收|到，请稍等"},
		{"退款已经到账。", 12, "退款已经到|账。"},
		{"他说「你好」吗", 6, "他说|「你|好」吗"},
	} {
		if got := strings.Join(Wrap(c.in, c.w), "|"); got != c.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}
