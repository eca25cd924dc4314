package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// Drain moves every open conversation of an agent elsewhere in this one
// transaction (leads and admins): to the least-loaded of req.ToAgents, to
// req.ToTeam's queue, or back to each chat's own team queue. Priority,
// team (unless a target team is given) and history stay; each chat moves
// exactly once and gets one conversation.updated event (cause reassigned,
// from = the drained agent). With req.Status the agent is set away or
// offline first, so nothing new is routed to them meanwhile.
func (tx *Tx) Drain(actor Actor, req protocol.DrainReq) (protocol.DrainAck, error) {
	var ack protocol.DrainAck
	if !protocol.MayRequest(actor.Role, protocol.ReqDrain) {
		return ack, protocol.Errorf(protocol.CodeForbidden, "only leads and admins can drain an agent")
	}
	if _, err := tx.agent(req.AgentID); err != nil {
		return ack, err
	}
	type target struct {
		agent protocol.Agent
		order int
	}
	targets := make([]*target, 0, len(req.ToAgents))
	seen := map[string]bool{}
	for i, id := range req.ToAgents {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := tx.agent(id)
		if err != nil {
			return ack, err
		}
		if !protocol.MayRequest(a.Role, protocol.ReqClaim) {
			return ack, protocol.Errorf(protocol.CodeInvalid, "%s is a trainer and cannot take conversations", id)
		}
		targets = append(targets, &target{agent: a, order: i})
	}
	if req.Status != "" {
		if _, err := tx.SetStatus(actor, req.AgentID, req.Status); err != nil {
			return ack, err
		}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id FROM conversations WHERE assignee = ? AND status IN ('assigned', 'snoozed')
		ORDER BY priority DESC, escalated_at ASC, id ASC`, req.AgentID)
	if err != nil {
		return ack, fmt.Errorf("drain %s: %w", req.AgentID, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return ack, fmt.Errorf("drain %s: %w", req.AgentID, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ack, fmt.Errorf("drain %s: %w", req.AgentID, err)
	}
	ack.Results = make([]protocol.ReassignResult, 0, len(ids))
	for _, id := range ids {
		c, err := tx.conversation(id)
		if err != nil {
			return ack, err
		}
		toAgent := ""
		var pick *target
		for _, t := range targets {
			if pick == nil || fuller(pick.agent, t.agent) {
				pick = t
			}
		}
		if pick != nil {
			toAgent = pick.agent.ID
		}
		r := protocol.ReassignResult{ConversationID: id}
		if err := tx.moveTo(actor, &c, toAgent, req.ToTeam, req.Note, protocol.CauseReassigned, "drain"); err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				return ack, err
			}
			r.Error = pe
		} else {
			r.OK = true
			r.Conversation = &c
			if pick != nil {
				pick.agent.Load++
			}
		}
		ack.Results = append(ack.Results, r)
	}
	var err2 error
	if ack.Agent, err2 = tx.agent(req.AgentID); err2 != nil {
		return ack, err2
	}
	return ack, tx.audit(actor.ID, "drain", "", map[string]any{
		"agent": req.AgentID, "moved": len(ids), "to_agents": req.ToAgents, "to_team": req.ToTeam, "status": req.Status,
	})
}

// fuller reports whether a is more loaded than b for their capacity, so a
// drain hands the next chat to b. Capacity 0 counts as unlimited.
func fuller(a, b protocol.Agent) bool {
	ra, rb := ratio(a), ratio(b)
	if ra != rb {
		return ra > rb
	}
	return a.Load > b.Load
}

func ratio(a protocol.Agent) float64 {
	if a.Capacity <= 0 {
		return 0
	}
	return float64(a.Load) / float64(a.Capacity)
}

// Takeover makes actor (a lead or admin) the owner of an open
// conversation, queued or someone else's. Priority and history stay.
func (tx *Tx) Takeover(actor Actor, req protocol.TakeoverReq) (protocol.Conversation, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqTakeover) {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeForbidden, "only leads and admins can take over a conversation")
	}
	c, err := tx.loadOpen(req.ConversationID)
	if err != nil {
		return c, err
	}
	if req.Version > 0 && req.Version != c.Version {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s changed (version %d, you saw %d)", c.ID, c.Version, req.Version)
	}
	if c.Assignee == actor.ID && c.Status != protocol.ConvQueued {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is already yours", c.ID)
	}
	return c, tx.moveTo(actor, &c, actor.ID, "", strings.TrimSpace(req.Note), protocol.CauseReassigned, "takeover")
}
