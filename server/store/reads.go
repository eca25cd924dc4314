package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/agentdesk/agentdesk/protocol"
)

const messageColumns = `id, conversation_id, seq, author, author_id, author_name, text, draft_id, delivery, created_at, attachments, bot_kind, written_at`

func scanMessage(r rowScanner) (protocol.Message, error) {
	var m protocol.Message
	var att string
	err := r.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.Author, &m.AuthorID, &m.AuthorName, &m.Text, &m.DraftID, &m.Delivery, &m.CreatedAt, &att, &m.BotKind, &m.WrittenAt)
	if err == nil && att != "" {
		if jerr := json.Unmarshal([]byte(att), &m.Attachments); jerr != nil {
			return m, fmt.Errorf("message %s: attachments: %w", m.ID, jerr)
		}
	}
	return m, err
}

// Conversation loads one conversation.
func (s *Store) Conversation(ctx context.Context, id string) (protocol.Conversation, error) {
	c, err := scanConversation(s.r.QueryRowContext(ctx, `SELECT `+convColumns+convFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, protocol.Errorf(protocol.CodeNotFound, "no conversation %s", id)
	}
	if err != nil {
		return c, fmt.Errorf("load conversation %s: %w", id, err)
	}
	return c, nil
}

// ConversationDetail loads a conversation with its whole transcript and
// drafts, for the server's own use (enrichment, review). Internal notes are
// included: every role that can read a conversation is staff. Desks and the
// HTTP API read transcripts page by page (ConversationPage).
func (s *Store) ConversationDetail(ctx context.Context, id string) (protocol.ConversationDetail, error) {
	return s.ConversationPage(ctx, id, TranscriptPage{})
}

// TranscriptPage selects a page of a transcript: the newest Limit messages
// with seq below Before (0: from the newest), stopping early once the texts
// reach MaxBytes (at least one message is always returned). Zero Limit and
// MaxBytes mean no bound.
type TranscriptPage struct {
	Before   int
	Limit    int
	MaxBytes int
}

// ConversationPage loads a conversation with one page of its transcript
// (oldest first within the page; More tells whether older messages exist)
// and its drafts (the newest protocol.MaxDrafts of them when paged).
func (s *Store) ConversationPage(ctx context.Context, id string, page TranscriptPage) (protocol.ConversationDetail, error) {
	var d protocol.ConversationDetail
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return d, fmt.Errorf("read conversation %s: %w", id, err)
	}
	defer tx.Rollback()
	d.Conversation, err = scanConversation(tx.QueryRowContext(ctx, `SELECT `+convColumns+convFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, protocol.Errorf(protocol.CodeNotFound, "no conversation %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("load conversation %s: %w", id, err)
	}
	before := page.Before
	if before <= 0 {
		before = math.MaxInt32
	}
	limit := page.Limit
	if limit <= 0 {
		limit = math.MaxInt32 - 1
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, id, before, limit+1)
	if err != nil {
		return d, fmt.Errorf("load messages of %s: %w", id, err)
	}
	d.Messages = []protocol.Message{}
	size := 0
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return d, err
		}
		size += len(m.Text) + len(m.AuthorName) + 256
		if len(d.Messages) == limit || page.MaxBytes > 0 && size > page.MaxBytes && len(d.Messages) > 0 {
			d.More = true
			break
		}
		d.Messages = append(d.Messages, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	slices.Reverse(d.Messages)
	draftQuery := `SELECT ` + draftColumns + ` FROM drafts WHERE conversation_id = ? ORDER BY created_at, id`
	if page != (TranscriptPage{}) {
		draftQuery = `SELECT * FROM (SELECT ` + draftColumns + ` FROM drafts WHERE conversation_id = ? ORDER BY created_at DESC, id DESC LIMIT ` +
			strconv.Itoa(protocol.MaxDrafts) + `) newest ORDER BY created_at, id`
	}
	rows, err = tx.QueryContext(ctx, draftQuery, id)
	if err != nil {
		return d, fmt.Errorf("load drafts of %s: %w", id, err)
	}
	d.Drafts = []protocol.Draft{}
	for rows.Next() {
		dr, err := scanDraft(rows)
		if err != nil {
			rows.Close()
			return d, err
		}
		d.Drafts = append(d.Drafts, dr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	if err := customerDetail(ctx, tx, &d); err != nil {
		return d, err
	}
	return d, nil
}

// customerDetail fills in the customer's profile with their channel
// identities, and their other conversations on any channel, newest first.
func customerDetail(ctx context.Context, tx *sql.Tx, d *protocol.ConversationDetail) error {
	cu, err := loadCustomer(ctx, tx, d.Conversation.CustomerID)
	if err != nil {
		return err
	}
	d.Customer = &protocol.Customer{ID: cu.ID, Name: cu.Name, VIP: cu.VIP, Language: cu.Language,
		Identities: make([]protocol.ChannelIdentity, 0, len(cu.Identities))}
	for _, i := range cu.Identities {
		d.Customer.Identities = append(d.Customer.Identities, protocol.ChannelIdentity{Channel: i.Channel, ExternalID: i.ExternalID})
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, channel, status, created_at, resolved_at, disposition, summary
		FROM conversations WHERE customer_id = ? AND id <> ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		cu.ID, d.Conversation.ID, protocol.MaxHistory)
	if err != nil {
		return fmt.Errorf("load history of customer %s: %w", cu.ID, err)
	}
	defer rows.Close()
	d.History = []protocol.PastConversation{}
	for rows.Next() {
		var h protocol.PastConversation
		if err := rows.Scan(&h.ID, &h.Channel, &h.Status, &h.CreatedAt, &h.ResolvedAt, &h.Disposition, &h.Summary); err != nil {
			return fmt.Errorf("load history of customer %s: %w", cu.ID, err)
		}
		d.History = append(d.History, h)
	}
	return rows.Err()
}

// Snapshot returns every open conversation and every agent, and the newest
// event seq they reflect, read consistently in one transaction.
func (s *Store) Snapshot(ctx context.Context) (protocol.Snapshot, int64, error) {
	snap := protocol.Snapshot{Conversations: []protocol.Conversation{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return snap, 0, fmt.Errorf("snapshot: %w", err)
	}
	defer tx.Rollback()
	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&head); err != nil {
		return snap, 0, fmt.Errorf("snapshot head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+convColumns+convFrom+` WHERE c.status IN ('queued', 'assigned', 'snoozed')
		ORDER BY c.priority DESC, c.escalated_at ASC`)
	if err != nil {
		return snap, 0, fmt.Errorf("snapshot conversations: %w", err)
	}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return snap, 0, err
		}
		snap.Conversations = append(snap.Conversations, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return snap, 0, err
	}
	snap.Agents, err = queryAgents(ctx, tx)
	if err != nil {
		return snap, 0, err
	}
	return snap, head, nil
}

// HeadSeq is the newest event seq (0 when the log is empty).
func (s *Store) HeadSeq(ctx context.Context) (int64, error) {
	var head int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&head)
	if err != nil {
		return 0, fmt.Errorf("head seq: %w", err)
	}
	return head, nil
}

// EventsAfter returns up to limit events with seq > after, in order.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error) {
	return s.eventsAfter(ctx, after, limit, false)
}

// eventsAfter reads the log; with detail it also recovers Event.Detail and
// Event.Status.
func (s *Store) eventsAfter(ctx context.Context, after int64, limit int, detail bool) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, conversation_id, assignee, actor, at, data FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events after %d: %w", after, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var data string
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.ConversationID, &ev.Assignee, &ev.Actor, &ev.At, &data); err != nil {
			return nil, err
		}
		ev.Frame, err = encodeFrame(ev, data)
		if err != nil {
			return nil, err
		}
		if detail {
			ev.Detail, ev.Status = eventDetail(ev.Kind, data)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Outcomes lists recorded outcomes, newest first, at most limit.
func (s *Store) Outcomes(ctx context.Context, limit int) ([]protocol.Outcome, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outcomeColumns+` FROM outcomes ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list outcomes: %w", err)
	}
	defer rows.Close()
	var out []protocol.Outcome
	for rows.Next() {
		o, err := scanOutcome(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID             int64
	At             int64
	Actor          string
	Action         string
	ConversationID string
	Detail         string
}

// Audit lists audit entries with id > after, oldest first, at most limit.
func (s *Store) Audit(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, conversation_id, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.ConversationID, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
