package tui

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// applyUpdates applies a batch of client updates to what the desk knows
// and reacts to what changed. Conversation changes are handed to the queue
// once, so a burst of a thousand events costs one re-sort and one render.
func (m *Model) applyUpdates(us []client.Update) tea.Cmd {
	ch := m.desk.Apply(us, m.now)
	var cmds []tea.Cmd
	assigned, reload := "", false
	for _, c := range ch.List {
		switch c.Kind {
		case deskstate.Connected:
			if c.State.State == client.StateOnline && m.open != "" && m.lead.view == viewDesk {
				m.conn = c.State
				cmds = append(cmds, m.sendViewing(m.open))
			}
			if c.State.State == client.StateOnline && m.open != "" && m.unloaded == m.open {
				m.unloaded = ""
				cmds = append(cmds, m.load(m.open)) // opened while offline
			}
			m.conn = c.State
		case deskstate.Welcomed:
			cmds = append(cmds, m.applyWelcome(c.Welcome, ch.Snapshot))
		case deskstate.ChatTaken:
			m.noteLostChat(c.Old, c.Conv, c.By) // unsent.go
		case deskstate.AssignedToMe:
			assigned = sanitize.Line(c.Conv.CustomerName)
		case deskstate.MessageAdded:
			if c.Message.Author == protocol.AuthorCustomer {
				delete(m.typingAt, c.Message.ConversationID) // what they typed has arrived
			}
			if c.Message.ConversationID == m.open {
				m.img.more = m.img.more || len(c.Message.Attachments) > 0 // images.go
				m.appendMessage(c.Message)
			}
		case deskstate.MessageWithheld:
			// A teammate's chat: the queue has what it changed; a
			// transcript on screen is read again (the server redacts it).
			if c.Message.Author == protocol.AuthorCustomer {
				delete(m.typingAt, c.Message.ConversationID)
			}
			reload = reload || c.Message.ConversationID == m.open && c.Message.Seq > m.lastSeq
		case deskstate.DeliveryChanged:
			m.applyDelivery(c.Message, c.Conv)
		case deskstate.DraftChanged:
			m.draftArrived(c.Draft)
		case deskstate.AgentChanged:
			m.noteLeadChange(c.OldAgent, c.Agent, c.By) // unsent.go
		case deskstate.OutboxDone:
			m.applyOutboxResult(c)
		case deskstate.CustomerTyping:
			m.noteTyping(c.Typing) // header.go
		}
	}
	if ch.AgentNames {
		m.queue.SetAgentNames(m.desk.AgentNames())
	}
	if m.img.more {
		m.img.more = false
		cmds = append(cmds, m.wantThumbs())
	}
	m.queue.UpsertMany(ch.Conversations)
	m.showQueued() // sent, acknowledged or the connection changed
	if reload && m.loading {
		m.reload = true
	} else if reload {
		cmds = append(cmds, m.load(m.open))
	}
	if assigned != "" {
		m.say(m.cat.NoticeAssigned(assigned), false)
		if cmd := m.announce(assigned); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// applyWelcome reacts to a new connection's welcome (already applied to
// the desk's state).
func (m *Model) applyWelcome(w protocol.Welcome, snapshot bool) tea.Cmd {
	var cmds []tea.Cmd
	// A new connection: subscribe to the board again, and say what is open.
	m.lead.subscribed = false
	if m.lead.view == viewTeam && w.Agent.Role != protocol.RoleAgent {
		cmds = append(cmds, m.requestBoard())
	}
	m.routeTranscript()
	m.queue.SetMe(w.Agent.ID)
	if snapshot {
		m.queue.SetConversations(w.Snapshot.Conversations)
		// Events may have been missed while disconnected: reload what is open.
		if m.open != "" {
			cmds = append(cmds, m.load(m.open))
		}
	}
	if w.Agent.Role == protocol.RoleTrainer && m.review == nil {
		cmds = append(cmds, m.openReview()) // a trainer's desk is review
	}
	return tea.Batch(cmds...)
}

// draftArrived reacts to a conversation's newest draft: it ends a
// regenerate waiting for it, and counts as shown if it is on screen.
func (m *Model) draftArrived(d protocol.Draft) {
	m.regenArrived(d)
	if d.ConversationID == m.open {
		m.desk.MarkShown(d, m.now)
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

// enqueueText puts a reply or note in the outbox with the time it was
// written, which the message keeps when it goes out later.
func (m *Model) enqueueText(kind string, req protocol.TextReq) tea.Cmd {
	req.WrittenAt = m.clock().UnixMilli()
	c, _ := m.desk.Conversation(req.ConversationID)
	job := deskstate.Job{Kind: kind, ConvID: req.ConversationID, Text: req.Text, At: req.WrittenAt, Seq: max(c.LastSeq, m.seqOf(req.ConversationID))}
	return m.enqueue(job, req)
}

// seqOf is the newest message seq of the open transcript, for its id.
func (m *Model) seqOf(convID string) int {
	if convID == m.open {
		return m.lastSeq
	}
	return 0
}

// showQueued shows the open conversation's replies and notes still in the
// outbox after its transcript: queued while offline, sending while online,
// at the time they were written. One whose message already came in (the
// event can beat the outbox's ack) is not shown twice.
func (m *Model) showQueued() {
	if m.open == "" || m.loading {
		return
	}
	me := m.desk.Me()
	held := m.transcript.Real()
	ids, jobs := m.desk.InOutbox(m.open)
	var msgs []protocol.Message
	for i, j := range jobs {
		if arrived(held, j, me.ID) {
			continue
		}
		author := protocol.AuthorAgent
		if j.Kind == protocol.ReqNote {
			author = protocol.AuthorNote
		}
		msgs = append(msgs, protocol.Message{ID: "outbox:" + ids[i], ConversationID: m.open, Author: author,
			AuthorID: me.ID, AuthorName: me.Name, Text: j.Text, CreatedAt: j.At})
	}
	m.transcript.SetQueued(msgs, m.conn.State == client.StateOnline)
}

// arrived reports whether a message the server holds, newer than the job,
// is the job's reply or note.
func arrived(held []protocol.Message, j deskstate.Job, me string) bool {
	for i := len(held) - 1; i >= 0 && held[i].Seq > j.Seq; i-- {
		if held[i].AuthorID == me && held[i].Text == j.Text {
			return true
		}
	}
	return false
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
	if msg.Delivery == protocol.DeliveryFailed && msg.AuthorID != "" && msg.AuthorID == m.desk.Me().ID {
		name := sanitize.Line(c.CustomerName)
		if name == "" {
			name = sanitize.Line(c.CustomerID)
		}
		m.say(m.cat.NoticeUndelivered(name), true)
	}
}

// applyOutboxResult says how an outbox request ended; a refused reply's
// text is kept for the agent.
func (m *Model) applyOutboxResult(c deskstate.Change) {
	r, job := c.Result, c.Job
	what := m.what(job.Kind, job.Action)
	if !c.JobKnown {
		what = m.what(r.Type, "")
	}
	if r.Err != nil {
		if (job.Kind == protocol.ReqSend || job.Kind == protocol.ReqNote) && job.Text != "" && job.ConvID != "" {
			m.keepFailedSend(job.ConvID, job.Kind, job.Text)
			kept := m.cat.NoticeReplyKept
			if job.Kind == protocol.ReqNote {
				kept = m.cat.NoticeNoteKept
			}
			m.say(m.cat.NoticeFailed(what, sanitize.Line(m.cat.ServerError(r.Err)))+" "+kept, true)
			return
		}
		m.say(m.cat.NoticeFailed(what, sanitize.Line(m.cat.ServerError(r.Err))), true)
		return
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
		return m.cat.NoticeFailed(what, sanitize.Line(m.cat.ServerError(pe)))
	}
	return m.cat.NoticeFailed(what, sanitize.Line(err.Error()))
}

// explainPlain is explain without reading unavailable as offline: for a
// request answered while connected, the server's own words.
func (m *Model) explainPlain(what string, err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return m.cat.NoticeFailed(what, sanitize.Line(m.cat.ServerError(pe)))
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
