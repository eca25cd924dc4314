package copilot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// trainFixture is a small labelled set in both languages, with words the
// lexicon does not know ("blorp", "拉胯") so a model can be told apart from it.
func trainFixture() []SentimentRow {
	var rows []SentimentRow
	neg := []string{"blorp, the parcel came late again", "blorp service, blorp product", "total blorp, would not order", "this shop is blorp",
		"物流太拉胯了", "客服拉胯，态度也拉胯", "拉胯的体验", "质量拉胯"}
	pos := []string{"super quick delivery, love it", "lovely product, quick reply", "so quick and lovely", "great quick help",
		"物流很给力", "客服给力，回复很快", "给力的体验", "质量给力"}
	for i := range 3 {
		for j, t := range neg {
			rows = append(rows, SentimentRow{ID: fmt.Sprintf("n%d-%d", i, j), Text: t, Label: "negative"})
		}
		for j, t := range pos {
			rows = append(rows, SentimentRow{ID: fmt.Sprintf("p%d-%d", i, j), Text: t, Label: "positive"})
		}
	}
	return rows
}

func TestTrainSentimentRoundTripIsDeterministic(t *testing.T) {
	ctx := context.Background()
	rows := trainFixture()
	m1, err := TrainSentiment(ctx, rows, TrainOptions{Name: "fixture", Bits: 14})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := TrainSentiment(ctx, rows, TrainOptions{Name: "fixture", Bits: 14})
	if err != nil {
		t.Fatal(err)
	}
	var b1, b2 bytes.Buffer
	if err := m1.Save(&b1); err != nil {
		t.Fatal(err)
	}
	if err := m2.Save(&b2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatal("the same rows and options gave two different model files")
	}
	loaded, err := LoadSentimentModel(bytes.NewReader(b1.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want Label
	}{{"blorp delivery", Negative}, {"拉胯", Negative}, {"quick and lovely", Positive}, {"很给力", Positive}} {
		l1, s1 := m1.Predict(tc.text)
		l2, s2 := loaded.Predict(tc.text)
		if l1 != tc.want || l1 != l2 || s1 != s2 {
			t.Errorf("%q: trained %s %.3f, loaded %s %.3f, want %s", tc.text, l1, s1, l2, s2, tc.want)
		}
	}
	// The lexicon alone does not know these words: the model is what reads them.
	if l, _ := ScoreText("blorp delivery"); l == Negative {
		t.Fatalf("fixture word known to the lexicon; pick another")
	}
	rep, err := EvalSentimentModel(ctx, rows, loaded)
	if err != nil {
		t.Fatal(err)
	}
	rep2, err := EvalSentimentModel(ctx, rows, loaded)
	if err != nil || rep.MacroF1 != rep2.MacroF1 || rep.MacroF1 < 0.9 {
		t.Fatalf("eval with the model: %.3f / %.3f (%v)", rep.MacroF1, rep2.MacroF1, err)
	}
	// An engine with the model analyses messages with it.
	e, err := New(Config{SentimentModel: loaded})
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Analyze("blorp, blorp, blorp"); a.Label != Negative || a.Model != "fixture" {
		t.Errorf("engine analysis %+v", a)
	}
	if a := Analyze("blorp, blorp, blorp"); a.Model != "lexicon" {
		t.Errorf("default analysis %+v", a)
	}
}

func TestCrossValidateAndBadModels(t *testing.T) {
	ctx := context.Background()
	rep, err := CrossValidate(ctx, trainFixture(), 4, TrainOptions{Bits: 14})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := CrossValidate(ctx, trainFixture(), 4, TrainOptions{Bits: 14})
	if len(rep.PerFold) != 4 || rep.MacroF1 != again.MacroF1 || rep.MacroF1 <= 0 {
		t.Fatalf("cv %+v / %+v", rep, again)
	}
	if _, err := TrainSentiment(ctx, []SentimentRow{{Text: "x", Label: "positive"}}, TrainOptions{}); err == nil {
		t.Error("one label trained")
	}
	if _, err := TrainSentiment(ctx, []SentimentRow{{Text: "x", Label: "happy"}, {Text: "y", Label: "negative"}}, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "happy") {
		t.Errorf("unknown label: %v", err)
	}
	for _, bad := range []string{"", "not a model", modelMagic + "garbage"} {
		if _, err := LoadSentimentModel(strings.NewReader(bad)); err == nil {
			t.Errorf("loaded %q", bad)
		}
	}
	m, _ := TrainSentiment(ctx, trainFixture(), TrainOptions{Bits: 14})
	var b bytes.Buffer
	m.Save(&b)
	if _, err := LoadSentimentModel(bytes.NewReader(b.Bytes()[:b.Len()/2])); err == nil {
		t.Error("a truncated model loaded")
	}
}

// Related rows train every fold's model but are never scored, and the
// inner tuning records what it chose.
func TestCrossValidateWithRelatedRows(t *testing.T) {
	ctx := context.Background()
	rows := trainFixture()
	target, related := rows[:24], rows[24:]
	rep, err := CrossValidate(ctx, target, 3, TrainOptions{Bits: 14, Related: related})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != len(target) || len(rep.Rates) != 3 || len(rep.NB) != 3 {
		t.Fatalf("cv report %+v", rep)
	}
	for _, r := range rep.Rates {
		if r != 0.05 && r != 0.1 && r != 0.2 {
			t.Errorf("fold rate %v is not from the tuning grid", r)
		}
	}
	m, err := TrainSentiment(ctx, target, TrainOptions{Bits: 14, Related: related})
	if err != nil {
		t.Fatal(err)
	}
	if m.Trained.Rows != len(rows) || m.Trained.Tuned == "" || m.Trained.Seeds != 3 {
		t.Errorf("train info %+v", m.Trained)
	}
	fixed, _ := TrainSentiment(ctx, target, TrainOptions{Bits: 14, Rate: 0.3, NB: -1})
	if fixed.Trained.Tuned != "" || fixed.Trained.Rate != 0.3 || fixed.Trained.NB != 0 {
		t.Errorf("fixed options were tuned: %+v", fixed.Trained)
	}
}
