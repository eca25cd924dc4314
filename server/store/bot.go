package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// The front-line bot's side of the store: its turns as recorded at ingest
// (confidence, fallback, sources), the chats it closes itself, and its
// figures for the team board.

// BotTurn is one bot message of a conversation with the bot's own judgement
// of it, as the integration (or the server's bot) posted it.
type BotTurn struct {
	MessageID  string
	Seq        int
	Text       string
	Confidence float64 // -1 when the bot gave none
	Fallback   bool
	Sources    []protocol.Source
	Kind       protocol.BotKind
	At         int64
}

// BotTurns returns the bot messages of a conversation since it last came
// to the bot (BotSince), oldest first.
func (tx *Tx) BotTurns(convID string) ([]BotTurn, error) {
	since, err := tx.BotSince(convID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT m.id, m.seq, m.text, m.created_at, m.bot_kind,
		COALESCE(i.bot_confidence, -1), COALESCE(i.bot_fallback, 0), COALESCE(i.bot_sources, '[]')
		FROM messages m LEFT JOIN inbound_messages i ON i.message_id = m.id
		WHERE m.conversation_id = ? AND m.author = 'bot' AND m.created_at >= ? ORDER BY m.seq`, convID, since)
	if err != nil {
		return nil, fmt.Errorf("read bot turns of %s: %w", convID, err)
	}
	defer rows.Close()
	var out []BotTurn
	for rows.Next() {
		var t BotTurn
		var fallback int
		var sources string
		if err := rows.Scan(&t.MessageID, &t.Seq, &t.Text, &t.At, &t.Kind, &t.Confidence, &fallback, &sources); err != nil {
			return nil, err
		}
		t.Fallback = fallback != 0
		if err := json.Unmarshal([]byte(sources), &t.Sources); err != nil {
			return nil, fmt.Errorf("bot sources of %s: %w", t.MessageID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// BotResolve closes a conversation the bot still has (nobody escalated it)
// with a disposition such as protocol.DispositionBotResolved. It has no
// assignee: the team board counts it as the bot's.
func (tx *Tx) BotResolve(convID, disposition string) (protocol.Conversation, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return c, err
	}
	if c.Status != protocol.ConvBot {
		return c, protocol.Errorf(protocol.CodeConflict, "conversation %s is not with the bot (%s)", convID, c.Status)
	}
	c.Status = protocol.ConvResolved
	c.ResolvedAt = tx.now
	c.Disposition = disposition
	if err := tx.saveConversation(&c, protocol.CauseResolved, "", ""); err != nil {
		return c, err
	}
	return c, tx.audit("", "bot_resolve", c.ID, map[string]string{"disposition": disposition})
}

// ReopenForBot hands a resolved conversation back to the front-line bot
// (rather than to the queue, as a customer message to a resolved
// conversation otherwise does): with a bot on, a customer who writes again
// after a resolution talks to the bot first.
func (tx *Tx) ReopenForBot(convID string) (protocol.Conversation, error) {
	c, err := tx.conversation(convID)
	if err != nil {
		return c, err
	}
	if c.Status != protocol.ConvResolved {
		return c, nil
	}
	c.Status = protocol.ConvBot
	c.Assignee = ""
	c.ResolvedAt, c.Disposition = 0, ""
	c.EscalatedAt, c.SLADueAt, c.FirstReplyAt = 0, 0, 0
	if _, err := tx.exec(`INSERT INTO bot_returns(conversation_id, at) VALUES (?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET at = excluded.at`, convID, tx.now); err != nil {
		return c, fmt.Errorf("hand %s back to the bot: %w", convID, err)
	}
	return c, tx.saveConversation(&c, protocol.CauseReopened, "", "")
}

// BotSince is when a conversation last came back to the bot after a
// resolution (unix ms), or 0: what happened before belongs to an earlier
// exchange.
func (tx *Tx) BotSince(convID string) (int64, error) {
	var at int64
	err := tx.queryRow(`SELECT COALESCE(MAX(at), 0) FROM bot_returns WHERE conversation_id = ?`, convID).Scan(&at)
	if err != nil {
		return 0, fmt.Errorf("bot return of %s: %w", convID, err)
	}
	return at, nil
}

// BotConversationsEndingWith lists conversations still with the bot whose
// newest message is by author (customer: awaiting the bot; bot: the
// customer went quiet) and older than before (unix ms), oldest first.
func (tx *Tx) BotConversationsEndingWith(author string, before int64, limit int) ([]string, error) {
	return tx.BotConversationsOn(author, before, limit, nil, nil)
}

// BotConversationsOn is BotConversationsEndingWith on the given channels
// (all when channels is nil) except those in except.
func (tx *Tx) BotConversationsOn(author string, before int64, limit int, channels, except []string) ([]string, error) {
	if channels != nil && len(channels) == 0 {
		return nil, nil
	}
	q := `SELECT c.id FROM conversations c
		JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
		WHERE c.status = 'bot' AND m.author = ? AND m.created_at < ?`
	args := []any{author, before}
	for _, set := range []struct {
		op  string
		chs []string
	}{{"IN", channels}, {"NOT IN", except}} {
		if len(set.chs) == 0 {
			continue
		}
		q += ` AND c.channel ` + set.op + ` (?` + strings.Repeat(`, ?`, len(set.chs)-1) + `)`
		for _, ch := range set.chs {
			args = append(args, ch)
		}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, q+` ORDER BY m.created_at LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find bot conversations: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// botDay fills TeamStats.Bot: bot answers (turns with a confidence) and
// fallbacks, chats the bot
// resolved and handoffs by reason, since the day start.
func botDay(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, _ int64) error {
	b := &st.Bot
	b.Reasons = []protocol.ReasonCount{}
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN bot_fallback = 0 AND bot_confidence >= 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(bot_fallback), 0)
		FROM inbound_messages WHERE author = 'bot' AND created_at >= ?`, st.DayStart).Scan(&b.Answers, &b.Fallbacks)
	if err != nil {
		return fmt.Errorf("bot answers: %w", err)
	}
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE status = 'resolved' AND disposition = ? AND resolved_at >= ?`,
		protocol.DispositionBotResolved, st.DayStart).Scan(&b.Resolved)
	if err != nil {
		return fmt.Errorf("bot resolutions: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT reason, COUNT(*) FROM escalations WHERE created_at >= ? GROUP BY reason`, st.DayStart)
	if err != nil {
		return fmt.Errorf("handoffs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rc protocol.ReasonCount
		if err := rows.Scan(&rc.Reason, &rc.Count); err != nil {
			return err
		}
		b.Handoffs += rc.Count
		b.Reasons = append(b.Reasons, rc)
	}
	sort.Slice(b.Reasons, func(i, j int) bool {
		if b.Reasons[i].Count != b.Reasons[j].Count {
			return b.Reasons[i].Count > b.Reasons[j].Count
		}
		return b.Reasons[i].Reason < b.Reasons[j].Reason
	})
	return rows.Err()
}
