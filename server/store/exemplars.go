package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// AnsweredTurn is an outcome with the customer turn its draft answered: the
// raw material of the copilot's exemplar memory.
type AnsweredTurn struct {
	Outcome  protocol.Outcome
	Question string // the newest customer message the draft had seen
	Language string
	// CustomerName is who the reply was for: the copilot replaces it when
	// the reply is reused for someone else.
	CustomerName string
	// Context is the agent's last message before the question ("" when
	// the question opened the conversation).
	Context string
	// Intent is the conversation's intent as the copilot last judged it:
	// its reply is reused only for conversations about the same.
	Intent string
}

var answeredTurnSelect = `SELECT o.` + strings.Join(strings.Fields(strings.ReplaceAll(outcomeColumns, ",", " ")), ", o.") + `,
	COALESCE((SELECT m.text FROM messages m WHERE m.conversation_id = o.conversation_id AND m.author = 'customer'
		AND m.seq <= d.based_on_seq ORDER BY m.seq DESC LIMIT 1), ''), c.language,
	COALESCE((SELECT cu.name FROM customers cu WHERE cu.id = c.customer_id), ''),
	COALESCE((SELECT a.text FROM messages a WHERE a.conversation_id = o.conversation_id AND a.author = 'agent'
		AND a.seq < (SELECT COALESCE(MAX(q.seq), 0) FROM messages q WHERE q.conversation_id = o.conversation_id
			AND q.author = 'customer' AND q.seq <= d.based_on_seq)
		ORDER BY a.seq DESC LIMIT 1), ''), c.intent
	FROM outcomes o JOIN drafts d ON d.id = o.draft_id JOIN conversations c ON c.id = o.conversation_id `

func (s *Store) answeredTurns(ctx context.Context, where string, args ...any) ([]AnsweredTurn, error) {
	rows, err := s.r.QueryContext(ctx, answeredTurnSelect+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read answered turns: %w", err)
	}
	defer rows.Close()
	var out []AnsweredTurn
	for rows.Next() {
		var a AnsweredTurn
		var sources string
		o := &a.Outcome
		if err := rows.Scan(&o.ID, &o.DraftID, &o.ConversationID, &o.AgentID, &o.Action, &o.DraftText, &o.FinalText,
			&o.Reason, &o.Note, &o.MessageID, &o.Provider, &o.Model, &o.PromptVersion, &sources, &o.IdempotencyKey,
			&o.DraftShownAt, &o.CreatedAt, &a.Question, &a.Language, &a.CustomerName, &a.Context, &a.Intent); err != nil {
			return nil, err
		}
		if err := unmarshalList(sources, &o.Sources); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AnsweredTurns returns every recorded outcome with its customer question,
// oldest first, at most limit.
func (s *Store) AnsweredTurns(ctx context.Context, limit int) ([]AnsweredTurn, error) {
	return s.answeredTurns(ctx, `ORDER BY o.created_at, o.id LIMIT ?`, limit)
}

// AnsweredTurn loads one outcome with its customer question.
func (s *Store) AnsweredTurn(ctx context.Context, outcomeID string) (AnsweredTurn, error) {
	turns, err := s.answeredTurns(ctx, `WHERE o.id = ?`, outcomeID)
	if err != nil {
		return AnsweredTurn{}, err
	}
	if len(turns) == 0 {
		return AnsweredTurn{}, protocol.Errorf(protocol.CodeNotFound, "no outcome %s", outcomeID)
	}
	return turns[0], nil
}
