package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/internal/textdiff"
	"github.com/agentdesk/agentdesk/protocol"
)

// changeScore is how much the agent changed a draft: 0 accepted as is, the
// normalised word-level edit distance for an edit, 1 rejected.
func changeScore(o protocol.Outcome) float64 {
	switch o.Action {
	case protocol.ActionAccept:
		return 0
	case protocol.ActionEdit:
		return textdiff.Distance(o.DraftText, o.FinalText)
	}
	return 1
}

// scoreOutcomes computes the change score of outcomes stored before it was
// kept (schema 5), in batches.
func (s *Store) scoreOutcomes(ctx context.Context) error {
	for {
		type row struct {
			id string
			o  protocol.Outcome
		}
		var batch []row
		rows, err := s.r.QueryContext(ctx, `SELECT id, action, draft_text, final_text FROM outcomes WHERE change_score < 0 LIMIT 500`)
		if err != nil {
			return fmt.Errorf("find unscored outcomes: %w", err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.o.Action, &r.o.DraftText, &r.o.FinalText); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := s.Update(ctx, func(tx *Tx) error {
			for _, r := range batch {
				if _, err := tx.exec(`UPDATE outcomes SET change_score = ? WHERE id = ?`, changeScore(r.o), r.id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("score outcomes: %w", err)
		}
	}
}

var prefixedOutcomeColumns = "o." + strings.Join(strings.Fields(strings.ReplaceAll(outcomeColumns, ",", " ")), ", o.")

const reviewFrom = ` FROM outcomes o JOIN conversations c ON c.id = o.conversation_id
	JOIN drafts d ON d.id = o.draft_id
	LEFT JOIN labels l ON l.outcome_id = o.id
	LEFT JOIN agents a ON a.id = o.agent_id `

var reviewItemSelect = `SELECT ` + prefixedOutcomeColumns + `, o.change_score, c.intent, c.language, COALESCE(a.name, ''),
	COALESCE(l.outcome_id, ''), COALESCE(l.reason, ''), COALESCE(l.severity, ''), COALESCE(l.comment, ''),
	COALESCE(l.gold_reply, ''), COALESCE(l.golden, 0), COALESCE(l.labelled_by, ''), COALESCE(l.labelled_at, 0),
	COALESCE(l.version, 0), COALESCE(l.mood, ''), d.based_on_seq` + reviewFrom

func scanReviewItem(r rowScanner) (protocol.ReviewItem, int, error) {
	var it protocol.ReviewItem
	var sources string
	var l protocol.Label
	var golden, basedOn int
	o := &it.Outcome
	if err := r.Scan(&o.ID, &o.DraftID, &o.ConversationID, &o.AgentID, &o.Action, &o.DraftText, &o.FinalText, &o.Reason,
		&o.Note, &o.MessageID, &o.Provider, &o.Model, &o.PromptVersion, &sources, &o.IdempotencyKey, &o.DraftShownAt,
		&o.CreatedAt, &it.Change, &it.Intent, &it.Language, &it.AgentName,
		&l.OutcomeID, &l.Reason, &l.Severity, &l.Comment, &l.GoldReply, &golden, &l.LabelledBy, &l.LabelledAt, &l.Version,
		&l.Mood, &basedOn); err != nil {
		return it, 0, err
	}
	if err := unmarshalList(sources, &o.Sources); err != nil {
		return it, 0, err
	}
	if it.Change < 0 {
		it.Change = changeScore(*o)
	}
	if l.OutcomeID != "" {
		l.Golden = golden != 0
		it.Label = &l
	}
	return it, basedOn, nil
}

// reviewWhere turns a filter into a WHERE clause (starting with " WHERE")
// and its arguments.
func reviewWhere(f protocol.ReviewFilter) (string, []any) {
	var conds []string
	var args []any
	in := func(expr string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, expr+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("o.action", f.Actions)
	if len(f.Reasons) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.Reasons)), ", ")
		conds = append(conds, "(o.reason IN ("+ph+") OR COALESCE(l.reason, '') IN ("+ph+"))")
		for range 2 {
			for _, v := range f.Reasons {
				args = append(args, v)
			}
		}
	}
	in("c.intent", f.Intents)
	in("c.language", f.Languages)
	in("o.model", f.Models)
	in("o.prompt_version", f.PromptVersions)
	in("o.agent_id", f.Agents)
	if f.Since > 0 {
		conds = append(conds, "o.created_at >= ?")
		args = append(args, f.Since)
	}
	if f.Until > 0 {
		conds = append(conds, "o.created_at < ?")
		args = append(args, f.Until)
	}
	switch f.Labelled {
	case "yes":
		conds = append(conds, "l.outcome_id IS NOT NULL")
	case "no":
		conds = append(conds, "l.outcome_id IS NULL")
	}
	if f.Golden {
		conds = append(conds, "l.golden = 1")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ReviewList returns a page of the outcomes stream, most changed first (or
// newest first), and how many outcomes match in all.
func (s *Store) ReviewList(ctx context.Context, req protocol.ReviewListReq) (protocol.ReviewListAck, error) {
	ack := protocol.ReviewListAck{Items: []protocol.ReviewItem{}, Offset: req.Offset}
	if err := s.scoreOutcomes(ctx); err != nil {
		return ack, err
	}
	limit := req.Limit
	if limit == 0 {
		limit = 50
	}
	where, args := reviewWhere(req.Filter)
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*)`+reviewFrom+where, args...).Scan(&ack.Total); err != nil {
		return ack, fmt.Errorf("count review items: %w", err)
	}
	order := ` ORDER BY o.change_score DESC, o.created_at DESC, o.id`
	if req.Sort == protocol.SortNewest {
		order = ` ORDER BY o.created_at DESC, o.id`
	}
	rows, err := s.r.QueryContext(ctx, reviewItemSelect+where+order+` LIMIT ? OFFSET ?`, append(args, limit, req.Offset)...)
	if err != nil {
		return ack, fmt.Errorf("read review items: %w", err)
	}
	defer rows.Close()
	size := 256 // the envelope and the ack's other fields
	for rows.Next() {
		it, _, err := scanReviewItem(rows)
		if err != nil {
			return ack, fmt.Errorf("read review item: %w", err)
		}
		b, err := json.Marshal(it)
		if err != nil {
			return ack, fmt.Errorf("encode review item: %w", err)
		}
		// End the page before it passes the reply limit (always with at
		// least one item); the desk asks again from Offset+len(Items).
		if size += len(b) + 1; size > protocol.MaxReplyBytes && len(ack.Items) > 0 {
			break
		}
		ack.Items = append(ack.Items, it)
	}
	return ack, rows.Err()
}

// afterMessages bounds ReviewDetail.After.
const afterMessages = 6

// ReviewDetail loads one outcome with its conversation context.
func (s *Store) ReviewDetail(ctx context.Context, outcomeID string) (protocol.ReviewDetail, error) {
	var d protocol.ReviewDetail
	it, basedOn, err := scanReviewItem(s.r.QueryRowContext(ctx, reviewItemSelect+` WHERE o.id = ?`, outcomeID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, protocol.Errorf(protocol.CodeNotFound, "no outcome %s", outcomeID)
	}
	if err != nil {
		return d, fmt.Errorf("load outcome %s: %w", outcomeID, err)
	}
	d.Item = it
	cd, err := s.ConversationDetail(ctx, it.Outcome.ConversationID)
	if err != nil {
		return d, err
	}
	d.Subject, d.Escalation = cd.Conversation.Subject, cd.Conversation.Escalation
	d.Customer, d.Channel = cd.Conversation.CustomerName, cd.Conversation.Channel
	for _, dr := range cd.Drafts {
		if dr.ID == it.Outcome.DraftID {
			d.Draft = dr
		}
	}
	d.Context = []protocol.Message{}
	for _, m := range cd.Messages {
		switch {
		case m.Seq <= basedOn:
			d.Context = append(d.Context, m)
		case len(d.After) < afterMessages:
			d.After = append(d.After, m)
		}
	}
	d.Promotions, err = s.promotions(ctx, `WHERE outcome_id = ? ORDER BY created_at`, outcomeID)
	return d, err
}

// SetLabel stores a trainer's label of an outcome, replacing an earlier one.
func (tx *Tx) SetLabel(actor Actor, req protocol.LabelReq) (protocol.Label, error) {
	var l protocol.Label
	if !protocol.MayRequest(actor.Role, protocol.ReqLabel) {
		return l, protocol.Errorf(protocol.CodeForbidden, "only trainers and admins label outcomes")
	}
	var convID string
	err := tx.queryRow(`SELECT conversation_id FROM outcomes WHERE id = ?`, req.OutcomeID).Scan(&convID)
	if errors.Is(err, sql.ErrNoRows) {
		return l, protocol.Errorf(protocol.CodeNotFound, "no outcome %s", req.OutcomeID)
	}
	if err != nil {
		return l, fmt.Errorf("load outcome %s: %w", req.OutcomeID, err)
	}
	var version int64
	err = tx.queryRow(`SELECT version FROM labels WHERE outcome_id = ?`, req.OutcomeID).Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("load label of %s: %w", req.OutcomeID, err)
	}
	if req.Version != 0 && req.Version != version {
		return l, protocol.Errorf(protocol.CodeConflict, "label of %s changed (version %d, you saw %d)", req.OutcomeID, version, req.Version)
	}
	l = protocol.Label{OutcomeID: req.OutcomeID, Reason: req.Reason, Severity: req.Severity, Mood: req.Mood, Comment: req.Comment,
		GoldReply: strings.TrimSpace(req.GoldReply), Golden: req.Golden, LabelledBy: actor.ID, LabelledAt: tx.now, Version: version + 1}
	golden := 0
	if l.Golden {
		golden = 1
	}
	if _, err := tx.exec(`INSERT INTO labels(outcome_id, reason, severity, comment, gold_reply, golden, labelled_by, labelled_at, version, mood)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (outcome_id) DO UPDATE SET reason = excluded.reason, severity = excluded.severity, mood = excluded.mood,
			comment = excluded.comment, gold_reply = excluded.gold_reply, golden = excluded.golden,
			labelled_by = excluded.labelled_by, labelled_at = excluded.labelled_at, version = labels.version + 1`,
		l.OutcomeID, l.Reason, l.Severity, l.Comment, l.GoldReply, golden, l.LabelledBy, l.LabelledAt, l.Mood); err != nil {
		return l, fmt.Errorf("store label of %s: %w", req.OutcomeID, err)
	}
	return l, tx.audit(actor.ID, "label", convID, map[string]any{"outcome": l.OutcomeID, "reason": l.Reason,
		"severity": l.Severity, "mood": l.Mood, "golden": l.Golden, "version": l.Version})
}

// PromotionSource is what a promotion needs from an outcome: the customer
// question the draft answered, the reply to promote (the gold reply, or
// what the agent sent) and the conversation's language and intent.
type PromotionSource struct {
	Turn     AnsweredTurn
	Reply    string
	Intent   string
	Language string
}

// PromotionSource loads an outcome for promotion. An outcome without a gold
// reply and without a sent reply (a rejection) cannot be promoted.
func (s *Store) PromotionSource(ctx context.Context, outcomeID string) (PromotionSource, error) {
	var p PromotionSource
	t, err := s.AnsweredTurn(ctx, outcomeID)
	if err != nil {
		return p, err
	}
	p.Turn, p.Language = t, t.Language
	var gold string
	err = s.r.QueryRowContext(ctx, `SELECT COALESCE(l.gold_reply, ''), c.intent FROM outcomes o
		JOIN conversations c ON c.id = o.conversation_id LEFT JOIN labels l ON l.outcome_id = o.id WHERE o.id = ?`, outcomeID).
		Scan(&gold, &p.Intent)
	if err != nil {
		return p, fmt.Errorf("load label of %s: %w", outcomeID, err)
	}
	p.Reply = gold
	if p.Reply == "" && t.Outcome.Action != protocol.ActionReject {
		p.Reply = t.Outcome.FinalText
	}
	switch {
	case p.Reply == "":
		return p, protocol.Errorf(protocol.CodeConflict, "outcome %s has no gold reply to promote: label one first", outcomeID)
	case strings.TrimSpace(t.Question) == "":
		return p, protocol.Errorf(protocol.CodeConflict, "outcome %s answered no customer question", outcomeID)
	}
	return p, nil
}

// AddPromotion records a promoted gold reply.
func (tx *Tx) AddPromotion(actor Actor, p protocol.Promotion, convID string) (protocol.Promotion, error) {
	if !protocol.MayRequest(actor.Role, protocol.ReqPromote) {
		return p, protocol.Errorf(protocol.CodeForbidden, "only trainers and admins promote replies")
	}
	if p.ID == "" {
		p.ID = NewID("p_")
	}
	p.By, p.At = actor.ID, tx.now
	if _, err := tx.exec(`INSERT INTO promotions(id, outcome_id, target, ref, status, question, reply, language, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.OutcomeID, p.Target, p.Ref, p.Status, p.Question, p.Reply, p.Language,
		p.By, p.At); err != nil {
		return p, fmt.Errorf("store promotion of %s: %w", p.OutcomeID, err)
	}
	return p, tx.audit(actor.ID, "promote."+p.Target, convID, map[string]string{"outcome": p.OutcomeID, "ref": p.Ref})
}

// Promotions returns the promotions to a target, oldest first.
func (s *Store) Promotions(ctx context.Context, target string) ([]protocol.Promotion, error) {
	return s.promotions(ctx, `WHERE target = ? ORDER BY created_at, id`, target)
}

func (s *Store) promotions(ctx context.Context, where string, args ...any) ([]protocol.Promotion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, outcome_id, target, ref, status, question, reply, language, created_by, created_at
		FROM promotions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read promotions: %w", err)
	}
	defer rows.Close()
	var out []protocol.Promotion
	for rows.Next() {
		var p protocol.Promotion
		if err := rows.Scan(&p.ID, &p.OutcomeID, &p.Target, &p.Ref, &p.Status, &p.Question, &p.Reply, &p.Language,
			&p.By, &p.At); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReviewMetrics computes rates, edit distances, reasons and trends over the
// outcomes a filter selects.
func (s *Store) ReviewMetrics(ctx context.Context, req protocol.ReviewMetricsReq) (protocol.ReviewMetrics, error) {
	m := protocol.ReviewMetrics{Reasons: map[string]int{}, Days: []protocol.OutcomeStats{},
		ByIntent: []protocol.OutcomeStats{}, ByModel: []protocol.OutcomeStats{}, ByPromptVersion: []protocol.OutcomeStats{}}
	if err := s.scoreOutcomes(ctx); err != nil {
		return m, err
	}
	where, args := reviewWhere(req.Filter)
	rows, err := s.r.QueryContext(ctx, `SELECT o.action, o.reason, COALESCE(l.reason, ''), o.change_score, c.intent,
		o.provider, o.model, o.prompt_version, o.created_at`+reviewFrom+where, args...)
	if err != nil {
		return m, fmt.Errorf("read outcomes for metrics: %w", err)
	}
	defer rows.Close()
	overall := &acc{}
	days, intents, models, prompts := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	group := func(g map[string]*acc, k string) *acc {
		if g[k] == nil {
			g[k] = &acc{}
		}
		return g[k]
	}
	zone := time.FixedZone("", req.UTCOffsetMinutes*60)
	for rows.Next() {
		var action protocol.Action
		var reason, labelReason, intent, provider, model, prompt string
		var change float64
		var at int64
		if err := rows.Scan(&action, &reason, &labelReason, &change, &intent, &provider, &model, &prompt, &at); err != nil {
			return m, err
		}
		if change < 0 {
			change = 0
		}
		for _, a := range []*acc{overall, group(days, time.UnixMilli(at).In(zone).Format(time.DateOnly)),
			group(intents, orNone(intent)), group(models, provider+"/"+model), group(prompts, orNone(prompt))} {
			a.add(action, change)
		}
		if action == protocol.ActionReject {
			if labelReason != "" {
				reason = labelReason
			}
			m.Reasons[orNone(reason)]++
		}
	}
	if err := rows.Err(); err != nil {
		return m, err
	}
	m.Overall = overall.stats("")
	m.Days = sortedStats(days, false)
	m.ByIntent = sortedStats(intents, true)
	m.ByModel = sortedStats(models, true)
	m.ByPromptVersion = sortedStats(prompts, true)
	return m, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

type acc struct {
	total, accepted, edited, rejected int
	sentDist, change                  float64
}

func (a *acc) add(action protocol.Action, change float64) {
	a.total++
	a.change += change
	switch action {
	case protocol.ActionAccept:
		a.accepted++
	case protocol.ActionEdit:
		a.edited++
		a.sentDist += change
	default:
		a.rejected++
	}
}

func (a *acc) stats(key string) protocol.OutcomeStats {
	st := protocol.OutcomeStats{Key: key, Total: a.total, Accepted: a.accepted, Edited: a.edited, Rejected: a.rejected}
	if a.total > 0 {
		n := float64(a.total)
		st.AcceptRate, st.EditRate, st.RejectRate = round3(float64(a.accepted)/n), round3(float64(a.edited)/n), round3(float64(a.rejected)/n)
		st.MeanChange = round3(a.change / n)
	}
	if sent := a.accepted + a.edited; sent > 0 {
		st.MeanEditDistance = round3(a.sentDist / float64(sent))
	}
	return st
}

func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	return r
}

// sortedStats lists groups by key, or by size (largest first) when bySize.
func sortedStats(g map[string]*acc, bySize bool) []protocol.OutcomeStats {
	out := make([]protocol.OutcomeStats, 0, len(g))
	for k, a := range g {
		out = append(out, a.stats(k))
	}
	sort.Slice(out, func(i, j int) bool {
		if bySize && out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// ExportCase is one outcome with the conversation before its draft: the
// raw material of a dataset record.
type ExportCase struct {
	Item    protocol.ReviewItem
	Context []protocol.Message
	// Customer is the conversation's customer name, so exports can mask it.
	Customer string
	// CSAT is the customer's rating of the resolution that followed this
	// outcome, when this is the last outcome before it (so each rating is
	// exported once); nil otherwise.
	CSAT *CSAT
}

// ExportCursor is the cursor of the export page that starts after o.
func ExportCursor(o protocol.Outcome) string {
	return strconv.FormatInt(o.CreatedAt, 10) + ":" + o.ID
}

// ExportCases returns up to limit outcomes the filter selects, oldest first,
// after the cursor (empty for the start), and the cursor of the next page
// (empty at the end).
func (s *Store) ExportCases(ctx context.Context, f protocol.ReviewFilter, cursor string, limit int) ([]ExportCase, string, error) {
	if err := s.scoreOutcomes(ctx); err != nil {
		return nil, "", err
	}
	where, args := reviewWhere(f)
	if cursor != "" {
		at, id, ok := strings.Cut(cursor, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return nil, "", protocol.Errorf(protocol.CodeInvalid, "field \"cursor\" is not a cursor this server issued")
		}
		if where == "" {
			where = " WHERE "
		} else {
			where += " AND "
		}
		where += "(o.created_at > ? OR (o.created_at = ? AND o.id > ?))"
		args = append(args, ms, ms, id)
	}
	rows, err := s.r.QueryContext(ctx, reviewItemSelect+where+` ORDER BY o.created_at, o.id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("read export cases: %w", err)
	}
	var cases []ExportCase
	var based []int
	for rows.Next() {
		it, b, err := scanReviewItem(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		cases = append(cases, ExportCase{Item: it})
		based = append(based, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(cases) > limit {
		cases, based = cases[:limit], based[:limit]
		next = ExportCursor(cases[limit-1].Item.Outcome)
	}
	for i := range cases {
		msgs, err := s.messagesUpTo(ctx, cases[i].Item.Outcome.ConversationID, based[i])
		if err != nil {
			return nil, "", err
		}
		cases[i].Context = msgs
		if cases[i].CSAT, err = s.csatAfter(ctx, cases[i].Item.Outcome); err != nil {
			return nil, "", err
		}
		if err := s.r.QueryRowContext(ctx, `SELECT cu.name`+convFrom+` WHERE c.id = ?`,
			cases[i].Item.Outcome.ConversationID).Scan(&cases[i].Customer); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, "", err
		}
	}
	return cases, next, nil
}

// csatAfter is the first rating of the conversation given after outcome o
// with no later outcome before that resolution.
func (s *Store) csatAfter(ctx context.Context, o protocol.Outcome) (*CSAT, error) {
	var c CSAT
	err := s.r.QueryRowContext(ctx, `SELECT conversation_id, resolved_at, score, comment, created_at FROM csat r
		WHERE r.conversation_id = ? AND r.resolved_at >= ? AND NOT EXISTS (SELECT 1 FROM outcomes o2
			WHERE o2.conversation_id = r.conversation_id AND o2.created_at <= r.resolved_at
			AND (o2.created_at > ? OR (o2.created_at = ? AND o2.id > ?)))
		ORDER BY r.resolved_at LIMIT 1`, o.ConversationID, o.CreatedAt, o.CreatedAt, o.CreatedAt, o.ID).
		Scan(&c.ConversationID, &c.ResolvedAt, &c.Score, &c.Comment, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load CSAT of %s: %w", o.ConversationID, err)
	}
	return &c, nil
}

func (s *Store) messagesUpTo(ctx context.Context, convID string, seq int) ([]protocol.Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND seq <= ? ORDER BY seq`, convID, seq)
	if err != nil {
		return nil, fmt.Errorf("load messages of %s: %w", convID, err)
	}
	defer rows.Close()
	var out []protocol.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Audit records who did what outside the conversation requests (exports,
// KB reloads).
func (tx *Tx) Audit(actor, action, convID string, detail any) error {
	return tx.audit(actor, action, convID, detail)
}
