package copilot

import (
	"context"
	"fmt"
	"sort"
	"testing"
)

// TestAnswerConfidenceOnSharedData calibrates Answer's confidence on the
// bank FAQ dev file by 2-fold cross-validation: the KB is one half of the
// answers (indexed without their questions), the queries are every
// question. A question of the KB's half is answered right when its own
// entry comes first; a question of the other half has no answer there. The
// confidence should rank right answers above wrong ones (AUC), and the
// table shows what the bot's threshold trades.
func TestAnswerConfidenceOnSharedData(t *testing.T) {
	rows, err := ReadJSONL[FAQRow](openData(t, "bank_faq_en.dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	type trial struct {
		conf       float64
		right, has bool
	}
	var trials []trial
	for fold := range 2 {
		var entries []KBEntry
		for i, r := range rows {
			if i%2 == fold {
				entries = append(entries, KBEntry{ID: fmt.Sprint(i), Body: r.Answer, Language: "en"})
			}
		}
		e, err := New(Config{KB: NewKB(entries)})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			a, err := e.Answer(context.Background(), Conversation{Messages: []Message{{Seq: 1, Role: RoleCustomer, Text: r.Question}}})
			if err != nil {
				t.Fatal(err)
			}
			has := i%2 == fold
			trials = append(trials, trial{a.Confidence, has && len(a.Sources) > 0 && a.Sources[0].ID == fmt.Sprint(i), has})
		}
	}
	sort.SliceStable(trials, func(i, j int) bool { return trials[i].conf < trials[j].conf })
	var right, wrong, rankSum float64
	for i, tr := range trials {
		if tr.right {
			right++
			rankSum += float64(i + 1)
		} else {
			wrong++
		}
	}
	auc := (rankSum - right*(right+1)/2) / (right * wrong)
	t.Logf("AUC %.3f over %d questions (%d answerable, %.0f answered right at any confidence)", auc, len(trials), len(trials)/2, right)
	for _, th := range []float64{0.3, 0.45, 0.6} {
		var answered, ok, inKB, outAnswered, out float64
		for _, tr := range trials {
			if tr.has {
				inKB++
			} else {
				out++
			}
			if tr.conf >= th {
				answered++
				if tr.right {
					ok++
				}
				if !tr.has {
					outAnswered++
				}
			}
		}
		t.Logf("threshold %.2f: answers %.0f, %.1f%% of them right; %.1f%% of answerable answered right; %.1f%% of unanswerable answered",
			th, answered, 100*ok/answered, 100*ok/inKB, 100*outAnswered/out)
	}
	if auc < 0.72 {
		t.Errorf("AUC %.3f: the confidence no longer separates right answers from wrong ones (was 0.77)", auc)
	}
}
