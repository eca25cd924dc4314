package copilot

import "testing"

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
