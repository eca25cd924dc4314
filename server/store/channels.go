package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/agentdesk/agentdesk/protocol"
)

// Token scopes. Desk tokens open the websocket; integration tokens (channels
// and bots) may only call the HTTP API. Keeping them apart means a token
// baked into a web-chat widget or a bot cannot read the team's queue, and a
// leaked desk token cannot impersonate customers.
const (
	ScopeDesk        = "desk"
	ScopeIntegration = "integration"
)

// CreateIntegrationToken issues a token for channels and bots on agentID's
// account. The account is who the audit trail names; the scope is what the
// token may do.
func (tx *Tx) CreateIntegrationToken(by, agentID, label string) (string, Token, error) {
	secret, t, err := tx.CreateToken(by, agentID, label)
	if err != nil {
		return "", t, err
	}
	if _, err := tx.exec(`UPDATE tokens SET scope = ? WHERE id = ?`, ScopeIntegration, t.ID); err != nil {
		return "", t, fmt.Errorf("scope token %s: %w", t.ID, err)
	}
	t.Scope = ScopeIntegration
	return secret, t, nil
}

// Identity is a customer's address on one channel: the wire's
// protocol.ChannelIdentity, which the store keeps as it is.
type Identity = protocol.ChannelIdentity

// Customer is a customer with their channel identities, as the HTTP API
// shows it.
type Customer struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	VIP        bool       `json:"vip"`
	Language   string     `json:"language,omitempty"`
	Identities []Identity `json:"identities"`
	CreatedAt  int64      `json:"created_at"`
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func loadCustomer(ctx context.Context, q queryRower, id string) (Customer, error) {
	var c Customer
	var vip int
	err := q.QueryRowContext(ctx, `SELECT id, name, vip, language, created_at FROM customers WHERE id = ?`, id).
		Scan(&c.ID, &c.Name, &vip, &c.Language, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, protocol.Errorf(protocol.CodeNotFound, "no customer %s", id)
	}
	if err != nil {
		return c, fmt.Errorf("load customer %s: %w", id, err)
	}
	c.VIP = vip != 0
	rows, err := q.QueryContext(ctx, `SELECT channel, external_id FROM channel_identities WHERE customer_id = ? ORDER BY channel, external_id`, id)
	if err != nil {
		return c, fmt.Errorf("load identities of %s: %w", id, err)
	}
	defer rows.Close()
	c.Identities = []Identity{}
	for rows.Next() {
		var i Identity
		if err := rows.Scan(&i.Channel, &i.ExternalID); err != nil {
			return c, err
		}
		c.Identities = append(c.Identities, i)
	}
	return c, rows.Err()
}

