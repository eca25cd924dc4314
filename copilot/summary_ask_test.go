package copilot

import (
	"strings"
	"testing"
)

// The summary's ask says what the customer wants done, not that they want
// a person (the escalation line says so) — seen on an e-mail where the
// card read "诉求：我要找人工处理…" for a broken cup the customer wanted
// replaced.
func TestSummaryAskSkipsTheRequestForAPerson(t *testing.T) {
	for _, tc := range []struct {
		text string
		zh   bool
		want string
	}{
		{"你好，包裹今天到了，但是盒子压坏了，杯子碎了一个。我要找人工处理，能换一个吗？", true, "包裹今天到了，但是盒子压坏了，杯子碎了一个，能换一个吗？"},
		{"转人工！", true, "转人工！"},
		{"维修？地板的损失谁赔？我要退货并且赔偿！", true, "地板的损失谁赔？我要退货并且赔偿！"}, // was "谁赔？，我要…"
		{"我的退款什么时候到账？转人工", true, "我的退款什么时候到账？"},
		{"I want to talk to a person, my refund never arrived", false, "my refund never arrived"},
		{"Can a manager please check why my refund for order 5531 was refused?", false, "Can a manager please check why my refund for order 5531 was refused?"},
		{"Hi, how long does shipping to Canada take?", false, "how long does shipping to Canada take?"},
	} {
		got := summaryAsk([]Message{{Role: RoleCustomer, Text: tc.text}}, tc.zh)
		if got != tc.want {
			t.Errorf("summaryAsk(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// The summary keeps the conversation's main ask through follow-ups that
// only add facts or chase ("Can you check?", "帮我催一下", "有人吗？") —
// seen in the demo: "Ask: Can you check?" after a refund complaint — and
// adds the newest turn when it asks for something new.
func TestSummaryAskKeepsTheMainAskThroughFollowUps(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		turns   []string
		want    []string
		wantNot []string
	}{
		{[]string{"Hi, I returned order 20324283 two weeks ago and still no refund.", "The tracking says it was delivered to you on the 3rd. Can you check?"},
			[]string{"Ask: I returned order 20324283 two weeks ago and still no refund"}, []string{"Can you check", "also:"}},
		{[]string{"订单 88231 的退款一个月还没到账，怎么回事？", "帮我催一下"}, []string{"诉求：订单 88231 的退款一个月还没到账"}, []string{"催", "另："}},
		{[]string{"你们太过分了！订单 88231 的退款一个月还没到账，再不处理我就去12315投诉！", "有人吗？"}, []string{"退款一个月还没到账"}, []string{"有人吗"}},
		{[]string{"My parcel never arrived, order 778812.", "I paid $49.90 on March 3."}, []string{"Ask: My parcel never arrived"}, []string{"also:", "I paid"}},
		{[]string{"Where is my refund for order 5531?", "Also, can I change the delivery address of my other order?"},
			[]string{"Ask: Where is my refund for order 5531?; also: can I change the delivery address"}, nil},
		{[]string{"我的退款什么时候到账？", "另外我想把收货地址改成上海市浦东新区"}, []string{"诉求：我的退款什么时候到账？；另：我想把收货地址改成上海市"}, nil},
		{[]string{"在吗", "我买的耳机右耳没声音，能换一个吗？"}, []string{"诉求：我买的耳机右耳没声音，能换一个吗？"}, []string{"另："}},
	} {
		var c Conversation
		for i, tx := range tc.turns {
			c.Messages = append(c.Messages, Message{Seq: int64(2*i + 1), Role: RoleCustomer, Text: tx})
		}
		ins := e.offlineInsight(c)
		ask := ins.Summary[0]
		for _, w := range tc.want {
			if !strings.Contains(ask, w) {
				t.Errorf("%q: ask %q, want %q in it", tc.turns, ask, w)
			}
		}
		for _, w := range tc.wantNot {
			if strings.Contains(ask, w) {
				t.Errorf("%q: ask %q, want no %q", tc.turns, ask, w)
			}
		}
	}
}
