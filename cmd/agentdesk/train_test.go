package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// train → eval round trip on a small fixture: the same command twice gives
// the same file, and eval with it reads words the lexicon does not know.
func TestTrainEvalRoundTrip(t *testing.T) {
	var lines []string
	for i := range 4 {
		for _, r := range []struct{ text, label string }{
			{"blorp service, blorp delivery", "negative"}, {"the parcel is blorp", "negative"}, {"物流太拉胯了", "negative"},
			{"zingy quick delivery", "positive"}, {"so zingy, thanks", "positive"}, {"物流很给力", "positive"},
		} {
			lines = append(lines, fmt.Sprintf(`{"id":"%d-%s","text":%q,"label":%q}`, i, r.label, r.text, r.label))
		}
	}
	data := writeRows(t, lines...)
	dir := t.TempDir()
	var outs [2][]byte
	for i := range outs {
		model := filepath.Join(dir, fmt.Sprintf("m%d.model", i))
		var out, errb bytes.Buffer
		if err := runTrain(context.Background(), []string{"sentiment", "--data", data, "--out", model, "--cv", "3", "--name", "fixture"}, &out, &errb); err != nil {
			t.Fatal(err, errb.String())
		}
		if !strings.Contains(out.String(), "3-fold cross-validation on 24 rows") || !strings.Contains(out.String(), "wrote") {
			t.Errorf("train output: %s", out.String())
		}
		b, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = b
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("training twice on the same rows gave different files")
	}
	test := writeRows(t, `{"id":"a","text":"blorp blorp","label":"negative"}`, `{"id":"b","text":"zingy!","label":"positive"}`)
	var out, errb bytes.Buffer
	if err := runEval(context.Background(), []string{"sentiment", "--data", test, "--model", filepath.Join(dir, "m0.model"), "--json"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	var rep struct {
		MacroF1 float64 `json:"macro_f1"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.MacroF1 != 1 {
		t.Fatalf("eval with the model: %s (%v)", out.String(), err)
	}
	// Bad input: a clear error.
	for _, args := range [][]string{{"sentiment"}, {"sentiment", "--data", test}, {"mood", "--data", test, "--out", "x"}, {"sentiment", "--data", test, "--cv", "1"}} {
		if err := runTrain(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("train %v: no error", args)
		}
	}
	if err := runEval(context.Background(), []string{"sentiment", "--data", test, "--model", data}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not an agentdesk sentiment model") {
		t.Errorf("eval with a non-model: %v", err)
	}
}
