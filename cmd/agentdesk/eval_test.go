package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeRows(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalSentimentJSON(t *testing.T) {
	p := writeRows(t,
		`{"id":"1","text":"非常满意，质量很好","label":"positive","lang":"zh"}`,
		`{"id":"2","text":"太差了，再也不买","label":"negative","lang":"zh"}`,
		`{"id":"3","text":"This is the worst service ever, I'm furious!","label":"negative","lang":"en","emotions":["anger"]}`,
		`{"id":"4","text":"Thanks a lot, great help","label":"positive","lang":"en","emotions":["gratitude"]}`,
	)
	var out, errb bytes.Buffer
	if err := runEval(context.Background(), []string{"sentiment", "--data", p, "--json"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err, out.String())
	}
	if got["accuracy"] != 1.0 || got["macro_f1"] != 1.0 {
		t.Errorf("accuracy/macro_f1: %s", out.String())
	}
	if _, ok := got["per_language"].(map[string]any)["en"]; !ok {
		t.Errorf("per-language breakdown missing: %s", out.String())
	}
	if a, ok := got["angry"].(map[string]any); !ok || a["recall"] != 1.0 {
		t.Errorf("angry flag figures: %s", out.String())
	}
	out.Reset()
	if err := runEval(context.Background(), []string{"sentiment", "--data", p}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "macro-F1") || !strings.Contains(out.String(), "lang zh") {
		t.Errorf("table: %s", out.String())
	}
}

func TestEvalFAQAndDialogues(t *testing.T) {
	faq := writeRows(t,
		`{"id":"a","question":"How do I reset my password?","answer":"Use Forgot password on the sign-in page to reset your password.","lang":"en"}`,
		`{"id":"b","question":"When will my refund arrive?","answer":"Refunds arrive on your card within 3-7 business days.","lang":"en"}`,
	)
	var out, errb bytes.Buffer
	if err := runEval(context.Background(), []string{"faq", "--data", faq, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(out.Bytes(), &got)
	if got["hit_at_1"] != 1.0 || got["hit_at_3"] != 1.0 {
		t.Errorf("faq: %s", out.String())
	}
	dlg := writeRows(t,
		`{"id":"d1","lang":"en","turns":[{"role":"customer","text":"Can I pay with Apple Pay?"},{"role":"agent","text":"Yes, Apple Pay works at checkout on iPhone."}]}`,
		`{"id":"d2","lang":"en","turns":[{"role":"customer","text":"can I pay using apple pay"},{"role":"agent","text":"Yes, Apple Pay works at checkout on iPhone."}]}`,
	)
	out.Reset()
	if err := runEval(context.Background(), []string{"dialogues", "--data", dlg, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(out.Bytes(), &got)
	cold, fed := got["similarity_cold"].(float64), got["similarity_fed"].(float64)
	if !(fed > cold) {
		t.Errorf("feeding exemplars should raise similarity: %s", out.String())
	}
}

func TestEvalUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{nil, {"sentiment"}, {"bogus", "--data", "x"}, {"faq", "--data", "x", "extra"}} {
		if err := runEval(context.Background(), args, &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	if err := runEval(context.Background(), []string{"faq", "--data", filepath.Join(t.TempDir(), "missing")}, &out, &errb); err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing file: %v", err)
	}
	bad := writeRows(t, `{"id":1`)
	if err := runEval(context.Background(), []string{"sentiment", "--data", bad}, &out, &errb); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("broken row: %v", err)
	}
}

func TestEvalDraftsJSON(t *testing.T) {
	faq := writeRows(t,
		`{"id":"a","question":"How do I reset my password?","answer":"Use Forgot password on the sign-in page to reset your password.","lang":"en"}`,
		`{"id":"b","question":"When will my refund arrive?","answer":"Refunds arrive on your card within 3-7 business days.","lang":"en"}`,
		`{"id":"c","question":"Can I change my delivery address?","answer":"You can change the delivery address before the order ships, under Orders.","lang":"en"}`,
	)
	var out, errb bytes.Buffer
	if err := runEval(context.Background(), []string{"drafts", "--data", faq, "--json"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err, out.String())
	}
	f1, ok1 := got["draft_f1"].(float64)
	cite, ok2 := got["cite_at_1"].(float64)
	if !ok1 || !ok2 || cite != 1 || f1 < 0.3 || f1 >= 1 {
		t.Errorf("draft_f1 / cite_at_1: %s", out.String())
	}
	out.Reset()
	if err := runEval(context.Background(), []string{"drafts", "--data", faq}, &out, &errb); err != nil || !strings.Contains(out.String(), "cite@1") {
		t.Errorf("table: %s %v", out.String(), err)
	}
}
