package tui

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// dialog is one entry of the dialog stack. A dialog never changes the
// desk's state itself: it returns a result value (what the agent chose) and
// the root performs it.
type dialog interface {
	scope() keymap.Scope
	// key handles a key press; done closes the dialog, result (if not
	// nil) is for the root to perform.
	key(m *Model, msg tea.KeyPressMsg) (result any, done bool, cmd tea.Cmd)
	// input receives other messages (paste, cursor blink) for text inputs.
	input(msg tea.Msg) tea.Cmd
	// view renders the dialog's content, at most maxW cells wide.
	view(m *Model, maxW, maxH int) string
}

// Results dialogs return.
type (
	pickResult struct {
		kind    pickKind
		target  string // conversation id(s) the pick is for
		value   string
		payload protocol.Draft
	}
	rejectResult struct {
		draft        protocol.Draft
		reason, note string
	}
	runResult struct{ act keymap.Action }
)

type pickKind int

const (
	pickTransfer pickKind = iota
	pickReassign
	pickResolve
	pickSnooze
	pickCanned
	pickConfirmStale
	pickConfirmQuit
)

func (m *Model) push(d dialog) { m.dialogs = append(m.dialogs, d) }

func (m *Model) pop() {
	if n := len(m.dialogs); n > 0 {
		m.dialogs = m.dialogs[:n-1]
	}
}

func (m *Model) topDialogInput(msg tea.Msg) tea.Cmd {
	return m.dialogs[len(m.dialogs)-1].input(msg)
}

func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	top := m.dialogs[len(m.dialogs)-1]
	res, done, cmd := top.key(m, msg)
	if done {
		m.pop()
	}
	if res == nil {
		return cmd
	}
	return tea.Batch(cmd, m.applyDialogResult(res))
}

// applyDialogResult performs what a dialog returned.
func (m *Model) applyDialogResult(res any) tea.Cmd {
	switch r := res.(type) {
	case runResult:
		return m.perform(r.act)
	case rejectResult:
		return m.recordOutcome(r.draft, protocol.ActionReject, "", r.reason, r.note)
	case regenResult:
		return m.regenerate(r.convID, r.instruction)
	case teamResult:
		return m.applyTeamResult(r) // teamview.go
	case openResult:
		return m.applyOpenResult(r) // files.go
	case attachResult:
		return m.applyAttachResult(r)
	case pickResult:
		switch r.kind {
		case pickTransfer:
			req := protocol.TransferReq{ConversationID: r.target}
			if team, ok := strings.CutPrefix(r.value, "team:"); ok {
				req.ToTeam = team
			} else {
				req.ToAgent = strings.TrimPrefix(r.value, "agent:")
			}
			m.setFocus(focusQueue)
			return m.enqueue(deskstate.Job{Kind: protocol.ReqTransfer, ConvID: r.target}, req)
		case pickReassign:
			ids := strings.Split(r.target, ",")
			versions := map[string]int64{}
			for _, id := range ids {
				if c, ok := m.desk.Conversation(id); ok {
					versions[id] = c.Version
				}
			}
			if team, ok := strings.CutPrefix(r.value, "team:"); ok {
				return m.reassign(ids, "", team, versions)
			}
			return m.reassign(ids, strings.TrimPrefix(r.value, "agent:"), "", versions)
		case pickResolve:
			m.setFocus(focusQueue)
			return m.enqueue(deskstate.Job{Kind: protocol.ReqResolve, ConvID: r.target},
				protocol.ResolveReq{ConversationID: r.target, Disposition: r.value})
		case pickSnooze:
			minutes, _ := strconv.Atoi(r.value)
			m.setFocus(focusQueue)
			return m.enqueue(deskstate.Job{Kind: protocol.ReqSnooze, ConvID: r.target},
				protocol.SnoozeReq{ConversationID: r.target, Minutes: minutes})
		case pickCanned:
			m.insertCanned(r.value)
		case pickConfirmStale:
			if r.value == "yes" {
				return m.recordOutcome(r.payload, protocol.ActionAccept, "", "", "")
			}
		case pickConfirmQuit:
			if r.value == "yes" {
				return tea.Quit
			}
		}
	}
	return nil
}

