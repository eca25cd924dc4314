package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

const agentColumns = `a.id, a.name, a.role, a.team, a.status, a.status_since, a.capacity, a.version,
	(SELECT COUNT(*) FROM conversations c WHERE c.assignee = a.id AND c.status IN ('assigned', 'snoozed'))`

func scanAgent(r rowScanner) (protocol.Agent, error) {
	var a protocol.Agent
	err := r.Scan(&a.ID, &a.Name, &a.Role, &a.Team, &a.Status, &a.StatusSince, &a.Capacity, &a.Version, &a.Load)
	return a, err
}

func (tx *Tx) agent(id string) (protocol.Agent, error) {
	a, err := scanAgent(tx.queryRow(`SELECT `+agentColumns+` FROM agents a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, protocol.Errorf(protocol.CodeNotFound, "no agent %s", id)
	}
	if err != nil {
		return a, fmt.Errorf("load agent %s: %w", id, err)
	}
	return a, nil
}

// Agent loads one agent inside the transaction.
func (tx *Tx) Agent(id string) (protocol.Agent, error) { return tx.agent(id) }

// loadChanged emits agent events for agents whose load changed.
func (tx *Tx) loadChanged(ids ...string) error {
	done := map[string]bool{}
	for _, id := range ids {
		if id == "" || done[id] {
			continue
		}
		done[id] = true
		a, err := tx.agent(id)
		if err != nil {
			if protocol.CodeOf(err) == protocol.CodeNotFound {
				continue
			}
			return err
		}
		if err := tx.emit(protocol.EvAgent, "", "", "", protocol.AgentEvent{Cause: "load", Agent: a}); err != nil {
			return err
		}
	}
	return nil
}

var agentIDPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)

// NewAgent describes an account to create.
type NewAgent struct {
	ID       string
	Name     string
	Role     string
	Team     string
	Capacity int
}

// CreateAgent adds an account. The id is a short login name.
func (tx *Tx) CreateAgent(by string, n NewAgent) (protocol.Agent, error) {
	if !agentIDPattern.MatchString(n.ID) {
		return protocol.Agent{}, protocol.Errorf(protocol.CodeInvalid, "agent id %q: use 1-64 letters, digits, '.', '_' or '-'", n.ID)
	}
	if !protocol.ValidRole(n.Role) {
		return protocol.Agent{}, protocol.Errorf(protocol.CodeInvalid, "role %q: must be agent, lead, trainer or admin", n.Role)
	}
	if strings.TrimSpace(n.Name) == "" {
		n.Name = n.ID
	}
	if n.Capacity < 0 || n.Capacity > 100 {
		return protocol.Agent{}, protocol.Errorf(protocol.CodeInvalid, "capacity %d: must be between 0 and 100", n.Capacity)
	}
	if _, err := tx.exec(`INSERT INTO agents(id, name, role, team, status, status_since, capacity, created_at)
		VALUES (?, ?, ?, ?, 'offline', ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		n.ID, n.Name, n.Role, n.Team, tx.now, n.Capacity, tx.now); err != nil {
		return protocol.Agent{}, fmt.Errorf("create agent %s: %w", n.ID, err)
	}
	a, err := tx.agent(n.ID)
	if err != nil {
		return a, err
	}
	if a.Name != n.Name || a.Role != n.Role || a.Team != n.Team {
		return a, protocol.Errorf(protocol.CodeConflict, "agent %s already exists (%s, %s)", n.ID, a.Name, a.Role)
	}
	if err := tx.audit(by, "agent.create", "", map[string]string{"agent": n.ID, "role": n.Role}); err != nil {
		return a, err
	}
	return a, tx.emit(protocol.EvAgent, "", "", by, protocol.AgentEvent{Cause: "created", By: by, Agent: a})
}

// SetStatus sets the status an agent chose. Agents set their own; leads and
// admins anyone's. It shows while the agent has a desk connected; an agent
// without one shows offline (ShowAbsentOffline) and gets the chosen status
// back when a desk connects (DeskConnected).
func (tx *Tx) SetStatus(actor Actor, agentID, status string) (protocol.Agent, error) {
	if agentID == "" {
		agentID = actor.ID
	}
	if agentID != actor.ID && !actor.Privileged() {
		return protocol.Agent{}, protocol.Errorf(protocol.CodeForbidden, "only leads and admins can set another agent's status")
	}
	a, err := tx.agent(agentID)
	if err != nil {
		return a, err
	}
	if _, err := tx.exec(`UPDATE agents SET chosen_status = ? WHERE id = ?`, status, agentID); err != nil {
		return a, fmt.Errorf("set status of %s: %w", agentID, err)
	}
	if a.Status == status {
		return a, nil
	}
	if _, err := tx.exec(`UPDATE agents SET status = ?, status_since = ?, version = version + 1 WHERE id = ?`, status, tx.now, agentID); err != nil {
		return a, fmt.Errorf("set status of %s: %w", agentID, err)
	}
	a.Status, a.StatusSince = status, tx.now
	a.Version++
	if err := tx.audit(actor.ID, "set_status", "", map[string]string{"agent": agentID, "status": status}); err != nil {
		return a, err
	}
	return a, tx.emit(protocol.EvAgent, "", "", actor.ID, protocol.AgentEvent{Cause: "status", By: actor.ID, Agent: a})
}

// Causes of an agent event that presence, not a person, brought about.
const (
	CauseConnected    = "connected"    // a desk connected: the chosen status is back
	CauseDisconnected = "disconnected" // no desk connected any more: offline
)

// DeskConnected is called when one of the agent's desks connects: an agent
// shown offline for want of a desk gets the status they chose back (online
// if they never chose one). An agent who chose offline stays offline.
func (tx *Tx) DeskConnected(agentID string) (protocol.Agent, error) {
	a, err := tx.agent(agentID)
	if err != nil || a.Status != protocol.StatusOffline {
		return a, err
	}
	var chosen string
	if err := tx.queryRow(`SELECT chosen_status FROM agents WHERE id = ?`, agentID).Scan(&chosen); err != nil {
		return a, fmt.Errorf("load chosen status of %s: %w", agentID, err)
	}
	if chosen == "" {
		chosen = protocol.StatusOnline
	}
	if chosen == protocol.StatusOffline {
		return a, nil
	}
	return a, tx.showStatus(&a, chosen, CauseConnected)
}

// ShowAbsentOffline shows as offline every agent not shown offline for
// whom gone reports that no desk is connected (on PostgreSQL, agents with a
// desk on another live replica are never gone). Their chosen status is kept
// for DeskConnected. It returns the agents it changed.
func (tx *Tx) ShowAbsentOffline(gone func(agentID string) bool) ([]protocol.Agent, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id FROM agents WHERE status <> 'offline'`)
	if err != nil {
		return nil, fmt.Errorf("find agents shown present: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find agents shown present: %w", err)
		}
		if gone(id) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	remote, err := tx.remotePresent()
	if err != nil {
		return nil, err
	}
	var out []protocol.Agent
	for _, id := range ids {
		if remote[id] {
			continue
		}
		a, err := tx.agent(id)
		if err != nil {
			return out, err
		}
		if err := tx.showStatus(&a, protocol.StatusOffline, CauseDisconnected); err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// showStatus changes the status shown for a, not the one chosen.
func (tx *Tx) showStatus(a *protocol.Agent, status, cause string) error {
	if _, err := tx.exec(`UPDATE agents SET status = ?, status_since = ?, version = version + 1 WHERE id = ?`, status, tx.now, a.ID); err != nil {
		return fmt.Errorf("show status of %s: %w", a.ID, err)
	}
	a.Status, a.StatusSince = status, tx.now
	a.Version++
	return tx.emit(protocol.EvAgent, "", "", a.ID, protocol.AgentEvent{Cause: cause, By: a.ID, Agent: *a})
}

// SetCapacity sets how many conversations an agent takes at once (leads and admins).
func (tx *Tx) SetCapacity(actor Actor, agentID string, capacity int) (protocol.Agent, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqSetCapacity) {
		return protocol.Agent{}, protocol.Errorf(protocol.CodeForbidden, "only leads and admins can set capacity")
	}
	a, err := tx.agent(agentID)
	if err != nil {
		return a, err
	}
	if _, err := tx.exec(`UPDATE agents SET capacity = ?, version = version + 1 WHERE id = ?`, capacity, agentID); err != nil {
		return a, fmt.Errorf("set capacity of %s: %w", agentID, err)
	}
	a.Capacity = capacity
	a.Version++
	if err := tx.audit(actor.ID, "set_capacity", "", map[string]any{"agent": agentID, "capacity": capacity}); err != nil {
		return a, err
	}
	return a, tx.emit(protocol.EvAgent, "", "", actor.ID, protocol.AgentEvent{Cause: "capacity", By: actor.ID, Agent: a})
}

// RenameAgent changes an agent's display name (the embedded demo names its
// accounts apart: an older demo database named them all "You").
func (tx *Tx) RenameAgent(by, agentID, name string) (protocol.Agent, error) {
	a, err := tx.agent(agentID)
	if err != nil {
		return a, err
	}
	if _, err := tx.exec(`UPDATE agents SET name = ?, version = version + 1 WHERE id = ?`, name, agentID); err != nil {
		return a, fmt.Errorf("rename %s: %w", agentID, err)
	}
	a.Name = name
	a.Version++
	if err := tx.audit(by, "rename_agent", "", map[string]any{"agent": agentID, "name": name}); err != nil {
		return a, err
	}
	return a, tx.emit(protocol.EvAgent, "", "", by, protocol.AgentEvent{Cause: "renamed", By: by, Agent: a})
}

// Token is a bearer token's record; the secret itself is never stored.
type Token struct {
	ID        string
	AgentID   string
	Label     string
	CreatedAt int64
	RevokedAt int64
	LastUsed  int64
	Scope     string // ScopeDesk or ScopeIntegration
}

// tokenPrefix marks agentdesk tokens so they are recognisable in logs and
// secret scanners.
const tokenPrefix = "adk_"

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a new bearer token for an agent and returns its secret
// (shown once) and record.
func (tx *Tx) CreateToken(by, agentID, label string) (string, Token, error) {
	if _, err := tx.agent(agentID); err != nil {
		return "", Token{}, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Token{}, fmt.Errorf("generate token: %w", err)
	}
	secret := tokenPrefix + hex.EncodeToString(raw[:])
	t := Token{ID: NewID("t_"), AgentID: agentID, Label: label, CreatedAt: tx.now, Scope: ScopeDesk}
	if _, err := tx.exec(`INSERT INTO tokens(id, agent_id, hash, label, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.ID, agentID, hashToken(secret), label, tx.now); err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	if err := tx.audit(by, "token.create", "", map[string]string{"agent": agentID, "token": t.ID}); err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// RevokeToken revokes a token by id.
func (tx *Tx) RevokeToken(by, tokenID string) error {
	res, err := tx.exec(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, tx.now, tokenID)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", tokenID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := tx.queryRow(`SELECT COUNT(*) FROM tokens WHERE id = ?`, tokenID).Scan(&exists); err == nil && exists > 0 {
			return protocol.Errorf(protocol.CodeConflict, "token %s is already revoked", tokenID)
		}
		return protocol.Errorf(protocol.CodeNotFound, "no token %s", tokenID)
	}
	tx.OnCommit(func() { tx.s.tokens.forget(tokenID) })
	return tx.audit(by, "token.revoke", "", map[string]string{"token": tokenID})
}

// Authenticate resolves a desk bearer token to its agent and token id.
// Unknown and revoked tokens are CodeUnauthorized; integration tokens
// (channels and bots, see channels.go) are CodeForbidden.
func (s *Store) Authenticate(ctx context.Context, secret string) (protocol.Agent, string, error) {
	return s.authenticate(ctx, secret, ScopeDesk,
		"integration tokens may only use the HTTP API (/v1/api/…), not the desk")
}

// authenticate resolves a token of the given scope; a valid token of
// another scope is refused with wrongScope.
func (s *Store) authenticate(ctx context.Context, secret, scope, wrongScope string) (protocol.Agent, string, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return protocol.Agent{}, "", protocol.Errorf(protocol.CodeUnauthorized, "invalid token")
	}
	var tokenID, agentID, tokenScope string
	var revoked int64
	err := s.r.QueryRowContext(ctx, `SELECT id, agent_id, revoked_at, scope FROM tokens WHERE hash = ?`, hashToken(secret)).
		Scan(&tokenID, &agentID, &revoked, &tokenScope)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Agent{}, "", protocol.Errorf(protocol.CodeUnauthorized, "invalid token")
	}
	if err != nil {
		return protocol.Agent{}, "", fmt.Errorf("authenticate: %w", err)
	}
	if revoked != 0 {
		return protocol.Agent{}, "", protocol.Errorf(protocol.CodeUnauthorized, "token has been revoked")
	}
	if tokenScope != scope {
		return protocol.Agent{}, "", protocol.Errorf(protocol.CodeForbidden, "%s", wrongScope)
	}
	a, err := s.Agent(ctx, agentID)
	if err != nil {
		return a, "", err
	}
	return a, tokenID, nil
}

