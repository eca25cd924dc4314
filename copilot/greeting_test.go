package copilot

import (
	"context"
	"strings"
	"testing"
)

// TestExemplarGreetingAfterAgentText is issue #14's first finding: an agent
// edited a draft by putting a sentence before the greeting ("很抱歉让您久等了！
// 您好，孙悦！…"); reused for 郭静, 张敏 and 徐丽 the reply kept 孙悦's name.
// The reused reply greets the customer it is now for, wherever the old
// greeting stood, and a name the exemplar's customer had never reaches
// another customer.
func TestExemplarGreetingAfterAgentText(t *testing.T) {
	for _, tc := range []struct {
		reply, oldName, newName string
	}{
		{"很抱歉让您久等了！您好，孙悦！退款已经为您加急处理，预计1-3个工作日原路退回。", "孙悦", "郭静 🌸"},
		{"抱歉久等。孙悦您好，退款已经为您加急处理，预计1-3个工作日原路退回。", "孙悦", "张敏"},
		{"Sorry for the wait! Hi Emma, your refund has been expedited and should arrive in 1-3 business days.", "Emma", "Noah Garcia"},
		{"感谢耐心等待，孙悦女士，退款已经为您加急处理，预计1-3个工作日原路退回。", "孙悦", "徐丽"},
	} {
		e := offline(t)
		lang := DetectLanguage(tc.reply)
		q := "我的退款什么时候到账？能加急吗"
		if lang == LangEN {
			q = "When will my refund arrive? Can you expedite it?"
		}
		if err := e.AddExemplar(Exemplar{ID: "x1", Question: q, Reply: tc.reply, Outcome: Edited, Language: lang, CustomerName: tc.oldName}); err != nil {
			t.Fatal(err)
		}
		d, err := e.Draft(context.Background(), Conversation{ID: "c", CustomerName: tc.newName,
			Messages: []Message{{Seq: 1, Role: RoleCustomer, Text: q}}}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, "加急") && !strings.Contains(d.Text, "expedited") {
			t.Fatalf("the exemplar was not reused: %q", d.Text)
		}
		if strings.Contains(d.Text, tc.oldName) {
			t.Errorf("draft for %s greets %s: %q", tc.newName, tc.oldName, d.Text)
		}
		if !strings.Contains(d.Text, strings.Fields(baseName(tc.newName))[0]) {
			t.Errorf("draft for %s does not greet them: %q", tc.newName, d.Text)
		}
	}
}

// TestGreetingSkipsPlaceholderNames: the widget names anonymous visitors
// "Visitor e8a6" / "访客 e8a6"; a draft greeted one as "Hi Visitor ea,".
// Handles and placeholders get the plain greeting; real names keep theirs.
func TestGreetingSkipsPlaceholderNames(t *testing.T) {
	en, zh := templatePhrases[LangEN], templatePhrases[LangZH]
	for name, want := range map[string]string{
		"Visitor e8a6": "Hi,", "user_1042": "Hi,", "Guest": "Hi,", "Liam Smith": "Hi Liam,", "Mia 🌸": "Hi Mia,",
	} {
		if got := en.greet(name, false); got != want {
			t.Errorf("greet(%q) = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]string{"访客 e8a6": "您好！", "王芳": "您好，王芳！"} {
		if got := zh.greet(name, false); got != want {
			t.Errorf("greet(%q) = %q, want %q", name, got, want)
		}
	}
}
