package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// The e-mail channel's state (server/email): how far each mailbox has been
// read, and the Message-ID of every mail in and out with its conversation,
// which is how replies find their thread.

// MailboxState is the read watermark of one mailbox: every message with a
// UID up to LastUID (under UIDValidity) has been taken in.
type MailboxState struct {
	UIDValidity uint32
	LastUID     uint32
}

// MailboxState reads the watermark; a mailbox never read has the zero state.
func (tx *Tx) MailboxState(account, mailbox string) (MailboxState, error) {
	var st MailboxState
	var v, u int64
	err := tx.queryRow(`SELECT uid_validity, last_uid FROM mailbox_state WHERE account = ? AND mailbox = ?`, account, mailbox).Scan(&v, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read watermark of %s: %w", mailbox, err)
	}
	return MailboxState{UIDValidity: uint32(v), LastUID: uint32(u)}, nil
}

// SetMailboxState moves the watermark, in the transaction that took the
// message in: a mail is stored and marked read together, or neither.
func (tx *Tx) SetMailboxState(account, mailbox string, st MailboxState) error {
	_, err := tx.exec(`INSERT INTO mailbox_state(account, mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
		account, mailbox, int64(st.UIDValidity), int64(st.LastUID), tx.now)
	if err != nil {
		return fmt.Errorf("move watermark of %s: %w", mailbox, err)
	}
	return nil
}

// EmailRecord is one mail in or out of a conversation.
type EmailRecord struct {
	HeaderID       string   // its Message-ID, without angle brackets
	ConversationID string   //
	MessageID      string   // the transcript message
	Refs           []string // its References chain, oldest first, ending with HeaderID
	Subject        string
	Outbound       bool
}

// RecordEmail remembers a mail's Message-ID; recording one twice keeps the first.
func (tx *Tx) RecordEmail(r EmailRecord) error {
	out := 0
	if r.Outbound {
		out = 1
	}
	_, err := tx.exec(`INSERT INTO email_threads(header_id, conversation_id, message_id, refs, subject, outbound, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (header_id) DO NOTHING`, r.HeaderID, r.ConversationID, r.MessageID, strings.Join(r.Refs, " "), r.Subject, out, tx.now)
	if err != nil {
		return fmt.Errorf("record mail %s: %w", r.HeaderID, err)
	}
	return nil
}

// EmailThread finds the conversation of the newest known mail among ids
// (a reply's In-Reply-To and References); not_found when none is known.
func (tx *Tx) EmailThread(ids []string) (string, error) {
	for i := len(ids) - 1; i >= 0; i-- { // References run oldest first: the nearest ancestor wins
		var conv string
		err := tx.queryRow(`SELECT conversation_id FROM email_threads WHERE header_id = ?`, ids[i]).Scan(&conv)
		if err == nil {
			return conv, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("look up mail %s: %w", ids[i], err)
		}
	}
	return "", protocol.Errorf(protocol.CodeNotFound, "no known mail among %d references", len(ids))
}

// LatestEmail is the newest mail of a conversation (in or out), which a
// reply answers; not_found when the conversation has none.
func (s *Store) LatestEmail(ctx context.Context, convID string) (EmailRecord, error) {
	var r EmailRecord
	var refs string
	var out int
	err := s.r.QueryRowContext(ctx, `SELECT header_id, conversation_id, message_id, refs, subject, outbound FROM email_threads
		WHERE conversation_id = ? ORDER BY created_at DESC, header_id DESC LIMIT 1`, convID).Scan(&r.HeaderID, &r.ConversationID, &r.MessageID, &refs, &r.Subject, &out)
	if errors.Is(err, sql.ErrNoRows) {
		return r, protocol.Errorf(protocol.CodeNotFound, "no mail in conversation %s", convID)
	}
	if err != nil {
		return r, fmt.Errorf("newest mail of %s: %w", convID, err)
	}
	r.Refs, r.Outbound = strings.Fields(refs), out == 1
	return r, nil
}
