package tui

import (
	"context"
	"sort"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/queue"
	"github.com/agentdesk/agentdesk/tui/review"
	"github.com/agentdesk/agentdesk/tui/sanitize"
	"github.com/agentdesk/agentdesk/tui/transcript"
)

// focus is what receives key presses when no dialog is open.
type focus int

const (
	focusQueue focus = iota
	focusConv
	focusCopilot
	focusCompose
	focusFilter
)

// notice is the one-line message that replaces the help line for a while.
type notice struct {
	text  string
	err   bool
	until time.Time
}

// Model is the desk's root model.
type Model struct {
	be        Backend
	km        *keymap.KeyMap
	st        *themes.Styles
	cat       *i18n.Catalog
	ctx       context.Context
	timeout   time.Duration
	clock     func() time.Time
	typingAt  map[string]time.Time // conversation → when its customer was last typing (header.go)
	img       images               // thumbnails in the terminal (images.go)
	loc       *time.Location
	demo      bool
	autoTheme bool
	editor    string
	tempDir   string // for $EDITOR files
	opener    string // files.go
	filesDir  string
	notify    Notify
	notifOn   bool
	canned    []cannedReply // from the config; nil: the built-in set in the customer's language
	lang      lang.Lang

	width, height int
	now           time.Time
	focus         focus
	paneFocus     focus // pane to return to from compose and filter

	// desk is what the desk knows (conversations, agents, drafts, moods,
	// outcomes, the outbox, streams, presence): fed by applyUpdates and
	// the answers to requests, read by every view.
	desk  *deskstate.State
	conn  client.StateChanged
	link  link                  // connection.go
	regen map[string]regenState // regenerates in flight, by conversation

	queue      *queue.Model
	transcript *transcript.Model
	open       string // conversation on screen
	loading    bool
	unloaded   string             // the open conversation whose transcript failed to load (reloaded on reconnect)
	lastSeq    int                // newest message seq in the transcript
	early      []protocol.Message // arrived while the transcript was loading
	// reload: a withheld message of the open conversation came while its
	// transcript was loading; load it again once it is in (events.go).
	reload bool
	// customer and history of the open conversation, from its detail;
	// customer is nil until it loads or when the server does not send it.
	customer *protocol.Customer
	history  []protocol.PastConversation
	// lateDelivery holds delivery changes (message id → status) that
	// arrived while the transcript was loading.
	lateDelivery map[string]protocol.DeliveryState

	showSources   bool // the draft's sources with ids and scores (s)
	showProfile   bool // the customer's profile and history (p)
	copilotScroll int
	copilotCache  copilotCache // keyed on what it shows (view.go)
	themeRev      int          // bumped when the palette changes

	compose composeBox
	filter  textinput.Model
	dialogs []dialog.Dialog
	notice  notice

	lead      leadState     // the team board (teamview.go)
	review    *review.Model // the review view (reviewview.go); nil until first opened
	exportDir string

	lay       layout
	helpCache struct {
		scope keymap.Scope
		width int
		role  string
		text  string
	}
}

// New builds the desk. Nothing happens on the network until the program
// runs and [Subscribe] feeds it updates.
func New(d Deps) *Model {
	if d.Keys == nil {
		d.Keys = keymap.New(d.Lang)
	}
	if d.Styles == nil {
		d.Styles = themes.New(themes.Dark, false)
	}
	if d.Context == nil {
		d.Context = context.Background()
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 10 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	cat := i18n.For(d.Lang)
	var left []client.OutboxItem // what a previous run left in the outbox
	if d.Backend != nil {
		left = d.Backend.Pending()
	}
	pending := len(left)
	m := &Model{
		be: d.Backend, km: d.Keys, st: d.Styles, cat: cat, ctx: d.Context, timeout: d.RequestTimeout,
		clock: d.Now, loc: d.Location, demo: d.Demo, autoTheme: d.AutoTheme, editor: d.Editor, tempDir: d.TempDir, notify: d.Notify,
		opener: d.Opener, filesDir: d.FilesDir, img: images{proto: d.Images},
		notifOn: d.Notify.Bell || d.Notify.OSC9,
		canned:  cannedList(d.Canned),
		lang:    d.Lang,
		now:     d.Now(),
		conn:    client.StateChanged{State: client.StateConnecting},
		desk:    deskstate.New(pending),
		regen:   map[string]regenState{},

		lateDelivery: map[string]protocol.DeliveryState{},
		exportDir:    d.ExportDir,
		link:         link{server: d.Server, logPath: d.LogPath},
	}
	m.desk.Resume(left)
	m.queue = queue.New(m.st, cat, "")
	m.queue.SetNow(m.now)
	m.queue.SetTab(queue.TabAll)
	m.transcript = transcript.New(m.st, cat, d.Location)
	m.transcript.SetNow(m.now)
	m.filter = textinput.New()
	m.filter.Prompt = cat.FilterPrompt
	m.compose = newComposeBox()
	m.initLead()
	return m
}

// tickMsg drives the clock, SLA countdowns and notice expiry.
type tickMsg time.Time

func (m *Model) tick() tea.Cmd {
	clock := m.clock
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg(clock()) })
}

