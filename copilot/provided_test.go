package copilot

import (
	"context"
	"strings"
	"testing"
)

// A turn that gives what the agent asked for (an address, an order number,
// a photo) answers the agent's question: it is confirmed with what it gave,
// not acknowledged as a new problem ("您说的“…”这个问题我已经记下了"), not
// answered with a KB passage and not asked what the problem is. Seen in the
// lead's team run (issues #13, #14).
func TestDraftTurnGivesWhatAgentAsked(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		c       Conversation
		want    []string
		notWant []string
	}{
		{conv("p1", "customer:我想改一下收货地址", "agent:好的，请把新的收货地址发给我。", "customer:新地址是 上海市浦东新区张江路 88 号，麻烦了"),
			[]string{"收到", "上海市浦东新区张江路 88 号", "马上"}, []string{"记下了", "具体说一下", "订单号"}},
		{conv("p2", "customer:我的快递一直没到", "agent:麻烦提供一下订单号，我帮您查。", "customer:订单号是 20318699"),
			[]string{"收到", "20318699"}, []string{"记下了", "具体说一下", "请告诉我订单号"}},
		{conv("p3", "customer:The mug arrived broken", "agent:Sorry about that! Could you send me a photo of the damage?", "customer:here is the photo"),
			[]string{"Thanks", "photo"}, []string{"Thanks for reaching out about", "more details", "order number?"}},
		{conv("p4", "customer:Where is my parcel?", "agent:Could you share your order number?", "customer:my order number is 5531"),
			[]string{"order 5531", "checking it now"}, []string{"reaching out about", "more details", "share your order number"}},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != DraftKindHolding || len(d.Warnings) > 0 {
			t.Errorf("%s: kind %q, warnings %+v: a confirmation states no facts", tc.c.ID, d.Kind, d.Warnings)
		}
		for _, w := range tc.want {
			if !strings.Contains(d.Text, w) {
				t.Errorf("%s: draft lacks %q: %s", tc.c.ID, w, d.Text)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(d.Text, w) {
				t.Errorf("%s: draft has %q: %s", tc.c.ID, w, d.Text)
			}
		}
		for _, s := range d.Citations {
			if s.Kind == SourceKB {
				t.Errorf("%s: cites %s: %s", tc.c.ID, s.ID, d.Text)
			}
		}
	}
	// Without the agent's question the same words are no answer to one:
	// "订单号是 20318699" opening a chat is looked up as before.
	d, _ := e.Draft(context.Background(), conv("p5", "customer:新地址是 上海市浦东新区张江路 88 号，麻烦了"), "", nil)
	if strings.HasPrefix(strings.TrimPrefix(d.Text, "您好！\n"), "收到，新地址") {
		t.Errorf("an address with no question before it is confirmed as an answer: %s", d.Text)
	}
}

// "希望这次能处理好。" / "I hope it gets sorted this time." close a turn.
func TestDraftHopeIsClosing(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		c    Conversation
		want string
	}{
		{conv("h1", "customer:我的快递一直没到", "agent:已经帮您催了，明天送到。", "customer:希望这次能处理好。"), "马上跟进"},
		{conv("h2", "customer:My parcel never came", "agent:I've sent a replacement, it arrives tomorrow.", "customer:I hope it gets sorted this time."), "on it"},
	} {
		d, _ := e.Draft(context.Background(), tc.c, "", nil)
		if !strings.Contains(d.Text, tc.want) || strings.Contains(d.Text, "记下了") || strings.Contains(d.Text, "reaching out") {
			t.Errorf("%s: not a closing: %s", tc.c.ID, d.Text)
		}
	}
	for _, s := range []string{"希望你们能退款吗", "I hope you can tell me why it broke"} {
		if closingTurn(s) {
			t.Errorf("closingTurn(%q) = true", s)
		}
	}
}
