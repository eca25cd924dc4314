// Package keymap names every action of the desk (queue.next, draft.accept,
// draft.reject, …), gives each default keys (vim-style and arrows) and help
// text in English and Chinese, and lets a user rebind any action by name
// from the config file.
//
// The root model asks [KeyMap.Lookup] which action a key press means in the
// focused scope and switches on the returned [Action]; it never compares
// key strings itself, so a rebinding reaches every pane. The same action
// list backs the help overlay ([KeyMap.Help] implements bubbles' help.KeyMap)
// and the command palette ([KeyMap.Actions]).
package keymap

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"github.com/agentdesk/agentdesk/internal/suggest"
	"github.com/agentdesk/agentdesk/lang"
)

// KeyMap is the set of bindings in effect. The zero value is not usable;
// build one with [New].
type KeyMap struct {
	lang     lang.Lang
	bindings []key.Binding // parallel to defs
	index    map[Action]int
	lookup   map[Scope]map[string]int // scope → keystroke → defs index
}

// New returns the default keymap with help text in lang.
func New(lg lang.Lang) *KeyMap {
	m := &KeyMap{lang: lg, bindings: make([]key.Binding, len(defs)), index: make(map[Action]int, len(defs))}
	for i, d := range defs {
		m.index[d.action] = i
		m.bindings[i] = key.NewBinding(key.WithKeys(d.keys...))
		m.setHelp(i)
	}
	m.rebuildLookup()
	return m
}

func (m *KeyMap) desc(i int) string {
	if m.lang == lang.ZhCN {
		return defs[i].zh
	}
	return defs[i].en
}

func (m *KeyMap) setHelp(i int) {
	m.bindings[i].SetHelp(HelpKeys(m.bindings[i].Keys()), m.desc(i))
}

func (m *KeyMap) rebuildLookup() {
	m.lookup = make(map[Scope]map[string]int, len(Scopes))
	for i, d := range defs {
		l := m.lookup[d.scope]
		if l == nil {
			l = make(map[string]int)
			m.lookup[d.scope] = l
		}
		for _, ks := range m.bindings[i].Keys() {
			if _, taken := l[ks]; !taken { // first definition wins; Conflicts reports the rest
				l[ks] = i
			}
		}
	}
}

// Lookup returns the enabled action that keystroke (tea.KeyPressMsg.String())
// triggers in scope, searching the scope and then its parents.
func (m *KeyMap) Lookup(scope Scope, keystroke string) (Action, bool) {
	for s := scope; s != ""; s = Parent(s) {
		if i, ok := m.lookup[s][keystroke]; ok && m.bindings[i].Enabled() {
			return defs[i].action, true
		}
	}
	return "", false
}

// Binding returns the binding of a, for key.Matches and help rendering. An
// unknown action yields a disabled binding, which matches nothing.
func (m *KeyMap) Binding(a Action) key.Binding {
	if i, ok := m.index[a]; ok {
		return m.bindings[i]
	}
	return key.NewBinding(key.WithDisabled())
}

// SetEnabled turns an action on or off, e.g. the draft actions while there
// is no draft. Disabled actions neither match nor show in help.
func (m *KeyMap) SetEnabled(a Action, on bool) {
	if i, ok := m.index[a]; ok {
		m.bindings[i].SetEnabled(on)
	}
}

// Info describes one action for the command palette and the help overlay.
type Info struct {
	Action Action
	Scope  Scope
	Keys   []string
	Help   string // description in the keymap's language
}

// Actions returns every action in help order, with its current keys.
func (m *KeyMap) Actions() []Info {
	out := make([]Info, len(defs))
	for i, d := range defs {
		out[i] = Info{Action: d.action, Scope: d.scope, Keys: m.bindings[i].Keys(), Help: m.desc(i)}
	}
	return out
}

// Known reports whether a is a defined action.
func (m *KeyMap) Known(a Action) bool {
	_, ok := m.index[a]
	return ok
}

