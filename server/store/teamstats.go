package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

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
		agentDays, firstResponses, waitingSince, hotTopics, csatRows, botDay,
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
// marked Thin rather than hidden or inflated.
func hotTopics(ctx context.Context, tx *sql.Tx, st *protocol.TeamStats, now int64) error {
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
	var msgs []topicMessage
	rows, err = tx.QueryContext(ctx, `SELECT conversation_id, text, created_at FROM messages WHERE author = 'customer' AND created_at >= ?
		ORDER BY created_at DESC LIMIT ?`, from, maxTopicMessages)
	if err != nil {
		return err
	}
	for rows.Next() {
		var m topicMessage
		if err := rows.Scan(&m.conv, &m.text, &m.at); err != nil {
			rows.Close()
			return err
		}
		oldest = min(oldest, m.at)
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
	words := keywordTimes(msgs)
	st.HotHour = rising(intents, words, msgs, now, hourMs, oldest)
	st.HotDay = rising(intents, words, msgs, now, dayMs, oldest)
	return nil
}

// topicMessage is a customer message read for the keyword trends.
type topicMessage struct {
	conv, text string
	at         int64
}

// keywordTimes maps each keyword to when conversations mentioned it: once
// per conversation (at its newest mention, msgs being newest first), so a
// customer repeating a word does not make it a trend.
func keywordTimes(msgs []topicMessage) map[string][]int64 {
	words := map[string][]int64{}
	seen := map[[2]string]bool{}
	for _, m := range msgs {
		for w := range Keywords(m.text) {
			if k := [2]string{m.conv, w}; !seen[k] {
				seen[k] = true
				words[w] = append(words[w], m.at)
			}
		}
	}
	return words
}

// mentions counts the conversations whose customer messages in
// [from, to] contain phrase.
func mentions(msgs []topicMessage, phrase string, from, to int64) int {
	convs := map[string]bool{}
	for _, m := range msgs {
		if m.at >= from && m.at <= to && strings.Contains(m.text, phrase) {
			convs[m.conv] = true
		}
	}
	return len(convs)
}

// rising scores each topic's count in [now-window, now) against its rate
// in the 7 days before, and returns the top ones that are clearly up.
//
// msgs are the messages the keywords came from: Chinese bigrams are merged
// into a longer phrase only where that phrase really occurs in them.
func rising(intents, words map[string][]int64, msgs []topicMessage, now, window, oldest int64) []protocol.Topic {
	winStart := now - window
	baseStart := max(winStart-weekMs, oldest)
	baseSpan := winStart - baseStart // how much history there really is
	var out []protocol.Topic
	consider := func(kind string, m map[string][]int64) {
		for name, ats := range m {
			count, base := 0, 0
			for _, at := range ats {
				switch {
				case at >= winStart && at < now+1:
					count++
				case at >= baseStart && at < winStart:
					base++
				}
			}
			if count < 2 {
				continue
			}
			expected := 0.0
			if baseSpan > 0 {
				expected = float64(base) * float64(window) / float64(baseSpan)
			}
			if float64(count) < 2*expected+1 {
				continue // not clearly above the usual
			}
			t := protocol.Topic{Kind: kind, Name: name, Count: count, Expected: math.Round(expected*10) / 10,
				Thin: count < 5 || baseSpan < window}
			out = append(out, t)
		}
	}
	consider(protocol.TopicIntent, intents)
	consider(protocol.TopicKeyword, words)
	out = mergePhrases(out, func(phrase string) int { return mentions(msgs, phrase, winStart, now) })
	z := func(t protocol.Topic) float64 { return (float64(t.Count) - t.Expected) / math.Sqrt(t.Expected+1) }
	sort.Slice(out, func(i, j int) bool {
		if zi, zj := z(out[i]), z(out[j]); zi != zj {
			return zi > zj
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == protocol.TopicIntent
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

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

// mergePhrases joins Chinese keyword bigrams that chain ("屏幕", "幕碎",
// "碎了") and rise together (counts within a fifth) into one phrase, so a
// lead reads "屏幕碎了" once instead of three fragments. A merge must be a
// phrase customers actually wrote about as often (occurs counts the
// conversations mentioning it): bigrams that merely share a character —
// "买了" from one message and "了两" from another — stay apart.
func mergePhrases(ts []protocol.Topic, occurs func(phrase string) int) []protocol.Topic {
	han := func(t protocol.Topic) bool {
		r := []rune(t.Name)
		return t.Kind == protocol.TopicKeyword && len(r) >= 2 && unicode.Is(unicode.Han, r[0])
	}
	near := func(a, b int) bool { return abs(a-b) <= max(1, max(a, b)/5) }
	tried := map[string]bool{}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(ts) && !merged; i++ {
			if !han(ts[i]) {
				continue
			}
			a := []rune(ts[i].Name)
			for j := range ts {
				if j == i || !han(ts[j]) || !near(ts[i].Count, ts[j].Count) {
					continue
				}
				b := []rune(ts[j].Name)
				if a[len(a)-1] != b[0] {
					continue
				}
				name := string(a) + string(b[1:])
				if tried[name] {
					continue
				}
				tried[name] = true
				n := occurs(name)
				if n < 2 || !near(n, min(ts[i].Count, ts[j].Count)) {
					continue
				}
				ts[i].Name = name
				ts[i].Count = n
				ts[i].Expected = max(ts[i].Expected, ts[j].Expected)
				ts[i].Thin = ts[i].Thin || ts[j].Thin || n < 5
				ts = append(ts[:j], ts[j+1:]...)
				merged = true
				break
			}
		}
	}
	return ts
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// stopwords are frequent words that say nothing about a topic.
var stopwords = map[string]bool{}

// hanStop are Chinese function characters — pronouns, particles,
// measure words, common adverbs — that sit between content words, not in
// them: a bigram containing one spans a word boundary ("们家", "了两",
// "给我", "好的") and is no topic.
var hanStop = map[rune]bool{}

func init() {
	for _, w := range strings.Fields(`the and for you your are was were have has had not but with this that what when
		can cant could would will how why who where please thanks thank hello just get got any our out from there
		they them been its into about also still yet did does don dont want need order help
		all also always another anything because before being both cannot come comes day days done each either else
		even ever every few find found first fine good great hey isn aren wasn weren hasn haven hadn didn doesn won
		wouldn couldn shouldn here him her his hers how however instead its just keep know last let like look made
		make many may maybe more most much must never next nothing now off okay once one only other over perfect
		really rather right said same say says see seen send sent should since some something soon sorry sounds
		sure take than then these thing things think those three through today told tomorrow too two under until
		upon use used very way week weeks well went which while within without yes yesterday yet ago already
		again back bit call called else eye ideally hear heard hours hour minute minutes month months year years
		anyone everyone someone thanks appreciate appreciated sorting worth stay unless nearly looking
		forward help helps helped works working work expect expected listening handled handle talking talk started start
		full third check checked trying tried try wait waited waiting ordered orders`) {
		stopwords[w] = true
	}
	for _, w := range strings.Fields(`我们 你们 什么 一个 可以 怎么 没有 这个 那个 谢谢 你好 请问 就是 还是 已经 现在 为什么 时候 是不 不是 我的 我要 的话 了吗
		好的 好吧 行吧 麻烦 辛苦 明白 收到 知道 需要 能不 能给 大概 然后 因为 所以 但是 如果 一下 一直 到底
		你们家 我们家 他们家 时候 请问 今天 明天 昨天 马上 刚才 一定`) {
		stopwords[w] = true
	}
	for _, r := range "的地得了着过吗呢吧啊呀哦嘛么们我你您他她它这那哪谁是在有没要会想能已几次就都也还又再才很太把被给和跟与及个些一两" {
		hanStop[r] = true
	}
}

// Keywords returns the topic words of a customer message, each once:
// Latin words of three or more letters (lower-cased, stopwords dropped)
// and, for Chinese, every pair of adjacent Han characters that is not
// split by a function character, since Chinese has no spaces to split on
// and two characters is the common word length.
func Keywords(text string) map[string]struct{} {
	out := map[string]struct{}{}
	var latin []rune
	var han []rune
	flushLatin := func() {
		if len(latin) >= 3 && len(latin) <= 24 {
			w := string(latin)
			if !stopwords[w] {
				out[w] = struct{}{}
			}
		}
		latin = latin[:0]
	}
	var stop []bool
	flushHan := func() {
		// A character is a boundary when it is a function character or
		// part of a stopword ("时候" in "时候扣", "你们家" in "你们家买").
		stop = append(stop[:0], make([]bool, len(han))...)
		for i, r := range han {
			stop[i] = stop[i] || hanStop[r]
			for _, n := range []int{2, 3} {
				if i+n <= len(han) && stopwords[string(han[i:i+n])] {
					for k := i; k < i+n; k++ {
						stop[k] = true
					}
				}
			}
		}
		for i := 0; i+1 < len(han); i++ {
			if !stop[i] && !stop[i+1] {
				out[string(han[i:i+2])] = struct{}{}
			}
		}
		han = han[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushLatin()
			han = append(han, r)
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			flushHan()
			latin = append(latin, unicode.ToLower(r))
		default:
			flushLatin()
			flushHan()
		}
	}
	flushLatin()
	flushHan()
	return out
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
