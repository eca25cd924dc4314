package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

// Attachments: metadata in the attachments table, bytes in
// attachment_data, both in the database. Keeping the bytes in the store
// (rather than a directory) means every PostgreSQL replica serves every
// file with no shared volume, a file and its metadata commit or vanish
// together, and a backup of the database is a backup of everything. The
// server's size limit (10 MiB a file by default) keeps rows a size both
// databases handle well. Validation (size, count, sniffed type) is the
// server's job; the store keeps what it is given.

// Attachment sources: where a file came from.
const (
	SourceAPI    = "api"    // POST /v1/api/attachments
	SourceDesk   = "desk"   // an agent attached it to a reply or note
	SourceEmail  = "email"  // an e-mail the customer sent
	SourceWidget = "widget" // the web chat widget
)

// NewAttachment is a validated file to store.
type NewAttachment struct {
	Name        string
	ContentType string // sniffed from the bytes
	Data        []byte
	Owner       string // who may link it to a message: an agent id, or a channel's own principal
	Source      string
}

// AttachmentRecord is an attachment with where it belongs.
type AttachmentRecord struct {
	protocol.Attachment
	Owner          string
	Source         string
	ConversationID string // empty until sent with a message
	MessageID      string
	CreatedAt      int64
}

// Attach names files a message carries: uploads by Owner not yet sent.
type Attach struct {
	IDs   []string
	Owner string
}

// PutAttachment stores a file, not yet linked to any message.
func (tx *Tx) PutAttachment(n NewAttachment) (protocol.Attachment, error) {
	sum := sha256.Sum256(n.Data)
	a := protocol.Attachment{ID: NewID("a_"), Name: n.Name, ContentType: n.ContentType, Size: int64(len(n.Data)), SHA256: hex.EncodeToString(sum[:])}
	if a.Name == "" || a.ContentType == "" || n.Owner == "" || n.Source == "" {
		return a, protocol.Errorf(protocol.CodeInvalid, "attachment needs a name, a content type, an owner and a source")
	}
	if _, err := tx.exec(`INSERT INTO attachments(id, owner, source, name, content_type, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, n.Owner, n.Source, a.Name, a.ContentType, a.Size, a.SHA256, tx.now); err != nil {
		return a, fmt.Errorf("store attachment %s: %w", a.Name, err)
	}
	if _, err := tx.exec(`INSERT INTO attachment_data(id, data) VALUES (?, ?)`, a.ID, n.Data); err != nil {
		return a, fmt.Errorf("store bytes of attachment %s: %w", a.Name, err)
	}
	return a, nil
}

// UnsentAttachments counts an owner's uploads not yet sent with a message.
func (tx *Tx) UnsentAttachments(owner string) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM attachments WHERE owner = ? AND message_id = ''`, owner).Scan(&n)
	return n, err
}

// linkAttachments makes att's uploads the attachments of m (which is about
// to be inserted) and returns the JSON kept on the message row. Each id
// must be an upload of att.Owner not yet sent.
func (tx *Tx) linkAttachments(att Attach, m *protocol.Message) (string, error) {
	if len(att.IDs) == 0 {
		return "", nil
	}
	if len(att.IDs) > protocol.MaxAttachments {
		return "", protocol.Errorf(protocol.CodeInvalid, "%d attachments; at most %d a message", len(att.IDs), protocol.MaxAttachments)
	}
	seen := map[string]bool{}
	for _, id := range att.IDs {
		if seen[id] {
			return "", protocol.Errorf(protocol.CodeInvalid, "attachment %s given twice", id)
		}
		seen[id] = true
		r, err := scanAttachment(tx.queryRow(`SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && r.Owner != att.Owner) {
			// Someone else's upload is as good as missing: ids do not leak.
			return "", protocol.Errorf(protocol.CodeNotFound, "no attachment %s", id)
		}
		if err != nil {
			return "", fmt.Errorf("load attachment %s: %w", id, err)
		}
		if r.MessageID != "" {
			return "", protocol.Errorf(protocol.CodeConflict, "attachment %s was already sent with message %s", id, r.MessageID)
		}
		if _, err := tx.exec(`UPDATE attachments SET conversation_id = ?, message_id = ? WHERE id = ?`, m.ConversationID, m.ID, id); err != nil {
			return "", fmt.Errorf("link attachment %s: %w", id, err)
		}
		m.Attachments = append(m.Attachments, r.Attachment)
	}
	b, err := json.Marshal(m.Attachments)
	return string(b), err
}

const attachmentColumns = `id, name, content_type, size, sha256, owner, source, conversation_id, message_id, created_at`

func scanAttachment(r rowScanner) (AttachmentRecord, error) {
	var a AttachmentRecord
	err := r.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Owner, &a.Source, &a.ConversationID, &a.MessageID, &a.CreatedAt)
	return a, err
}

// Attachment loads an attachment's metadata.
func (s *Store) Attachment(ctx context.Context, id string) (AttachmentRecord, error) {
	a, err := scanAttachment(s.r.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, protocol.Errorf(protocol.CodeNotFound, "no attachment %s", id)
	}
	if err != nil {
		return a, fmt.Errorf("load attachment %s: %w", id, err)
	}
	return a, nil
}

// AttachmentData loads an attachment's bytes.
func (s *Store) AttachmentData(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT data FROM attachment_data WHERE id = ?`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, protocol.Errorf(protocol.CodeNotFound, "no attachment %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load attachment %s: %w", id, err)
	}
	return b, nil
}

// PruneAttachments deletes uploads never sent with a message that are older
// than maxAgeMs, bytes and all, and returns how many went.
func (tx *Tx) PruneAttachments(maxAgeMs int64) (int64, error) {
	cutoff := tx.now - maxAgeMs
	if _, err := tx.exec(`DELETE FROM attachment_data WHERE id IN (SELECT id FROM attachments WHERE message_id = '' AND created_at < ?)`, cutoff); err != nil {
		return 0, fmt.Errorf("prune attachment bytes: %w", err)
	}
	res, err := tx.exec(`DELETE FROM attachments WHERE message_id = '' AND created_at < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune attachments: %w", err)
	}
	return res.RowsAffected()
}
