// Package review is the trainer's Review view: the stream of outcomes of AI
// drafts (rejected, edited, accepted), most changed first, with the
// conversation, the draft, what was sent and a word-level diff; labelling;
// promotion of gold replies to the exemplar memory or the knowledge base;
// metrics; and dataset export. It is a plain-struct component the desk's
// root model sizes, feeds keys and renders. Requests run in tea.Cmds and
// come back as messages; nothing here blocks Update.
package review

import (
	"context"

	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

// Doer sends one request and decodes its answer (*client.Client.Do).
type Doer interface {
	Do(ctx context.Context, typ string, data any, out any) error
}

// Options build the view.
type Options struct {
	Styles  *themes.Styles
	Cat     *i18n.Catalog
	Keys    *keymap.KeyMap
	Do      Doer
	Context context.Context
	Timeout time.Duration
	// ExportDir is where X writes datasets (the user's data dir).
	ExportDir string
	Now       func() time.Time
	Location  *time.Location
	// ReadOnly hides labelling, promotion, export and KB reload (leads:
	// the server refuses them anyway).
	ReadOnly bool
	// Name gives an agent's display name for an id (who labelled an
	// outcome); nil or "" shows the id.
	Name func(id string) string
}

// Model is the review view.
type Model struct {
	o   Options
	st  *themes.Styles
	cat *i18n.ReviewCatalog
	km  *keymap.KeyMap

	width, height int

	filter     protocol.ReviewFilter
	filterText string
	sort       string
	items      []protocol.ReviewItem
	total      int
	sel        int
	loaded     bool
	listSeq    int
	moreFrom   int // offset of the next page being loaded; 0 when none is

	detail     *protocol.ReviewDetail
	detailFor  string
	detailSeq  int
	scroll     int
	sideBySide bool
	zoom       bool

	metricsOn bool
	metrics   *protocol.ReviewMetrics

	filtering bool
	titling   bool // asking the KB entry's title before promoting
	input     textinput.Model
	form      *labelForm

	notice    string
	noticeErr bool
	noticeAt  time.Time
	busy      string
	lastLoad  time.Time
}

// refreshEvery is how often an idle view reloads the stream: outcomes keep
// arriving while a trainer reads.
const refreshEvery = 20 * time.Second

// Tick reloads the stream now and then while nobody types.
func (m *Model) Tick(now time.Time) tea.Cmd {
	// A trainer deep in a long stream keeps it still: a refresh reloads
	// only the first page.
	if m.Editing() || m.busy != "" || now.Sub(m.lastLoad) < refreshEvery || len(m.items) > reviewPage {
		return nil
	}
	return m.reload()
}

// New builds the view; call Init to load it.
func New(o Options) *Model {
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	in := textinput.New()
	in.Prompt = o.Cat.Review.FilterPrompt
	return &Model{o: o, st: o.Styles, cat: &o.Cat.Review, km: o.Keys, sort: protocol.SortChange, input: in}
}

// SetSize gives the view its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.fitInput()
	if m.form != nil {
		m.form.setWidth(m.formWidth())
	}
}

// fitInput fits the filter/title input to the footer row with its prompt
// and the cursor cell: a wider input would have its end (and the cursor)
// cut off, so a long title or filter could not be seen while typed.
func (m *Model) fitInput() {
	m.input.SetWidth(max(m.width-ansi.StringWidth(m.input.Prompt)-1, 4))
}

// Editing reports whether a text field has the keyboard (filter or form):
// printable keys are typed, not global shortcuts.
func (m *Model) Editing() bool { return m.filtering || m.titling || m.form != nil }

// Help is the view's own help line while a form is open ("" otherwise).
func (m *Model) Help() string {
	if m.form != nil {
		return m.cat.FormHint
	}
	return ""
}

// Messages the view's commands return.
type (
	listMsg struct {
		seq  int
		more bool // a following page, to append
		ack  protocol.ReviewListAck
		err  error
	}
	detailMsg struct {
		seq int
		id  string
		d   protocol.ReviewDetail
		err error
	}
	metricsMsg struct {
		m   protocol.ReviewMetrics
		err error
	}
	labelMsg struct {
		l      protocol.Label
		notice string
		err    error
	}
	promoteMsg struct {
		p   protocol.Promotion
		err error
	}
	exportMsg struct {
		sft, dpo int
		dir      string
		err      error
	}
	reloadMsg struct {
		ack protocol.KBReloadAck
		err error
	}
)

