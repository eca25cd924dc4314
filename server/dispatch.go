package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Every websocket request goes through one table: request type → a typed
// handler. Who may send it, whether it changes state and whether the
// connection answers it itself are protocol's (protocol.AccessOf), checked
// here before the data is read; the store checks the finer rules (own
// conversation, or a lead) again as defence. A handler is built by one of
// three generic wrappers that decode the data strictly into the request's
// type, run it and encode the ack:
//
//   - inTx: a write in one store transaction, idempotent on (actor,
//     request id) — the store keeps the first answer;
//   - answer: anything else that runs on the server (reads, the copilot);
//   - onConn: the requests that concern the connection itself.

// request is one request being answered.
type request struct {
	srv   *Server
	conn  *conn
	actor store.Actor
	id    string // the frame's id
}

// apply runs fn as the request's store transaction (store.Apply).
func (rq *request) apply(ctx context.Context, fn func(tx *store.Tx) (any, error)) (json.RawMessage, error) {
	return rq.srv.store.Apply(ctx, rq.actor, rq.id, fn)
}

// route answers one request type.
type route struct {
	local bool // built by onConn; must agree with protocol.Access.Local
	run   func(ctx context.Context, rq *request, data json.RawMessage) (json.RawMessage, error)
}

// decoded decodes the data into R (strictly, validated) before fn.
func decoded[R any](fn func(ctx context.Context, rq *request, r R) (json.RawMessage, error)) func(context.Context, *request, json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, rq *request, data json.RawMessage) (json.RawMessage, error) {
		var r R
		if err := protocol.DecodeData(data, &r); err != nil {
			return nil, err
		}
		return fn(ctx, rq, r)
	}
}

