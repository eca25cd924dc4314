package client

import (
	"context"

	"github.com/agentdesk/agentdesk/protocol"
)

// Presence says who has a conversation open right now (a presence frame).
// Ephemeral like DraftDelta: no seq, not replayed; after a reconnect the
// server sends the current state again.
type Presence struct{ protocol.Presence }

// TeamStats is a team_stats frame: the floor aggregates the server pushes
// to a lead desk that asked for the team board (TeamBoard).
type TeamStats struct{ protocol.TeamStats }

// CustomerTyping says the customer of a conversation this desk has open
// is writing (a customer_typing frame). Ephemeral like Presence.
type CustomerTyping struct{ protocol.CustomerTyping }

func (Presence) isUpdate()       {}
func (TeamStats) isUpdate()      {}
func (CustomerTyping) isUpdate() {}

// Drain moves every open conversation of an agent elsewhere (lead, admin).
func (c *Client) Drain(ctx context.Context, req protocol.DrainReq) (protocol.DrainAck, error) {
	var ack protocol.DrainAck
	err := c.Do(ctx, protocol.ReqDrain, req, &ack)
	return ack, err
}

// Takeover makes the caller the owner of a conversation (lead, admin).
func (c *Client) Takeover(ctx context.Context, req protocol.TakeoverReq) (protocol.Conversation, error) {
	var ack protocol.ConversationAck
	err := c.Do(ctx, protocol.ReqTakeover, req, &ack)
	return ack.Conversation, err
}

// TeamBoard fetches the floor aggregates and subscribes this connection to
// team_stats pushes (lead, admin). dayStart is the desk's local midnight.
func (c *Client) TeamBoard(ctx context.Context, dayStart int64) (protocol.TeamStats, error) {
	var st protocol.TeamStats
	err := c.Do(ctx, protocol.ReqTeamBoard, protocol.TeamBoardReq{DayStart: dayStart}, &st)
	return st, err
}

// Viewing tells the server which conversation is on screen ("" for none).
func (c *Client) Viewing(ctx context.Context, conversationID string) (protocol.Presence, error) {
	var ack protocol.ViewingAck
	err := c.Do(ctx, protocol.ReqViewing, protocol.ViewingReq{ConversationID: conversationID}, &ack)
	return ack.Presence, err
}
