package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/agentdesk/agentdesk/protocol"
)

// The web chat widget's reads: what a customer sees of their own
// conversations (never internal notes), whether a resolution was rated,
// and the server-wide key its tokens are signed with.

// CustomerChat is one of a customer's conversations as the customer sees it.
type CustomerChat struct {
	Conversation protocol.Conversation
	Messages     []protocol.Message // oldest first; notes excluded
	Rated        bool               // the current resolution has a CSAT rating
}

// CustomerChats returns the customer's newest convLimit conversations on
// channel, oldest first, each with its newest msgLimit messages written by
// the customer, the bot or an agent, or by the system.
func (s *Store) CustomerChats(ctx context.Context, customerID, channel string, convLimit, msgLimit int) ([]CustomerChat, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read chats of %s: %w", customerID, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+convColumns+convFrom+` WHERE c.customer_id = ? AND c.channel = ?
		ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, customerID, channel, convLimit)
	if err != nil {
		return nil, fmt.Errorf("read chats of %s: %w", customerID, err)
	}
	var chats []CustomerChat
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		chats = append(chats, CustomerChat{Conversation: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Reverse(chats)
	for i := range chats {
		c := &chats[i]
		if c.Messages, err = customerMessages(ctx, tx, c.Conversation.ID, 0, msgLimit); err != nil {
			return nil, err
		}
		if c.Conversation.Status == protocol.ConvResolved {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM csat WHERE conversation_id = ? AND resolved_at = ?`,
				c.Conversation.ID, c.Conversation.ResolvedAt).Scan(&n); err != nil {
				return nil, fmt.Errorf("rating of %s: %w", c.Conversation.ID, err)
			}
			c.Rated = n > 0
		}
	}
	return chats, nil
}

// CustomerMessages returns the messages of a conversation after seq that
// its customer may see (no notes), oldest first, at most limit.
func (s *Store) CustomerMessages(ctx context.Context, convID string, afterSeq, limit int) ([]protocol.Message, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", convID, err)
	}
	defer tx.Rollback()
	return customerMessages(ctx, tx, convID, afterSeq, limit)
}

func customerMessages(ctx context.Context, tx *sql.Tx, convID string, afterSeq, limit int) ([]protocol.Message, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND seq > ? AND author <> 'note'
		ORDER BY seq DESC LIMIT ?`, convID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", convID, err)
	}
	defer rows.Close()
	msgs := []protocol.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	slices.Reverse(msgs)
	return msgs, rows.Err()
}

// MarkSeen records that the customer's own chat window showed an agent's
// replies up to a seq: each becomes delivered (a message.updated event
// follows), even one the outbox had given up on.
func (tx *Tx) MarkSeen(convID string, upToSeq int) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT m.id FROM messages m JOIN deliveries d ON d.message_id = m.id
		WHERE m.conversation_id = ? AND m.seq <= ? AND d.status <> 'delivered'`, convID, upToSeq)
	if err != nil {
		return fmt.Errorf("find pending replies of %s: %w", convID, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.exec(`UPDATE deliveries SET status = 'delivered', last_error = '', updated_at = ? WHERE message_id = ? AND status <> 'delivered'`,
			tx.now, id); err != nil {
			return fmt.Errorf("mark %s seen: %w", id, err)
		}
		if err := tx.setDelivery(id, protocol.DeliveryDelivered); err != nil {
			return err
		}
	}
	return nil
}

// Secret returns the server-wide random key named name, creating it on first
// use. Replicas sharing a database share it: tokens one signs, all accept.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	var v string
	err := s.Update(ctx, func(tx *Tx) error {
		err := tx.queryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var raw [32]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		v = hex.EncodeToString(raw[:])
		_, err = tx.exec(`INSERT INTO meta(key, value) VALUES (?, ?)`, key, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}
