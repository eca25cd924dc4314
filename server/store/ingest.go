package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// NewCustomer describes a customer to create.
type NewCustomer struct {
	ID       string // optional; generated when empty
	Name     string
	VIP      bool
	Language string
}

// CreateCustomer adds a customer.
func (tx *Tx) CreateCustomer(n NewCustomer) (string, error) {
	if n.ID == "" {
		n.ID = NewID("u_")
	}
	if strings.TrimSpace(n.Name) == "" {
		return "", protocol.Errorf(protocol.CodeInvalid, "field \"name\" is required")
	}
	vip := 0
	if n.VIP {
		vip = 1
	}
	if _, err := tx.exec(`INSERT INTO customers(id, name, vip, language, created_at) VALUES (?, ?, ?, ?, ?)`,
		n.ID, n.Name, vip, n.Language, tx.now); err != nil {
		return "", fmt.Errorf("create customer: %w", err)
	}
	return n.ID, nil
}

// NewConversation describes a conversation to open.
type NewConversation struct {
	ID         string // optional
	CustomerID string
	Channel    string
	Subject    string
	Team       string
	Language   string
}

// CreateConversation opens a conversation handled by the bot.
func (tx *Tx) CreateConversation(n NewConversation) (protocol.Conversation, error) {
	if n.ID == "" {
		n.ID = NewID("c_")
	}
	if n.Channel == "" {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeInvalid, "field \"channel\" is required")
	}
	if _, err := tx.exec(`INSERT INTO conversations(id, customer_id, channel, status, team, subject, language, created_at, updated_at)
		VALUES (?, ?, ?, 'bot', ?, ?, ?, ?, ?)`,
		n.ID, n.CustomerID, n.Channel, n.Team, n.Subject, n.Language, tx.now, tx.now); err != nil {
		return protocol.Conversation{}, fmt.Errorf("create conversation: %w", err)
	}
	c, err := tx.conversation(n.ID)
	if err != nil {
		return c, err
	}
	return c, tx.emit(protocol.EvConversation, c.ID, "", "", protocol.ConversationEvent{Cause: protocol.CauseCreated, Conversation: c})
}

// AddMessage appends a customer, bot or system message to a conversation.
// A customer writing to a resolved conversation reopens it into the queue.
func (tx *Tx) AddMessage(convID, author, authorName, text string) (protocol.Message, protocol.Conversation, error) {
	return tx.AddMessageWith(convID, author, authorName, text, Attach{})
}

// AddMessageWith is AddMessage with files: att names uploads (by att.Owner,
// not yet sent) that become the message's attachments.
func (tx *Tx) AddMessageWith(convID, author, authorName, text string, att Attach) (protocol.Message, protocol.Conversation, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return protocol.Message{}, c, err
	}
	return tx.AddMessageTo(c, NewMessage{Author: author, AuthorName: authorName, Text: text, Attach: att})
}

// NewMessage is a customer, bot or system message to add.
type NewMessage struct {
	Author     string
	AuthorName string
	Text       string
	Attach     Attach // uploads that become its attachments
	ExternalID string // the channel's own id for the message, if it came from one
	// WrittenAt is when an agent wrote it, when earlier than now (unix ms).
	WrittenAt int64
	// BotKind is what a bot message is (an answer, a handoff notice…).
	BotKind protocol.BotKind
	// Deliver queues the message for delivery to the channel like an agent
	// reply (the server's bot on a channel that shows only what is
	// delivered, such as e-mail).
	Deliver bool
}

// typed is what an agent's reply or note request adds: its text, the files
// they uploaded and when they wrote it.
func typed(actor Actor, r protocol.TextReq) NewMessage {
	return NewMessage{Text: r.Text, Attach: Attach{IDs: r.Attachments, Owner: actor.ID}, WrittenAt: r.WrittenAt}
}

