package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

const convColumns = `c.id, c.customer_id, cu.name, cu.vip, c.channel, c.status, c.priority, c.assignee, c.team,
	c.version, c.subject, c.summary, c.sentiment, c.flags, c.escalation, c.language, c.last_seq, c.last_customer,
	c.created_at, c.updated_at, c.escalated_at, c.first_reply_at, c.sla_due_at, c.snoozed_until, c.resolved_at, c.disposition,
	c.intent, c.trajectory, c.waiting_since`

const convFrom = ` FROM conversations c JOIN customers cu ON cu.id = c.customer_id`

type rowScanner interface{ Scan(dest ...any) error }

func scanConversation(r rowScanner) (protocol.Conversation, error) {
	var c protocol.Conversation
	var flags, esc, traj string
	var vip int
	err := r.Scan(&c.ID, &c.CustomerID, &c.CustomerName, &vip, &c.Channel, &c.Status, &c.Priority, &c.Assignee, &c.Team,
		&c.Version, &c.Subject, &c.Summary, &c.Sentiment, &flags, &esc, &c.Language, &c.LastSeq, &c.LastCustomer,
		&c.CreatedAt, &c.UpdatedAt, &c.EscalatedAt, &c.FirstReplyAt, &c.SLADueAt, &c.SnoozedUntil, &c.ResolvedAt, &c.Disposition,
		&c.Intent, &traj, &c.WaitingSince)
	if err != nil {
		return c, err
	}
	if err := unmarshalList(traj, &c.Trajectory); err != nil {
		return c, fmt.Errorf("conversation %s trajectory: %w", c.ID, err)
	}
	c.VIP = vip != 0
	if flags != "" && flags != "[]" {
		if err := json.Unmarshal([]byte(flags), &c.Flags); err != nil {
			return c, fmt.Errorf("conversation %s flags: %w", c.ID, err)
		}
	}
	if esc != "" {
		c.Escalation = new(protocol.Escalation)
		if err := json.Unmarshal([]byte(esc), c.Escalation); err != nil {
			return c, fmt.Errorf("conversation %s escalation: %w", c.ID, err)
		}
	}
	return c, nil
}

