package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/queue"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// resultMsg is the answer to a direct request, tagged with the
// conversation it was about so a late answer cannot land on another one.
type resultMsg struct {
	kind     string // protocol request type
	convID   string
	conv     protocol.Conversation
	agent    protocol.Agent
	detail   protocol.ConversationDetail
	reassign protocol.ReassignAck
	err      error
}

// enqueuedMsg reports that a request was stored in the outbox (or not).
type enqueuedMsg struct {
	id  string
	job deskstate.Job
	err error
}

// request runs fn as a command with the desk's timeout.
func (m *Model) request(kind, convID string, fn func(ctx context.Context, r *resultMsg) error) tea.Cmd {
	base, timeout := m.ctx, m.timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		r := resultMsg{kind: kind, convID: convID}
		r.err = fn(ctx, &r)
		return r
	}
}

// enqueue stores a request in the durable outbox from a command: the
// fsync is I/O and stays out of Update.
func (m *Model) enqueue(job deskstate.Job, data any) tea.Cmd {
	be := m.be
	return func() tea.Msg {
		var id string
		var err error
		if req, ok := data.(protocol.OutcomeReq); ok {
			id, err = be.EnqueueOutcome(req)
		} else {
			id, err = be.Enqueue(job.Kind, data)
		}
		return enqueuedMsg{id: id, job: job, err: err}
	}
}

func (m *Model) applyEnqueued(msg enqueuedMsg) tea.Cmd {
	what := m.what(msg.job.Kind, msg.job.Action)
	if msg.err != nil {
		m.desk.EnqueueFailed(msg.job)
		m.say(m.explain(what, msg.err), true)
		return nil
	}
	m.desk.Enqueued(msg.id, msg.job)
	m.showQueued()
	if m.conn.State.String() != "online" {
		m.say(m.cat.NoticeQueued(what), false)
	}
	return nil
}

// load fetches a conversation's transcript and drafts.
func (m *Model) load(id string) tea.Cmd {
	m.loading, m.early = true, nil
	be := m.be
	return m.request(protocol.ReqGetConversation, id, func(ctx context.Context, r *resultMsg) error {
		var err error
		r.detail, err = be.GetConversation(ctx, id)
		return err
	})
}

// openConv shows a conversation and loads it.
func (m *Model) openConv(id string) tea.Cmd {
	var leave tea.Cmd
	if id != m.open {
		leave = m.leaveImages() // images.go
		m.open = id
		clear(m.lateDelivery)
		m.customer, m.history = nil, nil
		m.transcript.SetMessages(nil)
		m.routeTranscript()
		m.lastSeq, m.reload = 0, false
		m.copilotScroll = 0
		m.showSources, m.showProfile = false, false
		if d, ok := m.desk.Draft(id); ok {
			m.desk.MarkShown(d, m.now)
		}
	}
	m.setFocus(focusConv)
	return tea.Batch(leave, m.load(id), m.sendViewing(id))
}

func (m *Model) applyResult(r resultMsg) tea.Cmd {
	what := m.what(r.kind, "")
	if r.err != nil {
		if r.kind == protocol.ReqGetConversation && r.convID == m.open {
			m.loading = false
			m.unloaded = r.convID
			m.flushEarly()
			m.showQueued()
		}
		switch {
		case r.kind == protocol.ReqRegenerate:
			m.regenFailed(r.convID, r.err)
		case r.kind == protocol.ReqNext && protocol.CodeOf(r.err) == protocol.CodeNotFound:
			m.say(m.cat.NoticeEmptyQueue, false)
		case r.kind == protocol.ReqNext && protocol.CodeOf(r.err) == protocol.CodeConflict:
			m.say(m.cat.NoticeAtCapacity, true)
		default:
			m.say(m.explain(what, r.err), true)
		}
		return nil
	}
	switch r.kind {
	case protocol.ReqClaim, protocol.ReqNext:
		m.upsertConv(r.conv)
		m.say(m.cat.NoticeDone(what), false)
		m.queue.SelectID(r.conv.ID)
		return m.openConv(r.conv.ID)
	case protocol.ReqSetStatus:
		m.desk.PutAgent(r.agent)
		m.say(m.cat.NoticeDone(what)+" "+m.statusLabel(r.agent.Status), false)
	case protocol.ReqReassign:
		ok, failed := 0, ""
		for _, res := range r.reassign.Results {
			if res.OK && res.Conversation != nil {
				m.upsertConv(*res.Conversation)
				ok++
			} else if res.Error != nil && failed == "" {
				failed = sanitize.Line(m.cat.ServerError(res.Error))
			}
		}
		if failed != "" {
			m.say(m.cat.NoticeFailed(what, failed), true)
		} else {
			m.say(m.cat.NoticeDone(what), false)
		}
	case protocol.ReqGetConversation:
		if r.convID != m.open {
			return nil // the agent moved on while it loaded
		}
		m.unloaded = ""
		m.upsertConv(r.detail.Conversation)
		m.customer, m.history = r.detail.Customer, r.detail.History
		m.transcript.SetMessages(r.detail.Messages)
		m.lastSeq = 0
		for _, msg := range r.detail.Messages {
			m.lastSeq = max(m.lastSeq, msg.Seq)
		}
		m.loading = false
		m.flushEarly()
		m.showQueued()
		for _, d := range r.detail.Drafts {
			if m.desk.PutDraft(d) {
				m.draftArrived(d)
			}
		}
		if m.reload { // a withheld message came meanwhile (events.go)
			m.reload = false
			return tea.Batch(m.wantThumbs(), m.load(m.open))
		}
		return m.wantThumbs() // images.go
	}
	return nil
}