// Init loads the first page (and metrics when shown).
func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) call(typ string, data, out any) error {
	ctx, cancel := context.WithTimeout(m.o.Context, m.o.Timeout)
	defer cancel()
	return m.o.Do.Do(ctx, typ, data, out)
}

// reload asks for the list from the top (and the metrics when shown).
func (m *Model) reload() tea.Cmd {
	m.lastLoad = m.o.Now()
	m.listSeq++
	m.moreFrom = 0
	seq, req := m.listSeq, protocol.ReviewListReq{Filter: m.filter, Sort: m.sort, Limit: reviewPage}
	cmds := []tea.Cmd{func() tea.Msg {
		var ack protocol.ReviewListAck
		err := m.call(protocol.ReqReviewList, req, &ack)
		return listMsg{seq: seq, ack: ack, err: err}
	}}
	if m.metricsOn {
		cmds = append(cmds, m.loadMetrics())
	}
	return tea.Batch(cmds...)
}

// reviewPage is how many outcomes one review.list asks for; the server may
// answer fewer (it keeps a page under protocol.MaxReplyBytes).
const reviewPage = 100

// loadMore asks for the page after the loaded items once the cursor comes
// near their end, while the stream has more.
func (m *Model) loadMore() tea.Cmd {
	n := len(m.items)
	if m.moreFrom != 0 || n >= m.total || m.sel < n-reviewPage/4 {
		return nil
	}
	m.moreFrom = n
	seq, req := m.listSeq, protocol.ReviewListReq{Filter: m.filter, Sort: m.sort, Offset: n, Limit: reviewPage}
	return func() tea.Msg {
		var ack protocol.ReviewListAck
		err := m.call(protocol.ReqReviewList, req, &ack)
		return listMsg{seq: seq, more: true, ack: ack, err: err}
	}
}

func (m *Model) loadMetrics() tea.Cmd {
	_, off := m.o.Now().In(m.o.Location).Zone()
	req := protocol.ReviewMetricsReq{Filter: m.filter, UTCOffsetMinutes: off / 60}
	return func() tea.Msg {
		var r protocol.ReviewMetrics
		err := m.call(protocol.ReqReviewMetrics, req, &r)
		return metricsMsg{m: r, err: err}
	}
}

func (m *Model) loadDetail() tea.Cmd {
	it, ok := m.selected()
	if !ok {
		m.detail, m.detailFor = nil, ""
		return nil
	}
	if m.detailFor == it.Outcome.ID && m.detail != nil {
		return nil
	}
	m.detailSeq++
	seq, id := m.detailSeq, it.Outcome.ID
	m.detailFor, m.scroll = id, 0
	return func() tea.Msg {
		var d protocol.ReviewDetail
		err := m.call(protocol.ReqReviewGet, protocol.OutcomeRef{OutcomeID: id}, &d)
		return detailMsg{seq: seq, id: id, d: d, err: err}
	}
}

func (m *Model) selected() (protocol.ReviewItem, bool) {
	if m.sel < 0 || m.sel >= len(m.items) {
		return protocol.ReviewItem{}, false
	}
	return m.items[m.sel], true
}

// Selected returns the outcome id under the cursor.
func (m *Model) Selected() string {
	it, _ := m.selected()
	return it.Outcome.ID
}

// Items returns the loaded page.
func (m *Model) Items() []protocol.ReviewItem { return m.items }

// Detail returns the loaded detail (nil while loading).
func (m *Model) Detail() *protocol.ReviewDetail { return m.detail }

// Notice is the view's last message.
func (m *Model) Notice() (string, bool) { return m.notice, m.noticeErr }

func (m *Model) say(text string, isErr bool) {
	m.notice, m.noticeErr, m.noticeAt = text, isErr, m.o.Now()
}

// noticeFor is how long a notice stays in the footer.
const noticeFor = 10 * time.Second

func (m *Model) fail(what string, err error) {
	m.say(m.cat.Failed(what, m.o.Cat.ServerError(err)), true)
}