// conversation loads one conversation inside the transaction.
// On SQLite the writer's cache answers when it can (convcache.go).
func (tx *Tx) conversation(id string) (protocol.Conversation, error) {
	if c, ok := tx.known(id); ok {
		return cloneConversation(*c), nil
	}
	c, err := scanConversation(tx.queryRow(`SELECT `+convColumns+convFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, protocol.Errorf(protocol.CodeNotFound, "no conversation %s", id)
	}
	if err != nil {
		return c, fmt.Errorf("load conversation %s: %w", id, err)
	}
	if tx.s.pg == nil {
		e := cloneConversation(c)
		tx.remember(&e)
	}
	return c, nil
}

// Conversation loads one conversation inside the transaction.
func (tx *Tx) Conversation(id string) (protocol.Conversation, error) { return tx.conversation(id) }

// saveConversation writes the mutable fields of c, bumping its version with
// compare-and-set on the version that was loaded, and emits an event.
func (tx *Tx) saveConversation(c *protocol.Conversation, cause, by, from string) error {
	flags, err := json.Marshal(c.Flags)
	if err != nil {
		return err
	}
	if c.Flags == nil {
		flags = []byte("[]")
	}
	esc := ""
	if c.Escalation != nil {
		b, err := json.Marshal(c.Escalation)
		if err != nil {
			return err
		}
		esc = string(b)
	}
	traj := marshalList(c.Trajectory)
	res, err := tx.exec(`UPDATE conversations SET status = ?, priority = ?, assignee = ?, team = ?, version = version + 1,
		subject = ?, summary = ?, sentiment = ?, flags = ?, escalation = ?, language = ?, last_seq = ?, last_customer = ?,
		updated_at = ?, escalated_at = ?, first_reply_at = ?, sla_due_at = ?, snoozed_until = ?, resolved_at = ?, disposition = ?,
		intent = ?, trajectory = ?, waiting_since = ?
		WHERE id = ? AND version = ?`,
		c.Status, c.Priority, c.Assignee, c.Team, c.Subject, c.Summary, c.Sentiment, string(flags), esc, c.Language,
		c.LastSeq, c.LastCustomer, tx.now, c.EscalatedAt, c.FirstReplyAt, c.SLADueAt, c.SnoozedUntil, c.ResolvedAt,
		c.Disposition, c.Intent, traj, c.WaitingSince, c.ID, c.Version)
	if err := tx.saved(c, res, err); err != nil {
		return err
	}
	if tx.s.pg == nil {
		// The cache's entry becomes the row as written (convcache.go).
		stored, err := decodedEscalation(esc)
		if err != nil {
			return err
		}
		tx.rememberSaved(c, func(e *protocol.Conversation) {
			e.Status, e.Priority, e.Assignee, e.Team = c.Status, c.Priority, c.Assignee, c.Team
			e.Subject, e.Summary, e.Sentiment, e.Flags, e.Escalation = c.Subject, c.Summary, c.Sentiment, cloneList(c.Flags), stored
			e.Language, e.LastSeq, e.LastCustomer = c.Language, c.LastSeq, c.LastCustomer
			e.EscalatedAt, e.FirstReplyAt, e.SLADueAt, e.SnoozedUntil = c.EscalatedAt, c.FirstReplyAt, c.SLADueAt, c.SnoozedUntil
			e.ResolvedAt, e.Disposition, e.Intent, e.WaitingSince = c.ResolvedAt, c.Disposition, c.Intent, c.WaitingSince
			e.Trajectory = nil
			if traj != "[]" {
				e.Trajectory = slices.Clone(c.Trajectory)
			}
		})
	}
	if cause == "" {
		return nil
	}
	return tx.emit(protocol.EvConversation, c.ID, c.Assignee, by, protocol.ConversationEvent{
		Cause: cause, By: by, From: from, Conversation: *c,
	})
}

// open reports whether the conversation is in a state people work on.
func open(c protocol.Conversation) bool {
	return c.Status == protocol.ConvQueued || c.Status == protocol.ConvAssigned || c.Status == protocol.ConvSnoozed
}

// mayWork checks that actor may act on c as its owner: the assignee, or a
// lead or admin.
func mayWork(actor Actor, c protocol.Conversation) error {
	if !protocol.MayRequest(actor.Role, protocol.ReqSend) {
		return protocol.Errorf(protocol.CodeForbidden, "trainers cannot act on conversations")
	}
	if actor.Privileged() {
		return nil
	}
	if c.Assignee != actor.ID || (c.Status != protocol.ConvAssigned && c.Status != protocol.ConvSnoozed) {
		if c.Assignee == "" {
			return protocol.Errorf(protocol.CodeForbidden, "conversation %s is not assigned to you; claim it first", c.ID)
		}
		return protocol.Errorf(protocol.CodeForbidden, "conversation %s is assigned to %s", c.ID, c.Assignee)
	}
	return nil
}

func (tx *Tx) loadOpen(id string) (protocol.Conversation, error) {
	c, err := tx.conversation(id)
	if err != nil {
		return c, err
	}
	if !open(c) {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is %s", id, c.Status)
	}
	return c, nil
}

// Claim assigns a queued conversation to actor. With version > 0 the claim
// only succeeds if the conversation is still at that version.
func (tx *Tx) Claim(actor Actor, id string, version int64) (protocol.Conversation, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqClaim) {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeForbidden, "trainers cannot claim conversations")
	}
	c, err := tx.conversation(id)
	if err != nil {
		return c, err
	}
	if version > 0 && c.Version != version {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is at version %d, not %d", id, c.Version, version)
	}
	if c.Status != protocol.ConvQueued {
		if c.Assignee == actor.ID && c.Status == protocol.ConvAssigned {
			return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is already yours", id)
		}
		if c.Assignee != "" {
			return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is assigned to %s", id, c.Assignee)
		}
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is %s, not queued", id, c.Status)
	}
	return c, tx.assign(&c, actor.ID, protocol.CauseClaimed, actor.ID, "claim", nil)
}

// assign gives c to agentID (status assigned) and records the change.
func (tx *Tx) assign(c *protocol.Conversation, agentID, cause, by, auditAction string, detail any) error {
	from := c.Assignee
	c.Assignee = agentID
	c.Status = protocol.ConvAssigned
	c.SnoozedUntil = 0
	if err := tx.saveConversation(c, cause, by, from); err != nil {
		return err
	}
	if err := tx.markAssigned(c.ID, agentID); err != nil { // routing.go
		return err
	}
	if err := tx.audit(by, auditAction, c.ID, detail); err != nil {
		return err
	}
	return tx.loadChanged(from, agentID)
}