// listItem is one choice of a list dialog.
type listItem struct {
	label, hint, value string
}

// listDialog is a titled list: transfer targets, dispositions, snooze
// times, canned replies, yes/no.
type listDialog struct {
	title   string
	kind    pickKind
	target  string
	payload protocol.Draft
	items   []listItem
	cursor  int
	// pick, when set, turns the chosen value into the result instead of
	// a pickResult (the team board's dialogs).
	pick func(value string) any
	// byValue: the items are numbers and a digit picks the item with that
	// value (the capacity list: 0 picks 0) instead of the nth item; the
	// list then shows no position numbers of its own.
	byValue bool
}

func (d *listDialog) scope() keymap.Scope   { return keymap.ScopeDialog }
func (d *listDialog) input(tea.Msg) tea.Cmd { return nil }
func (d *listDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	act, ok := m.km.Lookup(keymap.ScopeDialog, msg.String())
	if !ok {
		// Vim keys and digits also move and pick: lists are short.
		switch s := msg.String(); {
		case s == "j":
			act = keymap.DialogDown
		case s == "k":
			act = keymap.DialogUp
		case d.byValue && len(s) == 1 && s[0] >= '0' && s[0] <= '9':
			i := slices.IndexFunc(d.items, func(it listItem) bool { return it.value == s })
			if i < 0 {
				return nil, false, nil
			}
			d.cursor = i
			act = keymap.DialogConfirm
		case !d.byValue && len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < len(d.items):
			d.cursor = int(s[0] - '1')
			act = keymap.DialogConfirm
		default:
			return nil, false, nil
		}
	}
	switch act {
	case keymap.DialogUp:
		d.cursor = max(d.cursor-1, 0)
	case keymap.DialogDown:
		d.cursor = min(d.cursor+1, max(len(d.items)-1, 0))
	case keymap.DialogCancel:
		return nil, true, nil
	case keymap.DialogConfirm:
		if len(d.items) == 0 {
			return nil, true, nil
		}
		if d.pick != nil {
			return d.pick(d.items[d.cursor].value), true, nil
		}
		return pickResult{kind: d.kind, target: d.target, value: d.items[d.cursor].value, payload: d.payload}, true, nil
	}
	return nil, false, nil
}

func (d *listDialog) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	w := min(maxW, 64)
	// A long title (a question) wraps rather than losing its end.
	var lines []string
	for _, l := range wrapPlain(d.title, w) {
		lines = append(lines, ds.Title.Render(cell.Fit(l, w)))
	}
	rows := max(maxH-2-len(lines), 1)
	start := max(0, min(d.cursor-rows+1, len(d.items)-rows))
	start = max(start, 0)
	for i := start; i < len(d.items) && i < start+rows; i++ {
		it := d.items[i]
		num := "  "
		switch {
		case d.byValue:
			num = ""
		case i < 9:
			num = strconv.Itoa(i+1) + " "
		}
		text := num + it.label
		if it.hint != "" {
			text += "  " + it.hint
		}
		if i == d.cursor {
			lines = append(lines, ds.Selected.Render(cell.Fit(text, w)))
		} else {
			lines = append(lines, ds.Item.Render(cell.Fit(text, w)))
		}
	}
	keys := "↑/↓ · 1-9 · ⏎ · esc"
	if d.byValue {
		keys = "↑/↓ · 0-9 · ⏎ · esc"
	}
	lines = append(lines, ds.Hint.Render(cell.Fit(keys, w)))
	return strings.Join(lines, "\n")
}

