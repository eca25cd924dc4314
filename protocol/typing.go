package protocol

import "time"

// ReqTyping tells the customer's chat window that an agent is writing a
// reply (the web widget shows "Alice is typing…"). Nothing is stored; the
// desk sends it at most every few seconds while the reply box changes.
const ReqTyping = "typing" // TypingReq → TypingAck (the assignee, leads, admins)

// TypingReq names the conversation being answered.
type TypingReq struct {
	ConversationID string `json:"conversation_id"`
}

// Validate checks the request.
func (r TypingReq) Validate() error { return needID("conversation_id", r.ConversationID) }

// TypingAck answers typing: how many chat windows were told.
type TypingAck struct {
	Windows int `json:"windows"`
}

// TypeCustomerTyping (data: CustomerTyping) says the customer is writing
// in the conversation's chat window right now. Ephemeral like presence: no
// seq, never replayed, dropped for a desk that is behind. The server sends
// it only to the desks viewing the conversation (viewing) that may read its
// messages, at most once every CustomerTypingEvery per chat window; a desk
// shows it while it is fresh (a few seconds) and forgets it when the
// customer's message arrives.
const TypeCustomerTyping = "customer_typing"

// CustomerTyping is the data of a customer_typing frame.
type CustomerTyping struct {
	ConversationID string `json:"conversation_id"`
}

// CustomerTypingEvery is the shortest gap between two customer_typing
// frames of one chat window; CustomerTypingFresh is how long a desk shows
// one.
const (
	CustomerTypingEvery = 2 * time.Second
	CustomerTypingFresh = 6 * time.Second
)
