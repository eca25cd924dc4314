package copilot

import (
	"context"
	"strings"
	"testing"
)

// A follow-up turn is drafted in the light of what the conversation is
// about (issue #13, seen in a team run): the latest turn leads, the main
// ask and the article the conversation is already on count behind it, and
// a passage whose case the conversation has left (delivered but not
// received when nothing was delivered; how to return when it was returned)
// gives way.
func TestFollowUpDraftKeepsTheConversationsTopic(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		name string
		msgs []string
		want string   // a cited passage (entry#n) or entry id the draft must cite first
		not  []string // entries it must not cite
	}{
		{"刘洋", []string{"customer:订单 20318699 的地址写错了，能改吗",
			"agent:您好，订单发货前可以在「我的订单」里修改收货地址。",
			"customer:已经显示已发货了，改不了啊"}, "order-changes-zh#2", []string{"shipping-zh", "delivered-not-received-zh"}},
		{"徐丽", []string{"customer:你好，我上周退货的订单 20277570，退款到现在还没到账",
			"agent:您好，退款审核通过后按原支付方式退回，储蓄卡 3–7 个工作日到账。",
			"customer:我查了银行卡还是没有，能帮我催一下吗？"}, "refunds-zh#7", nil},
		// what the customer checked is the scene: no second passage for 银行卡
		{"徐丽 one passage", []string{"customer:你好，我上周退货的订单 20277570，退款到现在还没到账",
			"agent:您好，退款审核通过后按原支付方式退回，储蓄卡 3–7 个工作日到账。",
			"customer:我查了银行卡还是没有，能帮我催一下吗？"}, "refunds-zh#7", []string{"refunds-zh#8"}},
		{"吴昊", []string{"customer:什么破物流！！！说好昨天到，今天还没影",
			"agent:非常抱歉让您久等了，我马上帮您查一下物流。",
			"customer:快递员电话打不通，你们能不能联系一下？"}, "shipping-zh", []string{"delivered-not-received-zh"}},
		{"Ethan charger", []string{"customer:The charger I bought melted and nearly started a fire. I'm talking to my lawyer.",
			"agent:I'm very sorry. Please stop using it and keep it unplugged; we can send a free replacement.",
			"customer:I don't want a replacement, I want a full refund and someone to take this seriously."}, "warranty-en#1", []string{"delivered-not-received-en", "membership-en"}},
		{"Liam", []string{"customer:My parcel is late again, it was due on Monday.",
			"agent:Sorry about that, let me check the tracking for you.",
			"customer:Third late delivery this month. I'm about to cancel my membership and shop elsewhere."}, "", []string{"warranty-en"}},
		{"Ethan refund", []string{"customer:Hi, I returned order 20324283 two weeks ago and still no refund."}, "refunds-en", []string{"returns-en"}},
		{"Ethan refund follow-up", []string{"customer:Hi, I returned order 20324283 two weeks ago and still no refund.",
			"agent:Sorry for the wait. Once a refund is approved it goes back to the original payment method within a few business days.",
			"customer:The tracking says it was delivered to you on the 3rd. Can you check?"}, "refunds-en", []string{"delivered-not-received-en", "returns-en"}},
	} {
		c := conv(tc.name, tc.msgs...)
		d, err := e.Draft(context.Background(), c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for _, s := range d.Citations {
			if s.Kind != SourceKB {
				continue
			}
			if first == "" {
				first = s.Passage
				if tc.want != "" && !strings.Contains(tc.want, "#") {
					first = s.ID
				}
			}
			for _, n := range tc.not {
				if s.ID == n || s.Passage == n {
					t.Errorf("%s cites %s:\n%s", tc.name, s.Passage, d.Text)
				}
			}
		}
		if tc.want != "" && first != tc.want {
			t.Errorf("%s: first citation %q, want %q: %+v\n%s", tc.name, first, tc.want, d.Citations, d.Text)
		}
	}
}

// A follow-up that turns down what the agent sent ("I don't want a
// replacement") is not sent the same passage again.
func TestFollowUpDoesNotResendTheAgentsPassage(t *testing.T) {
	e := offline(t)
	sent := "A quality defect (not caused by use or accident: leaking, overheating, melting, smoke, not turning on) within 15 days of delivery: choose an exchange or a return with refund; we pay shipping both ways."
	c := conv("fire3", "customer:Your charger melted and nearly started a fire in my kid's room.",
		"agent:I'm really sorry about this. For your safety, please stop using it and keep it unplugged.\n"+sent,
		"customer:I don't want a replacement, I want a full refund and someone to take this seriously.")
	d, err := e.Draft(context.Background(), c, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Text, "choose an exchange or a return with refund") {
		t.Errorf("the agent's passage again: %+v\n%s", d.Citations, d.Text)
	}
}
