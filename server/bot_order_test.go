package server

import "testing"

func TestGivesOrderAndProblem(t *testing.T) {
	for text, want := range map[string]bool{
		"你好，我的订单 1042 的耳机右耳没声音了，保修期是多久？":                       true,
		"Order #5531 arrived with a cracked screen, what now?": true,
		"订单 1042":                          false, // the number alone
		"What is the capital of France?":   false, // no order
		"my parcel 20231105443 never came": true,
		"it's been 3 days, where is it":    false,
	} {
		if got := givesOrderAndProblem(text); got != want {
			t.Errorf("givesOrderAndProblem(%q) = %v, want %v", text, got, want)
		}
	}
}
