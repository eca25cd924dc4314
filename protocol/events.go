package protocol

// Event kinds (server → client, in frames of type "event"). Every event
// carries the full new state of what changed, so applying one is a replace,
// not a patch — except the conversation part of message events, which
// carries only what a message changes (ConversationChange); seq is
// strictly increasing across the whole server.
const (
	// EvConversation: a conversation was created, escalated, claimed,
	// assigned, released, returned, transferred, reassigned, snoozed, woken
	// or resolved.
	EvConversation = "conversation.updated" // ConversationEvent
	// EvMessage: a message (customer, bot, agent, system or internal note) was added.
	EvMessage = "message.created" // MessageEvent
	// EvMessageUpdated: a message changed after it was created; today only
	// the delivery status of an agent reply (pending → delivered | failed).
	EvMessageUpdated = "message.updated" // MessageEvent
	// EvDraft: a draft was created or changed status.
	EvDraft = "draft.updated" // DraftEvent
	// EvOutcome: an agent accepted, edited or rejected a draft.
	EvOutcome = "outcome.recorded" // OutcomeEvent
	// EvAgent: an agent's status, capacity or load changed.
	EvAgent = "agent.updated" // AgentEvent
)

// Causes of a conversation event.
const (
	CauseCreated     = "created"
	CauseEscalated   = "escalated"
	CauseClaimed     = "claimed"
	CauseReleased    = "released"
	CauseTransferred = "transferred"
	CauseReassigned  = "reassigned"
	CauseSnoozed     = "snoozed"
	CauseWoken       = "woken"
	CauseResolved    = "resolved"
	CauseEnriched    = "enriched"
	CauseReopened    = "reopened"
	// CauseSLABreached: the first-response deadline (sla_due_at) passed with
	// no agent reply; emitted once per deadline, with the raised priority.
	CauseSLABreached = "sla_breached"
	// CauseAssigned: the server gave a queued conversation to an online
	// agent with free capacity (auto-assignment, docs/routing.md).
	CauseAssigned = "assigned"
	// CauseReturned: the assignee did not answer the waiting customer within
	// the return timer; the conversation is back in the queue (from = them).
	CauseReturned = "returned"
)

// ConversationEvent is the data of a conversation.updated event.
type ConversationEvent struct {
	Cause        string       `json:"cause"`
	By           string       `json:"by,omitempty"`   // agent id, empty for system
	From         string       `json:"from,omitempty"` // previous assignee, for claim / transfer / reassign
	Conversation Conversation `json:"conversation"`
}

// MessageEvent is the data of a message.created or message.updated event:
// the whole message, and what it changed on its conversation.
type MessageEvent struct {
	Message      Message            `json:"message"`
	Conversation ConversationChange `json:"conversation"`
}

// ConversationChange is the part of a conversation a message can change,
// as message events carry it (since protocol 2; protocol 1 sent the whole
// conversation, of which these are a subset, so the same type decodes
// both). A desk applies it to the conversation it knows; one it does not
// know (a resolved conversation outside its snapshot) it learns from the
// next conversation.updated or from get_conversation. Absent fields are
// zero: the set of fields is fixed, so "absent" never means "unchanged".
type ConversationChange struct {
	ID           string `json:"id"`
	Version      int64  `json:"version"`
	Status       string `json:"status"`
	UpdatedAt    int64  `json:"updated_at"`
	LastSeq      int    `json:"last_seq"`
	LastCustomer int    `json:"last_customer_seq"`
	FirstReplyAt int64  `json:"first_reply_at,omitempty"`
	WaitingSince int64  `json:"waiting_since,omitempty"`
	SnoozedUntil int64  `json:"snoozed_until,omitempty"`
}

// ChangeOf is the ConversationChange that brings a conversation to c.
func ChangeOf(c Conversation) ConversationChange {
	return ConversationChange{ID: c.ID, Version: c.Version, Status: c.Status, UpdatedAt: c.UpdatedAt,
		LastSeq: c.LastSeq, LastCustomer: c.LastCustomer, FirstReplyAt: c.FirstReplyAt, WaitingSince: c.WaitingSince,
		SnoozedUntil: c.SnoozedUntil}
}

// Apply brings c up to the change and reports whether it did: not for
// another conversation, nor when c is already newer (a version above the
// change's, e.g. from an ack that overtook the event).
func (ch ConversationChange) Apply(c *Conversation) bool {
	if c.ID != ch.ID || c.Version > ch.Version {
		return false
	}
	c.Version, c.Status, c.UpdatedAt = ch.Version, ch.Status, ch.UpdatedAt
	c.LastSeq, c.LastCustomer = ch.LastSeq, ch.LastCustomer
	c.FirstReplyAt, c.WaitingSince, c.SnoozedUntil = ch.FirstReplyAt, ch.WaitingSince, ch.SnoozedUntil
	return true
}

// DraftEvent is the data of a draft.updated event.
type DraftEvent struct {
	Draft Draft `json:"draft"`
}

// DraftDelta is the data of a draft_delta frame (TypeDraftDelta): text the
// copilot appended to the draft it is generating for a conversation. JobID
// names one generation, so a desk can tell two apart; Reset means discard
// what was streamed so far for this job (Text then starts over). Deltas are
// ephemeral: a desk may miss some, and the finished draft arrives as
// draft.updated anyway.
type DraftDelta struct {
	ConversationID string `json:"conversation_id"`
	JobID          string `json:"job_id"`
	Text           string `json:"text"`
	Reset          bool   `json:"reset"`
}

// OutcomeEvent is the data of an outcome.recorded event.
type OutcomeEvent struct {
	Outcome Outcome `json:"outcome"`
}

// AgentEvent is the data of an agent.updated event.
type AgentEvent struct {
	Cause string `json:"cause"` // status, capacity, load, created, renamed; connected, disconnected (presence: the shown status follows the agent's desks)
	By    string `json:"by,omitempty"`
	Agent Agent  `json:"agent"`
}
