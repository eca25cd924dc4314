package copilot

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strings"
)

// This file measures the offline engine on labelled JSON Lines in the row
// formats of the shared evaluation data (sentiment rows, FAQ rows, dialogue
// rows). `agentdesk eval` is a thin command over these functions.

// SentimentRow is one labelled text.
type SentimentRow struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	Label    string   `json:"label"`
	Lang     string   `json:"lang"`
	Emotion  string   `json:"emotion,omitempty"`
	Emotions []string `json:"emotions,omitempty"`
}

// FAQRow is one question with its answer.
type FAQRow struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Lang     string `json:"lang"`
	Category string `json:"category"`
}

// DialogueRow is one conversation between a customer and an agent.
type DialogueRow struct {
	ID     string `json:"id"`
	Lang   string `json:"lang"`
	Intent string `json:"intent,omitempty"`
	Turns  []struct {
		Role string `json:"role"`
		Text string `json:"text"`
	} `json:"turns"`
}

// Check reports what a row lacks: text and label are required.
func (r SentimentRow) Check() error {
	switch {
	case strings.TrimSpace(r.Text) == "":
		return errors.New(`"text" is required`)
	case strings.TrimSpace(r.Label) == "":
		return errors.New(`"label" is required (positive, negative or neutral)`)
	}
	return nil
}

// Check reports what a row lacks: question and answer are required.
func (r FAQRow) Check() error {
	if strings.TrimSpace(r.Question) == "" || strings.TrimSpace(r.Answer) == "" {
		return errors.New(`"question" and "answer" are required`)
	}
	return nil
}

// Check reports what a row lacks: turns, each with a role and text.
func (r DialogueRow) Check() error {
	if len(r.Turns) == 0 {
		return errors.New(`"turns" is required: a list of {"role","text"}`)
	}
	for i, t := range r.Turns {
		if t.Role == "" {
			return fmt.Errorf(`turn %d: "role" is required`, i+1)
		}
	}
	return nil
}

// ReadJSONL decodes one JSON object per non-empty line into T. Errors name the
// line so a broken file can be fixed; a row with a Check method is checked.
func ReadJSONL[T any](r io.Reader) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, readableJSONError(err))
		}
		if c, ok := any(v).(interface{ Check() error }); ok {
			if err := c.Check(); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}

// readableJSONError says which field has the wrong kind of value in JSON
// terms rather than Go's ("cannot unmarshal string into Go struct field …").
func readableJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" {
		return err
	}
	want := "a " + te.Type.Kind().String()
	switch te.Type.Kind() {
	case reflect.Slice, reflect.Array:
		want = "a list"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.String:
		want = "a string"
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		want = "a number"
	}
	return fmt.Errorf("field %q: want %s, got a JSON %s", te.Field, want, te.Value)
}

