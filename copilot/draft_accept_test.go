package copilot

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// The acceptance cases of issue #13 for drafts.

// demoConversations are the demo world's chats at the point an agent
// takes them, plus follow-ups: what the tests below run over.
func demoConversations() []Conversation {
	cs := []Conversation{
		conv("renewal", "customer:你们的会员自动续费都不提醒的吗？又扣了我 814.00 元", "customer:我要注销账号，再也不在你们家买了！", "bot:您可以在「我的-设置-会员管理」中关闭自动续费。"),
		conv("fire", "customer:Your charger melted and nearly started a fire in my kid's room.", "customer:I'm talking to my lawyer and filing a complaint with the consumer protection agency unless this is handled today.", "bot:I'm sorry to hear that. Products under warranty can be repaired or replaced."),
		conv("fire2", "customer:Your charger melted and nearly started a fire in my kid's room.", "agent:I'm so sorry. Please stop using it.", "customer:I don't want a replacement, I want a full refund and someone to take this seriously."),
		conv("address", "customer:订单 20317792 的地址写错了，能改吗", "customer:转人工"),
		conv("heater", "customer:买的电热水器用了两周就漏水，把地板都泡了！", "customer:你们再不给我解决，我就去12315投诉，还要找律师起诉你们！"),
		conv("churn", "customer:Third late delivery this month. I'm about to cancel my membership and shop elsewhere.", "customer:Agent please"),
		conv("invoice", "customer:我需要开增值税专用发票，公司抬头怎么填？", "customer:人工客服"),
		conv("size", "customer:Can I change the size of the jacket I ordered? Order 55512345", "customer:Can I talk to a real person please"),
		conv("double", "customer:付款的时候扣了两次钱！订单 20318888，一共扣了 299 元两次", "customer:这个机器人根本没用"),
		conv("late", "customer:你好，我上周退货的订单 20319999，退款到现在还没到账", "customer:都过去 9 天了，到底什么时候退？"),
		conv("missing", "customer:This is ridiculous!!! Order 88812345 says delivered but there's NOTHING here", "customer:Worst service ever. I want this fixed NOW"),
		conv("dogfood", "customer:Do you sell dog food?"),
		conv("complain", "customer:我要投诉！你们客服态度太差了，我要去消协告你们"),
		conv("sue", "customer:I will sue you and report you to the BBB and the FTC. Where is my refund?"),
	}
	for i := range cs {
		cs[i].CustomerName = "孙悦"
	}
	return cs
}