func (m *Model) flushEarly() {
	early := m.early
	m.early = nil
	for _, msg := range early {
		m.appendMessage(msg)
	}
	for id, delivery := range m.lateDelivery {
		m.transcript.SetDelivery(id, delivery)
	}
	clear(m.lateDelivery)
}

// upsertConv records a conversation from an ack, unless an event already
// brought a newer version, and shows it in the queue.
func (m *Model) upsertConv(c protocol.Conversation) {
	if m.desk.Upsert(c) {
		m.queue.Upsert(c)
	}
}

func (m *Model) statusLabel(s string) string { return dialog.StatusLabel(m.cat, s) }

// target is the conversation an action applies to: the one on screen when
// the conversation has focus, else the queue's selection.
func (m *Model) target() (protocol.Conversation, bool) {
	if m.paneFocus != focusQueue {
		if c, ok := m.openConversation(); ok {
			return c, true
		}
	}
	if c, ok := m.queue.Selected(); ok {
		return c, true
	}
	return m.openConversation()
}

// workable returns the open conversation if the user may work it, or
// shows why not.
func (m *Model) workable() (protocol.Conversation, bool) {
	c, ok := m.openConversation()
	if !ok {
		m.say(m.cat.NoConversation, true)
		return c, false
	}
	if !m.mine(c) {
		m.say(m.cat.NoticeNotYours, true)
		return c, false
	}
	return c, true
}

// openDraft returns the open conversation and its draft if there is one to
// decide on.
func (m *Model) openDraft() (protocol.Conversation, protocol.Draft, bool) {
	c, ok := m.workable()
	if !ok {
		return c, protocol.Draft{}, false
	}
	if m.desk.Streaming(c.ID) {
		// The panel shows the draft being written, not the one before it.
		m.say(m.cat.NoticeDraftStreaming, true)
		return c, protocol.Draft{}, false
	}
	d, ok := m.desk.Draft(c.ID)
	if _, done := m.desk.Outcome(d.ID); !ok || d.Status != protocol.DraftOpen || done {
		m.say(m.cat.NoticeNoDraft, true)
		return c, d, false
	}
	return c, d, true
}

func (m *Model) queueAction(act keymap.Action) {
	switch act {
	case keymap.QueueUp:
		m.queue.Move(-1)
	case keymap.QueueDown:
		m.queue.Move(1)
	case keymap.QueuePageUp:
		m.queue.Move(-max(m.lay.queue.h-3, 1))
	case keymap.QueuePageDown:
		m.queue.Move(max(m.lay.queue.h-3, 1))
	case keymap.QueueTop:
		m.queue.Top()
	case keymap.QueueBottom:
		m.queue.Bottom()
	case keymap.QueueTabMine:
		m.queue.SetTab(queue.TabMine)
	case keymap.QueueTabUnassigned:
		m.queue.SetTab(queue.TabUnassigned)
	case keymap.QueueTabAll:
		m.queue.SetTab(queue.TabAll)
	case keymap.QueueTabNext:
		m.queue.SetTab((m.queue.CurrentTab() + 1) % 3)
	case keymap.QueueTabPrev:
		m.queue.SetTab((m.queue.CurrentTab() + 2) % 3)
	case keymap.QueueSelect:
		// Marking needs the queue's key path; route a space through it.
		m.queue.HandleKey(m.km, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	}
	m.setFocus(focusQueue)
}

func (m *Model) transcriptAction(act keymap.Action) {
	page := max(m.lay.conv.h-3, 1)
	switch act {
	case keymap.ConvScrollUp:
		m.transcript.ScrollUp(1)
	case keymap.ConvScrollDown:
		m.transcript.ScrollDown(1)
	case keymap.ConvPageUp:
		m.transcript.ScrollUp(page)
	case keymap.ConvPageDown:
		m.transcript.ScrollDown(page)
	case keymap.ConvTop:
		m.transcript.Top()
	case keymap.ConvBottom:
		m.transcript.Bottom()
	}
}

func (m *Model) setStatus(status string) tea.Cmd {
	be := m.be
	return m.request(protocol.ReqSetStatus, "", func(ctx context.Context, r *resultMsg) error {
		var err error
		r.agent, err = be.SetStatus(ctx, "", status)
		return err
	})
}

func (m *Model) reassign(ids []string, toAgent, toTeam string, versions map[string]int64) tea.Cmd {
	be := m.be
	req := protocol.ReassignReq{ConversationIDs: ids, ToAgent: toAgent, ToTeam: toTeam, Versions: versions}
	return m.request(protocol.ReqReassign, "", func(ctx context.Context, r *resultMsg) error {
		var err error
		r.reassign, err = be.Reassign(ctx, req)
		return err
	})
}

// recordOutcome puts a draft outcome in the outbox. The idempotency key is
// derived from the draft so that a second attempt at the same draft (a
// double key press, a restart) is recognised by the server as the same one.
func (m *Model) recordOutcome(d protocol.Draft, action protocol.Action, finalText, reason, note string) tea.Cmd {
	m.desk.Decide(d.ID, action)
	req := protocol.OutcomeReq{
		DraftID: d.ID, Action: action, FinalText: finalText, Reason: reason, Note: note,
		IdempotencyKey: "o-" + d.ID, DraftShownAt: m.desk.ShownAt(d.ID),
	}
	return m.enqueue(deskstate.Job{Kind: protocol.ReqOutcome, ConvID: d.ConversationID, DraftID: d.ID, Action: action}, req)
}
