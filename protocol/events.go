package protocol

// Event kinds (server → client, in frames of type "event"). Every event
// carries the full new state of what changed, so applying one is a replace,
// not a patch; seq is strictly increasing across the whole server.
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

// MessageEvent is the data of a message.created event.
type MessageEvent struct {
	Message      Message      `json:"message"`
	Conversation Conversation `json:"conversation"`
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
	Cause string `json:"cause"` // status, capacity, load, created
	By    string `json:"by,omitempty"`
	Agent Agent  `json:"agent"`
}
