package copilot

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestNoReuseOfAnotherCustomersWords: seen in a simulated run, 赵磊's draft
// was another chat's acknowledgement with that customer's words in quotes.
// A reply that quotes the customer it was written for is not reused; one
// that quotes a menu path is.
func TestNoReuseOfAnotherCustomersWords(t *testing.T) {
	e := engineWith(t, []Exemplar{
		{ID: "quote-zh", Question: "会员扣的钱能退吗，账号先不注销了", Outcome: Accepted,
			Reply: "很抱歉让您久等了！您说的“会员扣的钱能退吗，账号先不注销了”这个问题我已经记下了。能具体说一下遇到了什么问题吗？"},
		{ID: "quote-en", Question: "My gift card code says it was already redeemed", Outcome: Accepted,
			Reply: "About \"My gift card code says it was already redeemed\": I'm looking into it now."},
		{ID: "menu-zh", Question: "自动续费怎么关闭", Outcome: Accepted,
			Reply: "在“我的 → 设置 → 会员管理”里关闭自动续费，到期不再扣费。"},
	}...)
	for _, tc := range []struct {
		c      Conversation
		reused bool
		never  string
	}{
		{conv("zh", "customer:会员扣的钱能退吗？账号先不注销"), false, "账号先不注销了”"},
		{conv("en", "customer:My gift card code says already redeemed??"), false, "it was already redeemed\""},
		{conv("menu", "customer:自动续费怎么关闭？"), true, ""},
	} {
		tc.c.CustomerName = "赵磊"
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		reused := slices.ContainsFunc(d.Citations, func(s Source) bool { return s.Kind == SourceExemplar })
		if reused != tc.reused {
			t.Errorf("%s: exemplar reused %v, want %v: %s", tc.c.ID, reused, tc.reused, d.Text)
		}
		if tc.never != "" && strings.Contains(d.Text, tc.never) {
			t.Errorf("%s: quotes another customer: %s", tc.c.ID, d.Text)
		}
	}
}

// TestExemplarReusedOnlyOnItsTopic: seen in a simulated run, the melted
// charger's "I don't want a replacement, I want a full refund and someone to
// take this seriously." got a reply about refunding a membership renewal.
// A reply is reused for a conversation of the same intent as the one it
// answered, not for one whose latest words alone are alike.
func TestExemplarReusedOnlyOnItsTopic(t *testing.T) {
	e := engineWith(t, Exemplar{ID: "renewal", Question: "I want a full refund, I didn't want this renewal", Outcome: Accepted, Intent: "membership",
		Reply: "I've refunded this renewal of your membership in full; it reaches your card in 1-3 business days."})
	for _, tc := range []struct {
		c      Conversation
		reused bool
	}{
		{conv("fire2", "customer:Your charger melted and nearly started a fire in my kid's room.", "agent:I'm so sorry. Please stop using it.",
			"customer:I don't want a replacement, I want a full refund and someone to take this seriously."), false},
		{conv("renewal", "customer:My membership auto-renewed again and charged me without any reminder.", "agent:Sorry about that, let me check.",
			"customer:I want a full refund, I didn't want this renewal."), true},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		reused := slices.ContainsFunc(d.Citations, func(s Source) bool { return s.Kind == SourceExemplar })
		if reused != tc.reused || !tc.reused && strings.Contains(d.Text, "renewal") {
			t.Errorf("%s: exemplar reused %v, want %v: %s", tc.c.ID, reused, tc.reused, d.Text)
		}
	}
}

// TestNoReuseOfAnotherCustomersFacts: seen in a simulated run, 郭静's
// "又扣了我 83.50 元" got "您说的这笔 761.38 元 扣款我这边马上核实" from
// another chat, and "Great, thank you!" got a stored answer about changing
// an order ("Not shipped yet: My Orders → Change address…") that an earlier
// thanks had been sent. An amount of the other customer's is theirs; a
// thanks is not answered with an article.
func TestNoReuseOfAnotherCustomersFacts(t *testing.T) {
	e := engineWith(t, []Exemplar{
		{ID: "amount", Question: "你们的会员自动续费都不提醒的吗？又扣了我 761.38 元", Outcome: Accepted, Sources: []string{"membership-zh"},
			Reply: "抱歉给您添麻烦了。您说的这笔 761.38 元 扣款我这边马上核实。开通自动续费的会员，到期前 3 天会收到短信和站内信提醒。"},
		{ID: "thanks", Question: "Great, thank you!", Outcome: Accepted, Sources: []string{"order-changes-en"},
			Reply: "Not shipped yet: My Orders → Change address / Cancel order; the payment goes back to the original method automatically."},
	}...)
	for _, tc := range []struct {
		c     Conversation
		never string
	}{
		{conv("amount", "customer:你们的会员自动续费都不提醒的吗？又扣了我 83.50 元"), "761.38"},
		{conv("thanks", "customer:Can I change the address?", "agent:Done, it's changed.", "customer:Great, thank you!"), "Not shipped yet"},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.Text, tc.never) {
			t.Errorf("%s: draft has another conversation's %q: %s", tc.c.ID, tc.never, d.Text)
		}
	}
}

// engineWith is an offline engine whose exemplar memory holds xs.
func engineWith(t *testing.T, xs ...Exemplar) *Engine {
	t.Helper()
	mem := NewExemplarMemory()
	if err := mem.Load(xs); err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Exemplars: mem})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