// unassign puts c back in its team's queue.
func (tx *Tx) unassign(c *protocol.Conversation, team, cause, by, auditAction string, detail any) error {
	from := c.Assignee
	c.Assignee = ""
	c.Status = protocol.ConvQueued
	c.SnoozedUntil = 0
	if team != "" {
		c.Team = team
	}
	if err := tx.markUnassigned(c.ID, from); err != nil { // routing.go: not straight back to from
		return err
	}
	if err := tx.saveConversation(c, cause, by, from); err != nil {
		return err
	}
	if err := tx.audit(by, auditAction, c.ID, detail); err != nil {
		return err
	}
	return tx.loadChanged(from)
}

// Next claims the highest-priority queued conversation for actor (longest
// waiting first among equals), respecting the actor's capacity.
func (tx *Tx) Next(actor Actor, team string) (protocol.Conversation, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqNext) {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeForbidden, "trainers cannot take conversations")
	}
	a, err := tx.agent(actor.ID)
	if err != nil {
		return protocol.Conversation{}, err
	}
	if a.Capacity > 0 && a.Load >= a.Capacity {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeConflict, "you are at capacity (%d of %d)", a.Load, a.Capacity)
	}
	q := `SELECT id FROM conversations WHERE status = 'queued'`
	args := []any{}
	if team != "" {
		q += ` AND team = ?`
		args = append(args, team)
	}
	q += ` ORDER BY priority DESC, escalated_at ASC, id ASC LIMIT 1`
	var id string
	if err := tx.queryRow(q, args...).Scan(&id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return protocol.Conversation{}, protocol.Errorf(protocol.CodeNotFound, "the queue is empty")
		}
		return protocol.Conversation{}, fmt.Errorf("next: %w", err)
	}
	return tx.Claim(actor, id, 0)
}

// Release gives an owned conversation back to the queue.
func (tx *Tx) Release(actor Actor, id string) (protocol.Conversation, error) {
	c, err := tx.loadOpen(id)
	if err != nil {
		return c, err
	}
	if err := mayWork(actor, c); err != nil {
		return c, err
	}
	if c.Status == protocol.ConvQueued {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is not assigned", id)
	}
	return c, tx.unassign(&c, "", protocol.CauseReleased, actor.ID, "release", nil)
}

// Transfer hands an owned conversation to another agent or to a team's queue.
func (tx *Tx) Transfer(actor Actor, id, toAgent, toTeam, note string) (protocol.Conversation, error) {
	c, err := tx.loadOpen(id)
	if err != nil {
		return c, err
	}
	if err := mayWork(actor, c); err != nil {
		return c, err
	}
	return c, tx.moveTo(actor, &c, toAgent, toTeam, note, protocol.CauseTransferred, "transfer")
}

func (tx *Tx) moveTo(actor Actor, c *protocol.Conversation, toAgent, toTeam, note, cause, auditAction string) error {
	detail := map[string]string{"from": c.Assignee, "to_agent": toAgent, "to_team": toTeam}
	if toAgent != "" {
		target, err := tx.agent(toAgent)
		if err != nil {
			return err
		}
		if !protocol.MayRequest(target.Role, protocol.ReqClaim) {
			return protocol.Errorf(protocol.CodeInvalid, "%s is a trainer and cannot take conversations", toAgent)
		}
		if c.Assignee == toAgent && c.Status != protocol.ConvQueued {
			return protocol.Errorf(protocol.CodeConflict, "conversation %s is already with %s", c.ID, toAgent)
		}
		if toTeam != "" {
			c.Team = toTeam
		} else if target.Team != "" {
			c.Team = target.Team
		}
		if err := tx.assign(c, toAgent, cause, actor.ID, auditAction, detail); err != nil {
			return err
		}
	} else {
		if err := tx.unassign(c, toTeam, cause, actor.ID, auditAction, detail); err != nil {
			return err
		}
	}
	if strings.TrimSpace(note) != "" {
		if _, _, err := tx.addMessage(c, protocol.AuthorNote, actor.ID, note, ""); err != nil {
			return err
		}
	}
	return nil
}

