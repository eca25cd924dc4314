package copilot

import "testing"

// TestNegatedCancellationIsNoChurn: seen in a 40-minute simulated run,
// "好吧，退了就行，账号先不注销了。" was flagged churn. A customer who
// decides against cancelling is no churn risk; one who cancels still is.
func TestNegatedCancellationIsNoChurn(t *testing.T) {
	for _, tc := range []struct {
		text  string
		churn bool
	}{
		{"好吧，退了就行，账号先不注销了。", false},
		{"不注销了，谢谢", false},
		{"我暂时不打算退订", false},
		{"那就不取消会员了", false},
		{"OK, I'm not going to cancel my membership after all.", false},
		{"I won't cancel my subscription, thanks.", false},
		{"我要注销账号，再也不在你们家买了！", true},
		{"不用你们了，我去别家", true},
		{"要不我注销算了", true},
		{"I'm not happy, cancel my membership now.", true},
		{"Why can't I cancel my subscription?", true},
		{"账号不注销，但是会员我要退订", true},
	} {
		if got := Analyze(tc.text).Flags.ChurnRisk; got != tc.churn {
			t.Errorf("%q: churn %v, want %v", tc.text, got, tc.churn)
		}
	}
}