// Init starts the clock and asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.tick(), tea.RequestBackgroundColor)
}

// Update applies one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		if m.autoTheme {
			*m.st = *themes.New(themes.ForBackground(msg.IsDark()), m.st.NoColor)
			m.invalidate()
		}
		return m, nil
	case tickMsg:
		m.setNow(time.Time(msg))
		if m.lead.view == viewReview {
			return m, tea.Batch(m.tick(), m.review.Tick(m.now))
		}
		return m, m.tick()
	case UpdatesMsg:
		return m, m.applyUpdates(msg.Updates)
	case resultMsg:
		return m, m.applyResult(msg)
	case teamMsg:
		return m, m.applyTeamMsg(msg)
	case enqueuedMsg:
		return m, m.applyEnqueued(msg)
	case editorReadyMsg:
		return m, m.runEditor(msg)
	case editorDoneMsg:
		return m, readEditorFile(msg)
	case editorTextMsg:
		m.applyEditorText(msg)
		return m, nil
	case fileMsg:
		m.applyFileMsg(msg)
		return m, nil
	case thumbMsg:
		return m, m.applyThumb(msg)
	case tea.PasteMsg:
		return m, m.handlePaste(msg)
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	}
	if m.review != nil {
		// The review view's request results, and blinks of its inputs.
		if cmd, ok := m.review.Update(msg); ok || m.lead.view == viewReview {
			return m, cmd
		}
	}
	// Anything else (cursor blinks) belongs to the focused text input.
	return m, m.updateInputs(msg)
}

func (m *Model) setNow(t time.Time) {
	m.now = t
	m.queue.SetNow(t)
	m.transcript.SetNow(t)
	m.lead.board.SetNow(t)
	if !m.notice.until.IsZero() && !t.Before(m.notice.until) {
		m.notice = notice{}
	}
	if len(m.regen) > 0 {
		m.expireRegen()
	}
	m.desk.ExpireStreams(t)
}

func (m *Model) invalidate() {
	m.queue.Invalidate()
	m.transcript.Invalidate()
	m.themeRev++
	m.helpCache.text = ""
}

// say shows a notice for a few seconds.
func (m *Model) say(text string, isErr bool) {
	m.notice = notice{text: text, err: isErr, until: m.now.Add(6 * time.Second)}
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	// A paste is often copied from a customer's message or a web page: drop
	// escape sequences, controls, bidi overrides and invisible characters
	// before they reach an input (and the terminal through its view), and
	// make a CRLF one line break rather than two.
	msg.Content = sanitize.Text(msg.Content)
	if len(m.dialogs) > 0 {
		return m.topDialogInput(msg)
	}
	if m.lead.view == viewReview {
		cmd, _ := m.review.Update(msg)
		return cmd
	}
	switch m.focus {
	case focusCompose:
		return m.updateCompose(msg)
	case focusFilter:
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.queue.SetFilter(m.filter.Value())
		return cmd
	}
	return nil
}

func (m *Model) updateInputs(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case len(m.dialogs) > 0:
		return m.topDialogInput(msg)
	case m.focus == focusCompose:
		cmd = m.updateCompose(msg)
	case m.focus == focusFilter:
		m.filter, cmd = m.filter.Update(msg)
	}
	return cmd
}

