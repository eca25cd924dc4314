package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

// enqueueDelivery puts an agent reply in the outbound outbox. It runs in the
// transaction that stores the message, so a reply is never stored without
// its delivery (nor the other way round), whatever crashes afterwards.
func (tx *Tx) enqueueDelivery(m protocol.Message, c *protocol.Conversation) error {
	if _, err := tx.exec(`INSERT INTO deliveries(message_id, conversation_id, channel, status, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?)`, m.ID, c.ID, c.Channel, tx.now, tx.now, tx.now); err != nil {
		return fmt.Errorf("queue delivery of %s: %w", m.ID, err)
	}
	return nil
}

// DeliveryJob is an agent reply due for delivery, with what the channel
// needs to route it to the customer.
type DeliveryJob struct {
	Message            protocol.Message
	Channel            string
	CustomerID         string
	CustomerExternalID string // the customer's identity on Channel, if known
	Attempts           int    // attempts made before this one
}

// ClaimDeliveries takes up to limit pending deliveries that are due, on the
// given channels (all channels when channels is nil) but not on except, and
// leases them for leaseMs: another worker (or replica) will not take them
// until the lease runs out, and if this one dies mid-send they become due
// again by themselves. Replies of one conversation go in order: a reply is
// not claimed while an earlier one of its conversation is still pending
// (being sent or waiting for a retry), so a retried reply 1 never arrives
// after reply 2.
func (tx *Tx) ClaimDeliveries(channels, except []string, limit int, leaseMs int64) ([]DeliveryJob, error) {
	if channels != nil && len(channels) == 0 {
		return nil, nil
	}
	q := `SELECT d.message_id, d.channel, d.attempts, c.customer_id,
		COALESCE((SELECT MIN(i.external_id) FROM channel_identities i WHERE i.customer_id = c.customer_id AND i.channel = d.channel), '')
		FROM deliveries d JOIN conversations c ON c.id = d.conversation_id JOIN messages dm ON dm.id = d.message_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= ?
		AND NOT EXISTS (SELECT 1 FROM deliveries e JOIN messages em ON em.id = e.message_id
			WHERE e.conversation_id = d.conversation_id AND e.status = 'pending' AND em.seq < dm.seq)`
	args := []any{tx.now}
	if channels != nil {
		q += ` AND d.channel IN (?` + strings.Repeat(`, ?`, len(channels)-1) + `)`
		for _, ch := range channels {
			args = append(args, ch)
		}
	}
	if len(except) > 0 {
		q += ` AND d.channel NOT IN (?` + strings.Repeat(`, ?`, len(except)-1) + `)`
		for _, ch := range except {
			args = append(args, ch)
		}
	}
	q += ` ORDER BY d.next_attempt_at, d.message_id LIMIT ?`
	args = append(args, limit)
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	var jobs []DeliveryJob
	for rows.Next() {
		var j DeliveryJob
		if err := rows.Scan(&j.Message.ID, &j.Channel, &j.Attempts, &j.CustomerID, &j.CustomerExternalID); err != nil {
			rows.Close()
			return nil, err
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range jobs {
		m, err := scanMessage(tx.queryRow(`SELECT `+messageColumns+` FROM messages WHERE id = ?`, jobs[i].Message.ID))
		if err != nil {
			return nil, fmt.Errorf("load message %s: %w", jobs[i].Message.ID, err)
		}
		jobs[i].Message = m
		if _, err := tx.exec(`UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE message_id = ?`,
			tx.now+leaseMs, tx.now, m.ID); err != nil {
			return nil, fmt.Errorf("lease delivery of %s: %w", m.ID, err)
		}
	}
	return jobs, nil
}

// DeliverySucceeded marks a reply delivered and tells the desks.
func (tx *Tx) DeliverySucceeded(messageID string) error {
	if _, err := tx.exec(`UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_error = '', updated_at = ?
		WHERE message_id = ?`, tx.now, messageID); err != nil {
		return fmt.Errorf("mark %s delivered: %w", messageID, err)
	}
	return tx.setDelivery(messageID, protocol.DeliveryDelivered)
}

// DeliveryFailed records a failed attempt. When retryAt is 0 the delivery
// has failed for good (the desk shows it); otherwise it is due again then.
func (tx *Tx) DeliveryFailed(messageID, reason string, retryAt int64) error {
	if len(reason) > 500 {
		reason = textcut.Bytes(reason, 500)
	}
	status := protocol.DeliveryPending
	if retryAt == 0 {
		status = protocol.DeliveryFailed
	}
	if _, err := tx.exec(`UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
		WHERE message_id = ?`, status, reason, retryAt, tx.now, messageID); err != nil {
		return fmt.Errorf("record failed delivery of %s: %w", messageID, err)
	}
	if status == protocol.DeliveryFailed {
		return tx.setDelivery(messageID, protocol.DeliveryFailed)
	}
	return nil
}

// setDelivery changes a message's delivery status and emits message.updated.
func (tx *Tx) setDelivery(messageID string, status protocol.DeliveryState) error {
	m, err := scanMessage(tx.queryRow(`SELECT `+messageColumns+` FROM messages WHERE id = ?`, messageID))
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Errorf(protocol.CodeNotFound, "no message %s", messageID)
	}
	if err != nil {
		return fmt.Errorf("load message %s: %w", messageID, err)
	}
	if m.Delivery == status {
		return nil
	}
	if _, err := tx.exec(`UPDATE messages SET delivery = ? WHERE id = ?`, status, messageID); err != nil {
		return fmt.Errorf("set delivery of %s: %w", messageID, err)
	}
	m.Delivery = status
	c, err := tx.conversation(m.ConversationID)
	if err != nil {
		return err
	}
	return tx.emit(protocol.EvMessageUpdated, c.ID, c.Assignee, "", protocol.MessageEvent{Message: m, Conversation: protocol.ChangeOf(c)})
}

// DeliveryState is the outbox record of one reply.
type DeliveryState struct {
	MessageID string
	Status    string
	Attempts  int
	LastError string
}

// Delivery reads the outbox record of a reply.
func (tx *Tx) Delivery(messageID string) (DeliveryState, error) {
	d := DeliveryState{MessageID: messageID}
	err := tx.queryRow(`SELECT status, attempts, last_error FROM deliveries WHERE message_id = ?`, messageID).Scan(&d.Status, &d.Attempts, &d.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return d, protocol.Errorf(protocol.CodeNotFound, "no delivery for %s", messageID)
	}
	if err != nil {
		return d, fmt.Errorf("load delivery of %s: %w", messageID, err)
	}
	return d, nil
}
