package topics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

func TestKeywordsLatinAndHan(t *testing.T) {
	got := Keywords("My ORDER never arrived, the parcel is lost! 快递丢了，包裹没有到")
	var list []string
	for w := range got {
		list = append(list, w)
	}
	sort.Strings(list)
	// order/the/is/my/never are stopwords or too short; bigrams with a
	// function character (了, 没, 有) span a word boundary and are
	// dropped; 快递 + 递丢 merge back into 快递丢 when they rise together.
	want := "arrived,lost,parcel,包裹,快递,递丢"
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
	got := Rising(intents, words, nil, now, hourMs, now-2*weekMs, nil)
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
	// Overlapping Chinese bigrams that rise together come back as one phrase
	// ("电池" + "池鼓" + "鼓包" → "电池鼓包"), counted where it was written.
	var msgs []Message
	for i, at := range ats(6, now-hourMs, now) {
		text := "电池鼓包了！"
		if i == 5 {
			text = "电池鼓起来" // 电池, 池鼓 but not 鼓包
		}
		msgs = append(msgs, Message{Conv: fmt.Sprint("c", i), Text: text, At: at})
	}
	words = KeywordTimes(msgs)
	merged := Rising(nil, words, msgs, now, hourMs, now-2*weekMs, nil)
	if len(merged) != 1 || merged[0].Name != "电池鼓包" || merged[0].Count != 5 {
		t.Fatalf("merged phrases: %+v", merged)
	}
	if got[0].Name != "delivery_damaged" {
		t.Fatalf("strongest rise first: %+v", got)
	}
}

// TestHotKeywordsAreWords: what the demo's customers write must not come
// back as fragments across Chinese word boundaries ("们家买了两"), as
// phrases nobody wrote (two bigrams from different messages sharing a
// character), as English filler ("never", "found"), or counted twice for
// a customer who repeats themself.
func TestHotKeywordsAreWords(t *testing.T) {
	now := int64(100 * weekMs)
	var msgs []Message
	add := func(conv, text string) {
		msgs = append(msgs, Message{Conv: conv, Text: text, At: now - int64(len(msgs)+1)*60_000})
	}
	for i := range 4 {
		c := fmt.Sprint("c", i)
		add(c, "我要注销账号，再也不在你们家买了！")
		add(c, "付款的时候扣了两次钱！我们家买了两台")
		add(c, "How do I reset my password? The email never arrives.")
		add(c, "Found it in spam, thanks!")
		add(c, "Can I change the size of the jacket I ordered?")
		add(c, "手机屏幕碎了")
		add(c, "今天必须收到")
		add(c+"b", "幕布质量很差")
		add(c+"b", "幕布质量很差") // the same customer again
	}
	junk := []string{"们家", "家买", "买了", "了两", "们家买了两", "候扣", "次钱", "今天", "never", "found", "thanks", "ordered", "屏幕布", "好的"}
	for _, m := range msgs {
		for w := range Keywords(m.Text) {
			if slices.Contains(junk, w) {
				t.Errorf("junk keyword %q from %q", w, m.Text)
			}
		}
	}
	// Only the Chinese ones, so that the top 8 has room for them all.
	msgs = slices.DeleteFunc(msgs, func(m Message) bool { return m.Text[0] < 0x80 })
	got := Rising(nil, KeywordTimes(msgs), msgs, now, hourMs, now-2*weekMs, nil)
	names := map[string]protocol.Topic{}
	for _, tp := range got {
		names[tp.Name] = tp
	}
	for _, j := range junk {
		if _, ok := names[j]; ok {
			t.Errorf("junk topic %q in %+v", j, got)
		}
	}
	if tp, ok := names["幕布质量"]; !ok || tp.Count != 4 {
		t.Errorf("幕布质量 (4 conversations) missing or miscounted: %+v", got)
	}
	if _, ok := names["手机屏幕碎"]; !ok {
		t.Errorf("手机屏幕碎 missing: %+v", got)
	}
}

// TestCodesAndHandoffRequestsAreNoTopics: the demo's board listed a tax
// id ("“91310115ma1k4xxxx” 3") and order numbers; ids and codes, and the
// words of a request for a person in English too, are not topics.
func TestCodesAndHandoffRequestsAreNoTopics(t *testing.T) {
	for _, text := range []string{"我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX", "Order 20324283 still no refund, agent please",
		"I want a human representative", "转人工，人工客服在吗", "tracking SF1234567890 stuck", "我的订单号是多少，订单还没到"} {
		for w := range Keywords(text) {
			if textcut.IsCode(w) || slices.Contains([]string{"agent", "human", "representative", "人工", "客服", "转人", "工客", "订单", "单号"}, w) {
				t.Errorf("keyword %q from %q", w, text)
			}
		}
	}
	if _, ok := Keywords("my mp3 player and iphone15 broke")["iphone15"]; !ok {
		t.Error("a product name with digits is still a keyword")
	}
}

// TestHotTopicsAreWholePhrasesAndNotFew is issue 14's finding: on the demo
// floor the board called counts of 34–67 "few" (the history was shorter
// than the window, which says nothing about the counts) and showed
// fragments of what customers wrote — 修期 (保修期), 转人 (转人工), 址写错
// (地址写错) — whenever the longer phrase's other bigram (保修, 人工, 地址)
// was also common elsewhere, so the two did not rise together.
func TestHotTopicsAreWholePhrasesAndNotFew(t *testing.T) {
	now := int64(100 * weekMs)
	var msgs []Message
	n := 0
	add := func(times int, text string) {
		for range times {
			n++
			msgs = append(msgs, Message{Conv: fmt.Sprint("c", n), Text: text, At: now - int64(n)*20_000})
		}
	}
	add(40, "我要转人工")
	add(25, "人工客服在吗")
	add(34, "还在保修期吗")
	add(20, "保修多久")
	add(30, "地址写错了")
	add(25, "改地址")
	add(6, "公司抬头怎么填") // seen in the demo as "公司抬头怎"
	// The floor opened 30 minutes ago: less history than the window.
	oldest := now - 30*60_000
	got := Rising(nil, KeywordTimes(msgs), msgs, now, hourMs, oldest, nil)
	names := map[string]protocol.Topic{}
	for _, tp := range got {
		names[tp.Name] = tp
		if tp.Count >= 5 && tp.Thin {
			t.Errorf("%s: %d mentions called few", tp.Name, tp.Count)
		}
	}
	// A request for a person is how customers ask, not what about (the
	// demo's board listed "“人工客服” 3").
	for _, frag := range []string{"修期", "转人", "址写错", "址写", "工客服", "修多久", "转人工", "人工客服", "人工", "客服", "公司抬头怎", "抬头怎"} {
		if _, ok := names[frag]; ok {
			t.Errorf("fragment or handoff request %q in %+v", frag, got)
		}
	}
	for phrase, count := range map[string]int{"保修期": 34, "地址写错": 30} {
		if tp, ok := names[phrase]; !ok || tp.Count != count {
			t.Errorf("%s (%d conversations) missing or miscounted: %+v", phrase, count, got)
		}
	}
}