// agentDialog lists transfer or reassign targets: agents (by status and
// load) and, when teams is true or for reassign, team queues.
func (m *Model) agentDialog(title string, kind pickKind, target string, excludeMe bool) dialog {
	var agents []protocol.Agent
	for a := range m.desk.Agents() {
		if excludeMe && a.ID == m.desk.Me().ID {
			continue
		}
		if !takesChats(a) {
			continue
		}
		agents = append(agents, a)
	}
	rank := map[string]int{protocol.StatusOnline: 0, protocol.StatusAway: 1}
	sort.Slice(agents, func(i, j int) bool {
		ri, rj := rank[agents[i].Status], rank[agents[j].Status]
		if _, ok := rank[agents[i].Status]; !ok {
			ri = 2
		}
		if _, ok := rank[agents[j].Status]; !ok {
			rj = 2
		}
		if ri != rj {
			return ri < rj
		}
		return agents[i].ID < agents[j].ID
	})
	d := &listDialog{title: title, kind: kind, target: target}
	for _, a := range agents {
		name := sanitize.Line(a.Name)
		if name == "" {
			name = sanitize.Line(a.ID)
		}
		d.items = append(d.items, listItem{label: name,
			hint: m.statusLabel(a.Status) + " · " + m.cat.Load(a.Load, a.Capacity), value: "agent:" + a.ID})
	}
	for _, t := range m.teams() {
		d.items = append(d.items, listItem{label: sanitize.Line(t), hint: m.cat.TeamQueue, value: "team:" + t})
	}
	return d
}

// takesChats reports whether a chat may be handed to a: agents and leads
// with room for at least one chat. Trainers never talk to customers, admin
// accounts are integrations and operators (the demo's shop bot), and a
// capacity of 0 means "takes nothing" — a chat handed to any of them would
// sit with nobody to answer it.
func takesChats(a protocol.Agent) bool {
	return (a.Role == protocol.RoleAgent || a.Role == protocol.RoleLead) && a.Capacity > 0
}

func (m *Model) resolveDialog(convID string) dialog {
	c := m.cat
	return &listDialog{title: m.waitingWarning(convID) + c.ResolveTitle, kind: pickResolve, target: convID, items: []listItem{
		{label: c.DispResolved, value: "resolved"},
		{label: c.DispAnswered, value: "answered"},
		{label: c.DispRefund, value: "refund_issued"},
		{label: c.DispDuplicate, value: "duplicate"},
		{label: c.DispNoResponse, value: "no_response"},
		{label: c.DispSpam, value: "spam"},
	}}
}

func (m *Model) snoozeDialog(convID string) dialog {
	d := &listDialog{title: m.waitingWarning(convID) + m.cat.SnoozeTitle, kind: pickSnooze, target: convID}
	for _, n := range []int{15, 30, 60, 120, 240, 1440} {
		d.items = append(d.items, listItem{label: m.cat.Minutes(n), value: strconv.Itoa(n)})
	}
	return d
}

func (m *Model) cannedDialog() dialog {
	d := &listDialog{title: m.cat.CannedTitle, kind: pickCanned}
	for _, c := range m.cannedReplies() {
		d.items = append(d.items, listItem{label: "/" + c.name, hint: sanitize.Line(c.text), value: c.text})
	}
	return d
}

// typing reports whether the user is writing something that quitting would
// lose: a reply, note or draft edit, a team note, or the review label form.
func (m *Model) typing() bool {
	if m.focus == focusCompose && strings.TrimSpace(m.compose.ta.Value()) != "" {
		return true
	}
	for _, d := range m.dialogs {
		if n, ok := d.(*noteDialog); ok && strings.TrimSpace(n.in.Value()) != "" {
			return true
		}
	}
	return m.lead.view == viewReview && m.review != nil && m.review.Editing()
}

// isQuitKey reports whether msg is the global quit key that text entry
// would otherwise swallow (ctrl+c; a plain q is typed).
func (m *Model) isQuitKey(msg tea.KeyPressMsg) bool {
	if msg.Text != "" {
		return false // printable: typed where text is entered
	}
	act, ok := m.km.Lookup(keymap.ScopeGlobal, msg.String())
	return ok && act == keymap.AppQuit
}

