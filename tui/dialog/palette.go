package dialog

import (
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/tui/cell"
)

// Palette lists every action, filtered by a fuzzy query.
type Palette struct {
	all    []keymap.Info
	shown  []keymap.Info
	query  textinput.Model
	cursor int
	offset int
	run    func(keymap.Action) tea.Cmd
}

// Shown is what the query matches, best first.
func (p *Palette) Shown() []keymap.Info { return p.shown }

// NewPalette lists infos (what the role may run); run performs the chosen one.
func NewPalette(env Env, infos []keymap.Info, run func(keymap.Action) tea.Cmd) *Palette {
	ti := textinput.New()
	ti.Placeholder = env.Cat.PalettePlaceholder
	ti.Prompt = "> "
	ti.Focus()
	p := &Palette{query: ti, all: infos, run: run}
	p.refilter()
	return p
}

// Scope implements Dialog.
func (p *Palette) Scope() keymap.Scope { return keymap.ScopePalette }

// Input implements Dialog.
func (p *Palette) Input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.query, cmd = p.query.Update(msg)
	p.refilter()
	return cmd
}

func (p *Palette) refilter() {
	q := strings.ToLower(strings.TrimSpace(p.query.Value()))
	type scored struct {
		info  keymap.Info
		score int
	}
	var hits []scored
	for _, info := range p.all {
		if q == "" {
			hits = append(hits, scored{info, 0})
			continue
		}
		s, ok := fuzzy(q, strings.ToLower(string(info.Action)+" "+info.Help))
		if ok {
			hits = append(hits, scored{info, s})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score < hits[j].score })
	p.shown = p.shown[:0]
	for _, h := range hits {
		p.shown = append(p.shown, h.info)
	}
	p.cursor, p.offset = 0, 0
}

// fuzzy reports whether q's characters appear in order in s, scoring
// tighter and earlier matches lower (better).
func fuzzy(q, s string) (int, bool) {
	if i := strings.Index(s, q); i >= 0 {
		return i, true // a plain substring beats any scattered match
	}
	score, pos, last := 1000, 0, -1
	for _, r := range q {
		i := strings.IndexRune(s[pos:], r)
		if i < 0 {
			return 0, false
		}
		at := pos + i
		if last >= 0 {
			score += at - last - 1
		} else {
			score += at
		}
		last = at
		pos = at + len(string(r))
	}
	return score, true
}

// Key implements Dialog.
func (p *Palette) Key(env Env, msg tea.KeyPressMsg) Reply {
	if act, ok := env.Keys.Lookup(keymap.ScopePalette, msg.String()); ok {
		switch act {
		case keymap.PaletteClose:
			return Reply{Done: true}
		case keymap.PaletteUp:
			p.cursor = max(p.cursor-1, 0)
			return Reply{}
		case keymap.PaletteDown:
			p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
			return Reply{}
		case keymap.PaletteRun:
			if len(p.shown) == 0 {
				return Reply{}
			}
			act := p.shown[p.cursor].Action
			return done(func() tea.Cmd { return p.run(act) })
		}
	}
	var cmd tea.Cmd
	p.query, cmd = p.query.Update(msg)
	p.refilter()
	return Reply{Cmd: cmd}
}

// View implements Dialog.
func (p *Palette) View(env Env, maxW, maxH int) string {
	ds := &env.Styles.Dialog
	w := min(maxW, 72)
	p.query.SetWidth(max(w-3, 4))
	lines := []string{ds.Title.Render(cell.Fit(env.Cat.PaletteTitle+"  "+strconv.Itoa(len(p.shown))+"/"+strconv.Itoa(len(p.all)), w)),
		cell.Fit(p.query.View(), w)}
	rows := max(maxH-3, 1)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	keyW := 14
	for i := p.offset; i < len(p.shown) && i < p.offset+rows; i++ {
		info := p.shown[i]
		text := cell.Fit(keymap.HelpKeys(info.Keys), keyW) + " " + info.Help + "  · " + string(info.Action)
		if i == p.cursor {
			lines = append(lines, ds.Selected.Render(cell.Fit(text, w)))
		} else {
			lines = append(lines, ds.Item.Render(cell.Fit(text, w)))
		}
	}
	return strings.Join(lines, "\n")
}