// Update applies the view's own messages; handled is false for others.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case listMsg:
		if msg.seq != m.listSeq {
			return nil, true
		}
		if msg.more {
			from := m.moreFrom
			m.moreFrom = 0
			if msg.err != nil {
				m.fail(m.cat.ActLoad, msg.err)
				return nil, true
			}
			if msg.ack.Offset != from || from != len(m.items) {
				return nil, true // the list changed meanwhile
			}
			m.items, m.total = append(m.items, msg.ack.Items...), msg.ack.Total
			return m.loadMore(), true
		}
		m.loaded = true
		if msg.err != nil {
			m.fail(m.cat.ActLoad, msg.err)
			return nil, true
		}
		keep := m.Selected()
		m.items, m.total = msg.ack.Items, msg.ack.Total
		m.sel = 0
		for i, it := range m.items {
			if it.Outcome.ID == keep {
				m.sel = i
			}
		}
		if m.Selected() != keep || m.detail == nil {
			m.detail, m.detailFor = nil, ""
		}
		return m.loadDetail(), true
	case detailMsg:
		if msg.seq != m.detailSeq {
			return nil, true
		}
		if msg.err != nil {
			m.fail(m.cat.ActLoad, msg.err)
			return nil, true
		}
		d := msg.d
		m.detail = &d
		return nil, true
	case metricsMsg:
		if msg.err != nil {
			m.fail(m.cat.ActLoad, msg.err)
			return nil, true
		}
		r := msg.m
		m.metrics = &r
		return nil, true
	case labelMsg:
		m.busy = ""
		if msg.err != nil {
			m.fail(m.cat.ActLabel, msg.err)
			return nil, true
		}
		m.say(msg.notice, false)
		m.applyLabel(msg.l)
		return m.refreshDetail(), true
	case promoteMsg:
		m.busy = ""
		if msg.err != nil {
			m.fail(m.cat.ActPromote, msg.err)
			return nil, true
		}
		if msg.p.Target == protocol.PromoteKB {
			m.say(m.cat.PromotedKB(msg.p.Ref), false)
		} else {
			m.say(m.cat.PromotedExemplar(msg.p.Ref), false)
		}
		return m.refreshDetail(), true
	case exportMsg:
		m.busy = ""
		if msg.err != nil {
			m.fail(m.cat.ActExport, msg.err)
			return nil, true
		}
		m.say(m.cat.Exported(msg.sft, msg.dpo, msg.dir), false)
		return nil, true
	case reloadMsg:
		m.busy = ""
		if msg.err != nil {
			m.fail(m.cat.ActReload, msg.err)
			return nil, true
		}
		m.say(m.cat.KBReloaded(msg.ack.Entries, len(msg.ack.Pending)), false)
		return nil, true
	}
	if m.filtering || m.titling {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd, false
	}
	if m.form != nil {
		return m.form.update(msg), false
	}
	return nil, false
}

func (m *Model) applyLabel(l protocol.Label) {
	for i := range m.items {
		if m.items[i].Outcome.ID == l.OutcomeID {
			lc := l
			m.items[i].Label = &lc
		}
	}
}

func (m *Model) refreshDetail() tea.Cmd {
	m.detail, m.detailFor = nil, ""
	return m.loadDetail()
}

// HandleKey handles a key press. It returns the command to run and, when
// the key is not the view's, the global action for the root to perform.
func (m *Model) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, keymap.Action) {
	if m.form != nil {
		return m.formKey(msg), ""
	}
	if m.titling {
		switch msg.String() {
		case "enter":
			m.titling = false
			m.input.Blur()
			m.input.Prompt = m.cat.FilterPrompt
			m.fitInput()
			return m.promoteTitled(protocol.PromoteKB, strings.TrimSpace(m.input.Value())), ""
		case "esc":
			m.titling = false
			m.input.Blur()
			m.input.Prompt = m.cat.FilterPrompt
			m.fitInput()
			return nil, ""
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd, ""
	}
	if m.filtering {
		switch msg.String() {
		case "enter":
			f, err := ParseFilter(m.input.Value())
			if err != nil {
				m.say(m.cat.FilterBad(err.Error()), true)
				return nil, ""
			}
			m.filtering = false
			m.input.Blur()
			m.filter, m.filterText = f, strings.TrimSpace(m.input.Value())
			return m.reload(), ""
		case "esc":
			m.filtering = false
			m.input.Blur()
			return nil, ""
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd, ""
	}
	act, ok := m.km.Lookup(keymap.ScopeReview, msg.String())
	if !ok {
		return nil, ""
	}
	return m.Perform(act)
}