// encode marshals an ack; a json.RawMessage is already one.
func encode[A any](typ string, a A) (json.RawMessage, error) {
	if raw, ok := any(a).(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	return b, nil
}

// inTx is a request whose work is one store transaction.
func inTx[R, A any](fn func(tx *store.Tx, actor store.Actor, r R) (A, error)) route {
	return route{run: decoded(func(ctx context.Context, rq *request, r R) (json.RawMessage, error) {
		return rq.apply(ctx, func(tx *store.Tx) (any, error) { return fn(tx, rq.actor, r) })
	})}
}

// answer is a request the server answers by other means than one
// transaction (reads, the copilot, files and a transaction).
func answer[R, A any](typ string, fn func(ctx context.Context, rq *request, r R) (A, error)) route {
	return route{run: decoded(func(ctx context.Context, rq *request, r R) (json.RawMessage, error) {
		a, err := fn(ctx, rq, r)
		if err != nil {
			return nil, err
		}
		return encode(typ, a)
	})}
}

// onConn is a request the connection answers itself.
func onConn[R, A any](typ string, fn func(c *conn, ctx context.Context, r R) (A, error)) route {
	rt := answer(typ, func(ctx context.Context, rq *request, r R) (A, error) { return fn(rq.conn, ctx, r) })
	rt.local = true
	return rt
}

// conversationAck wraps a transaction that changes one conversation.
func conversationAck[R any](fn func(tx *store.Tx, actor store.Actor, r R) (protocol.Conversation, error)) route {
	return inTx(func(tx *store.Tx, actor store.Actor, r R) (protocol.ConversationAck, error) {
		c, err := fn(tx, actor, r)
		return protocol.ConversationAck{Conversation: c}, err
	})
}

func agentAck(a protocol.Agent, err error) (protocol.AgentAck, error) {
	return protocol.AgentAck{Agent: a}, err
}

func messageAck(m protocol.Message, c protocol.Conversation, err error) (protocol.MessageAck, error) {
	return protocol.MessageAck{Message: m, Conversation: c}, err
}

// routes is the table. TestRoutesCoverProtocol checks it has every request
// type of protocol and nothing else.
var routes = map[string]route{
	protocol.ReqClaim: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.ClaimReq) (protocol.Conversation, error) {
		return tx.Claim(a, r.ConversationID, r.Version)
	}),
	protocol.ReqNext: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.NextReq) (protocol.Conversation, error) {
		return tx.Next(a, r.Team)
	}),
	protocol.ReqRelease: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.ConversationReq) (protocol.Conversation, error) {
		return tx.Release(a, r.ConversationID)
	}),
	protocol.ReqSend: inTx(func(tx *store.Tx, a store.Actor, r protocol.TextReq) (protocol.MessageAck, error) {
		return messageAck(tx.SendWith(a, r))
	}),
	protocol.ReqNote: inTx(func(tx *store.Tx, a store.Actor, r protocol.TextReq) (protocol.MessageAck, error) {
		return messageAck(tx.NoteWith(a, r))
	}),
	protocol.ReqTransfer: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.TransferReq) (protocol.Conversation, error) {
		return tx.Transfer(a, r.ConversationID, r.ToAgent, r.ToTeam, r.Note)
	}),
	protocol.ReqReassign: inTx(func(tx *store.Tx, a store.Actor, r protocol.ReassignReq) (protocol.ReassignAck, error) {
		res, err := tx.Reassign(a, r)
		return protocol.ReassignAck{Results: res}, err
	}),
	protocol.ReqResolve: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.ResolveReq) (protocol.Conversation, error) {
		return tx.Resolve(a, r.ConversationID, r.Disposition)
	}),
	protocol.ReqSnooze: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.SnoozeReq) (protocol.Conversation, error) {
		return tx.Snooze(a, r.ConversationID, r.Minutes)
	}),
	protocol.ReqSetStatus: inTx(func(tx *store.Tx, a store.Actor, r protocol.SetStatusReq) (protocol.AgentAck, error) {
		return agentAck(tx.SetStatus(a, r.AgentID, r.Status))
	}),
	protocol.ReqSetCapacity: inTx(func(tx *store.Tx, a store.Actor, r protocol.SetCapacityReq) (protocol.AgentAck, error) {
		return agentAck(tx.SetCapacity(a, r.AgentID, r.Capacity))
	}),
	protocol.ReqOutcome: inTx(func(tx *store.Tx, a store.Actor, r protocol.OutcomeReq) (protocol.OutcomeAck, error) {
		return tx.RecordOutcome(a, r)
	}),
	protocol.ReqTakeover: conversationAck(func(tx *store.Tx, a store.Actor, r protocol.TakeoverReq) (protocol.Conversation, error) {
		return tx.Takeover(a, r)
	}),
	protocol.ReqLabel: inTx(func(tx *store.Tx, a store.Actor, r protocol.LabelReq) (protocol.LabelAck, error) {
		l, err := tx.SetLabel(a, r)
		return protocol.LabelAck{Label: l}, err
	}),
	protocol.ReqDrain: answer(protocol.ReqDrain, func(ctx context.Context, rq *request, r protocol.DrainReq) (json.RawMessage, error) {
		return rq.srv.drain(ctx, rq, r) // team.go
	}),
	protocol.ReqGetConversation: answer(protocol.ReqGetConversation, func(ctx context.Context, rq *request, r protocol.GetConversationReq) (json.RawMessage, error) {
		return rq.srv.getConversation(ctx, rq.actor, r) // transcript.go
	}),
	protocol.ReqRegenerate: answer(protocol.ReqRegenerate, func(ctx context.Context, rq *request, r protocol.RegenerateReq) (json.RawMessage, error) {
		return rq.srv.regenerate(ctx, rq.actor, r)
	}),
	// Trainer review (review.go).
	protocol.ReqReviewList: answer(protocol.ReqReviewList, func(ctx context.Context, rq *request, r protocol.ReviewListReq) (protocol.ReviewListAck, error) {
		return rq.srv.store.ReviewList(ctx, r)
	}),
	protocol.ReqReviewGet: answer(protocol.ReqReviewGet, func(ctx context.Context, rq *request, r protocol.OutcomeRef) (protocol.ReviewDetail, error) {
		return rq.srv.store.ReviewDetail(ctx, r.OutcomeID)
	}),
	protocol.ReqReviewMetrics: answer(protocol.ReqReviewMetrics, func(ctx context.Context, rq *request, r protocol.ReviewMetricsReq) (protocol.ReviewMetrics, error) {
		return rq.srv.store.ReviewMetrics(ctx, r)
	}),
	protocol.ReqExport: answer(protocol.ReqExport, func(ctx context.Context, rq *request, r protocol.ExportReq) (protocol.ExportAck, error) {
		return rq.srv.export(ctx, rq.actor, r)
	}),
	protocol.ReqPromote: answer(protocol.ReqPromote, func(ctx context.Context, rq *request, r protocol.PromoteReq) (json.RawMessage, error) {
		return rq.srv.promote(ctx, rq, r)
	}),
	protocol.ReqKBReload: answer(protocol.ReqKBReload, func(ctx context.Context, rq *request, _ protocol.KBReloadReq) (protocol.KBReloadAck, error) {
		return rq.srv.kbReload(ctx, rq.actor)
	}),
	// The connection's own (team.go, widget.go).
	protocol.ReqViewing:   onConn(protocol.ReqViewing, (*conn).viewing),
	protocol.ReqTeamBoard: onConn(protocol.ReqTeamBoard, (*conn).teamBoard),
	protocol.ReqTyping:    onConn(protocol.ReqTyping, (*conn).typing),
}

// serve answers one decoded request frame from c: admitted by protocol's
// role table, then its route.
func (c *conn) serve(ctx context.Context, f protocol.Frame) (json.RawMessage, error) {
	rt, ok := routes[f.Type]
	if !ok {
		return nil, protocol.Errorf(protocol.CodeInvalid, "unknown request type %q", f.Type)
	}
	if !protocol.MayRequest(c.actor.Role, f.Type) {
		return nil, protocol.Errorf(protocol.CodeForbidden, "role %s may not %s", c.actor.Role, f.Type)
	}
	if protocol.Mutating(f.Type) {
		ctx = store.WithRequestHash(ctx, f.Type, f.Data)
	}
	return rt.run(ctx, &request{srv: c.srv, conn: c, actor: c.actor, id: f.ID}, f.Data)
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