// Reassign moves conversations to an agent or team (leads and admins). Each
// conversation succeeds or fails on its own; versions, when given, guard
// against moving a conversation that changed since the lead looked.
func (tx *Tx) Reassign(actor Actor, req protocol.ReassignReq) ([]protocol.ReassignResult, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqReassign) {
		return nil, protocol.Errorf(protocol.CodeForbidden, "only leads and admins can reassign")
	}
	if req.ToAgent != "" {
		if _, err := tx.agent(req.ToAgent); err != nil {
			return nil, err
		}
	}
	results := make([]protocol.ReassignResult, 0, len(req.ConversationIDs))
	seen := map[string]bool{}
	for _, id := range req.ConversationIDs {
		r := protocol.ReassignResult{ConversationID: id}
		if seen[id] {
			r.Error = protocol.Errorf(protocol.CodeInvalid, "conversation %s listed twice", id)
			results = append(results, r)
			continue
		}
		seen[id] = true
		c, err := tx.reassignOne(actor, id, req)
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				return nil, err // a database fault fails the whole request
			}
			r.Error = pe
		} else {
			r.OK = true
			r.Conversation = &c
		}
		results = append(results, r)
	}
	return results, nil
}

func (tx *Tx) reassignOne(actor Actor, id string, req protocol.ReassignReq) (protocol.Conversation, error) {
	c, err := tx.loadOpen(id)
	if err != nil {
		return c, err
	}
	if v, ok := req.Versions[id]; ok && v != c.Version {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s changed (version %d, you saw %d)", id, c.Version, v)
	}
	return c, tx.moveTo(actor, &c, req.ToAgent, req.ToTeam, req.Note, protocol.CauseReassigned, "reassign")
}

// Resolve closes an owned conversation with a disposition.
func (tx *Tx) Resolve(actor Actor, id, disposition string) (protocol.Conversation, error) {
	c, err := tx.loadOpen(id)
	if err != nil {
		return c, err
	}
	if err := mayWork(actor, c); err != nil {
		return c, err
	}
	c.Status = protocol.ConvResolved
	c.ResolvedAt = tx.now
	c.Disposition = disposition
	c.SnoozedUntil = 0
	if c.Assignee == "" {
		c.Assignee = actor.ID
	}
	if err := tx.saveConversation(&c, protocol.CauseResolved, actor.ID, ""); err != nil {
		return c, err
	}
	if err := tx.supersedeDrafts(c.ID); err != nil {
		return c, err
	}
	if err := tx.audit(actor.ID, "resolve", c.ID, map[string]string{"disposition": disposition}); err != nil {
		return c, err
	}
	return c, tx.loadChanged(c.Assignee)
}

// Snooze parks an owned conversation until minutes from now.
func (tx *Tx) Snooze(actor Actor, id string, minutes int) (protocol.Conversation, error) {
	c, err := tx.loadOpen(id)
	if err != nil {
		return c, err
	}
	if err := mayWork(actor, c); err != nil {
		return c, err
	}
	if c.Assignee == "" {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is not assigned; claim it before snoozing", id)
	}
	c.Status = protocol.ConvSnoozed
	c.SnoozedUntil = tx.now + int64(minutes)*60_000
	if err := tx.saveConversation(&c, protocol.CauseSnoozed, actor.ID, ""); err != nil {
		return c, err
	}
	return c, tx.audit(actor.ID, "snooze", c.ID, map[string]int{"minutes": minutes})
}

