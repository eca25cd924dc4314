package store

import (
	"sort"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

func TestKeywordsLatinAndHan(t *testing.T) {
	got := Keywords("My ORDER never arrived, the parcel is lost! 快递丢了，包裹没有到")
	var list []string
	for w := range got {
		list = append(list, w)
	}
	sort.Strings(list)
	// order/the/is/my are stopwords or too short; 没有 is a stopword, the
	// bigrams across it stay (rising merges chains back into phrases).
	want := "arrived,lost,never,parcel,丢了,包裹,快递,有到,裹没,递丢"
	if strings.Join(list, ",") != want {
		t.Fatalf("keywords = %v, want %s", list, want)
	}
}

// TestRisingIsHonestAboutCounts: a topic that jumps against a steady
// baseline is reported with its counts; one that holds steady is not; one
// with no history is reported but marked thin.
func TestRisingIsHonestAboutCounts(t *testing.T) {
	now := int64(100 * weekMs)
	ats := func(n int, from, to int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = from + int64(i)*(to-from)/int64(n)
		}
		return out
	}
	intents := map[string][]int64{
		// 1 an hour for a week, then 12 in the last hour.
		"delivery_damaged": append(ats(168, now-hourMs-weekMs, now-hourMs), ats(12, now-hourMs, now)...),
		// 2 an hour, steady.
		"refund_status": ats(2*169, now-hourMs-weekMs, now),
	}
	words := map[string][]int64{
		"recall": ats(3, now-hourMs, now), // brand new, only three mentions
	}
	got := rising(intents, words, now, hourMs, now-2*weekMs)
	byName := map[string]protocol.Topic{}
	for _, tp := range got {
		byName[tp.Name] = tp
	}
	d, ok := byName["delivery_damaged"]
	if !ok || d.Count != 12 || d.Expected != 1 || d.Thin {
		t.Fatalf("delivery_damaged: %+v (all: %+v)", d, got)
	}
	if _, ok := byName["refund_status"]; ok {
		t.Fatalf("a steady topic was reported rising: %+v", got)
	}
	r, ok := byName["recall"]
	if !ok || r.Count != 3 || r.Expected != 0 || !r.Thin {
		t.Fatalf("recall: %+v", r)
	}
	// Overlapping Chinese bigrams that rise together come back as one phrase.
	words = map[string][]int64{"屏幕": ats(6, now-hourMs, now), "幕碎": ats(6, now-hourMs, now), "碎了": ats(5, now-hourMs, now)}
	merged := rising(nil, words, now, hourMs, now-2*weekMs)
	if len(merged) != 1 || merged[0].Name != "屏幕碎了" || merged[0].Count != 5 {
		t.Fatalf("merged phrases: %+v", merged)
	}
	if got[0].Name != "delivery_damaged" {
		t.Fatalf("strongest rise first: %+v", got)
	}
}