func customerByIdentity(ctx context.Context, q queryRower, i Identity) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT customer_id FROM channel_identities WHERE channel = ? AND external_id = ?`, i.Channel, i.ExternalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", protocol.Errorf(protocol.CodeNotFound, "no customer with %s identity %q", i.Channel, i.ExternalID)
	}
	if err != nil {
		return "", fmt.Errorf("look up %s identity: %w", i.Channel, err)
	}
	return id, nil
}

// Customer loads a customer with their identities.
func (s *Store) Customer(ctx context.Context, id string) (Customer, error) {
	return loadCustomer(ctx, s.r, id)
}

// CustomerByIdentity finds the customer a channel identity belongs to.
func (s *Store) CustomerByIdentity(ctx context.Context, i Identity) (Customer, error) {
	id, err := customerByIdentity(ctx, s.r, i)
	if err != nil {
		return Customer{}, err
	}
	return loadCustomer(ctx, s.r, id)
}

// Customer loads a customer inside the transaction.
func (tx *Tx) Customer(id string) (Customer, error) { return loadCustomer(tx.ctx, tx.tx, id) }

// CustomerByIdentity finds a customer by channel identity inside the transaction.
func (tx *Tx) CustomerByIdentity(i Identity) (Customer, error) {
	id, err := customerByIdentity(tx.ctx, tx.tx, i)
	if err != nil {
		return Customer{}, err
	}
	return tx.Customer(id)
}

// UpsertCustomer looks a customer up by any of their identities, linking the
// identities not yet known; when none is known it creates the customer. It
// reports whether the customer was created. Identities that belong to two
// different customers are a conflict: merging people is a human decision.
func (tx *Tx) UpsertCustomer(n NewCustomer, ids []Identity) (Customer, bool, error) {
	owner := ""
	var unknown []Identity
	for _, i := range ids {
		id, err := customerByIdentity(tx.ctx, tx.tx, i)
		switch {
		case protocol.CodeOf(err) == protocol.CodeNotFound:
			unknown = append(unknown, i)
		case err != nil:
			return Customer{}, false, err
		case owner != "" && owner != id:
			return Customer{}, false, protocol.Errorf(protocol.CodeConflict, "identities belong to different customers (%s and %s)", owner, id)
		default:
			owner = id
		}
	}
	if n.ID != "" && owner != "" && n.ID != owner {
		return Customer{}, false, protocol.Errorf(protocol.CodeConflict, "identity already belongs to customer %s", owner)
	}
	created := false
	if owner == "" && n.ID != "" {
		if _, err := tx.Customer(n.ID); err == nil {
			owner = n.ID
		} else if protocol.CodeOf(err) != protocol.CodeNotFound {
			return Customer{}, false, err
		}
	}
	if owner == "" {
		id, err := tx.CreateCustomer(n)
		if err != nil {
			return Customer{}, false, err
		}
		owner, created = id, true
		if err := tx.audit("", "customer.create", "", map[string]string{"customer": id}); err != nil {
			return Customer{}, false, err
		}
	}
	for _, i := range unknown {
		if _, err := tx.exec(`INSERT INTO channel_identities(channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?)`,
			i.Channel, i.ExternalID, owner, tx.now); err != nil {
			return Customer{}, false, fmt.Errorf("link %s identity to %s: %w", i.Channel, owner, err)
		}
	}
	c, err := tx.Customer(owner)
	return c, created, err
}

// OpenConversation returns the customer's newest conversation on channel
// that is not resolved, or CodeNotFound.
func (tx *Tx) OpenConversation(customerID, channel string) (protocol.Conversation, error) {
	var id string
	err := tx.queryRow(`SELECT id FROM conversations WHERE customer_id = ? AND channel = ? AND status <> 'resolved'
		ORDER BY created_at DESC, id DESC LIMIT 1`, customerID, channel).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Conversation{}, protocol.Errorf(protocol.CodeNotFound, "customer %s has no open %s conversation", customerID, channel)
	}
	if err != nil {
		return protocol.Conversation{}, fmt.Errorf("find open conversation: %w", err)
	}
	return tx.conversation(id)
}

// Inbound is the record of a message an integration posted, keyed by the
// client's own message id so retries are recognised.
type Inbound struct {
	Channel        string
	ClientID       string
	MessageID      string
	ConversationID string
	Author         string
	TextHash       string
	BotFallback    bool
	BotConfidence  float64           // -1 when the bot gave none
	BotSources     []protocol.Source // the entries a bot turn drew on
}

// HashText is the fingerprint kept to tell a retry from a different message
// reusing an id.
func HashText(author, text string) string {
	sum := sha256.Sum256([]byte(author + "\x00" + text))
	return hex.EncodeToString(sum[:16])
}

// InboundByClientID finds a message an integration already posted on channel
// under clientID, or CodeNotFound.
func (tx *Tx) InboundByClientID(channel, clientID string) (Inbound, protocol.Message, error) {
	in := Inbound{Channel: channel, ClientID: clientID}
	var fallback int
	err := tx.queryRow(`SELECT message_id, conversation_id, author, text_hash, bot_fallback, bot_confidence FROM inbound_messages
		WHERE channel = ? AND client_id = ?`, channel, clientID).
		Scan(&in.MessageID, &in.ConversationID, &in.Author, &in.TextHash, &fallback, &in.BotConfidence)
	if errors.Is(err, sql.ErrNoRows) {
		return in, protocol.Message{}, protocol.Errorf(protocol.CodeNotFound, "no message %s on %s", clientID, channel)
	}
	if err != nil {
		return in, protocol.Message{}, fmt.Errorf("look up message %s: %w", clientID, err)
	}
	in.BotFallback = fallback != 0
	m, err := scanMessage(tx.queryRow(`SELECT `+messageColumns+` FROM messages WHERE id = ?`, in.MessageID))
	if err != nil {
		return in, m, fmt.Errorf("load message %s: %w", in.MessageID, err)
	}
	return in, m, nil
}

// RecordInbound remembers a posted message under the client's id, with the
// bot's own judgement of the turn when the author is the bot. The message
// was added with the client's id as its ExternalID (NewMessage).
func (tx *Tx) RecordInbound(in Inbound) error {
	fallback := 0
	if in.BotFallback {
		fallback = 1
	}
	if _, err := tx.exec(`INSERT INTO inbound_messages(channel, client_id, message_id, conversation_id, author, text_hash, bot_fallback, bot_confidence, bot_sources, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Channel, in.ClientID, in.MessageID, in.ConversationID, in.Author, in.TextHash,
		fallback, in.BotConfidence, marshalList(in.BotSources), tx.now); err != nil {
		return fmt.Errorf("record message %s: %w", in.ClientID, err)
	}
	return nil
}