// rejectDialog asks why a draft is rejected: one key per reason, tab to
// write a note first.
type rejectDialog struct {
	draft   protocol.Draft
	note    textinput.Model
	editing bool
}

func newRejectDialog(m *Model, d protocol.Draft) *rejectDialog {
	ti := textinput.New()
	ti.Prompt = m.cat.RejectNotePrompt
	ti.CharLimit = 2000
	return &rejectDialog{draft: d, note: ti}
}

func (d *rejectDialog) scope() keymap.Scope {
	if d.editing {
		return keymap.ScopeCompose
	}
	return keymap.ScopeReject
}

func (d *rejectDialog) input(msg tea.Msg) tea.Cmd {
	if !d.editing {
		return nil
	}
	var cmd tea.Cmd
	d.note, cmd = d.note.Update(msg)
	return cmd
}

func (d *rejectDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	if d.editing {
		// enter or esc end the note and return to the reason keys; the
		// note is kept.
		switch msg.String() {
		case "enter", "esc", "tab":
			d.editing = false
			d.note.Blur()
			return nil, false, nil
		}
		var cmd tea.Cmd
		d.note, cmd = d.note.Update(msg)
		return nil, false, cmd
	}
	act, ok := m.km.Lookup(keymap.ScopeReject, msg.String())
	if !ok {
		return nil, false, nil
	}
	if reason, ok := keymap.RejectReasons[act]; ok {
		return rejectResult{draft: d.draft, reason: reason, note: strings.TrimSpace(d.note.Value())}, true, nil
	}
	switch act {
	case keymap.RejectNote:
		d.editing = true
		return nil, false, d.note.Focus()
	case keymap.RejectCancel:
		return nil, true, nil
	}
	return nil, false, nil
}

func (d *rejectDialog) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	w := min(maxW, 56)
	lines := []string{ds.Title.Render(cell.Fit(m.cat.RejectTitle, w))}
	for _, info := range m.km.Actions() {
		reason, ok := keymap.RejectReasons[info.Action]
		if !ok {
			continue
		}
		lines = append(lines, ds.Item.Render(cell.Fit(keymap.HelpKeys(info.Keys)+"  "+m.cat.RejectReason(reason), w)))
	}
	d.note.SetWidth(max(w-ansi.StringWidth(d.note.Prompt)-1, 4))
	lines = append(lines, cell.Fit(d.note.View(), w))
	hint := m.km.Binding(keymap.RejectNote).Help()
	cancel := m.km.Binding(keymap.RejectCancel).Help()
	text := hint.Key + " " + hint.Desc + " · " + cancel.Key + " " + cancel.Desc
	if d.editing {
		// Digits are typed into the note now: say how to get back to them.
		text = m.cat.RejectNoteDone
	}
	lines = append(lines, ds.Hint.Render(cell.Fit(text, w)))
	return strings.Join(lines, "\n")
}

// palette lists every action, filtered by a fuzzy query.
type palette struct {
	all    []keymap.Info
	shown  []keymap.Info
	query  textinput.Model
	cursor int
	offset int
}

func newPalette(m *Model) *palette {
	ti := textinput.New()
	ti.Placeholder = m.cat.PalettePlaceholder
	ti.Prompt = "> "
	ti.Focus()
	p := &palette{query: ti}
	for _, info := range m.km.Actions() {
		if m.inPalette(info) { // roles.go
			p.all = append(p.all, info)
		}
	}
	p.refilter()
	return p
}

func (p *palette) scope() keymap.Scope { return keymap.ScopePalette }

func (p *palette) input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.query, cmd = p.query.Update(msg)
	p.refilter()
	return cmd
}

