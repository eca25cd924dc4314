package copilot

import (
	"context"
	"strings"
	"testing"
)

// The same words asked in another state want another reply: after "is it
// about your earlier question?" a "之前的问题" is looked up, while as a
// conversation's first words it is asked what about.
func TestExemplarReuseFollowsTheConversationsState(t *testing.T) {
	e := offline(t)
	asked := "请问您是咨询之前的问题还是有其他的问题需要处理呢？"
	for i, x := range []Exemplar{
		{Question: "之前的问题", Reply: "请问您之前咨询的是哪个订单的问题呢？", Context: ""},
		{Question: "之前的问题", Reply: "请稍等，马上为您查看之前的问题处理进度。", Context: asked},
	} {
		x.ID, x.Outcome, x.Language = string(rune('a'+i)), Accepted, LangZH
		if err := e.AddExemplar(x); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		c    Conversation
		want string
	}{
		{conv("after", "customer:在吗", "agent:"+asked, "customer:之前的问题"), "请稍等，马上为您查看之前的问题处理进度。"},
		{conv("first", "customer:之前的问题"), "请问您之前咨询的是哪个订单的问题呢？"},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, tc.want) {
			t.Errorf("%s: draft %q, want the reply %q", tc.c.ID, d.Text, tc.want)
		}
	}
}