func TestDraftRenewalComplaint(t *testing.T) {
	e := offline(t)
	d, err := e.Draft(context.Background(), demoConversations()[0], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Never the payment article's bullets (续费 is not 手续费).
	for _, bad := range []string{"待付款", "30 分钟", "重复扣款", "手续费"} {
		if strings.Contains(d.Text, bad) {
			t.Errorf("renewal draft quotes the payment article (%q): %s", bad, d.Text)
		}
	}
	about := strings.Contains(d.Text, "续费")
	honest := false
	for _, w := range d.Warnings {
		honest = honest || w.Code == WarnNoArticle
	}
	if !about && !honest {
		t.Fatalf("renewal draft is neither about the renewal nor an honest no-article draft: %s", d.Text)
	}
	for _, c := range d.Citations {
		if c.Kind == SourceKB && c.ID == "payment-zh" {
			t.Errorf("cites the payment article: %+v", d.Citations)
		}
	}
	if about && (len(d.Citations) == 0 || d.Citations[0].ID != "membership-zh" || d.Citations[0].Passage == "") {
		t.Errorf("a renewal answer cites the membership passage: %+v", d.Citations)
	}
	// Without the membership article the renewal is answered honestly, and
	// never from the payment article.
	var entries []KBEntry
	for _, ent := range e.KB().Entries() {
		if ent.Intent != "membership" {
			entries = append(entries, ent)
		}
	}
	bare, err := New(Config{KB: NewKB(entries)})
	if err != nil {
		t.Fatal(err)
	}
	d, err = bare.Draft(context.Background(), conv("renewal-only", "customer:你们的会员自动续费都不提醒的吗？又扣了我 814.00 元"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Warnings) == 0 || d.Warnings[0].Code != WarnNoArticle || strings.Contains(d.Text, "待付款") || !strings.Contains(d.Text, "814.00") {
		t.Errorf("without a membership article: %s %+v", d.Text, d.Warnings)
	}
}

// "shorter" is always shorter than the draft it regenerates, whatever the
// draft was built from (a KB passage, an agent's reply, nothing).
func TestShorterAlwaysShortens(t *testing.T) {
	e := offline(t)
	for _, x := range []Exemplar{
		{ID: "x1", Question: "我的退款什么时候到账", Reply: "您好！退款已经原路退回，预计3个工作日到账。", Outcome: Accepted, Language: LangZH},
		{ID: "x2", Question: "Can I change the size of the jacket I ordered?", Reply: "Sure, I've changed it to M for you.", Outcome: Edited, Language: LangEN},
	} {
		if err := e.AddExemplar(x); err != nil {
			t.Fatal(err)
		}
	}
	cs := append(demoConversations(), conv("ex1", "customer:我的退款什么时候到账"), conv("ex2", "customer:Can I change the size of the jacket I ordered?"),
		conv("one", "customer:hi"))
	for _, c := range cs {
		for _, base := range []string{"", "more formal", "warmer", "in English"} {
			full, err := e.Draft(context.Background(), c, base, nil)
			if err != nil {
				t.Fatal(err)
			}
			short, err := e.Draft(context.Background(), c, strings.TrimSpace(base+" shorter"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if utf8.RuneCountInString(short.Text) >= utf8.RuneCountInString(full.Text) || strings.TrimSpace(short.Text) == "" {
				t.Errorf("%s %q: shorter is not shorter:\n%s\n--- vs ---\n%s", c.ID, base, short.Text, full.Text)
			}
		}
	}
}

// No draft offers the customer a regulator, a court or a lawyer, although
// the KB tells agents customers may go to 12315 and customers threaten it.
func TestDraftsNeverOfferRegulatorOrLawyer(t *testing.T) {
	e := offline(t)
	bad := []string{"12315", "消协", "消费者协会", "律师", "法院", "起诉", "lawyer", "attorney", "regulator", "court", "BBB", "FTC"}
	cs := append(demoConversations(), conv("contact", "customer:对处理结果不满意，还能找谁投诉？"), conv("contact-en", "customer:Who else can I complain to about this?"))
	for _, c := range cs {
		for _, in := range []string{"", "shorter", "more formal"} {
			d, err := e.Draft(context.Background(), c, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range bad {
				if strings.Contains(strings.ToLower(d.Text), strings.ToLower(w)) {
					t.Errorf("%s %q: draft mentions %q: %s", c.ID, in, w, d.Text)
				}
			}
		}
	}
}

// Drafts answer the open question in at most about five sentences, with the
// conversation's facts, and do not repeat the bot's failed answer.
func TestDraftAnswersTheOpenQuestion(t *testing.T) {
	e := offline(t)
	for _, c := range demoConversations() {
		d, err := e.Draft(context.Background(), c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, line := range strings.Split(d.Text, "\n") {
			n += len(splitSentences(line))
		}
		if n > maxSentences+1 {
			t.Errorf("%s: %d sentences: %s", c.ID, n, d.Text)
		}
		for _, m := range c.Messages {
			if m.Role == RoleBot && strings.Contains(d.Text, strings.TrimSpace(m.Text)) {
				t.Errorf("%s: repeats the bot: %s", c.ID, d.Text)
			}
		}
	}
	cases := map[string]string{"address": "修改地址", "double": "20318888", "fire2": "refund", "size": "55512345", "dogfood": "dog food", "late": "20319999"}
	for _, c := range demoConversations() {
		want, ok := cases[c.ID]
		if !ok {
			continue
		}
		d, _ := e.Draft(context.Background(), c, "", nil)
		if !strings.Contains(d.Text, want) {
			t.Errorf("%s: draft lacks %q: %s", c.ID, want, d.Text)
		}
	}
	// "I want a full refund" after an agent's reply is a new question:
	// not the same draft as the first turn's.
	cs := demoConversations()
	first, _ := e.Draft(context.Background(), cs[1], "", nil)
	second, _ := e.Draft(context.Background(), cs[2], "", nil)
	if first.Text == second.Text {
		t.Errorf("the follow-up got the same draft: %s", first.Text)
	}
	// The address change is not the missing-parcel article.
	d, _ := e.Draft(context.Background(), cs[3], "", nil)
	if len(d.Citations) == 0 || d.Citations[0].ID != "order-changes-zh" {
		t.Errorf("address change cites %+v: %s", d.Citations, d.Text)
	}
}

// A turn that only thanks or agrees is answered as such, not with "能具体说一下遇到了什么问题吗？",
// and a follow-up of a calmed customer does not apologise again.
func TestDraftClosingTurns(t *testing.T) {
	e := offline(t)
	for _, tc := range []struct {
		c       Conversation
		want    string
		notWant []string
	}{
		{conv("z1", "customer:付款扣了两次钱", "agent:抱歉给您添麻烦了，已经为您退回。", "customer:收到了，谢谢。"), "不客气", []string{"记下了", "具体说一下"}},
		{conv("z2", "customer:热水器漏水了", "agent:非常抱歉，我们安排上门维修。", "customer:行吧，那你们尽快安排上门。"), "马上跟进", []string{"记下了", "抱歉", "优先处理"}},
		{conv("z3", "customer:How do I reset my password?", "agent:Use Forgot password on the sign-in page.", "customer:Found it in spam, thanks!"), "welcome", []string{"noted your question", "Sorry"}},
		// Seen in a simulated run: agreeing, and deciding not to cancel,
		// got "能具体说一下遇到了什么问题吗？".
		{conv("z6", "customer:会员续费扣的钱能退吗", "agent:可以申请退还本次续费。", "customer:好吧，退了就行，账号先不注销了。"), "马上跟进", []string{"记下了", "具体说一下", "抱歉"}},
		{conv("z7", "customer:我的快递一直没到", "agent:已经帮您催了，明天送到。", "customer:那就这样吧"), "马上跟进", []string{"记下了", "具体说一下"}},
		{conv("z8", "customer:Can I change my delivery address?", "agent:Yes, I changed it to the new one.", "customer:Ok then, fine."), "on it", []string{"details", "Sorry"}},
		{conv("z4", "customer:快递显示已签收，但是我根本没收到包裹"), "补发", nil},
		// Seen in the demo: answered from the warranty article, not "no article".
		{conv("z5", "customer:请问蓝牙耳机的保修期是多久？右耳没声音了"), "1 年保修", []string{"记下了"}},
	} {
		d, err := e.Draft(context.Background(), tc.c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, tc.want) {
			t.Errorf("%s: draft lacks %q: %s", tc.c.ID, tc.want, d.Text)
		}
		for _, w := range tc.notWant {
			if strings.Contains(d.Text, w) {
				t.Errorf("%s: draft has %q: %s", tc.c.ID, w, d.Text)
			}
		}
	}
}
