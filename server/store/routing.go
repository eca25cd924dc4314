package store

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// Routing configures automatic assignment (docs/routing.md). It runs inside
// the write transaction that put a conversation in the queue or changed an
// agent (status, capacity, load), so a queued conversation and a free agent
// never coexist after a commit, and it is serialised with claims like every
// other write.
type Routing struct {
	// AutoAssign gives queued conversations to online agents with free
	// capacity. Off, agents only pull (claim, next).
	AutoAssign bool
	// Holdoff is how long an agent who let a conversation go (released,
	// transferred or reassigned it away, or lost it to the return timer) is
	// passed over for that conversation [10m].
	Holdoff time.Duration
	// Present reports whether an agent has a desk connected; an agent whose
	// status says online but who has no desk open receives nothing. Nil
	// counts every agent as present.
	Present func(agentID string) bool
}

// DefaultHoldoff is Routing.Holdoff when none is set.
const DefaultHoldoff = 10 * time.Minute

// SetRouting sets the routing policy; it applies from the next write.
func (s *Store) SetRouting(r Routing) {
	if r.Holdoff <= 0 {
		r.Holdoff = DefaultHoldoff
	}
	s.routing.Store(&r)
}

func (s *Store) routingPolicy() Routing {
	if r := s.routing.Load(); r != nil {
		return *r
	}
	return Routing{Holdoff: DefaultHoldoff}
}

// routeChanged runs auto-assignment, when it is on, at the end of a
// transaction that queued a conversation or changed an agent.
func (tx *Tx) routeChanged() error {
	tx.route = false
	if !tx.s.routingPolicy().AutoAssign {
		return nil
	}
	_, err := tx.AutoAssign()
	return err
}

// markAssigned records that agentID got conversation convID now: the return
// timer of the conversation and the agent's last assignment start here.
func (tx *Tx) markAssigned(convID, agentID string) error {
	if _, err := tx.exec(`UPDATE conversations SET held_since = ? WHERE id = ?`, tx.now, convID); err != nil {
		return fmt.Errorf("mark %s assigned: %w", convID, err)
	}
	if _, err := tx.exec(`UPDATE agents SET last_assigned_at = ? WHERE id = ?`, tx.now, agentID); err != nil {
		return fmt.Errorf("mark %s assigned: %w", agentID, err)
	}
	return nil
}

// markHeld restarts the return timer of an assigned conversation (a
// snoozed conversation woke up).
func (tx *Tx) markHeld(convID string) error {
	if _, err := tx.exec(`UPDATE conversations SET held_since = ? WHERE id = ?`, tx.now, convID); err != nil {
		return fmt.Errorf("mark %s held: %w", convID, err)
	}
	return nil
}

// markUnassigned records that from let conversation convID go: automatic
// assignment passes them over for it for the hold-off.
func (tx *Tx) markUnassigned(convID, from string) error {
	q, args := `UPDATE conversations SET held_since = 0 WHERE id = ?`, []any{convID}
	if from != "" {
		q = `UPDATE conversations SET held_since = 0, route_skip = ?, route_skip_until = ? WHERE id = ?`
		args = []any{from, tx.now + tx.s.routingPolicy().Holdoff.Milliseconds(), convID}
	}
	if _, err := tx.exec(q, args...); err != nil {
		return fmt.Errorf("mark %s unassigned: %w", convID, err)
	}
	return nil
}

// routable is an agent that may receive conversations automatically.
type routable struct {
	id, team       string
	load, capacity int
	lastAssigned   int64
}

