package copilot

import (
	"context"
	"strings"
	"testing"
)

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

// TestNegativeCasePassage: seen in a simulated run, "扣的钱能退吗？我根本没用过"
// (a membership renewal) got the rule for a used membership ("已经使用过会员
// 权益的，本期续费不退") instead of the one for an unused one. The customer's
// stated negative picks the passage of the negative case, in both languages.
func TestNegativeCasePassage(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		c         Conversation
		want, not string
	}{
		{conv("zh", "customer:你们的会员自动续费又扣了我的钱", "customer:扣的钱能退吗？我根本没用过"), "未使用任何会员权益", "已经使用过会员权益的"},
		{conv("en", "customer:Your membership auto-renewal charged me again. Can I get the renewal refunded? I never used it."), "have not used any member benefit", "If you have used member benefits"},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, tc.want) || strings.Contains(d.Text, tc.not) {
			t.Errorf("%s: want the negative case (%q), not the positive one: %s", tc.c.ID, tc.want, d.Text)
		}
	}
	// Without the stated negative, the passages are as before.
	if got, want := preferStatedCase(KBHit{Passages: []PassageHit{{N: 0, Score: 1}}}, "扣的钱能退吗").Passages, []PassageHit{{N: 0, Score: 1}}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("passages changed without a stated negative: %+v", got)
	}
}