// WakeDue returns snoozed conversations whose time is up to their assignee.
func (tx *Tx) WakeDue() (int, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?`, tx.now)
	if err != nil {
		return 0, fmt.Errorf("find snoozed: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		c, err := tx.conversation(id)
		if err != nil {
			return 0, err
		}
		if err := tx.wake(&c); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

func (tx *Tx) wake(c *protocol.Conversation) error {
	c.Status = protocol.ConvAssigned
	c.SnoozedUntil = 0
	if err := tx.markHeld(c.ID); err != nil { // routing.go: the return timer starts again
		return err
	}
	return tx.saveConversation(c, protocol.CauseWoken, "", "")
}

// Send adds an agent reply to an owned conversation.
func (tx *Tx) Send(actor Actor, id, text string) (protocol.Message, protocol.Conversation, error) {
	return tx.SendWith(actor, protocol.TextReq{ConversationID: id, Text: text})
}

// SendWith is Send with files the agent uploaded (attachment ids) and the
// time the agent wrote it (r.WrittenAt).
func (tx *Tx) SendWith(actor Actor, r protocol.TextReq) (protocol.Message, protocol.Conversation, error) {
	id := r.ConversationID
	if !protocol.MayRequest(actor.Role, protocol.ReqSend) {
		return protocol.Message{}, protocol.Conversation{}, protocol.Errorf(protocol.CodeForbidden, "trainers cannot send replies to customers")
	}
	c, err := tx.loadOpen(id)
	if err != nil {
		return protocol.Message{}, c, err
	}
	if err := mayWork(actor, c); err != nil {
		return protocol.Message{}, c, err
	}
	if c.Status == protocol.ConvQueued {
		return protocol.Message{}, c, protocol.Errorf(protocol.CodeConflict, "conversation %s is queued; claim it first", id)
	}
	m, c, err := tx.addMessageAs(&c, protocol.AuthorAgent, actor.ID, "", typed(actor, r))
	if err != nil {
		return m, c, err
	}
	return m, c, tx.audit(actor.ID, "send", c.ID, map[string]string{"message_id": m.ID})
}

// Note adds an internal note, visible to staff only.
func (tx *Tx) Note(actor Actor, id, text string) (protocol.Message, protocol.Conversation, error) {
	return tx.NoteWith(actor, protocol.TextReq{ConversationID: id, Text: text})
}

// NoteWith is Note with files the agent uploaded (attachment ids) and the
// time the agent wrote it (r.WrittenAt).
func (tx *Tx) NoteWith(actor Actor, r protocol.TextReq) (protocol.Message, protocol.Conversation, error) {
	id := r.ConversationID
	if !protocol.MayRequest(actor.Role, protocol.ReqNote) {
		return protocol.Message{}, protocol.Conversation{}, protocol.Errorf(protocol.CodeForbidden, "trainers cannot write notes on conversations")
	}
	c, err := tx.conversation(id)
	if err != nil {
		return protocol.Message{}, c, err
	}
	return tx.addMessageAs(&c, protocol.AuthorNote, actor.ID, "", typed(actor, r))
}

// addMessage appends a message to c, updates c and emits the event.
func (tx *Tx) addMessage(c *protocol.Conversation, author, authorID, text, draftID string) (protocol.Message, protocol.Conversation, error) {
	return tx.addMessageWith(c, author, authorID, text, draftID, Attach{})
}

// addMessageWith is addMessage with attachments (attachments.go).
func (tx *Tx) addMessageWith(c *protocol.Conversation, author, authorID, text, draftID string, att Attach) (protocol.Message, protocol.Conversation, error) {
	return tx.addMessageAs(c, author, authorID, draftID, NewMessage{Text: text, Attach: att})
}

// addMessageAs is addMessageWith with the author's display name given (a
// bot's or a channel's own name for the customer; agents' names come from
// their accounts) and the channel's own id for the message when it came
// from one. Agent replies are queued for delivery to the channel, and so
// are other messages when deliver is set (the server's bot on e-mail).
func (tx *Tx) addMessageAs(c *protocol.Conversation, author, authorID, draftID string, n NewMessage) (protocol.Message, protocol.Conversation, error) {
	text, authorName, att, externalID, deliver := n.Text, n.AuthorName, n.Attach, n.ExternalID, n.Deliver
	if err := tx.roomFor(c, text); err != nil {
		return protocol.Message{}, *c, err
	}
	m := protocol.Message{
		ID: NewID("m_"), ConversationID: c.ID, Seq: c.LastSeq + 1, Author: author, AuthorID: authorID,
		AuthorName: authorName, Text: text, DraftID: draftID, CreatedAt: tx.now,
	}
	if author == protocol.AuthorBot {
		m.BotKind = n.BotKind
	}
	// Written earlier than now (queued on a desk while offline): both
	// times are kept. A time in the future is the desk's clock, not kept.
	if n.WrittenAt > 0 && n.WrittenAt < m.CreatedAt {
		m.WrittenAt = n.WrittenAt
	}
	attJSON, err := tx.linkAttachments(att, &m)
	if err != nil {
		return m, *c, err
	}
	if authorID != "" && (author == protocol.AuthorAgent || author == protocol.AuthorNote) {
		if a, err := tx.agent(authorID); err == nil {
			m.AuthorName = a.Name
		}
	}
	deliver = deliver || author == protocol.AuthorAgent
	if deliver {
		m.Delivery = protocol.DeliveryPending
	}
	if _, err := tx.exec(`INSERT INTO messages(id, conversation_id, seq, author, author_id, author_name, text, draft_id, delivery, created_at, attachments, external_id, bot_kind, written_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.ConversationID, m.Seq, m.Author, m.AuthorID, m.AuthorName, m.Text, m.DraftID, m.Delivery, m.CreatedAt, attJSON, externalID, m.BotKind, m.WrittenAt); err != nil {
		return m, *c, fmt.Errorf("add message to %s: %w", c.ID, err)
	}
	if deliver {
		if err := tx.enqueueDelivery(m, c); err != nil { // outbound outbox, same transaction (deliveries.go)
			return m, *c, err
		}
	}
	c.LastSeq = m.Seq
	was := c.Status
	switch author {
	case protocol.AuthorCustomer:
		c.LastCustomer = m.Seq
		if c.WaitingSince == 0 {
			c.WaitingSince = m.CreatedAt
		}
		if c.Status == protocol.ConvSnoozed {
			c.Status = protocol.ConvAssigned
			c.SnoozedUntil = 0
		}
	case protocol.AuthorAgent:
		if c.FirstReplyAt == 0 {
			c.FirstReplyAt = tx.now
		}
		c.WaitingSince = 0
	}
	if err := tx.touchConversation(c, c.Status != was); err != nil {
		return m, *c, err
	}
	err = tx.emit(protocol.EvMessage, c.ID, c.Assignee, authorID, protocol.MessageEvent{Message: m, Conversation: protocol.ChangeOf(*c)})
	return m, *c, err
}