// handleKey routes a key press: the top dialog first, then a text input
// that has focus, then the focused pane, then global bindings (the pane
// scopes fall back to the global scope inside keymap.Lookup).
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.isQuitKey(msg) {
		// ctrl+c quits from everywhere, text entry and dialogs included
		// (it was swallowed there); it asks first when that would lose
		// what is being typed or unsent replies.
		return m.perform(keymap.AppQuit)
	}
	if len(m.dialogs) > 0 {
		return m.dialogKey(msg)
	}
	if m.lead.view == viewReview {
		return m.reviewKey(msg)
	}
	if m.lead.view == viewTeam {
		return m.teamKey(msg)
	}
	ks := msg.String()
	switch m.focus {
	case focusCompose:
		if act, ok := m.km.Lookup(keymap.ScopeCompose, ks); ok {
			return m.perform(act)
		}
		return m.updateCompose(msg)
	case focusFilter:
		if act, ok := m.km.Lookup(keymap.ScopeFilter, ks); ok {
			return m.perform(act)
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.queue.SetFilter(m.filter.Value())
		return cmd
	case focusQueue:
		act, handled := m.queue.HandleKey(m.km, msg)
		if handled || act == "" {
			return nil
		}
		return m.perform(act)
	case focusConv:
		act, handled := m.transcript.HandleKey(m.km, msg)
		if handled {
			return nil
		}
		if act == "" {
			return m.otherPaneKey(ks) // roles.go
		}
		return m.perform(act)
	case focusCopilot:
		act, ok := m.km.Lookup(keymap.ScopeConv, ks)
		if !ok {
			return m.otherPaneKey(ks)
		}
		switch act {
		case keymap.ConvScrollUp:
			m.copilotScroll = max(m.copilotScroll-1, 0)
			return nil
		case keymap.ConvScrollDown:
			m.copilotScroll = min(m.copilotScroll+1, m.copilotEnd())
			return nil
		case keymap.ConvPageUp:
			m.copilotScroll = max(min(m.copilotScroll, m.copilotEnd())-max(m.lay.copilot.h-2, 1), 0)
			return nil
		case keymap.ConvPageDown:
			m.copilotScroll = min(m.copilotScroll+max(m.lay.copilot.h-2, 1), m.copilotEnd())
			return nil
		case keymap.ConvTop:
			m.copilotScroll = 0
			return nil
		case keymap.ConvBottom:
			m.copilotScroll = m.copilotEnd()
			return nil
		}
		return m.perform(act)
	}
	return nil
}

// scope is the keymap scope of what has the keyboard, for the help line.
func (m *Model) scope() keymap.Scope {
	if len(m.dialogs) > 0 {
		return m.dialogs[len(m.dialogs)-1].Scope()
	}
	if m.lead.view == viewReview {
		return keymap.ScopeReview
	}
	if m.lead.view == viewTeam {
		return keymap.ScopeTeam
	}
	switch m.focus {
	case focusQueue:
		return keymap.ScopeQueue
	case focusCompose:
		return keymap.ScopeCompose
	case focusFilter:
		return keymap.ScopeFilter
	}
	return keymap.ScopeConv
}

// setFocus moves the keyboard to a pane and remembers it.
func (m *Model) setFocus(f focus) {
	m.focus = f
	if f == focusQueue || f == focusConv || f == focusCopilot {
		m.paneFocus = f
	}
	m.relayout()
}

// mine reports whether the desk's user may work the conversation.
func (m *Model) mine(c protocol.Conversation) bool {
	return (c.Assignee != "" && c.Assignee == m.desk.Me().ID) || m.privileged()
}

// privileged reports whether the desk's user works any chat, not only
// their own (protocol's role table: leads and admins).
func (m *Model) privileged() bool { return protocol.Privileged(m.desk.Me().Role) }

// openConversation returns the conversation on screen.
func (m *Model) openConversation() (protocol.Conversation, bool) {
	if m.open == "" {
		return protocol.Conversation{}, false
	}
	c, ok := m.desk.Conversation(m.open)
	return c, ok
}

// teams lists the teams the desk knows of, for transfer.
func (m *Model) teams() []string {
	out := m.desk.Teams()
	sort.Strings(out)
	return out
}

// Me returns the agent the desk is signed in as (empty before the welcome).
func (m *Model) Me() protocol.Agent { return m.desk.Me() }

// Open returns the id of the conversation on screen.
func (m *Model) Open() string { return m.open }

// Conversation returns what the desk knows of a conversation.
func (m *Model) Conversation(id string) (protocol.Conversation, bool) {
	c, ok := m.desk.Conversation(id)
	return c, ok
}

// Draft returns the newest draft of a conversation and, if the agent
// decided on it, the outcome action and whether it still waits in the
// outbox.
func (m *Model) Draft(convID string) (d protocol.Draft, action protocol.Action, queued bool, ok bool) {
	d, ok = m.desk.Draft(convID)
	st, _ := m.desk.Outcome(d.ID)
	return d, st.Action, st.Queued, ok
}

// Pending is how many requests wait in the outbox.
func (m *Model) Pending() int { return m.desk.Pending() }

// Notice is the message currently shown in place of the help line.
func (m *Model) Notice() string { return m.notice.text }