// BindError is one problem with a user's [keys] table. Rebind returns them
// joined; config uses Action to point at the offending line.
type BindError struct {
	Action string
	Key    string // the offending key, when the problem is one key
	Msg    string
}

func (e *BindError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("keys.%s: %q: %s", e.Action, e.Key, e.Msg)
	}
	return fmt.Sprintf("keys.%s: %s", e.Action, e.Msg)
}

// Rebind replaces the keys of the named actions. It checks everything first
// and changes nothing when any entry is wrong: an unknown action (with a
// suggestion), an empty key list, a key name no terminal sends, or a key
// that would then be bound twice in one scope. All problems are returned
// together, each a *BindError, so a user fixes the file in one go.
func (m *KeyMap) Rebind(keys map[string][]string) error {
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	sort.Strings(names)

	next := slices.Clone(m.bindings)
	var errs []error
	for _, name := range names {
		i, ok := m.index[Action(name)]
		if !ok {
			msg := "unknown action"
			if s := m.suggest(name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			errs = append(errs, &BindError{Action: name, Msg: msg})
			continue
		}
		ks := keys[name]
		if len(ks) == 0 {
			errs = append(errs, &BindError{Action: name, Msg: "no keys given (list at least one key, e.g. [\"j\", \"down\"])"})
			continue
		}
		bad := false
		for _, kk := range ks {
			if msg := checkKey(kk); msg != "" {
				errs = append(errs, &BindError{Action: name, Key: kk, Msg: msg})
				bad = true
			}
		}
		if !bad {
			next[i].SetKeys(slices.Clone(ks)...)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, c := range conflicts(next) {
		// Blame the action the user rebound, not the default it collided with.
		mine, other := c.Actions[1], c.Actions[0]
		if _, rebound := keys[string(mine)]; !rebound {
			mine, other = other, mine
		}
		errs = append(errs, &BindError{Action: string(mine), Key: c.Key,
			Msg: fmt.Sprintf("already bound to %s in scope %s", other, c.Scope)})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	m.bindings = next
	for i := range m.bindings {
		m.setHelp(i)
	}
	m.rebuildLookup()
	return nil
}

// Conflict is one key bound to two actions that can both be reached from
// Scope, so one of them could never fire.
type Conflict struct {
	Scope   Scope
	Key     string
	Actions [2]Action
}

// Conflicts lists keys bound twice within a scope or between a scope and a
// parent it falls back to (the parent action would be shadowed there).
func (m *KeyMap) Conflicts() []Conflict { return conflicts(m.bindings) }

func conflicts(bs []key.Binding) []Conflict {
	var out []Conflict
	owner := make(map[Scope]map[string]int)
	for i, d := range defs {
		if owner[d.scope] == nil {
			owner[d.scope] = make(map[string]int)
		}
		for _, ks := range bs[i].Keys() {
			if j, ok := owner[d.scope][ks]; ok && j != i {
				out = append(out, Conflict{Scope: d.scope, Key: ks, Actions: [2]Action{defs[j].action, d.action}})
				continue
			}
			owner[d.scope][ks] = i
		}
	}
	for _, s := range Scopes {
		for p := Parent(s); p != ""; p = Parent(p) {
			for ks, i := range owner[s] {
				if j, ok := owner[p][ks]; ok {
					out = append(out, Conflict{Scope: s, Key: ks, Actions: [2]Action{defs[j].action, defs[i].action}})
				}
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Scope != out[b].Scope {
			return out[a].Scope < out[b].Scope
		}
		return out[a].Key < out[b].Key
	})
	return out
}

// namedKeys are the key names bubbletea v2 reports in KeyPressMsg.String().
var namedKeys = map[string]bool{
	"enter": true, "tab": true, "backspace": true, "esc": true, "space": true,
	"up": true, "down": true, "left": true, "right": true, "home": true, "end": true,
	"pgup": true, "pgdown": true, "insert": true, "delete": true, "begin": true,
}

func init() {
	for i := 1; i <= 20; i++ {
		namedKeys[fmt.Sprintf("f%d", i)] = true
	}
}

var modifiers = []string{"ctrl+", "alt+", "shift+", "meta+", "hyper+", "super+"}

// checkKey returns why ks is not a key bubbletea can report, or "".
func checkKey(ks string) string {
	if ks == "" {
		return "empty key"
	}
	rest, mods := ks, 0
	for {
		found := false
		for _, p := range modifiers {
			if strings.HasPrefix(rest, p) && len(rest) > len(p) {
				rest, found = rest[len(p):], true
				mods++
			}
		}
		if !found {
			break
		}
	}
	if namedKeys[rest] {
		return ""
	}
	if utf8.RuneCountInString(rest) == 1 {
		r, _ := utf8.DecodeRuneInString(rest)
		if r == ' ' {
			return `write "space" for the space bar`
		}
		if r > ' ' && r != 0x7f && r != utf8.RuneError {
			return ""
		}
	}
	if mods > 0 {
		return "unknown key after modifier (want a character or a name such as enter, esc, tab, up, pgdown, f5)"
	}
	return "unknown key (want one character, a name such as enter, esc, tab, space, up, pgdown, home, f5, or ctrl+/alt+ with one of those)"
}

// suggest returns the defined action closest to name, if one is close.
func (m *KeyMap) suggest(name string) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = string(d.action)
	}
	return suggest.Closest(name, names, 4)
}

// keyGlyphs shortens key names in help text.
var keyGlyphs = map[string]string{
	"up": "↑", "down": "↓", "left": "←", "right": "→", "enter": "⏎",
	"pgup": "PgUp", "pgdown": "PgDn", "home": "Home", "end": "End",
}

// HelpKeys renders a binding's keys for help: "↑/k".
func HelpKeys(keys []string) string {
	parts := make([]string, len(keys))
	for i, ks := range keys {
		if g, ok := keyGlyphs[ks]; ok {
			ks = g
		}
		parts[i] = ks
	}
	return strings.Join(parts, "/")
}

// Help returns the help.KeyMap for a focused scope: its short help is the
// scope's essential actions plus the global ones; full help has one column
// per scope in its fallback chain.
func (m *KeyMap) Help(scope Scope) help.KeyMap { return scopeHelp{m: m, scope: scope} }

// HelpFor is Help without the actions allow refuses (what the user's role
// cannot do); nil allows every action.
func (m *KeyMap) HelpFor(scope Scope, allow func(Action) bool) help.KeyMap {
	return scopeHelp{m: m, scope: scope, allow: allow}
}

type scopeHelp struct {
	m     *KeyMap
	scope Scope
	allow func(Action) bool
}

func (h scopeHelp) ShortHelp() []key.Binding {
	var out []key.Binding
	for s := h.scope; s != ""; s = Parent(s) {
		out = append(out, h.m.scopeBindings(s, true, h.allow)...)
	}
	return out
}

func (h scopeHelp) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for s := h.scope; s != ""; s = Parent(s) {
		if b := h.m.scopeBindings(s, false, h.allow); len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (m *KeyMap) scopeBindings(s Scope, shortOnly bool, allow func(Action) bool) []key.Binding {
	var out []key.Binding
	for i, d := range defs {
		if d.scope == s && (!shortOnly || d.short) && m.bindings[i].Enabled() && (allow == nil || allow(d.action)) {
			out = append(out, m.bindings[i])
		}
	}
	return out
}

// ShortHelp implements help.KeyMap with the global essentials.
func (m *KeyMap) ShortHelp() []key.Binding { return m.scopeBindings(ScopeGlobal, true, nil) }

// FullHelp implements help.KeyMap with one column per scope, for the help
// overlay that lists everything.
func (m *KeyMap) FullHelp() [][]key.Binding {
	out := make([][]key.Binding, 0, len(Scopes))
	for _, s := range Scopes {
		if b := m.scopeBindings(s, false, nil); len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}