// touchConversation saves what a message changes on c (the fields of
// protocol.ConversationChange), bumping its version with compare-and-set
// like saveConversation, without rewriting the rest of the row. The status
// is written only when the message changed it: an UPDATE that names the
// status rewrites both indexes that hold it, changed or not.
func (tx *Tx) touchConversation(c *protocol.Conversation, statusChanged bool) error {
	var res sql.Result
	var err error
	if statusChanged {
		res, err = tx.exec(`UPDATE conversations SET version = version + 1, status = ?, last_seq = ?, last_customer = ?,
		updated_at = ?, first_reply_at = ?, snoozed_until = ?, waiting_since = ? WHERE id = ? AND version = ?`,
			c.Status, c.LastSeq, c.LastCustomer, tx.now, c.FirstReplyAt, c.SnoozedUntil, c.WaitingSince, c.ID, c.Version)
	} else {
		res, err = tx.exec(`UPDATE conversations SET version = version + 1, last_seq = ?, last_customer = ?,
		updated_at = ?, first_reply_at = ?, snoozed_until = ?, waiting_since = ? WHERE id = ? AND version = ?`,
			c.LastSeq, c.LastCustomer, tx.now, c.FirstReplyAt, c.SnoozedUntil, c.WaitingSince, c.ID, c.Version)
	}
	if err := tx.saved(c, res, err); err != nil {
		return err
	}
	if tx.s.pg == nil {
		tx.rememberSaved(c, func(e *protocol.Conversation) {
			if statusChanged {
				e.Status = c.Status
			}
			e.LastSeq, e.LastCustomer, e.FirstReplyAt, e.SnoozedUntil, e.WaitingSince = c.LastSeq, c.LastCustomer, c.FirstReplyAt, c.SnoozedUntil, c.WaitingSince
		})
	}
	return nil
}

// saved checks a compare-and-set UPDATE of c and brings c's version and
// update time to what it wrote.
func (tx *Tx) saved(c *protocol.Conversation, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("save conversation %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return protocol.Errorf(protocol.CodeConflict, "conversation %s changed meanwhile", c.ID)
	}
	c.Version++
	c.UpdatedAt = tx.now
	return nil
}

// roomFor refuses a message that would take a conversation past
// protocol.MaxConversationMessages or MaxConversationBytes. Below 256
// messages the byte bound cannot be reached (each text is at most
// MaxTextBytes), so ordinary chats never pay for the sum.
func (tx *Tx) roomFor(c *protocol.Conversation, text string) error {
	if c.LastSeq >= protocol.MaxConversationMessages {
		return protocol.Errorf(protocol.CodeConflict, "conversation %s is full: %d messages", c.ID, c.LastSeq)
	}
	if c.LastSeq < protocol.MaxConversationBytes/protocol.MaxTextBytes {
		return nil
	}
	var used int64
	if err := tx.queryRow(`SELECT COALESCE(SUM(OCTET_LENGTH(text)), 0) FROM messages WHERE conversation_id = ?`, c.ID).Scan(&used); err != nil {
		return fmt.Errorf("size of %s: %w", c.ID, err)
	}
	if used+int64(len(text)) > protocol.MaxConversationBytes {
		return protocol.Errorf(protocol.CodeConflict, "conversation %s is full: %d bytes of text", c.ID, used)
	}
	return nil
}