func (p *palette) refilter() {
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

func (p *palette) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	if act, ok := m.km.Lookup(keymap.ScopePalette, msg.String()); ok {
		switch act {
		case keymap.PaletteClose:
			return nil, true, nil
		case keymap.PaletteUp:
			p.cursor = max(p.cursor-1, 0)
			return nil, false, nil
		case keymap.PaletteDown:
			p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
			return nil, false, nil
		case keymap.PaletteRun:
			if len(p.shown) == 0 {
				return nil, false, nil
			}
			return runResult{act: p.shown[p.cursor].Action}, true, nil
		}
	}
	var cmd tea.Cmd
	p.query, cmd = p.query.Update(msg)
	p.refilter()
	return nil, false, cmd
}

func (p *palette) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	w := min(maxW, 72)
	p.query.SetWidth(max(w-3, 4))
	lines := []string{ds.Title.Render(cell.Fit(m.cat.PaletteTitle+"  "+strconv.Itoa(len(p.shown))+"/"+strconv.Itoa(len(p.all)), w)),
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

// helpDialog shows every binding, one block per scope.
type helpDialog struct{ offset, page int }

func newHelpDialog(*Model) *helpDialog { return &helpDialog{} }

func (h *helpDialog) scope() keymap.Scope   { return keymap.ScopeDialog }
func (h *helpDialog) input(tea.Msg) tea.Cmd { return nil }
func (h *helpDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	switch msg.String() {
	case "j", "down":
		h.offset++
		return nil, false, nil
	case "k", "up":
		h.offset = max(h.offset-1, 0)
		return nil, false, nil
	case "pgdown", "ctrl+d", "space":
		h.offset += max(h.page-1, 1) // the view clamps it
		return nil, false, nil
	case "pgup", "ctrl+u":
		h.offset = max(h.offset-max(h.page-1, 1), 0)
		return nil, false, nil
	case "home", "g":
		h.offset = 0
		return nil, false, nil
	case "end", "G":
		h.offset = 1 << 20
		return nil, false, nil
	}
	if act, ok := m.km.Lookup(keymap.ScopeGlobal, msg.String()); ok && (act == keymap.HelpToggle || act == keymap.AppQuit) {
		return nil, true, nil
	}
	if act, ok := m.km.Lookup(keymap.ScopeDialog, msg.String()); ok && (act == keymap.DialogCancel || act == keymap.DialogConfirm) {
		return nil, true, nil
	}
	return nil, false, nil
}

var scopeTitles = map[keymap.Scope][2]string{
	keymap.ScopeGlobal: {"Everywhere", "全局"}, keymap.ScopeQueue: {"Queue", "队列"},
	keymap.ScopeConv: {"Conversation & draft", "会话与草稿"}, keymap.ScopeCompose: {"Writing", "编辑"},
	keymap.ScopeFilter: {"Filter", "筛选"}, keymap.ScopeReject: {"Reject reasons", "拒绝原因"},
	keymap.ScopeDialog: {"Dialogs", "对话框"}, keymap.ScopePalette: {"Command palette", "命令面板"},
	keymap.ScopeTeam: {"Team board (lead)", "团队看板（组长）"}, keymap.ScopeReview: {"Review (trainer)", "复核（培训师）"},
}

func (h *helpDialog) view(m *Model, maxW, maxH int) string {
	ds := &m.st.Dialog
	lang := 0
	if m.cat == nil || m.cat.HelpTitle != "Keys" {
		lang = 1
	}
	// Entries in scope order, each scope headed by its title; the team
	// board's and the review view's keys only for those who have them.
	type entry struct{ title, keys, help string }
	var entries []entry
	infos := m.km.Actions()
	for _, s := range keymap.Scopes {
		if (s == keymap.ScopeTeam && !m.privileged()) || (s == keymap.ScopeReview && !m.mayReview()) {
			continue
		}
		first := true
		for _, info := range infos {
			if info.Scope != s || !m.allowed(info.Action) {
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
	title := m.cat.HelpTitle + "  (?/esc)"
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
