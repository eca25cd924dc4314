package copilot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestAnswerFromTheKB: questions the demo KB answers get the entry in the
// customer's language with a confidence the bot's default threshold (0.45)
// clears; questions it has nothing on stay under it.
func TestAnswerFromTheKB(t *testing.T) {
	e := offline(t)
	answered := []struct{ q, entry string }{
		{"请问蓝牙耳机的保修期是多久？右耳没声音了", "warranty-zh"},
		{"新疆能发货吗？大概几天到？", "shipping-zh"},
		{"我需要开增值税专用发票，公司抬头怎么填？", "invoices-zh"},
		{"How do I reset my password? The email never arrives.", "account-en"},
		{"How long does shipping take?", "shipping-en"},
		{"Can I get a refund?", "refunds-en"},
	}
	for _, c := range answered {
		a, err := e.Answer(context.Background(), conv("", "customer:"+c.q))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Sources) == 0 || a.Sources[0].ID != c.entry || a.Confidence < 0.45 || a.Text == "" {
			t.Errorf("%q: answered from %v with %.2f, want %s over 0.45", c.q, a.Sources, a.Confidence, c.entry)
		}
		if a.Language != DetectLanguage(c.q) || DetectLanguage(a.Text) != a.Language {
			t.Errorf("%q: answer in %s (%q)", c.q, a.Language, a.Text)
		}
		if a.Provenance.Provider != ProviderOffline || a.Provenance.Seq != 1 || len(a.Provenance.Sources) == 0 {
			t.Errorf("%q: provenance %+v", c.q, a.Provenance)
		}
	}
	for _, q := range []string{"What is the capital of France?", "你们店几点关门", "我想问一下你们有没有卖猫粮", "hello", "你好",
		"Hello, I'd like to order 40 units of the ergonomic chair for our office. Is there a volume discount?"} {
		a, err := e.Answer(context.Background(), conv("", "customer:"+q))
		if err != nil {
			t.Fatal(err)
		}
		if a.Confidence >= 0.45 {
			t.Errorf("%q: confidence %.2f from %v, want under 0.45", q, a.Confidence, a.Sources)
		}
	}
}

// TestAnswerFollowUp: a short follow-up ("how long?") is read with the turn
// before it, and the newest turn's language wins.
func TestAnswerFollowUp(t *testing.T) {
	e := offline(t)
	a, err := e.Answer(context.Background(), conv("c1", "customer:我想退货", "bot:好的", "customer:How long does the refund take?"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Language != LangEN || len(a.Sources) == 0 || !strings.HasSuffix(a.Sources[0].ID, "-en") {
		t.Errorf("answer %+v, want an English entry", a)
	}
	if _, err := e.Answer(context.Background(), conv("c2", "bot:hello")); !errors.Is(err, ErrEmpty) {
		t.Errorf("no customer text: %v, want ErrEmpty", err)
	}
}

// TestRemoteAnswer: the model words the answer from the candidates, PII is
// masked on the way out and restored in the answer, the confidence is the
// mean of the model's and retrieval's, and uncited text is no answer.
func TestRemoteAnswer(t *testing.T) {
	replies := []string{
		`{"answer":"电子产品享受 1 年保修，请联系 [PHONE_1] 的机主。","confidence":0.9,"sources":["kb:warranty-zh"]}`,
		`{"answer":"随便说说","confidence":"0.95","sources":[]}`,
		`not json at all`,
	}
	f := newFakeLLM(t, func(n int, w http.ResponseWriter, r *http.Request, req chatReq) {
		if req.Stream {
			t.Errorf("answer should not stream")
		}
		if !strings.Contains(req.Messages[1].Content, "[kb:warranty-zh]") {
			t.Errorf("the warranty entry is not among the sources:\n%s", req.Messages[1].Content)
		}
		completion(w, replies[n-1])
	})
	f.disallow = []string{rawPhone}
	e := f.engine(t, Config{})
	c := conv("c1", "customer:蓝牙耳机保修期是多久？我的手机 "+rawPhone)
	off, _ := offline(t).Answer(context.Background(), c)

	a, err := e.Answer(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, rawPhone) || a.Provenance.Provider != ProviderOpenAI || a.Provenance.PromptVersion != AnswerPromptVersion {
		t.Errorf("answer %+v", a)
	}
	if want := round2((0.9 + off.Confidence) / 2); a.Confidence != want || len(a.Sources) != 1 || a.Sources[0].ID != "warranty-zh" {
		t.Errorf("confidence %.2f sources %v, want %.2f from warranty-zh", a.Confidence, a.Sources, want)
	}
	if a, err = e.Answer(context.Background(), c); err != nil || a.Confidence != 0 || a.Text != "" {
		t.Errorf("uncited answer: %+v %v, want none", a, err)
	}
	if a, err = e.Answer(context.Background(), c); err != nil || a.Provenance.Fallback == "" || a.Provenance.Provider != ProviderOffline || a.Confidence != off.Confidence {
		t.Errorf("garbage from the model: %+v %v, want the offline answer with a fallback note", a, err)
	}
}

// TestAnswerPercent: the model's confidence as asked (0–100), as a
// fraction, or as a string; numbers a real llama.cpp server produced
// (9999999999999999E9999999999999999 from an unbounded schema number) and
// other nonsense are refused, so the offline answer is used instead.
func TestAnswerPercent(t *testing.T) {
	for in, want := range map[string]float64{`80`: 0.8, `0.8`: 0.8, `"85"`: 0.85, `0`: 0, `100`: 1, `1`: 1} {
		if got, ok := answerPercent(json.RawMessage(in)); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{`9999999999999999E9999999999999999`, `-1`, `101`, `"high"`, `null`, ``, `NaN`} {
		if got, ok := answerPercent(json.RawMessage(in)); ok {
			t.Errorf("%s: took %v", in, got)
		}
	}
}
