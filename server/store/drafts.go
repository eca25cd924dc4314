package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

const draftColumns = `id, conversation_id, text, based_on_seq, provider, model, prompt_version, sources, warnings, instruction, status, created_at, kind`

func scanDraft(r rowScanner) (protocol.Draft, error) {
	var d protocol.Draft
	var sources, warnings string
	if err := r.Scan(&d.ID, &d.ConversationID, &d.Text, &d.BasedOnSeq, &d.Provider, &d.Model, &d.PromptVersion,
		&sources, &warnings, &d.Instruction, &d.Status, &d.CreatedAt, &d.Kind); err != nil {
		return d, err
	}
	if err := unmarshalList(sources, &d.Sources); err != nil {
		return d, fmt.Errorf("draft %s sources: %w", d.ID, err)
	}
	if err := unmarshalList(warnings, &d.Warnings); err != nil {
		return d, fmt.Errorf("draft %s warnings: %w", d.ID, err)
	}
	return d, nil
}

func unmarshalList[T any](s string, dst *[]T) error {
	if s == "" || s == "[]" || s == "null" {
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

func marshalList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func (tx *Tx) draft(id string) (protocol.Draft, error) {
	d, err := scanDraft(tx.queryRow(`SELECT `+draftColumns+` FROM drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, protocol.Errorf(protocol.CodeNotFound, "no draft %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("load draft %s: %w", id, err)
	}
	return d, nil
}

// CreateDraft stores a finished AI draft for a conversation; earlier open
// drafts of that conversation are superseded.
func (tx *Tx) CreateDraft(d protocol.Draft) (protocol.Draft, error) {
	c, err := tx.conversation(d.ConversationID)
	if err != nil {
		return d, err
	}
	if d.ID == "" {
		d.ID = NewID("d_")
	}
	d.Status = protocol.DraftOpen
	d.CreatedAt = tx.now
	if err := tx.supersedeDrafts(c.ID); err != nil {
		return d, err
	}
	if _, err := tx.exec(`INSERT INTO drafts(`+draftColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.ConversationID, d.Text, d.BasedOnSeq, d.Provider, d.Model, d.PromptVersion,
		marshalList(d.Sources), marshalList(d.Warnings), d.Instruction, d.Status, d.CreatedAt, d.Kind); err != nil {
		return d, fmt.Errorf("store draft for %s: %w", c.ID, err)
	}
	return d, tx.emit(protocol.EvDraft, c.ID, c.Assignee, "", protocol.DraftEvent{Draft: d})
}

// supersedeDrafts marks the open drafts of a conversation superseded.
func (tx *Tx) supersedeDrafts(convID string) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+draftColumns+` FROM drafts WHERE conversation_id = ? AND status = 'open'`, convID)
	if err != nil {
		return fmt.Errorf("find open drafts of %s: %w", convID, err)
	}
	var open []protocol.Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			rows.Close()
			return err
		}
		open = append(open, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(open) == 0 {
		return nil
	}
	var assignee string
	if err := tx.queryRow(`SELECT assignee FROM conversations WHERE id = ?`, convID).Scan(&assignee); err != nil {
		return fmt.Errorf("supersede drafts of %s: %w", convID, err)
	}
	for _, d := range open {
		if _, err := tx.exec(`UPDATE drafts SET status = 'superseded' WHERE id = ?`, d.ID); err != nil {
			return fmt.Errorf("supersede draft %s: %w", d.ID, err)
		}
		d.Status = protocol.DraftSuperseded
		if err := tx.emit(protocol.EvDraft, convID, assignee, "", protocol.DraftEvent{Draft: d}); err != nil {
			return err
		}
	}
	return nil
}

const outcomeColumns = `id, draft_id, conversation_id, agent_id, action, draft_text, final_text, reason, note, message_id,
	provider, model, prompt_version, sources, idempotency_key, draft_shown_at, created_at`

func scanOutcome(r rowScanner) (protocol.Outcome, error) {
	var o protocol.Outcome
	var sources string
	if err := r.Scan(&o.ID, &o.DraftID, &o.ConversationID, &o.AgentID, &o.Action, &o.DraftText, &o.FinalText, &o.Reason,
		&o.Note, &o.MessageID, &o.Provider, &o.Model, &o.PromptVersion, &sources, &o.IdempotencyKey, &o.DraftShownAt,
		&o.CreatedAt); err != nil {
		return o, err
	}
	return o, unmarshalList(sources, &o.Sources)
}

// RecordOutcome stores what the agent did with a draft: accept and edit send
// the reply in the same transaction, reject sends nothing. One outcome per
// draft; a retry with the same idempotency key returns the stored outcome
// with duplicate set.
func (tx *Tx) RecordOutcome(actor Actor, req protocol.OutcomeReq) (protocol.OutcomeAck, error) {
	var ack protocol.OutcomeAck
	if !protocol.MayRequest(actor.Role, protocol.ReqOutcome) {
		return ack, protocol.Errorf(protocol.CodeForbidden, "trainers cannot act on drafts in conversations")
	}
	prior, err := scanOutcome(tx.queryRow(`SELECT `+outcomeColumns+` FROM outcomes WHERE idempotency_key = ?`, req.IdempotencyKey))
	switch {
	case err == nil:
		if prior.DraftID != req.DraftID || prior.AgentID != actor.ID {
			return ack, protocol.Errorf(protocol.CodeConflict, "idempotency key %s was used for another outcome", req.IdempotencyKey)
		}
		ack.Outcome, ack.Duplicate = prior, true
		if prior.MessageID != "" {
			m, err := scanMessage(tx.queryRow(`SELECT `+messageColumns+` FROM messages WHERE id = ?`, prior.MessageID))
			if err != nil {
				return ack, fmt.Errorf("load message %s: %w", prior.MessageID, err)
			}
			ack.Message = &m
		}
		return ack, nil
	case !errors.Is(err, sql.ErrNoRows):
		return ack, fmt.Errorf("look up outcome %s: %w", req.IdempotencyKey, err)
	}
	d, err := tx.draft(req.DraftID)
	if err != nil {
		return ack, err
	}
	if d.Status != protocol.DraftOpen && d.Status != protocol.DraftSuperseded {
		return ack, protocol.Errorf(protocol.CodeConflict, "draft %s already has an outcome (%s)", d.ID, d.Status)
	}
	c, err := tx.conversation(d.ConversationID)
	if err != nil {
		return ack, err
	}
	if err := mayWork(actor, c); err != nil {
		return ack, err
	}
	o := protocol.Outcome{
		ID: NewID("o_"), DraftID: d.ID, ConversationID: c.ID, AgentID: actor.ID, Action: req.Action,
		DraftText: d.Text, Reason: req.Reason, Note: req.Note, Provider: d.Provider, Model: d.Model,
		PromptVersion: d.PromptVersion, Sources: d.Sources, IdempotencyKey: req.IdempotencyKey,
		DraftShownAt: req.DraftShownAt, CreatedAt: tx.now,
	}
	switch req.Action {
	case protocol.ActionAccept:
		o.FinalText = d.Text
	case protocol.ActionEdit:
		o.FinalText = req.FinalText
	}
	status := req.Action.Status()
	if o.FinalText != "" {
		if !open(c) || c.Status == protocol.ConvQueued {
			return ack, protocol.Errorf(protocol.CodeConflict, "conversation %s is %s; cannot send", c.ID, c.Status)
		}
		m, _, err := tx.addMessage(&c, protocol.AuthorAgent, actor.ID, o.FinalText, d.ID)
		if err != nil {
			return ack, err
		}
		o.MessageID = m.ID
		ack.Message = &m
	}
	if _, err := tx.exec(`INSERT INTO outcomes(`+outcomeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.DraftID, o.ConversationID, o.AgentID, o.Action, o.DraftText, o.FinalText, o.Reason, o.Note, o.MessageID,
		o.Provider, o.Model, o.PromptVersion, marshalList(o.Sources), o.IdempotencyKey, o.DraftShownAt, o.CreatedAt); err != nil {
		return ack, fmt.Errorf("store outcome for draft %s: %w", d.ID, err)
	}
	if _, err := tx.exec(`UPDATE outcomes SET change_score = ? WHERE id = ?`, changeScore(o), o.ID); err != nil {
		return ack, fmt.Errorf("score outcome for draft %s: %w", d.ID, err)
	}
	if _, err := tx.exec(`UPDATE drafts SET status = ? WHERE id = ?`, status, d.ID); err != nil {
		return ack, fmt.Errorf("update draft %s: %w", d.ID, err)
	}
	d.Status = status
	if err := tx.emit(protocol.EvDraft, c.ID, c.Assignee, actor.ID, protocol.DraftEvent{Draft: d}); err != nil {
		return ack, err
	}
	if err := tx.emit(protocol.EvOutcome, c.ID, c.Assignee, actor.ID, protocol.OutcomeEvent{Outcome: o}); err != nil {
		return ack, err
	}
	if err := tx.audit(actor.ID, "outcome."+string(req.Action), c.ID, map[string]string{"draft": d.ID, "outcome": o.ID, "reason": req.Reason}); err != nil {
		return ack, err
	}
	ack.Outcome = o
	return ack, nil
}
