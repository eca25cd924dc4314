package copilot

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// ReadJSONL decodes one JSON object per non-empty line into T. Errors name the
// line so a broken file can be fixed.
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
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
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
		if r.Emotion != "" || len(r.Emotions) > 0 {
			p.hasEmotion = true
			p.angryGold = r.Emotion == "anger"
			for _, e := range r.Emotions {
				if e == "anger" || e == "annoyance" {
					p.angryGold = true
				}
			}
			p.angryPred = messageFlags(r.Text, ms).Angry
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
