package server

import (
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// ChannelMessage is a customer (or bot) message from a channel built into
// the server — e-mail, the web widget — posted through the same path as
// POST /v1/api/messages: the same validation, idempotency on (channel,
// MessageID), customer lookup and escalation rules.
type ChannelMessage struct {
	MessageID      string // the channel's own id; unique per channel
	ConversationID string // or Channel + ExternalID
	Channel        string
	ExternalID     string
	CustomerName   string
	Author         string // protocol.AuthorCustomer (default) or AuthorBot
	AuthorName     string
	Text           string
	Subject        string
	Language       string
	Attachments    []string // upload ids owned by Owner
	Owner          string
	// QueueReason, when set, queues a conversation still with the bot for
	// people with this reason even if no escalation rule fired: for
	// channels no bot answers (e-mail, unless the bot goes first).
	QueueReason protocol.Reason
}

// ChannelResult is what posting did.
type ChannelResult struct {
	Message      protocol.Message
	Conversation protocol.Conversation
	Escalated    bool
	Duplicate    bool // the MessageID was seen before; nothing changed
}

// PostMessage posts m inside tx (the caller's transaction, so the caller can
// record its own state — a mailbox watermark — atomically with it).
func (s *Server) PostMessage(tx *store.Tx, m ChannelMessage) (ChannelResult, error) {
	req := messageReq{APIMessageReq: protocol.APIMessageReq{MessageID: m.MessageID, ConversationID: m.ConversationID,
		Channel: m.Channel, ExternalID: m.ExternalID, CustomerName: m.CustomerName, Author: m.Author, AuthorName: m.AuthorName,
		Text: m.Text, Subject: m.Subject, Language: m.Language, Attachments: m.Attachments}, owner: m.Owner}
	if err := s.ch.validateMessage(&req); err != nil {
		return ChannelResult{}, err
	}
	ans, err := s.ch.addMessage(tx, req, nil)
	if err == nil && !ans.Duplicate && m.QueueReason != "" && ans.Conversation.Status == protocol.ConvBot {
		// The rules still set flags (angry, legal threat) and so the priority.
		v := s.ch.rules.Evaluate(Turn{Text: m.Text, VIP: ans.Conversation.VIP}, s.ch.cfg.Sentiment)
		e := protocol.Escalation{Reason: m.QueueReason, Evidence: "no bot answers on " + ans.Conversation.Channel,
			Facts: &protocol.EvidenceFacts{Kind: protocol.EvidenceNoBot, Channel: ans.Conversation.Channel}}
		ans.Conversation, err = s.ch.escalate(tx, ans.Conversation, e, v.Flags, v.Sentiment, v.Score)
		ans.Escalated = err == nil
	}
	return ChannelResult{Message: ans.Message, Conversation: ans.Conversation, Escalated: ans.Escalated, Duplicate: ans.Duplicate}, err
}