// ClassReport is precision, recall and F1 of one class.
type ClassReport struct {
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// SentimentScores are the figures for one group of rows.
type SentimentScores struct {
	N        int                    `json:"n"`
	Accuracy float64                `json:"accuracy"`
	MacroF1  float64                `json:"macro_f1"`
	Classes  map[string]ClassReport `json:"classes"`
	// Labels are the gold classes of the group; when only positive and
	// negative occur, the engine's score decides between the two (a review
	// corpus has no neutral class to predict).
	Labels []string `json:"labels"`
}

// AngryScores measure the angry flag against rows that carry emotions.
type AngryScores struct {
	N         int     `json:"n"`
	Gold      int     `json:"gold"`
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// SentimentReport is the result of EvalSentiment.
type SentimentReport struct {
	SentimentScores
	PerLanguage map[string]SentimentScores `json:"per_language"`
	Angry       *AngryScores               `json:"angry,omitempty"`
}

// EvalSentiment runs the offline sentiment on every row and scores it.
func EvalSentiment(ctx context.Context, rows []SentimentRow) (SentimentReport, error) {
	return EvalSentimentModel(ctx, rows, nil)
}

// EvalSentimentModel scores a trained model (nil: the lexicon engine) on rows.
func EvalSentimentModel(ctx context.Context, rows []SentimentRow, m *SentimentModel) (SentimentReport, error) {
	if len(rows) == 0 {
		return SentimentReport{}, errors.New("no rows")
	}
	type pred struct {
		gold, lang string
		score      float64
		label      Label
		angryGold  bool
		hasEmotion bool
		angryPred  bool
	}
	preds := make([]pred, 0, len(rows))
	for i, r := range rows {
		if i%256 == 0 && ctx.Err() != nil {
			return SentimentReport{}, ctx.Err()
		}
		if r.Label == "" {
			return SentimentReport{}, fmt.Errorf("row %d (%s): no label", i+1, r.ID)
		}
		ms := analyzeSentiment(r.Text)
		lang := r.Lang
		if lang == "" {
			lang = DetectLanguage(r.Text)
		}
		p := pred{gold: r.Label, lang: lang, score: ms.raw, label: ms.label}
		flagScore := ms.score
		if m != nil {
			p.label, p.score = m.Predict(r.Text)
			flagScore = p.score
		}
		if r.Emotion != "" || len(r.Emotions) > 0 {
			p.hasEmotion = true
			p.angryGold = r.Emotion == "anger"
			for _, e := range r.Emotions {
				if e == "anger" || e == "annoyance" {
					p.angryGold = true
				}
			}
			f, _ := messageFlags(r.Text, ms, flagScore)
			p.angryPred = f.Angry
		}
		preds = append(preds, p)
	}
	score := func(ps []pred) SentimentScores {
		gold := map[string]bool{}
		for _, p := range ps {
			gold[p.gold] = true
		}
		binary := len(gold) == 2 && gold["positive"] && gold["negative"]
		var labels []string
		for l := range gold {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
		correct := 0
		for _, p := range ps {
			got := string(p.label)
			if binary {
				got = string(binaryLabel(p.score))
			}
			if got == p.gold {
				correct++
				tp[got]++
			} else {
				fp[got]++
				fn[p.gold]++
			}
		}
		s := SentimentScores{N: len(ps), Labels: labels, Classes: map[string]ClassReport{}}
		s.Accuracy = float64(correct) / float64(len(ps))
		for _, l := range labels {
			c := prf(tp[l], fp[l], fn[l])
			c.Support = tp[l] + fn[l]
			s.Classes[l] = c
			s.MacroF1 += c.F1
		}
		s.MacroF1 /= float64(len(labels))
		return s
	}
	rep := SentimentReport{SentimentScores: score(preds), PerLanguage: map[string]SentimentScores{}}
	byLang := map[string][]pred{}
	for _, p := range preds {
		byLang[p.lang] = append(byLang[p.lang], p)
	}
	for l, ps := range byLang {
		rep.PerLanguage[l] = score(ps)
	}
	var a AngryScores
	tp := 0
	for _, p := range preds {
		if !p.hasEmotion {
			continue
		}
		a.N++
		if p.angryGold {
			a.Gold++
		}
		if p.angryPred {
			a.Predicted++
		}
		if p.angryGold && p.angryPred {
			tp++
		}
	}
	if a.N > 0 {
		c := prf(tp, a.Predicted-tp, a.Gold-tp)
		a.Precision, a.Recall, a.F1 = c.Precision, c.Recall, c.F1
		rep.Angry = &a
	}
	return rep, nil
}

// binaryLabel forces a positive/negative decision from the raw score. A
// score of exactly zero (no cue at all) goes to negative: in service data a
// text with no praise in it is more often a complaint than a compliment.
func binaryLabel(raw float64) Label {
	if raw > 0 {
		return Positive
	}
	return Negative
}

func prf(tp, fp, fn int) ClassReport {
	var c ClassReport
	if tp+fp > 0 {
		c.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		c.Recall = float64(tp) / float64(tp+fn)
	}
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	}
	return c
}

// FAQScores are retrieval figures for a group of questions.
type FAQScores struct {
	N      int     `json:"n"`
	HitAt1 float64 `json:"hit_at_1"`
	HitAt3 float64 `json:"hit_at_3"`
	MRR    float64 `json:"mrr_at_10"`
}

// FAQReport is the result of EvalFAQ.
type FAQReport struct {
	FAQScores
	PerLanguage map[string]FAQScores `json:"per_language"`
	PerCategory map[string]FAQScores `json:"per_category,omitempty"`
}

// EvalFAQ asks every question against the pool of all answers in the file
// (the answers are the knowledge base, the questions are not indexed) and
// counts how often the row's own answer is ranked first, or in the top
// three. Rows whose answers are identical count each other as hits.
func EvalFAQ(ctx context.Context, rows []FAQRow) (FAQReport, error) {
	if len(rows) == 0 {
		return FAQReport{}, errors.New("no rows")
	}
	entries := make([]KBEntry, len(rows))
	for i, r := range rows {
		if r.Question == "" || r.Answer == "" {
			return FAQReport{}, fmt.Errorf("row %d (%s): question and answer are required", i+1, r.ID)
		}
		entries[i] = KBEntry{ID: fmt.Sprint(i), Body: r.Answer, Language: r.Lang}
	}
	kb := NewKB(entries)
	type res struct {
		lang, cat string
		rank      int // 1-based, 0 = not in the top 10
	}
	var results []res
	for i, r := range rows {
		if i%128 == 0 && ctx.Err() != nil {
			return FAQReport{}, ctx.Err()
		}
		lang := r.Lang
		if lang == "" {
			lang = DetectLanguage(r.Question)
		}
		hits := kb.Search(r.Question, lang, 10)
		rank := 0
		for j, h := range hits {
			if rows[atoi(h.Entry.ID)].Answer == r.Answer {
				rank = j + 1
				break
			}
		}
		results = append(results, res{lang: lang, cat: r.Category, rank: rank})
	}
	score := func(rs []res) FAQScores {
		s := FAQScores{N: len(rs)}
		for _, r := range rs {
			if r.rank == 1 {
				s.HitAt1++
			}
			if r.rank >= 1 && r.rank <= 3 {
				s.HitAt3++
			}
			if r.rank > 0 {
				s.MRR += 1 / float64(r.rank)
			}
		}
		n := float64(len(rs))
		s.HitAt1, s.HitAt3, s.MRR = s.HitAt1/n, s.HitAt3/n, s.MRR/n
		return s
	}
	rep := FAQReport{FAQScores: score(results), PerLanguage: map[string]FAQScores{}, PerCategory: map[string]FAQScores{}}
	byLang, byCat := map[string][]res{}, map[string][]res{}
	for _, r := range results {
		byLang[r.lang] = append(byLang[r.lang], r)
		if r.cat != "" {
			byCat[r.cat] = append(byCat[r.cat], r)
		}
	}
	for k, v := range byLang {
		rep.PerLanguage[k] = score(v)
	}
	for k, v := range byCat {
		rep.PerCategory[k] = score(v)
	}
	return rep, nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// DialogueScores are draft-similarity figures for a group of replies.
type DialogueScores struct {
	N              int     `json:"n"`
	SimilarityCold float64 `json:"similarity_cold"`
	SimilarityFed  float64 `json:"similarity_fed"`
	// ExemplarUsed is the share of fed drafts that reused an exemplar.
	ExemplarUsed float64 `json:"exemplar_used"`
}

// DialogueReport is the result of EvalDialogues.
type DialogueReport struct {
	DialogueScores
	Dialogues   int                       `json:"dialogues"`
	PerLanguage map[string]DialogueScores `json:"per_language"`
	// SecondHalf is measured on the later half of the file only, when the
	// fed memory holds at least half the file's dialogues.
	SecondHalf DialogueScores `json:"second_half"`
}

// EvalDialogues replays each dialogue: for up to maxPerDialogue agent
// replies that follow a customer turn, it drafts a reply from the
// conversation so far and compares the draft with the reply the agent really
// sent (Similarity). "Cold" drafts use the knowledge base only; "fed" drafts
// also see an exemplar memory holding the customer/agent pairs of all earlier
// dialogues in the file, the way the desk learns from what agents send. kb
// may be nil for the embedded demo knowledge base.
func EvalDialogues(ctx context.Context, rows []DialogueRow, kb *KB, maxPerDialogue int) (DialogueReport, error) {
	if len(rows) == 0 {
		return DialogueReport{}, errors.New("no rows")
	}
	if maxPerDialogue <= 0 {
		maxPerDialogue = 3
	}
	quiet := slog.New(slog.DiscardHandler)
	cold, err := New(Config{KB: kb, Logger: quiet})
	if err != nil {
		return DialogueReport{}, err
	}
	fed, err := New(Config{KB: cold.kb, Logger: quiet})
	if err != nil {
		return DialogueReport{}, err
	}
	type res struct {
		lang       string
		cold, fed  float64
		used, late bool
	}
	var results []res
	for di, row := range rows {
		if err := ctx.Err(); err != nil {
			return DialogueReport{}, err
		}
		var c Conversation
		var pending []string // customer turns since the last agent turn
		lastAgent := ""      // the agent's latest message: the next question's context
		var pairs []Exemplar
		done := 0
		for ti, t := range row.Turns {
			role := Role(t.Role)
			if role != RoleCustomer && role != RoleAgent && role != RoleBot {
				role = RoleAgent
			}
			if role == RoleAgent && len(pending) > 0 && strings.TrimSpace(t.Text) != "" && done < maxPerDialogue {
				dc, err := cold.Draft(ctx, c, "", nil)
				if err != nil {
					return DialogueReport{}, fmt.Errorf("dialogue %s: %w", row.ID, err)
				}
				df, err := fed.Draft(ctx, c, "", nil)
				if err != nil {
					return DialogueReport{}, fmt.Errorf("dialogue %s: %w", row.ID, err)
				}
				used := false
				for _, s := range df.Citations {
					used = used || s.Kind == SourceExemplar
				}
				lang := row.Lang
				if lang == "" {
					lang = dc.Language
				}
				results = append(results, res{lang: lang, cold: Similarity(dc.Text, t.Text), fed: Similarity(df.Text, t.Text),
					used: used, late: di >= len(rows)/2})
				done++
			}
			if role == RoleAgent && len(pending) > 0 && strings.TrimSpace(t.Text) != "" {
				// With the conversation's intent, as the server stores it.
				ins, err := cold.Insight(ctx, c)
				if err != nil {
					return DialogueReport{}, fmt.Errorf("dialogue %s: %w", row.ID, err)
				}
				pairs = append(pairs, Exemplar{ID: fmt.Sprintf("%s#%d", row.ID, ti), Question: strings.Join(pending, "\n"),
					Reply: t.Text, Outcome: Accepted, Language: row.Lang, Context: lastAgent, Intent: ins.Intent})
			}
			if role == RoleCustomer {
				pending = append(pending, t.Text)
			} else {
				pending = pending[:0]
			}
			if role == RoleAgent {
				lastAgent = t.Text
			}
			c.Messages = append(c.Messages, Message{Seq: int64(ti + 1), Role: role, Text: t.Text})
		}
		// Only after the dialogue is scored does it join the memory: a
		// draft never sees its own answer.
		for _, x := range pairs {
			if err := fed.AddExemplar(x); err != nil {
				return DialogueReport{}, fmt.Errorf("dialogue %s: %w", row.ID, err)
			}
		}
	}
	if len(results) == 0 {
		return DialogueReport{}, errors.New("no customer turn followed by an agent reply in the file")
	}
	score := func(rs []res) DialogueScores {
		s := DialogueScores{N: len(rs)}
		for _, r := range rs {
			s.SimilarityCold += r.cold
			s.SimilarityFed += r.fed
			if r.used {
				s.ExemplarUsed++
			}
		}
		if n := float64(len(rs)); n > 0 {
			s.SimilarityCold, s.SimilarityFed, s.ExemplarUsed = s.SimilarityCold/n, s.SimilarityFed/n, s.ExemplarUsed/n
		}
		return s
	}
	rep := DialogueReport{DialogueScores: score(results), Dialogues: len(rows), PerLanguage: map[string]DialogueScores{}}
	byLang := map[string][]res{}
	var late []res
	for _, r := range results {
		byLang[r.lang] = append(byLang[r.lang], r)
		if r.late {
			late = append(late, r)
		}
	}
	for k, v := range byLang {
		rep.PerLanguage[k] = score(v)
	}
	rep.SecondHalf = score(late)
	return rep, nil
}
