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
		want       []string
		notWant    []string
	}{
		{LangZH, "我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX", []string{"“提示税号格式不对”", "核实", "在这里回复您"},
			[]string{"91310115", "具体说一下", "我填了"}},
		{LangEN, "I filled in the form but it says my VAT number is invalid, the number is GB123456789", []string{"it says my VAT number is invalid", "check this"},
			[]string{"GB123456789", "more details", "filled in"}},
		{LangZH, "我的包裹显示已签收但是我没收到", []string{"我没收到", "订单号"}, []string{"具体说一下"}},
		{LangEN, "My parcel shows delivered but I never got it", []string{"I never got it", "order number"}, []string{"more details"}},
		{LangZH, "我有问题", []string{"具体说一下"}, []string{"“"}},
		{LangEN, "I need help", []string{"more details"}, []string{"\""}},
	} {
		p := draftPlan{lang: tc.lang, ask: tc.text, openText: tc.text}
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
