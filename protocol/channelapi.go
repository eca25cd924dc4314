package protocol

import "fmt"

// The channel HTTP API (/v1/api, docs/api/openapi.yaml): the bodies an
// integration (a chat widget, a bot, an IM bridge) sends and gets back.
// The server decodes requests into these strictly; client/channelapi
// sends them. Errors of every HTTP endpoint of the server have one shape,
// APIError.

// APIError is the body of every HTTP error answer: a protocol code, a
// message and, when one request field is at fault, its name ("body" for
// the body as a whole). Status is the HTTP status it came with.
type APIError struct {
	Status  int    `json:"-"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// RetryAfterSeconds is the Retry-After header of a 429 answer.
	RetryAfterSeconds int `json:"-"`
}

func (e *APIError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("HTTP %d %s: %s (field %s)", e.Status, e.Code, e.Message, e.Field)
}

// APICustomerReq creates or updates a customer (POST /v1/api/customers):
// found by any of the identities, created when none matches.
type APICustomerReq struct {
	Name       string            `json:"name"`
	VIP        bool              `json:"vip"`
	Language   string            `json:"language"`
	Identities []ChannelIdentity `json:"identities"`
}

// APICustomer is a customer as the HTTP API shows it.
type APICustomer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	VIP        bool              `json:"vip"`
	Language   string            `json:"language,omitempty"`
	Identities []ChannelIdentity `json:"identities"`
	CreatedAt  int64             `json:"created_at"`
}

// APICustomerAnswer answers the customer endpoints; Created is true when
// POST made a new customer (status 201).
type APICustomerAnswer struct {
	Customer APICustomer `json:"customer"`
	Created  bool        `json:"created"`
}

// APIBotTurn describes a bot's message: how sure it was and what it drew
// on. A fallback ("sorry, I did not understand") counts as a failure.
type APIBotTurn struct {
	Confidence *float64 `json:"confidence"`
	Fallback   bool     `json:"fallback"`
	Sources    []Source `json:"sources"`
	// Kind is what the message is (BotAnswer, BotHandoff…); a handoff
	// notice is not shown as what the bot tried.
	Kind BotKind `json:"kind"`
}

// APIMessageReq posts one message (POST /v1/api/messages). MessageID is
// the caller's id, which makes retries safe. The conversation is named by
// ConversationID, or found (or opened) from Channel with CustomerID or
// ExternalID.
type APIMessageReq struct {
	MessageID      string      `json:"message_id"`
	ConversationID string      `json:"conversation_id"`
	Channel        string      `json:"channel"`
	CustomerID     string      `json:"customer_id"`
	ExternalID     string      `json:"external_id"`
	CustomerName   string      `json:"customer_name"`
	Author         string      `json:"author"`
	AuthorName     string      `json:"author_name"`
	Text           string      `json:"text"`
	Subject        string      `json:"subject"`
	Language       string      `json:"language"`
	Bot            *APIBotTurn `json:"bot"`
	// Attachments are ids of files the caller uploaded (POST
	// /v1/api/attachments) and has not sent yet.
	Attachments []string `json:"attachments"`
}

// APIMessageAnswer answers a posted message: it, its conversation, whether
// the message escalated it, and whether it had been posted before.
type APIMessageAnswer struct {
	Message      Message      `json:"message"`
	Conversation Conversation `json:"conversation"`
	Escalated    bool         `json:"escalated"`
	Duplicate    bool         `json:"duplicate"`
}

// APIConversationAnswer answers GET /v1/api/conversations/{id} (with a page
// of messages, internal notes left out) and escalate (without).
type APIConversationAnswer struct {
	Conversation Conversation `json:"conversation"`
	Messages     []Message    `json:"messages,omitempty"`
	// More: older messages exist; ask again with ?before=NextBefore.
	More       bool `json:"more,omitempty"`
	NextBefore int  `json:"next_before,omitempty"`
}

// APIEscalateReq hands a conversation with the bot to people (POST
// /v1/api/conversations/{id}/escalate). Reason defaults to ReasonExplicit.
type APIEscalateReq struct {
	Reason        Reason   `json:"reason"`
	Evidence      string   `json:"evidence"`
	BotConfidence *float64 `json:"bot_confidence"`
	BotTried      []string `json:"bot_tried"`
}

// APICSATReq rates a resolved conversation, 1–5 (POST
// /v1/api/conversations/{id}/csat).
type APICSATReq struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// APICSAT is a stored rating.
type APICSAT struct {
	ConversationID string `json:"conversation_id"`
	Score          int    `json:"score"`
	Comment        string `json:"comment,omitempty"`
	ResolvedAt     int64  `json:"resolved_at"`
	CreatedAt      int64  `json:"created_at"`
}

// APICSATAnswer answers a rating.
type APICSATAnswer struct {
	CSAT APICSAT `json:"csat"`
}