// BotFailures counts the bot turns of a conversation that the bot itself
// flagged as a fallback or answered with confidence below minConfidence,
// since the chat last came back to the bot (BotSince): a chat handed back
// after a resolution starts with a clean slate.
func (tx *Tx) BotFailures(convID string, minConfidence float64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM inbound_messages WHERE conversation_id = ? AND author = 'bot'
		AND (bot_fallback = 1 OR (bot_confidence >= 0 AND bot_confidence < ?))
		AND created_at >= COALESCE((SELECT MAX(at) FROM bot_returns WHERE conversation_id = ?), 0)`, convID, minConfidence, convID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count bot failures of %s: %w", convID, err)
	}
	return n, nil
}

// CustomerTexts returns the texts of the newest limit customer messages of a
// conversation, newest first.
func (tx *Tx) CustomerTexts(convID string, limit int) ([]string, error) {
	return tx.CustomerTextsSince(convID, 0, math.MaxInt32, limit)
}

// CustomerTextsSince is CustomerTexts for the messages written after since
// (unix ms) up to message seq upTo: what the customer said to the bot since
// it last had the chat.
func (tx *Tx) CustomerTextsSince(convID string, since int64, upTo, limit int) ([]string, error) {
	rows, err := tx.query(`SELECT text FROM messages WHERE conversation_id = ? AND author = 'customer' AND created_at > ? AND seq <= ?
		ORDER BY seq DESC LIMIT ?`, convID, since, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("read customer messages of %s: %w", convID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// WaitingSince is when the customer started waiting for a person: their
// oldest message no agent has answered (protocol.Conversation.WaitStart),
// or the conversation's start.
func (tx *Tx) WaitingSince(convID string) (int64, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return 0, err
	}
	if c.WaitingSince > 0 {
		return c.WaitingSince, nil
	}
	return c.CreatedAt, nil
}

// EscalateFlagged escalates like Escalate and, in the same change, adds
// flags (kept sorted, without duplicates) and sets the sentiment when the
// conversation has none yet, so desks see one escalated event that already
// carries them.
func (tx *Tx) EscalateFlagged(convID string, e protocol.Escalation, flags []protocol.Flag, sentiment string, priority int, slaDueAt int64) (protocol.Conversation, error) {
	if len(flags) > 0 || sentiment != "" {
		c, err := tx.conversation(convID)
		if err != nil {
			return c, err
		}
		b, err := json.Marshal(mergeFlags(c.Flags, flags))
		if err != nil {
			return c, err
		}
		if c.Sentiment != "" {
			sentiment = c.Sentiment
		}
		if _, err := tx.exec(`UPDATE conversations SET flags = ?, sentiment = ? WHERE id = ?`, string(b), sentiment, convID); err != nil {
			return c, fmt.Errorf("flag conversation %s: %w", convID, err)
		}
		tx.forget(convID) // written past saveConversation: Escalate reads the row again
	}
	return tx.Escalate(convID, e, priority, slaDueAt)
}

func mergeFlags(have, add []protocol.Flag) []protocol.Flag {
	set := map[protocol.Flag]bool{}
	for _, f := range have {
		set[f] = true
	}
	for _, f := range add {
		set[f] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// CSAT is a customer's satisfaction rating of a resolved conversation.
type CSAT struct {
	ConversationID string `json:"conversation_id"`
	Score          int    `json:"score"`
	Comment        string `json:"comment,omitempty"`
	ResolvedAt     int64  `json:"resolved_at"`
	CreatedAt      int64  `json:"created_at"`
}

// RecordCSAT stores a rating for the conversation's current resolution. A
// conversation that is not resolved cannot be rated, and each resolution is
// rated once (a reopened and re-resolved conversation may be rated again).
func (tx *Tx) RecordCSAT(convID string, score int, comment string) (CSAT, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return CSAT{}, err
	}
	if c.Status != protocol.ConvResolved {
		return CSAT{}, protocol.Errorf(protocol.CodeConflict, "conversation %s is %s; only resolved conversations can be rated", convID, c.Status)
	}
	r := CSAT{ConversationID: convID, Score: score, Comment: comment, ResolvedAt: c.ResolvedAt, CreatedAt: tx.now}
	res, err := tx.exec(`INSERT INTO csat(conversation_id, resolved_at, score, comment, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(conversation_id, resolved_at) DO NOTHING`, convID, c.ResolvedAt, score, comment, tx.now)
	if err != nil {
		return r, fmt.Errorf("record rating of %s: %w", convID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r, protocol.Errorf(protocol.CodeConflict, "conversation %s is already rated", convID)
	}
	return r, tx.audit("", "csat", convID, map[string]int{"score": score})
}
