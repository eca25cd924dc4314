package copilot

import (
	"context"
	"fmt"
	"testing"
)

var benchMessages = []string{
	"你们的快递太慢了，等了五天还没到，客服也不回消息，真的很失望！",
	"东西收到了，质量不错，包装也很好，下次还会再来",
	"My order still hasn't arrived after two weeks and nobody answers. This is ridiculous!!",
	"Thanks for the quick help, the replacement works great 👍",
	"请问发票怎么开？订单号 2024051812346",
	"I was charged twice for order 88812345, please refund the extra $59.99",
}

// BenchmarkSentimentPerMessage measures the per-message unit the server runs
// on every customer message: sentiment plus risk flags.
func BenchmarkSentimentPerMessage(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		SentimentFlags(benchMessages[i%len(benchMessages)])
	}
}

// BenchmarkSentimentModelPerMessage is the same unit with a trained model
// (2^18 hashed features, 3 classes) scoring the sentiment.
func BenchmarkSentimentModelPerMessage(b *testing.B) {
	var rows []SentimentRow
	for i, t := range benchMessages {
		rows = append(rows, SentimentRow{ID: fmt.Sprint(i), Text: t, Label: []string{"negative", "positive", "neutral"}[i%3]})
	}
	m, err := TrainSentiment(context.Background(), rows, TrainOptions{})
	if err != nil {
		b.Fatal(err)
	}
	a := ModelAnalyzer(m)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.Analyze(benchMessages[i%len(benchMessages)])
	}
}

// bigKB is the demo KB repeated to n entries, each copy with its own id and
// a few distinguishing words, so retrieval works on realistic policy text.
func bigKB(tb testing.TB, n int) *KB {
	demo, err := DemoKB()
	if err != nil {
		tb.Fatal(err)
	}
	base := demo.Entries()
	entries := make([]KBEntry, 0, n)
	for i := 0; i < n; i++ {
		e := base[i%len(base)]
		e.ID = fmt.Sprintf("%s-%d", e.ID, i)
		e.Title = fmt.Sprintf("%s (product line %d)", e.Title, i)
		e.Body = fmt.Sprintf("Applies to product line %d, model X%d.\n%s", i, i*7, e.Body)
		entries = append(entries, e)
	}
	return NewKB(entries)
}

func benchConversation() Conversation {
	return conv("bench",
		"customer:你好，我买的耳机坏了，订单号 2024051812346",
		"bot:您好，可以尝试重启设备并重新配对。",
		"customer:试过了没用，才用了三天，我要退货退款，多久能到账？",
		"customer:再不处理我就投诉了，转人工！")
}

// BenchmarkInsightAndDraft2000KB is one enrichment of a conversation —
// insight plus a full draft — against a 2,000-entry knowledge base and 1,000
// exemplars.
func BenchmarkInsightAndDraft2000KB(b *testing.B) {
	e, err := New(Config{KB: bigKB(b, 2000)})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		e.AddExemplar(Exemplar{ID: fmt.Sprint("x", i), Question: benchMessages[i%len(benchMessages)] + fmt.Sprint(" ", i),
			Reply: "已为您处理，请留意短信通知。", Outcome: Accepted})
	}
	c := benchConversation()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Insight(ctx, c); err != nil {
			b.Fatal(err)
		}
		if _, err := e.Draft(ctx, c, "", nil); err != nil {
			b.Fatal(err)
		}
	}
}
