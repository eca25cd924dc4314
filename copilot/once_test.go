package copilot

import (
	"context"
	"strings"
	"testing"
)

// TestOneApologyOneClosing: seen in a simulated run, a reused reply an agent
// had prefixed with "很抱歉让您久等了！" was drafted after the template's own
// apology, and one ending in two sign-offs kept both. A draft says sorry
// once and signs off once, in Chinese and English.
func TestOneApologyOneClosing(t *testing.T) {
	e := engineWith(t, []Exemplar{
		{ID: "o1", Question: "自动续费怎么关闭", Outcome: Edited,
			Reply: "很抱歉让您久等了！关闭自动续费：我的 → 设置 → 会员管理 → 自动续费 → 关闭。还有其他问题随时告诉我。如有其他问题随时联系我。"},
		{ID: "o2", Question: "How do I turn off auto renewal of my membership?", Outcome: Edited,
			Reply: "Sorry for the wait! Go to Account, Membership, Auto-renew and switch it off. Anything else, just let me know. Let me know if there's anything else."},
	}...)
	for _, tc := range []struct {
		c               Conversation
		sorry, closings []string
	}{
		{conv("zh", "customer:自动续费怎么关闭？气死我了！又扣钱了！"), []string{"抱歉", "对不起"}, []string{"其他问题"}},
		{conv("zh-calm", "customer:自动续费怎么关闭"), []string{"抱歉", "对不起"}, []string{"其他问题"}},
		{conv("en-calm", "customer:How do I turn off auto renewal of my membership?"), []string{"sorry", "apolog"}, []string{"anything else"}},
		{conv("en", "customer:How do I turn off auto renewal of my membership?? This is outrageous, you charged me AGAIN!!!"), []string{"sorry", "apolog"}, []string{"anything else"}},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, "uto") && !strings.Contains(d.Text, "自动续费") {
			t.Fatalf("%s: the exemplar was not reused: %s", tc.c.ID, d.Text)
		}
		l := strings.ToLower(d.Text)
		count := func(ws []string) (n int) {
			for _, w := range ws {
				n += strings.Count(l, w)
			}
			return n
		}
		if n := count(tc.sorry); n != 1 {
			t.Errorf("%s: %d apologies, want 1: %s", tc.c.ID, n, d.Text)
		}
		if n := count(tc.closings); n > 1 {
			t.Errorf("%s: %d closings, want at most 1: %s", tc.c.ID, n, d.Text)
		}
	}
}
