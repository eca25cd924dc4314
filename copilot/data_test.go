package copilot

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// dataDir is the shared evaluation data, relative to this package directory.
const dataDir = "../../shared/data"

func openData(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, name))
	if err != nil {
		t.Skipf("evaluation data not available: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// The floors sit a little under the figures in docs/copilot.md: they catch a
// lexicon or retrieval change that makes the engine clearly worse.
func TestSentimentOnSharedData(t *testing.T) {
	for name, floor := range map[string]float64{
		"chnsenticorp_htl.dev.jsonl":            0.79,
		"waimai_10k.dev.jsonl":                  0.82,
		"online_shopping_10_cats.dev.jsonl":     0.81,
		"twitter_airline_sentiment.dev.jsonl":   0.74,
		"goemotions_en.dev.jsonl":               0.57,
		"smp2020_ewect_weibo_emotion.dev.jsonl": 0.55,
	} {
		rows, err := ReadJSONL[SentimentRow](openData(t, name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := EvalSentiment(context.Background(), rows)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-40s acc %.3f macro-F1 %.3f", name, rep.Accuracy, rep.MacroF1)
		if rep.MacroF1 < floor {
			t.Errorf("%s: macro-F1 %.3f below %.2f", name, rep.MacroF1, floor)
		}
	}
}

func TestFAQOnSharedData(t *testing.T) {
	rows, err := ReadJSONL[FAQRow](openData(t, "bank_faq_en.dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := EvalFAQ(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if rep.HitAt3 < 0.62 || rep.HitAt1 > rep.HitAt3 {
		t.Errorf("hit@1 %.3f hit@3 %.3f", rep.HitAt1, rep.HitAt3)
	}
}

func TestDialoguesOnSharedData(t *testing.T) {
	if testing.Short() {
		t.Skip("replays hundreds of dialogues")
	}
	rows, err := ReadJSONL[DialogueRow](openData(t, "csds_customer_service_dialogue_zh.dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := EvalDialogues(context.Background(), rows[:300], nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SimilarityFed <= rep.SimilarityCold || rep.ExemplarUsed == 0 {
		t.Errorf("feeding exemplars should help: %+v", rep.DialogueScores)
	}
}