// routableAgents are the online agents and leads with a desk open and a
// capacity above zero, full or not.
func (tx *Tx) routableAgents(present func(string) bool) ([]*routable, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT a.id, a.team, a.capacity, a.last_assigned_at,
		(SELECT COUNT(*) FROM conversations c WHERE c.assignee = a.id AND c.status IN ('assigned', 'snoozed'))
		FROM agents a WHERE a.status = 'online' AND a.role IN ('agent', 'lead') AND a.capacity > 0`)
	if err != nil {
		return nil, fmt.Errorf("find routable agents: %w", err)
	}
	var all []*routable
	for rows.Next() {
		var r routable
		if err := rows.Scan(&r.id, &r.team, &r.capacity, &r.lastAssigned, &r.load); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find routable agents: %w", err)
		}
		all = append(all, &r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find routable agents: %w", err)
	}
	if present == nil || len(all) == 0 {
		return all, nil
	}
	remote, err := tx.remotePresent() // desks on other replicas (PostgreSQL)
	if err != nil {
		return nil, err
	}
	var out []*routable
	for _, r := range all {
		if present(r.id) || remote[r.id] {
			out = append(out, r)
		}
	}
	return out, nil
}

type queuedConv struct {
	id, team, skip string
	skipUntil      int64
}

// AutoAssign gives queued conversations, highest priority and longest
// waiting first, to routable agents with free capacity (load < capacity):
// the least loaded, then the one whose last assignment is oldest. A
// conversation with a team waits for that team while one of its members is
// routable; otherwise anyone may take it. The agent who last let a
// conversation go is passed over for it during the hold-off. Each
// assignment is a conversation.updated event with cause assigned.
func (tx *Tx) AutoAssign() ([]protocol.Conversation, error) {
	policy := tx.s.routingPolicy()
	agents, err := tx.routableAgents(policy.Present)
	if err != nil || len(agents) == 0 {
		return nil, err
	}
	free := func() bool {
		return slices.ContainsFunc(agents, func(a *routable) bool { return a.load < a.capacity })
	}
	if !free() {
		return nil, nil
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, team, route_skip, route_skip_until FROM conversations
		WHERE status = 'queued' ORDER BY priority DESC, escalated_at ASC, id ASC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("auto-assign: read queue: %w", err)
	}
	var queue []queuedConv
	for rows.Next() {
		var q queuedConv
		if err := rows.Scan(&q.id, &q.team, &q.skip, &q.skipUntil); err != nil {
			rows.Close()
			return nil, fmt.Errorf("auto-assign: read queue: %w", err)
		}
		queue = append(queue, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auto-assign: read queue: %w", err)
	}
	var out []protocol.Conversation
	for _, q := range queue {
		pick := pickAgent(agents, q, tx.now)
		if pick == nil {
			continue
		}
		c, err := tx.conversation(q.id)
		if err != nil {
			return out, err
		}
		detail := map[string]any{"agent": pick.id, "load": pick.load, "capacity": pick.capacity}
		if err := tx.assign(&c, pick.id, protocol.CauseAssigned, "", "auto_assign", detail); err != nil {
			return out, err
		}
		pick.load++
		pick.lastAssigned = tx.now
		out = append(out, c)
		if !free() {
			break
		}
	}
	tx.route = false // the agent events emitted above need no second pass
	return out, nil
}

// pickAgent chooses the agent for one queued conversation, or nil.
func pickAgent(agents []*routable, q queuedConv, now int64) *routable {
	skipped := func(a *routable) bool { return a.id == q.skip && q.skipUntil > now }
	team := ""
	if q.team != "" && slices.ContainsFunc(agents, func(a *routable) bool { return a.team == q.team && !skipped(a) }) {
		team = q.team // the team is here: the conversation waits for it
	}
	var best *routable
	for _, a := range agents {
		if a.load >= a.capacity || skipped(a) || (team != "" && a.team != team) {
			continue
		}
		if best == nil || cmp.Or(cmp.Compare(a.load, best.load), cmp.Compare(a.lastAssigned, best.lastAssigned), cmp.Compare(a.id, best.id)) < 0 {
			best = a
		}
	}
	return best
}

// ReturnUnanswered puts back in the queue every assigned conversation whose
// customer has waited longer than after for the assignee's reply, counting
// from the later of the customer's first unanswered message and the moment
// the assignee got (or woke) the conversation. Priority is kept; the
// assignee is passed over for it during the hold-off. Each is a
// conversation.updated event with cause returned and from = the assignee.
func (tx *Tx) ReturnUnanswered(after time.Duration) ([]protocol.Conversation, error) {
	if after <= 0 {
		return nil, nil
	}
	limit := tx.now - after.Milliseconds()
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT c.id, c.held_since FROM conversations c
		WHERE c.status = 'assigned' AND c.assignee <> '' AND c.held_since > 0 AND c.held_since <= ?
		AND c.last_customer > COALESCE((SELECT MAX(m.seq) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'agent'), 0)
		ORDER BY c.held_since LIMIT 500`, limit)
	if err != nil {
		return nil, fmt.Errorf("find unanswered conversations: %w", err)
	}
	type held struct {
		id    string
		since int64
	}
	var list []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.id, &h.since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find unanswered conversations: %w", err)
		}
		list = append(list, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unanswered conversations: %w", err)
	}
	var out []protocol.Conversation
	for _, h := range list {
		waiting, err := tx.WaitingSince(h.id)
		if err != nil {
			return out, err
		}
		if max(waiting, h.since) > limit {
			continue
		}
		c, err := tx.conversation(h.id)
		if err != nil {
			return out, err
		}
		detail := map[string]any{"from": c.Assignee, "after_minutes": after.Minutes()}
		if err := tx.unassign(&c, "", protocol.CauseReturned, "", "return", detail); err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}
