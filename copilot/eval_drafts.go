package copilot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// DraftScores are the figures of EvalDrafts for a group of questions.
type DraftScores struct {
	N int `json:"n"`
	// DraftF1 is the mean token F1 (Similarity) of the draft to the gold
	// answer.
	DraftF1 float64 `json:"draft_f1"`
	// CiteAt1 is how often the draft's first citation is the question's
	// own entry (or an entry with the same answer).
	CiteAt1 float64 `json:"cite_at_1"`
	// NoArticle is how often the draft said no article covers the question.
	NoArticle float64 `json:"no_article"`
}

// DraftReport is the result of EvalDrafts.
type DraftReport struct {
	DraftScores
	PerLanguage map[string]DraftScores `json:"per_language"`
}

// EvalDrafts turns an FAQ file into a knowledge base (one entry per row,
// answer text only: the question is never indexed), drafts a reply to every
// question as a customer's first message, and scores the draft against the
// row's answer and its first citation against the row's entry.
func EvalDrafts(ctx context.Context, rows []FAQRow) (DraftReport, error) {
	if len(rows) == 0 {
		return DraftReport{}, errors.New("no rows")
	}
	entries := make([]KBEntry, len(rows))
	for i, r := range rows {
		entries[i] = KBEntry{ID: fmt.Sprint(i), Title: "", Body: r.Answer, Language: r.Lang}
	}
	e, err := New(Config{KB: NewKB(entries), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return DraftReport{}, err
	}
	type res struct {
		lang         string
		f1           float64
		cited, noArt bool
	}
	var results []res
	for i, r := range rows {
		if i%64 == 0 && ctx.Err() != nil {
			return DraftReport{}, ctx.Err()
		}
		d, err := e.Draft(ctx, Conversation{Messages: []Message{{Seq: 1, Role: RoleCustomer, Text: r.Question}}}, "", nil)
		if err != nil {
			return DraftReport{}, fmt.Errorf("row %d (%s): %w", i+1, r.ID, err)
		}
		x := res{lang: d.Language, f1: Similarity(d.Text, r.Answer)}
		if r.Lang != "" {
			x.lang = r.Lang
		}
		for _, c := range d.Citations {
			if c.Kind == SourceKB {
				x.cited = rows[atoi(c.ID)].Answer == r.Answer
				break
			}
		}
		for _, w := range d.Warnings {
			x.noArt = x.noArt || w.Code == WarnNoArticle
		}
		results = append(results, x)
	}
	score := func(rs []res) DraftScores {
		s := DraftScores{N: len(rs)}
		for _, r := range rs {
			s.DraftF1 += r.f1
			if r.cited {
				s.CiteAt1++
			}
			if r.noArt {
				s.NoArticle++
			}
		}
		n := float64(len(rs))
		s.DraftF1, s.CiteAt1, s.NoArticle = round3(s.DraftF1/n), round3(s.CiteAt1/n), round3(s.NoArticle/n)
		return s
	}
	rep := DraftReport{DraftScores: score(results), PerLanguage: map[string]DraftScores{}}
	byLang := map[string][]res{}
	for _, r := range results {
		byLang[r.lang] = append(byLang[r.lang], r)
	}
	for l, rs := range byLang {
		rep.PerLanguage[l] = score(rs)
	}
	return rep, nil
}
