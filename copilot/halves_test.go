package copilot

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// TestSplitHalves reports the shared-data figures on the two halves of each
// dev file (even rows = A, the half tuned on; odd rows = B, the check half).
// It runs only with COPILOT_HALVES=1; COPILOT_ERRORS=file dumps half-A
// sentiment errors of that file.
func TestSplitHalves(t *testing.T) {
	if os.Getenv("COPILOT_HALVES") == "" {
		t.Skip("set COPILOT_HALVES=1")
	}
	only := os.Getenv("COPILOT_ONLY")
	halves := func(n int) [2][]int {
		var h [2][]int
		for i := 0; i < n; i++ {
			h[i%2] = append(h[i%2], i)
		}
		return h
	}
	for _, name := range []string{"chnsenticorp_htl", "waimai_10k", "online_shopping_10_cats",
		"twitter_airline_sentiment", "goemotions_en", "smp2020_ewect_weibo_emotion"} {
		if only != "" && !strings.Contains(only, name) && only != "sent" {
			continue
		}
		rows, err := ReadJSONL[SentimentRow](openData(t, name+".dev.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		all, _ := EvalSentiment(context.Background(), rows)
		for hi, idx := range halves(len(rows)) {
			sub := make([]SentimentRow, len(idx))
			for j, i := range idx {
				sub[j] = rows[i]
			}
			rep, _ := EvalSentiment(context.Background(), sub)
			out = append(out, fmt.Sprintf("%c %.3f", 'A'+hi, rep.MacroF1))
		}
		fmt.Printf("%-30s all %.3f  %s\n", name, all.MacroF1, strings.Join(out, "  "))
		if os.Getenv("COPILOT_ERRORS") == name {
			binary := name != "twitter_airline_sentiment" && name != "goemotions_en" && name != "smp2020_ewect_weibo_emotion"
			for _, i := range halves(len(rows))[0] {
				r := rows[i]
				ms := analyzeSentiment(r.Text)
				got := string(ms.label)
				if binary {
					got = string(binaryLabel(ms.raw))
				}
				if got != r.Label {
					fmt.Printf("ERR gold=%s got=%s raw=%.2f cues=%v | %s\n", r.Label, got, ms.raw, ms.cues, strings.ReplaceAll(r.Text, "\n", " "))
				}
			}
		}
	}
	if only == "" || strings.Contains(only, "faq") {
		rows, err := ReadJSONL[FAQRow](openData(t, "bank_faq_en.dev.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := EvalFAQ(context.Background(), rows)
		a, b, mrr := faqHalves(rows)
		fmt.Printf("%-30s all hit@1 %.3f hit@3 %.3f  A hit@3 %.3f  B hit@3 %.3f  MRR@10 A %.3f B %.3f\n", "bank_faq_en", rep.HitAt1, rep.HitAt3, a, b, mrr[0], mrr[1])
	}
}

// faqHalves scores the questions of even rows (A) and odd rows (B), each
// against the pool of all answers, as EvalFAQ does: hit@3 of each half and
// MRR@10 of each half.
func faqHalves(rows []FAQRow) (float64, float64, [2]float64) {
	entries := make([]KBEntry, len(rows))
	for i, r := range rows {
		entries[i] = KBEntry{ID: fmt.Sprint(i), Body: r.Answer, Language: r.Lang}
	}
	kb := NewKB(entries)
	var hit, n, rr [2]float64
	for i, r := range rows {
		hits := kb.Search(r.Question, r.Lang, 10)
		n[i%2]++
		for rank, h := range hits {
			if rows[atoi(h.Entry.ID)].Answer == r.Answer {
				if rank < 3 {
					hit[i%2]++
				}
				rr[i%2] += 1 / float64(rank+1)
				break
			}
		}
		if os.Getenv("COPILOT_ERRORS") == "faq" && i%2 == 0 && (len(hits) == 0 || rows[atoi(hits[0].Entry.ID)].Answer != r.Answer) {
			top := ""
			if len(hits) > 0 {
				top = textcut.Runes(rows[atoi(hits[0].Entry.ID)].Answer, 120)
			}
			fmt.Printf("FAQ Q: %s\n   A: %s\n   TOP: %s\n", r.Question, textcut.Runes(r.Answer, 160), top)
		}
	}
	return hit[0] / n[0], hit[1] / n[1], [2]float64{rr[0] / n[0], rr[1] / n[1]}
}
