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

func TestSentimentOnSharedData(t *testing.T) {
	for _, name := range []string{"chnsenticorp_htl.dev.jsonl", "waimai_10k.dev.jsonl", "online_shopping_10_cats.dev.jsonl",
		"twitter_airline_sentiment.dev.jsonl", "goemotions_en.dev.jsonl", "smp2020_ewect_weibo_emotion.dev.jsonl"} {
		rows, err := ReadJSONL[SentimentRow](openData(t, name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := EvalSentiment(context.Background(), rows)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-45s acc %.3f macroF1 %.3f angry %+v", name, rep.Accuracy, rep.MacroF1, rep.Angry)
	}
}