// AddMessageTo is AddMessageWith on a conversation already loaded in this
// transaction (Conversation), saving the second read.
func (tx *Tx) AddMessageTo(c protocol.Conversation, n NewMessage) (protocol.Message, protocol.Conversation, error) {
	author := n.Author
	switch author {
	case protocol.AuthorCustomer, protocol.AuthorBot, protocol.AuthorSystem:
	default:
		return protocol.Message{}, protocol.Conversation{}, protocol.Errorf(protocol.CodeInvalid, "author %q: must be customer, bot or system", author)
	}
	if author == protocol.AuthorCustomer && c.Status == protocol.ConvResolved {
		c.Status = protocol.ConvQueued
		c.Assignee = ""
		c.ResolvedAt = 0
		c.Disposition = ""
		// The customer waits again: a fresh first-response deadline with the
		// same window the conversation had (15 minutes if it had none).
		window := int64(15 * 60_000)
		if c.SLADueAt > c.EscalatedAt && c.EscalatedAt > 0 {
			window = c.SLADueAt - c.EscalatedAt
		}
		c.EscalatedAt = tx.now
		c.SLADueAt = tx.now + window
		c.FirstReplyAt = 0
		if err := tx.saveConversation(&c, protocol.CauseReopened, "", ""); err != nil {
			return protocol.Message{}, c, err
		}
	}
	wasSnoozed := c.Status == protocol.ConvSnoozed
	m, c, err := tx.addMessageAs(&c, author, "", "", n)
	if err != nil {
		return m, c, err
	}
	if wasSnoozed && c.Status == protocol.ConvAssigned {
		// The customer wrote: the snooze ends now, visibly.
		if err := tx.markHeld(c.ID); err != nil { // routing.go: the return timer starts again
			return m, c, err
		}
		if err := tx.emit(protocol.EvConversation, c.ID, c.Assignee, "", protocol.ConversationEvent{Cause: protocol.CauseWoken, Conversation: c}); err != nil {
			return m, c, err
		}
	}
	return m, c, nil
}

// Escalate hands a bot conversation to people: it joins the queue with a
// priority, an SLA deadline and the recorded reason.
func (tx *Tx) Escalate(convID string, e protocol.Escalation, priority int, slaDueAt int64) (protocol.Conversation, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return c, err
	}
	if c.Status != protocol.ConvBot && c.Status != protocol.ConvResolved {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is already with people (%s)", convID, c.Status)
	}
	if e.Reason == "" {
		return c, protocol.Errorf(protocol.CodeInvalid, "field \"reason\" is required")
	}
	e.At, e.Seq = tx.now, c.LastSeq
	tried, err := json.Marshal(e.BotTried)
	if err != nil {
		return c, err
	}
	if _, err := tx.exec(`INSERT INTO escalations(id, conversation_id, reason, evidence, bot_confidence, bot_tried, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, NewID("e_"), convID, e.Reason, e.Evidence, e.BotConfidence, string(tried), tx.now); err != nil {
		return c, fmt.Errorf("record escalation of %s: %w", convID, err)
	}
	c.Status = protocol.ConvQueued
	c.Assignee = ""
	c.Escalation = &e
	c.Priority = priority
	c.EscalatedAt = tx.now
	c.SLADueAt = slaDueAt
	c.ResolvedAt, c.Disposition = 0, ""
	if err := tx.saveConversation(&c, protocol.CauseEscalated, "", ""); err != nil {
		return c, err
	}
	return c, tx.audit("", "escalate", convID, map[string]string{"reason": string(e.Reason)})
}

// Insight is the copilot's enrichment of a conversation.
type Insight struct {
	Summary    string
	Sentiment  string
	Flags      []protocol.Flag
	Language   string
	Intent     string
	Trajectory []float64
	Priority   *int // when set, replaces the priority
}

// Enrich stores the copilot's insight on a conversation.
func (tx *Tx) Enrich(convID string, in Insight) (protocol.Conversation, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return c, err
	}
	// The trajectory travels in every snapshot and event of the chat: the
	// newest MaxTrajectory turns are what a sparkline shows.
	traj := in.Trajectory
	if len(traj) > protocol.MaxTrajectory {
		traj = traj[len(traj)-protocol.MaxTrajectory:]
	}
	c.Summary, c.Sentiment, c.Intent, c.Trajectory = in.Summary, in.Sentiment, in.Intent, traj
	c.Flags = mergeFlags(c.Flags, in.Flags) // keep what the escalation rules found
	if in.Language != "" {
		c.Language = in.Language
	}
	if in.Priority != nil {
		c.Priority = *in.Priority
	}
	return c, tx.saveConversation(&c, protocol.CauseEnriched, "", "")
}
