package copilot

import (
	"context"
	"strings"
	"testing"
)

// The no-article draft names the customer's problem by its gist and does
// not ask what the problem is when the customer just said it — seen in
// the demo: "您说的“我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX”这个问题我已经
// 记下了。能具体说一下遇到了什么问题吗？" It asks only for what is missing, and
// still asks what is wrong when the customer has not said.
func TestHonestDraftDoesNotAskWhatWasJustSaid(t *testing.T) {
	for _, tc := range []struct {
		lang, text string
		upset      bool
		want       []string
		notWant    []string
	}{
		{LangZH, "我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX", false, []string{"“提示税号格式不对”", "核实", "在这里回复您"},
			[]string{"91310115", "具体说一下", "我填了"}},
		{LangEN, "I filled in the form but it says my VAT number is invalid, the number is GB123456789", false, []string{"it says my VAT number is invalid", "check this"},
			[]string{"GB123456789", "more details", "filled in"}},
		{LangZH, "我的包裹显示已签收但是我没收到", false, []string{"我没收到", "订单号"}, []string{"具体说一下"}},
		{LangEN, "My parcel shows delivered but I never got it", false, []string{"I never got it", "order number"}, []string{"more details"}},
		{LangZH, "我有问题", false, []string{"具体说一下"}, []string{"“"}},
		{LangEN, "I need help", false, []string{"more details"}, []string{"\""}},
		// An upset customer's acknowledgement says it is being looked into:
		// not again ("I'm looking into it now. I'll check this now…").
		{LangEN, "The app says my coupon is invalid, this is ridiculous", true, []string{"I'm looking into it now", "reply here"}, []string{"check this now"}},
		{LangZH, "优惠券提示无效，太离谱了", true, []string{"“优惠券提示无效”", "核实"}, []string{"具体说一下"}},
	} {
		p := draftPlan{lang: tc.lang, ask: tc.text, openText: tc.text, negative: tc.upset}
		got := p.honest(templatePhrases[tc.lang])
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q: draft %q lacks %q", tc.text, got, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%q: draft %q has %q", tc.text, got, w)
			}
		}
	}

	// The demo's turn, through the whole draft.
	d, err := offline(t).Draft(context.Background(), conv("tax", "customer:我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Text, "91310115") || strings.Contains(d.Text, "具体说一下") {
		t.Errorf("draft quotes the tax id or asks what the problem is: %s", d.Text)
	}
}

// A closing or holding reply says what it is and carries no no_citation
// warning: it states no facts to check ("好的，收到，我这边马上跟进…" for
// "好的，那我再等两天。" was flagged "cites no source" in the demo).
func TestBriefDraftsNeedNoSource(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		c    Conversation
		kind string
	}{
		{conv("k1", "customer:我的快递一直没到", "agent:抱歉，我这边帮您催一下物流，两天内会有更新。", "customer:好的，那我再等两天。"), DraftKindClosing},
		{conv("k2", "customer:How do I reset my password?", "agent:Use Forgot password on the sign-in page.", "customer:Found it, thanks!"), DraftKindClosing},
		{conv("k3", "customer:在吗"), DraftKindHolding},
		{conv("k4", "customer:我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX"), ""},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != tc.kind {
			t.Errorf("%s: kind %q, want %q: %s", tc.c.ID, d.Kind, tc.kind, d.Text)
		}
		for _, w := range d.Warnings {
			if w.Code == WarnNoCitation && tc.kind != "" {
				t.Errorf("%s: a %s draft warned %q: %s", tc.c.ID, tc.kind, w.Code, d.Text)
			}
		}
	}
}
