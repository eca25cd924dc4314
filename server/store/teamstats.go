package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"

	"github.com/agentdesk/agentdesk/internal/topics"
	"github.com/agentdesk/agentdesk/protocol"
)

const (
	hourMs = int64(60 * 60 * 1000)
	dayMs  = 24 * hourMs
	weekMs = 7 * dayMs
)

// maxTopicMessages bounds how many recent customer messages the keyword
// trends read, so a busy week costs a bounded scan.
const maxTopicMessages = 20000

// TeamStats computes the floor aggregates the desk cannot derive from
// events (protocol.TeamStats) as of now (unix ms). Minutes carry first
// responses only; the server fills in the queue depth it sampled.
func (s *Store) TeamStats(ctx context.Context, dayStart, now int64) (protocol.TeamStats, error) {
	st := protocol.TeamStats{At: now, DayStart: dayStart, Waiting: map[string]int64{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, fmt.Errorf("team stats: %w", err)
	}
	defer tx.Rollback()
	steps := []func(context.Context, *sql.Tx, *protocol.TeamStats, int64) error{
		agentDays, firstResponses, waitingSince, s.hotTopics, csatRows, botDay,
	}
	for _, step := range steps {
		if err := step(ctx, tx, &st, now); err != nil {
			return st, fmt.Errorf("team stats: %w", err)
		}
	}
	return st, nil
}

func agentDays(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, _ int64) error {
	days := map[string]*protocol.AgentDay{}
	day := func(id string) *protocol.AgentDay {
		d := days[id]
		if d == nil {
			d = &protocol.AgentDay{AgentID: id}
			days[id] = d
		}
		return d
	}
	// Handle time runs from when the last owner took the chat to when it
	// was resolved (held_since survives resolve).
	rows, err := tx.QueryContext(ctx, `SELECT assignee, resolved_at, held_since FROM conversations
		WHERE status = 'resolved' AND resolved_at >= ? AND assignee <> ''`, st.DayStart)
	if err != nil {
		return err
	}
	for rows.Next() {
		var who string
		var resolved, held int64
		if err := rows.Scan(&who, &resolved, &held); err != nil {
			rows.Close()
			return err
		}
		d := day(who)
		d.Resolved++
		if held > 0 && resolved > held {
			d.HandleMs += resolved - held
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT agent_id, action, COUNT(*) FROM outcomes WHERE created_at >= ? GROUP BY agent_id, action`, st.DayStart)
	if err != nil {
		return err
	}
	for rows.Next() {
		var who string
		var action protocol.Action
		var n int
		if err := rows.Scan(&who, &action, &n); err != nil {
			rows.Close()
			return err
		}
		d := day(who)
		switch action {
		case protocol.ActionAccept:
			d.DraftsAccepted += n
		case protocol.ActionEdit:
			d.DraftsEdited += n
		case protocol.ActionReject:
			d.DraftsRejected += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	st.Agents = make([]protocol.AgentDay, 0, len(days))
	for _, d := range days {
		st.Agents = append(st.Agents, *d)
	}
	sort.Slice(st.Agents, func(i, j int) bool { return st.Agents[i].AgentID < st.Agents[j].AgentID })
	return nil
}

func firstResponses(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, now int64) error {
	start := now/60000*60000 - 59*60000 // the current minute and the 59 before it
	st.Minutes = make([]protocol.MinuteBin, 60)
	sums := make([]int64, 60)
	for i := range st.Minutes {
		st.Minutes[i] = protocol.MinuteBin{Start: start + int64(i)*60000, QueueDepth: -1}
	}
	rows, err := tx.QueryContext(ctx, `SELECT escalated_at, first_reply_at FROM conversations
		WHERE first_reply_at >= ? AND escalated_at > 0 AND first_reply_at >= escalated_at`, start)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var esc, first int64
		if err := rows.Scan(&esc, &first); err != nil {
			return err
		}
		i := int((first - start) / 60000)
		if i < 0 || i >= 60 {
			continue
		}
		st.Minutes[i].FirstReplies++
		sums[i] += first - esc
	}
	for i := range st.Minutes {
		if n := st.Minutes[i].FirstReplies; n > 0 {
			st.Minutes[i].FirstRespMs = sums[i] / int64(n)
		}
	}
	return rows.Err()
}

func waitingSince(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, _ int64) error {
	// The column addMessage keeps (protocol.Conversation.WaitStart): the
	// board and the desk read the same figure.
	rows, err := tx.QueryContext(ctx, `SELECT id, waiting_since FROM conversations
		WHERE status IN ('queued', 'assigned', 'snoozed') AND waiting_since > 0`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		st.Waiting[id] = at
	}
	return rows.Err()
}

// hotTopics finds intents and keywords whose count in the last hour (and
// the last day) is well above what their baseline rate predicts. The
// baseline is the 7 days before the window, or as much of it as there is
// data for; a topic with no baseline counts as new. Small counts are
// marked Thin rather than hidden or inflated. A keyword naming a listed
// intent (its name, or a word SetIntentWords gives it) is folded into it.
func (s *Store) hotTopics(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, now int64) error {
	from := now - weekMs - dayMs
	intents := map[string][]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT intent, created_at FROM conversations WHERE created_at >= ? AND intent <> ''`, from)
	if err != nil {
		return err
	}
	for rows.Next() {
		var in string
		var at int64
		if err := rows.Scan(&in, &at); err != nil {
			rows.Close()
			return err
		}
		intents[in] = append(intents[in], at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	oldest := now
	var msgs []topics.Message
	rows, err = tx.QueryContext(ctx, `SELECT conversation_id, text, created_at FROM messages WHERE author = 'customer' AND created_at >= ?
		ORDER BY created_at DESC LIMIT ?`, from, maxTopicMessages)
	if err != nil {
		return err
	}
	for rows.Next() {
		var m topics.Message
		if err := rows.Scan(&m.Conv, &m.Text, &m.At); err != nil {
			rows.Close()
			return err
		}
		oldest = min(oldest, m.At)
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, in := range intents {
		for _, at := range in {
			oldest = min(oldest, at)
		}
	}
	words := topics.KeywordTimes(msgs)
	var names map[string][]string
	if f := s.intentWords.Load(); f != nil {
		names = (*f)()
	}
	st.HotHour = topics.Rising(intents, words, msgs, now, hourMs, oldest, names)
	st.HotDay = topics.Rising(intents, words, msgs, now, dayMs, oldest, names)
	return nil
}

// SetIntentWords gives the hot topics the words each intent goes by (the
// copilot's KB tags and aliases), read at every computation so a reloaded
// KB counts: keyword "refund" or 退款 is then not listed beside intent
// "refunds".
func (s *Store) SetIntentWords(f func() map[string][]string) { s.intentWords.Store(&f) }

func csatRows(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, now int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.assignee, c.intent, s.score FROM csat s
		JOIN conversations c ON c.id = s.conversation_id WHERE s.created_at >= ?`, now-weekMs)
	if err != nil {
		return err
	}
	defer rows.Close()
	type acc struct{ sum, n int }
	byAgent, byTopic := map[string]*acc{}, map[string]*acc{}
	add := func(m map[string]*acc, k string, score int) {
		if k == "" {
			return
		}
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		a.sum += score
		a.n++
	}
	for rows.Next() {
		var who, intent string
		var score int
		if err := rows.Scan(&who, &intent, &score); err != nil {
			return err
		}
		add(byAgent, who, score)
		add(byTopic, intent, score)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	list := func(m map[string]*acc) []protocol.CSATRow {
		out := make([]protocol.CSATRow, 0, len(m))
		for k, a := range m {
			out = append(out, protocol.CSATRow{Key: k, Avg: math.Round(float64(a.sum)/float64(a.n)*100) / 100, Count: a.n})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Count != out[j].Count {
				return out[i].Count > out[j].Count
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	st.CSATByAgent, st.CSATByTopic = list(byAgent), list(byTopic)
	return nil
}

// QueueDepth is how many conversations wait in a queue now.
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE status = 'queued'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("queue depth: %w", err)
	}
	return n, nil
}

// FloorQueue is the number of queued conversations of one team, channel
// and priority.
type FloorQueue struct {
	Team, Channel string
	Priority      int
	Count         int
}

// Floor is the state of the floor for /metrics.
type Floor struct {
	Now           int64
	Queue         []FloorQueue
	OldestByTeam  map[string]int64 // escalated_at of the longest-waiting queued chat per team
	Open          map[string]int   // open conversations by status
	BreachedOpen  int              // open, past sla_due_at, no agent reply yet
	BreachesTotal int              // rows of sla_breaches
	Agents        map[string]int   // agents by presence status
}

// Floor reads the figures /metrics exports.
func (s *Store) Floor(ctx context.Context) (Floor, error) {
	f := Floor{Now: s.Now(), OldestByTeam: map[string]int64{}, Open: map[string]int{}, Agents: map[string]int{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return f, fmt.Errorf("floor: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT team, channel, priority, COUNT(*), MIN(escalated_at) FROM conversations
		WHERE status = 'queued' GROUP BY team, channel, priority`)
	if err != nil {
		return f, fmt.Errorf("floor queue: %w", err)
	}
	for rows.Next() {
		var q FloorQueue
		var oldest int64
		if err := rows.Scan(&q.Team, &q.Channel, &q.Priority, &q.Count, &oldest); err != nil {
			rows.Close()
			return f, fmt.Errorf("floor queue: %w", err)
		}
		f.Queue = append(f.Queue, q)
		if o, ok := f.OldestByTeam[q.Team]; !ok || (oldest > 0 && oldest < o) {
			f.OldestByTeam[q.Team] = oldest
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("floor queue: %w", err)
	}
	counts := func(q string, into map[string]int, args ...any) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			into[k] = n
		}
		return rows.Err()
	}
	if err := counts(`SELECT status, COUNT(*) FROM conversations WHERE status IN ('queued', 'assigned', 'snoozed') GROUP BY status`, f.Open); err != nil {
		return f, fmt.Errorf("floor open: %w", err)
	}
	if err := counts(`SELECT status, COUNT(*) FROM agents WHERE role <> 'trainer' GROUP BY status`, f.Agents); err != nil {
		return f, fmt.Errorf("floor agents: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE status IN ('queued', 'assigned', 'snoozed')
		AND sla_due_at > 0 AND sla_due_at < ? AND first_reply_at = 0`, f.Now).Scan(&f.BreachedOpen); err != nil {
		return f, fmt.Errorf("floor sla: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sla_breaches`).Scan(&f.BreachesTotal); err != nil {
		return f, fmt.Errorf("floor sla breaches: %w", err)
	}
	return f, nil
}
