package store

import (
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

// BreachSLAs finds conversations whose first-response deadline has passed
// with no agent reply since they were escalated, records each breach once
// (per deadline, so a reopened conversation can breach again) and emits a
// conversation.updated event with cause sla_breached. reprioritise gives
// the new priority of a breached conversation from its state and the time
// its customer started waiting.
func (tx *Tx) BreachSLAs(reprioritise func(c protocol.Conversation, waitingSince int64) int) ([]protocol.Conversation, error) {
	// The deadline must belong to the current escalation (sla_due_at >=
	// escalated_at): a conversation reopened without a new deadline keeps
	// the old one, which is not a promise anyone made this time.
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT c.id FROM conversations c
		WHERE c.status IN ('queued', 'assigned') AND c.sla_due_at > 0 AND c.sla_due_at <= ?
		AND c.sla_due_at >= c.escalated_at AND c.first_reply_at < c.escalated_at
		AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.conversation_id = c.id AND b.due_at = c.sla_due_at)
		ORDER BY c.sla_due_at LIMIT 500`, tx.now)
	if err != nil {
		return nil, fmt.Errorf("find SLA breaches: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]protocol.Conversation, 0, len(ids))
	for _, id := range ids {
		c, err := tx.conversation(id)
		if err != nil {
			return nil, err
		}
		if _, err := tx.exec(`INSERT INTO sla_breaches(conversation_id, due_at, at) VALUES (?, ?, ?)`, c.ID, c.SLADueAt, tx.now); err != nil {
			return nil, fmt.Errorf("record SLA breach of %s: %w", c.ID, err)
		}
		if reprioritise != nil {
			since, err := tx.WaitingSince(c.ID)
			if err != nil {
				return nil, err
			}
			c.Priority = reprioritise(c, since)
		}
		if err := tx.saveConversation(&c, protocol.CauseSLABreached, "", ""); err != nil {
			return nil, err
		}
		if err := tx.audit("", "sla.breach", c.ID, map[string]int64{"due_at": c.SLADueAt}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
