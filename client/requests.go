package client

import (
	"context"
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

// Typed helpers for every request kind. Each is Do with the request's data
// and ack types from the protocol package; errors are as for Do.

// Claim takes an unassigned conversation; a non-zero version must match
// (compare-and-set), else the server answers conflict.
func (c *Client) Claim(ctx context.Context, conversationID string, version int64) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqClaim, protocol.ClaimReq{ConversationID: conversationID, Version: version}, &ack)
	return ack.Conversation, err
}

// Next takes the highest-priority unassigned conversation (of team, if set).
// An empty queue is not_found; being at capacity is conflict.
func (c *Client) Next(ctx context.Context, team string) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqNext, protocol.NextReq{Team: team}, &ack)
	return ack.Conversation, err
}

// Release puts an owned conversation back in the queue.
func (c *Client) Release(ctx context.Context, conversationID string) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqRelease, protocol.ConversationReq{ConversationID: conversationID}, &ack)
	return ack.Conversation, err
}

// Send replies to the customer.
func (c *Client) Send(ctx context.Context, conversationID, text string) (protocol.MessageAck, error) {
	var ack protocol.MessageAck
	err := c.Do(ctx, protocol.ReqSend, protocol.TextReq{ConversationID: conversationID, Text: text}, &ack)
	return ack, err
}

// Note writes an internal note, visible to staff only.
func (c *Client) Note(ctx context.Context, conversationID, text string) (protocol.MessageAck, error) {
	var ack protocol.MessageAck
	err := c.Do(ctx, protocol.ReqNote, protocol.TextReq{ConversationID: conversationID, Text: text}, &ack)
	return ack, err
}

// Transfer hands an owned conversation to an agent or a team queue.
func (c *Client) Transfer(ctx context.Context, req protocol.TransferReq) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqTransfer, req, &ack)
	return ack.Conversation, err
}

// Reassign moves conversations (lead, admin); the ack has one result each.
func (c *Client) Reassign(ctx context.Context, req protocol.ReassignReq) (protocol.ReassignAck, error) {
	var ack protocol.ReassignAck
	err := c.Do(ctx, protocol.ReqReassign, req, &ack)
	return ack, err
}

// Resolve closes a conversation with a disposition.
func (c *Client) Resolve(ctx context.Context, conversationID, disposition string) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqResolve, protocol.ResolveReq{ConversationID: conversationID, Disposition: disposition}, &ack)
	return ack.Conversation, err
}

// Snooze parks an owned conversation for some minutes.
func (c *Client) Snooze(ctx context.Context, conversationID string, minutes int) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqSnooze, protocol.SnoozeReq{ConversationID: conversationID, Minutes: minutes}, &ack)
	return ack.Conversation, err
}

// SetStatus sets presence; an empty agentID means oneself.
func (c *Client) SetStatus(ctx context.Context, agentID, status string) (protocol.Agent, error) {
	var ack protocol.AgentAck
	err := c.Do(ctx, protocol.ReqSetStatus, protocol.SetStatusReq{AgentID: agentID, Status: status}, &ack)
	return ack.Agent, err
}

// SetCapacity sets how many conversations an agent takes at once (lead, admin).
func (c *Client) SetCapacity(ctx context.Context, agentID string, capacity int) (protocol.Agent, error) {
	var ack protocol.AgentAck
	err := c.Do(ctx, protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: agentID, Capacity: capacity}, &ack)
	return ack.Agent, err
}

// RecordOutcome records a draft outcome now, failing if offline. The desk
// should prefer EnqueueOutcome, which cannot lose it. An empty
// IdempotencyKey is filled in.
func (c *Client) RecordOutcome(ctx context.Context, req protocol.OutcomeReq) (protocol.OutcomeAck, error) {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = newID("k")
	}
	var ack protocol.OutcomeAck
	err := c.Do(ctx, protocol.ReqOutcome, req, &ack)
	return ack, err
}

// EnqueueOutcome puts a draft outcome in the durable outbox (see Enqueue).
// An empty IdempotencyKey is filled in once, before it is stored, so every
// resend carries the same key.
func (c *Client) EnqueueOutcome(req protocol.OutcomeReq) (string, error) {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = newID("k")
	}
	return c.Enqueue(protocol.ReqOutcome, req)
}

// GetConversation fetches a conversation with its whole transcript and
// drafts, page by page (the server answers at most a page per request):
// the newest page first, then older ones until the first message.
func (c *Client) GetConversation(ctx context.Context, conversationID string) (protocol.ConversationDetail, error) {
	d, err := c.GetConversationPage(ctx, conversationID, 0, protocol.MaxTranscriptPage)
	for err == nil && d.More && len(d.Messages) > 0 {
		var older protocol.ConversationDetail
		older, err = c.GetConversationPage(ctx, conversationID, d.Messages[0].Seq, protocol.MaxTranscriptPage)
		if err == nil && len(older.Messages) > 0 && older.Messages[len(older.Messages)-1].Seq >= d.Messages[0].Seq {
			return d, fmt.Errorf("get_conversation %s: the server's pages do not go back in seq", conversationID)
		}
		d.Messages = append(older.Messages, d.Messages...)
		d.More = older.More
	}
	return d, err
}

// GetConversationPage fetches a conversation with one page of its
// transcript: the newest limit messages with seq below before (0: the
// newest page). More in the answer says older messages exist.
func (c *Client) GetConversationPage(ctx context.Context, conversationID string, before, limit int) (protocol.ConversationDetail, error) {
	var ack protocol.ConversationDetail
	err := c.Do(ctx, protocol.ReqGetConversation, protocol.GetConversationReq{ConversationID: conversationID, BeforeSeq: before, Limit: limit}, &ack)
	return ack, err
}

// Regenerate asks the copilot for a new draft of a conversation, steered by
// an optional instruction ("shorter", "more formal", "answer in English").
// The ack only says it was queued: the draft arrives later as a
// draft.updated event, and earlier open drafts become superseded. A server
// without a copilot answers unavailable; someone else's conversation is
// forbidden; a resolved or bot-handled one is conflict.
func (c *Client) Regenerate(ctx context.Context, conversationID, instruction string) (protocol.RegenerateAck, error) {
	var ack protocol.RegenerateAck
	err := c.Do(ctx, protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: conversationID, Instruction: instruction}, &ack)
	return ack, err
}
