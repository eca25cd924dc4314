package topics

import (
	"fmt"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// The lead's board listed one topic twice: intent "refunds" 9 and keyword
// "refund" 7, and the same with its Chinese keyword 退款. A keyword that is
// the intent's name, a KB tag or alias of it, or a stem of one, is folded
// into the intent's line; other keywords stay, and so does a keyword whose
// intent is not listed.
func TestKeywordNamingAnIntentIsFolded(t *testing.T) {
	now := int64(100 * weekMs)
	var msgs []Message
	intents := map[string][]int64{}
	for i := range 9 {
		at := now - int64(i+1)*60000
		conv := fmt.Sprint("r", i)
		intents["refunds"] = append(intents["refunds"], at)
		text := "I want a refund for the broken kettle"
		if i%2 == 1 {
			text = "我要退款，水壶坏了"
		}
		msgs = append(msgs, Message{Conv: conv, Text: text, At: at})
	}
	for i := range 4 {
		msgs = append(msgs, Message{Conv: fmt.Sprint("w", i), Text: "where is my warranty card", At: now - int64(i+1)*60000})
	}
	words := KeywordTimes(msgs)
	names := map[string][]string{"refunds": {"refunds", "refund", "money back", "退款", "到账"}}
	// Before the fold: the same topic twice.
	if got := Rising(intents, words, msgs, now, hourMs, now-2*weekMs, nil); !has(got, protocol.TopicKeyword, "退款") {
		t.Fatalf("without KB words the zh keyword should be listed: %+v", got)
	}
	for _, tc := range []struct {
		names map[string][]string
		gone  []string
	}{
		{nil, []string{"refund"}}, // the intent's own name, stemmed
		{names, []string{"refund", "退款"}},
	} {
		got := Rising(intents, words, msgs, now, hourMs, now-2*weekMs, tc.names)
		if !has(got, protocol.TopicIntent, "refunds") {
			t.Fatalf("intent refunds missing: %+v", got)
		}
		for _, g := range tc.gone {
			if has(got, protocol.TopicKeyword, g) {
				t.Errorf("keyword %q listed beside intent refunds: %+v", g, got)
			}
		}
		for _, k := range []string{"kettle", "warranty", "水壶坏"} {
			if !has(got, protocol.TopicKeyword, k) {
				t.Errorf("keyword %q folded away: %+v", k, got)
			}
		}
	}
	// An intent that is not listed folds nothing.
	got := Rising(nil, words, msgs, now, hourMs, now-2*weekMs, names)
	if !has(got, protocol.TopicKeyword, "refund") || !has(got, protocol.TopicKeyword, "退款") {
		t.Errorf("keywords of an unlisted intent were dropped: %+v", got)
	}
}

func has(ts []protocol.Topic, kind, name string) bool {
	for _, t := range ts {
		if t.Kind == kind && t.Name == name {
			return true
		}
	}
	return false
}
