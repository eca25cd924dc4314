package protocol

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

func init() {
	knownRequests[ReqTyping] = true
	nonMutating[ReqTyping] = true
}
