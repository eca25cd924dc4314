package tui

import (
	"encoding/json"
	"errors"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// applyUpdates applies a batch of client updates. Conversation changes are
// collected and handed to the queue once, so a burst of a thousand events
// costs one re-sort and one render.
func (m *Model) applyUpdates(us []client.Update) tea.Cmd {
	var changed []protocol.Conversation
	var cmds []tea.Cmd
	assigned := ""
	for _, u := range us {
		if cmd := m.teamUpdate(u); cmd != nil { // teamview.go
			cmds = append(cmds, cmd)
		}
		switch u := u.(type) {
		case client.StateChanged:
			m.conn = u
		case client.Welcomed:
			if cmd := m.applyWelcome(u.Welcome); cmd != nil {
				cmds = append(cmds, cmd)
			}
			if u.Welcome.Agent.Role == protocol.RoleTrainer && m.review == nil {
				cmds = append(cmds, m.openReview()) // a trainer's desk is review
			}
			changed = changed[:0] // the snapshot already holds them
		case client.Event:
			c, ok, who := m.applyEvent(u)
			if ok {
				changed = append(changed, c)
			}
			if who != "" {
				assigned = who
			}
		case client.OutboxResult:
			m.applyOutboxResult(u)
		case client.DraftDelta:
			m.applyDelta(u)
		case client.CustomerTyping:
			m.noteTyping(u) // header.go
		}
	}
	if m.img.more {
		m.img.more = false
		cmds = append(cmds, m.wantThumbs())
	}
	if len(changed) > 0 {
		m.queuedDirty = true
	}
	m.queue.UpsertMany(changed)
	if assigned != "" {
		m.say(m.cat.NoticeAssigned(assigned), false)
		if cmd := m.announce(assigned); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) applyWelcome(w protocol.Welcome) tea.Cmd {
	m.me = w.Agent
	m.delivery = w.Delivery
	m.routeTranscript()
	m.agents[w.Agent.ID] = w.Agent
	m.queue.SetMe(w.Agent.ID)
	if w.Resume != protocol.ResumeSnapshot || w.Snapshot == nil {
		return nil
	}
	clear(m.convs)
	for _, c := range w.Snapshot.Conversations {
		m.convs[c.ID] = c
		m.noteMood(c)
	}
	clear(m.agents)
	for _, a := range w.Snapshot.Agents {
		m.agents[a.ID] = a
	}
	m.agents[w.Agent.ID] = w.Agent
	m.queue.SetConversations(w.Snapshot.Conversations)
	m.queuedDirty = true
	m.queue.SetAgentNames(m.agentNames())
	m.copilotCache = copilotCache{}
	// Events may have been missed while disconnected: reload what is open.
	if m.open != "" {
		return m.load(m.open)
	}
	return nil
}

func (m *Model) agentNames() map[string]string {
	names := make(map[string]string, len(m.agents))
	for id, a := range m.agents {
		names[id] = a.Name
	}
	return names
}

// applyEvent applies one event. It returns the conversation to refresh in
// the queue, and the customer's name when the event assigned a
// conversation to the desk's user by someone else's hand.
func (m *Model) applyEvent(ev client.Event) (protocol.Conversation, bool, string) {
	switch p := ev.Payload.(type) {
	case *protocol.ConversationEvent:
		c := p.Conversation
		old, had := m.convs[c.ID]
		if had && old.Version > c.Version {
			return c, false, ""
		}
		m.convs[c.ID] = c
		m.noteMood(c)
		m.copilotCache = copilotCache{}
		if had {
			m.noteLostChat(old, c, p.By) // unsent.go
		}
		who := ""
		if m.me.ID != "" && c.Assignee == m.me.ID && old.Assignee != m.me.ID && p.By != m.me.ID {
			who = sanitize.Line(c.CustomerName)
		}
		return c, true, who
	case *protocol.MessageEvent:
		// The event carries what the message changed on the conversation;
		// the desk keeps the rest. A conversation it does not know (resolved,
		// outside its snapshot) stays unknown until an event brings all of it.
		c, known := m.convs[p.Conversation.ID]
		if known && p.Conversation.Apply(&c) {
			m.convs[c.ID] = c
		}
		if ev.Kind == protocol.EvMessageUpdated {
			m.applyDelivery(p.Message, c)
			return c, known, ""
		}
		if p.Message.Author == protocol.AuthorCustomer {
			delete(m.typingAt, p.Message.ConversationID) // what they typed has arrived
		}
		if p.Message.ConversationID == m.open {
			m.img.more = m.img.more || len(p.Message.Attachments) > 0 // images.go
			m.appendMessage(p.Message)
			m.copilotCache = copilotCache{}
		}
		return c, known, ""
	case *protocol.DraftEvent:
		m.applyDraft(p.Draft)
	case *protocol.OutcomeEvent:
		o := p.Outcome
		m.outcomes[o.DraftID] = outcomeState{action: o.Action}
		m.copilotCache = copilotCache{}
	case *protocol.AgentEvent:
		a := p.Agent
		old := m.agents[a.ID]
		m.agents[a.ID] = a
		m.noteLeadChange(old, a, p.By)
		if a.ID == m.me.ID {
			m.me = a
		}
		if old.Name != a.Name {
			m.queue.SetAgentNames(m.agentNames())
		}
	}
	return protocol.Conversation{}, false, ""
}

// applyDraft keeps the newest draft of each conversation.
func (m *Model) applyDraft(d protocol.Draft) {
	cur, ok := m.drafts[d.ConversationID]
	if ok && cur.ID != d.ID && cur.CreatedAt > d.CreatedAt {
		return // an older draft changed status (superseded); the newer one stays
	}
	m.drafts[d.ConversationID] = d
	m.regenArrived(d)
	if d.Status == protocol.DraftOpen {
		m.endStream(d.ConversationID) // the finished draft replaces the streamed text
	}
	if d.ConversationID == m.open {
		m.markShown(d)
	}
	m.copilotCache = copilotCache{}
}

// markShown records when a draft first appeared on screen; the outcome
// carries it so trainers can see how long a decision took.
func (m *Model) markShown(d protocol.Draft) {
	if _, ok := m.shownAt[d.ID]; !ok && d.Status == protocol.DraftOpen {
		m.shownAt[d.ID] = m.now.UnixMilli()
	}
}

// appendMessage adds a live message to the open transcript, once.
func (m *Model) appendMessage(msg protocol.Message) {
	if m.loading {
		m.early = append(m.early, msg)
		return
	}
	if msg.Seq <= m.lastSeq {
		return // already in the transcript from the detail load
	}
	m.transcript.Append(msg)
	m.lastSeq = msg.Seq
}

// applyDelivery shows a reply's new delivery status ("sending…" →
// delivered or failed) and speaks up when one of the user's replies could
// not reach the customer.
func (m *Model) applyDelivery(msg protocol.Message, c protocol.Conversation) {
	if msg.ConversationID == m.open {
		if m.loading {
			// The transcript is on its way; apply this once it is in.
			m.lateDelivery[msg.ID] = msg.Delivery
		} else {
			m.transcript.SetDelivery(msg.ID, msg.Delivery)
		}
	}
	if msg.Delivery == protocol.DeliveryFailed && msg.AuthorID != "" && msg.AuthorID == m.me.ID {
		name := sanitize.Line(c.CustomerName)
		if name == "" {
			name = sanitize.Line(c.CustomerID)
		}
		m.say(m.cat.NoticeUndelivered(name), true)
	}
}

// noteMood records a sentiment reading when it differs from the last one:
// the trajectory the handoff card draws.
func (m *Model) noteMood(c protocol.Conversation) {
	var v int8
	switch c.Sentiment {
	case "negative":
		v = -1
	case "neutral":
		v = 0
	case "positive":
		v = 1
	default:
		return
	}
	h := m.moods[c.ID]
	if len(h) > 0 && h[len(h)-1] == v {
		return
	}
	if len(h) >= sentimentCap {
		h = append(h[:0], h[1:]...)
	}
	m.moods[c.ID] = append(h, v)
}

func (m *Model) applyOutboxResult(r client.OutboxResult) {
	m.pending = r.Pending
	job, known := m.jobs[r.ID]
	delete(m.jobs, r.ID)
	what := m.what(job.kind, job.action)
	if !known {
		what = m.what(r.Type, "")
	}
	if r.Err != nil {
		if job.draftID != "" {
			delete(m.outcomes, job.draftID)
			m.copilotCache = copilotCache{}
		}
		if job.kind == protocol.ReqSend && job.text != "" {
			m.keepFailedSend(job.convID, job.text)
			m.say(m.cat.NoticeFailed(what, sanitize.Line(r.Err.Message))+" "+m.cat.NoticeReplyKept, true)
			return
		}
		m.say(m.cat.NoticeFailed(what, sanitize.Line(r.Err.Message)), true)
		return
	}
	if job.kind == protocol.ReqOutcome && job.draftID != "" {
		var ack protocol.OutcomeAck
		if json.Unmarshal(r.Ack, &ack) == nil && ack.Outcome.Action != "" {
			m.outcomes[job.draftID] = outcomeState{action: ack.Outcome.Action}
		} else {
			m.outcomes[job.draftID] = outcomeState{action: job.action}
		}
		m.copilotCache = copilotCache{}
	}
	m.say(m.cat.NoticeDone(what), false)
}

// what names a request for a notice.
func (m *Model) what(kind string, action protocol.Action) string {
	c := m.cat
	switch kind {
	case protocol.ReqClaim:
		return c.ActClaim
	case protocol.ReqNext:
		return c.ActNext
	case protocol.ReqRelease:
		return c.ActRelease
	case protocol.ReqSend:
		return c.ActSend
	case protocol.ReqNote:
		return c.ActNote
	case protocol.ReqTransfer:
		return c.ActTransfer
	case protocol.ReqResolve:
		return c.ActResolve
	case protocol.ReqSnooze:
		return c.ActSnooze
	case protocol.ReqSetStatus:
		return c.ActStatus
	case protocol.ReqReassign:
		return c.ActReassign
	case protocol.ReqGetConversation:
		return c.ActOpen
	case protocol.ReqRegenerate:
		return c.ActRegenerate
	case protocol.ReqSetCapacity:
		return c.Team.ActCapacity
	case protocol.ReqDrain:
		return c.Team.ActDrain
	case protocol.ReqTakeover:
		return c.Team.ActTakeover
	case protocol.ReqOutcome:
		switch action {
		case protocol.ActionEdit:
			return c.ActEdit
		case protocol.ActionReject:
			return c.ActReject
		}
		return c.ActAccept
	}
	return c.ActOther // never a raw request type in the UI
}

// explain turns a request error into words for a notice.
func (m *Model) explain(what string, err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		if pe.Code == protocol.CodeUnavailable {
			return m.cat.NoticeOffline(what)
		}
		return m.cat.NoticeFailed(what, sanitize.Line(pe.Message))
	}
	return m.cat.NoticeFailed(what, sanitize.Line(err.Error()))
}

// explainPlain is explain without reading unavailable as offline: for a
// request answered while connected, the server's own words.
func (m *Model) explainPlain(what string, err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return m.cat.NoticeFailed(what, sanitize.Line(pe.Message))
	}
	return m.cat.NoticeFailed(what, sanitize.Line(err.Error()))
}

// announce rings the bell or posts an OSC 9 desktop notification.
func (m *Model) announce(customer string) tea.Cmd {
	if !m.notifOn {
		return nil
	}
	seq := ""
	if m.notify.OSC9 {
		// The name is sanitized: no BEL or ESC can end the sequence early.
		seq += "\x1b]9;" + m.cat.NoticeAssigned(customer) + "\x07"
	}
	if m.notify.Bell {
		seq += "\a"
	}
	if seq == "" {
		return nil
	}
	return tea.Raw(seq)
}