// TokenValid reports whether a token id is still usable (not revoked).
func (s *Store) TokenValid(ctx context.Context, tokenID string) (bool, error) {
	var revoked int64
	err := s.r.QueryRowContext(ctx, `SELECT revoked_at FROM tokens WHERE id = ?`, tokenID).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check token %s: %w", tokenID, err)
	}
	return revoked == 0, nil
}

// ValidTokens reports which of the token ids are still usable (they exist
// and are not revoked), in one read per 500 ids.
func (s *Store) ValidTokens(ctx context.Context, ids []string) (map[string]bool, error) {
	valid := make(map[string]bool, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT id FROM tokens WHERE revoked_at = 0 AND id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("check tokens: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			valid[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return valid, nil
}

// Tokens lists tokens, newest first; agentID filters when not empty.
func (s *Store) Tokens(ctx context.Context, agentID string) ([]Token, error) {
	q := `SELECT id, agent_id, label, created_at, revoked_at, last_used, scope FROM tokens`
	var args []any
	if agentID != "" {
		q += ` WHERE agent_id = ?`
		args = append(args, agentID)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.AgentID, &t.Label, &t.CreatedAt, &t.RevokedAt, &t.LastUsed, &t.Scope); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Agent loads one agent.
func (s *Store) Agent(ctx context.Context, id string) (protocol.Agent, error) {
	a, err := scanAgent(s.r.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, protocol.Errorf(protocol.CodeNotFound, "no agent %s", id)
	}
	if err != nil {
		return a, fmt.Errorf("load agent %s: %w", id, err)
	}
	return a, nil
}

// Agents lists every agent.
func (s *Store) Agents(ctx context.Context) ([]protocol.Agent, error) {
	return queryAgents(ctx, s.r)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryAgents(ctx context.Context, q querier) ([]protocol.Agent, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+agentColumns+` FROM agents a ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	out := []protocol.Agent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
