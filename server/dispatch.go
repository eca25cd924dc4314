package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// allowed maps each request type to the roles that may send it. The store
// checks assignment (own conversation or privileged) on top of this.
var allowed = map[string][]string{
	protocol.ReqClaim:           {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqNext:            {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqRelease:         {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqSend:            {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqNote:            {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqTransfer:        {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqReassign:        {protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqResolve:         {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqSnooze:          {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqSetStatus:       {protocol.RoleAgent, protocol.RoleLead, protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqSetCapacity:     {protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqOutcome:         {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqGetConversation: {protocol.RoleAgent, protocol.RoleLead, protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqRegenerate:      {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqDrain:           {protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqTakeover:        {protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqTeamBoard:       {protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqViewing:         {protocol.RoleAgent, protocol.RoleLead, protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqTyping:          {protocol.RoleAgent, protocol.RoleLead, protocol.RoleAdmin},
	// Trainer review (review.go): leads may read the stream and metrics.
	protocol.ReqReviewList:    {protocol.RoleTrainer, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqReviewGet:     {protocol.RoleTrainer, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqReviewMetrics: {protocol.RoleTrainer, protocol.RoleLead, protocol.RoleAdmin},
	protocol.ReqLabel:         {protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqPromote:       {protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqExport:        {protocol.RoleTrainer, protocol.RoleAdmin},
	protocol.ReqKBReload:      {protocol.RoleTrainer, protocol.RoleAdmin},
}

func roleAllowed(reqType, role string) bool {
	for _, r := range allowed[reqType] {
		if r == role {
			return true
		}
	}
	return false
}

// handle runs one decoded request as actor and returns the ack data.
func (s *Server) handle(ctx context.Context, actor store.Actor, f protocol.Frame) (json.RawMessage, error) {
	if !roleAllowed(f.Type, actor.Role) {
		return nil, protocol.Errorf(protocol.CodeForbidden, "role %s may not %s", actor.Role, f.Type)
	}
	if protocol.Mutating(f.Type) {
		ctx = store.WithRequestHash(ctx, f.Type, f.Data)
	}
	if b, ok, err := s.handleReview(ctx, actor, f); ok {
		return b, err
	}
	apply := func(fn func(tx *store.Tx) (any, error)) (json.RawMessage, error) {
		return s.store.Apply(ctx, actor, f.ID, fn)
	}
	switch f.Type {
	case protocol.ReqClaim:
		var r protocol.ClaimReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Claim(actor, r.ConversationID, r.Version)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqNext:
		var r protocol.NextReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Next(actor, r.Team)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqRelease:
		var r protocol.ConversationReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Release(actor, r.ConversationID)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqSend, protocol.ReqNote:
		var r protocol.TextReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			write := tx.SendWith
			if f.Type == protocol.ReqNote {
				write = tx.NoteWith
			}
			m, c, err := write(actor, r.ConversationID, r.Text, r.Attachments)
			return protocol.MessageAck{Message: m, Conversation: c}, err
		})
	case protocol.ReqTransfer:
		var r protocol.TransferReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Transfer(actor, r.ConversationID, r.ToAgent, r.ToTeam, r.Note)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqReassign:
		var r protocol.ReassignReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			res, err := tx.Reassign(actor, r)
			return protocol.ReassignAck{Results: res}, err
		})
	case protocol.ReqResolve:
		var r protocol.ResolveReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Resolve(actor, r.ConversationID, r.Disposition)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqSnooze:
		var r protocol.SnoozeReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			c, err := tx.Snooze(actor, r.ConversationID, r.Minutes)
			return protocol.ConversationAck{Conversation: c}, err
		})
	case protocol.ReqSetStatus:
		var r protocol.SetStatusReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			a, err := tx.SetStatus(actor, r.AgentID, r.Status)
			return protocol.AgentAck{Agent: a}, err
		})
	case protocol.ReqSetCapacity:
		var r protocol.SetCapacityReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) {
			a, err := tx.SetCapacity(actor, r.AgentID, r.Capacity)
			return protocol.AgentAck{Agent: a}, err
		})
	case protocol.ReqOutcome:
		var r protocol.OutcomeReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return apply(func(tx *store.Tx) (any, error) { return tx.RecordOutcome(actor, r) })
	case protocol.ReqGetConversation:
		var r protocol.GetConversationReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return s.getConversation(ctx, actor, r) // transcript.go
	case protocol.ReqRegenerate:
		var r protocol.RegenerateReq
		if err := protocol.DecodeData(f.Data, &r); err != nil {
			return nil, err
		}
		return s.regenerate(ctx, actor, r)
	case protocol.ReqDrain, protocol.ReqTakeover:
		return s.handleTeam(ctx, actor, f) // team.go
	}
	return nil, protocol.Errorf(protocol.CodeInvalid, "unknown request type %q", f.Type)
}

// regenerate queues a new draft for a conversation the actor may work on
// (their own, a queued one, or any for leads).
func (s *Server) regenerate(ctx context.Context, actor store.Actor, r protocol.RegenerateReq) (json.RawMessage, error) {
	if s.enricher == nil {
		return nil, protocol.Errorf(protocol.CodeUnavailable, "this server has no copilot configured")
	}
	c, err := s.store.Conversation(ctx, r.ConversationID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Status == protocol.ConvResolved || c.Status == protocol.ConvBot:
		return nil, protocol.Errorf(protocol.CodeConflict, "conversation %s is %s", c.ID, c.Status)
	case !actor.Privileged() && c.Assignee != "" && c.Assignee != actor.ID:
		return nil, protocol.Errorf(protocol.CodeForbidden, "conversation %s is assigned to %s", c.ID, c.Assignee)
	}
	if wait, ok := s.regen.allow(actor.ID, c.ID, time.Now()); !ok {
		return nil, &retryError{protocol.Errorf(protocol.CodeRateLimited, "regenerating too often: retry in %d ms", wait.Milliseconds()), wait}
	}
	s.enricher.mark(c.ID, job{draft: true, instruction: r.Instruction})
	return json.Marshal(protocol.RegenerateAck{Queued: true})
}
