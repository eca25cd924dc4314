package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// turn is one message a channel posts: a customer line, or a bot line with
// the bot's own judgement of it.
type turn struct {
	bot        bool
	text       string
	fallback   bool
	confidence float64 // 0 = not given
}

func cust(text string) turn { return turn{text: text} }

// TestRulesEscalateExactlyTheRightConversations posts each conversation
// through the HTTP API and checks which turn (if any) escalated it, why,
// and on what evidence.
func TestRulesEscalateExactlyTheRightConversations(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("frontline")
	cases := []struct {
		name     string
		vip      bool
		turns    []turn
		at       int // index of the turn that escalates; -1 = never
		reason   protocol.Reason
		evidence string        // must appear in the evidence
		flag     protocol.Flag // must be among the flags
	}{
		// Asking for a person.
		{"zh 转人工", false, []turn{cust("转人工")}, 0, protocol.ReasonAsksForHuman, `"转人工"`, protocol.FlagAsksForHuman},
		{"zh 人工客服", false, []turn{cust("你好"), cust("我要人工客服")}, 1, protocol.ReasonAsksForHuman, `"人工客服"`, ""},
		{"zh 真人", false, []turn{cust("能不能找个真人跟我说")}, 0, protocol.ReasonAsksForHuman, `"真人"`, ""},
		{"zh AI is not a person", false, []turn{cust("你们用的是人工智能吗？")}, -1, "", "", ""},
		{"zh declines a person", false, []turn{cust("不用转人工，我自己看看")}, -1, "", "", ""},
		{"en real person", false, []turn{cust("Can I talk to a real person?")}, 0, protocol.ReasonAsksForHuman, `"real person"`, ""},
		{"en AGENT shouted", false, []turn{cust("AGENT")}, 0, protocol.ReasonAsksForHuman, `"agent"`, ""},
		{"en representative", false, []turn{cust("I'd like a representative please")}, 0, protocol.ReasonAsksForHuman, `"representative"`, ""},
		{"en full-width human", false, []turn{cust("ｈｕｍａｎ please")}, 0, protocol.ReasonAsksForHuman, `"human"`, ""},
		{"en travel agent", false, []turn{cust("My travel agent booked this order for me")}, -1, "", "", ""},
		{"en human resources", false, []turn{cust("Is this human resources?")}, -1, "", "", ""},
		// Legal and regulator threats.
		{"zh 12315", false, []turn{cust("再不处理我就打12315")}, 0, protocol.ReasonLegalThreat, `"12315"`, protocol.FlagLegalThreat},
		{"zh 律师 起诉", false, []turn{cust("我已经咨询了律师，准备起诉你们")}, 0, protocol.ReasonLegalThreat, `"律师", "起诉"`, ""},
		{"zh 投诉到消协", false, []turn{cust("我要投诉到消协")}, 0, protocol.ReasonLegalThreat, `"消协"`, ""},
		{"zh 工商银行 is a bank", false, []turn{cust("我用工商银行的卡付的款，怎么退？")}, -1, "", "", ""},
		{"en sue", false, []turn{cust("I will sue you")}, 0, protocol.ReasonLegalThreat, `"sue"`, ""},
		{"en issue is not sue", false, []turn{cust("I have an issue with my order")}, -1, "", "", ""},
		{"en chargeback", false, []turn{cust("I'll file a chargeback with my bank")}, 0, protocol.ReasonLegalThreat, `"chargeback"`, ""},
		{"en lawyer beats human", false, []turn{cust("Get me a human or my lawyer calls you")}, 0, protocol.ReasonLegalThreat, `"lawyer"`, protocol.FlagAsksForHuman},
		// Anger and strongly negative sentiment.
		{"zh angry", false, []turn{cust("你们这是骗子公司，气死我了")}, 0, protocol.ReasonNegativeSentiment, "angry", protocol.FlagAngry},
		{"zh negative pile-up", false, []turn{cust("太慢了，很失望，怎么回事")}, 0, protocol.ReasonNegativeSentiment, "negative", ""},
		{"zh mild is fine", false, []turn{cust("快递有点太慢了")}, -1, "", "", ""},
		{"en angry", false, []turn{cust("This is a scam, absolutely ridiculous")}, 0, protocol.ReasonNegativeSentiment, "angry", protocol.FlagAngry},
		// Words the old 30-word keyword list never had: the copilot's
		// lexicon reads them, and its cue is the evidence.
		{"en angry outside the old list", false, []turn{cust("You people are pathetic and clueless, I'm livid!!!")}, 0, protocol.ReasonNegativeSentiment, `"pathetic"`, protocol.FlagAngry},
		{"zh angry outside the old list", false, []turn{cust("这服务烂到家了，一群废物！！！")}, 0, protocol.ReasonNegativeSentiment, "angry", protocol.FlagAngry},
		// A hazard with a lawyer: a legal threat, urgent, and never neutral.
		{"en fire and lawyer", false, []turn{cust("Your charger melted and nearly started a fire in my kid's room."),
			cust("I'm talking to my lawyer unless this is handled today.")}, 1, protocol.ReasonLegalThreat, `"lawyer"`, protocol.FlagUrgent},
		// Churn is its own reason and flag, not "asks for a human".
		{"en churn", false, []turn{cust("Third late delivery this month. I'm about to cancel my membership and shop elsewhere.")}, 0, protocol.ReasonChurnRisk, `"cancel my membership"`, protocol.FlagChurnRisk},
		{"zh churn 销户", false, []turn{cust("我要去销户")}, 0, protocol.ReasonChurnRisk, `"销户"`, protocol.FlagChurnRisk},
		{"zh churn 不用你们了", false, []turn{cust("以后不用你们了")}, 0, protocol.ReasonChurnRisk, `"不用你们"`, protocol.FlagChurnRisk},
		{"zh no thanks is no churn", false, []turn{cust("不用了，谢谢")}, -1, "", "", ""},
		{"en calm question", false, []turn{cust("Where is my parcel?"), cust("Thanks, that helps")}, -1, "", "", ""},
		// The bot keeps failing.
		{"bot fallbacks", false, []turn{
			cust("my package arrived damaged"), {bot: true, text: "Sorry, I didn't get that.", fallback: true},
			cust("it arrived broken"), {bot: true, text: "Here is our FAQ.", confidence: 0.2},
			cust("ok so what now"),
		}, 4, protocol.ReasonBotFailure, "2 bot replies", ""},
		{"bot confident", false, []turn{
			cust("how long is the warranty"), {bot: true, text: "Two years.", confidence: 0.9},
			cust("and for batteries"), {bot: true, text: "One year.", confidence: 0.8},
			cust("great"),
		}, -1, "", "", ""},
		{"en repeats", false, []turn{
			cust("Where is my order 12345?"), {bot: true, text: "You can track it in the app.", confidence: 0.7},
			cust("where is my order 12345"),
		}, 2, protocol.ReasonBotFailure, "repeated", ""},
		{"zh repeats", false, []turn{
			cust("我的快递到哪了？"), {bot: true, text: "请在订单页查看物流。", confidence: 0.7}, cust("我的快递到哪了??"),
		}, 2, protocol.ReasonBotFailure, "repeated", ""},
		{"short repeats do not count", false, []turn{cust("hi"), cust("hi")}, -1, "", "", ""},
		// VIP customers go to people.
		{"vip", true, []turn{cust("hello, a quick question")}, 0, protocol.ReasonVIP, "VIP", ""},
		{"not vip", false, []turn{cust("hello, a quick question")}, -1, "", "", ""},
		// Rules only judge bot conversations: once with people, nothing re-escalates.
		{"escalates once", false, []turn{cust("转人工"), cust("我要找律师起诉你们")}, 0, protocol.ReasonAsksForHuman, `"转人工"`, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ext := fmt.Sprintf("rules-%d", i)
			if tc.vip {
				post[custAnswer](h, bot, "/v1/api/customers", map[string]any{
					"name": "VIP " + ext, "vip": true, "identities": []map[string]string{{"channel": "web", "external_id": ext}},
				}, http.StatusCreated)
			}
			convID, escalatedAt := "", -1
			var last msgAnswer
			for j, tu := range tc.turns {
				body := map[string]any{"message_id": fmt.Sprintf("%s-%d", ext, j), "text": tu.text}
				if convID == "" {
					body["channel"], body["external_id"] = "web", ext
				} else {
					body["conversation_id"] = convID
				}
				if tu.bot {
					body["author"] = "bot"
					b := map[string]any{"fallback": tu.fallback}
					if tu.confidence > 0 {
						b["confidence"] = tu.confidence
					}
					body["bot"] = b
				}
				last = post[msgAnswer](h, bot, "/v1/api/messages", body, http.StatusCreated)
				convID = last.Conversation.ID
				if last.Escalated {
					if escalatedAt >= 0 {
						t.Fatalf("escalated twice: turns %d and %d", escalatedAt, j)
					}
					escalatedAt = j
				}
			}
			if escalatedAt != tc.at {
				t.Fatalf("escalated at turn %d, want %d (conversation %+v)", escalatedAt, tc.at, last.Conversation)
			}
			c := last.Conversation
			if tc.at < 0 {
				if c.Status != protocol.ConvBot || c.Escalation != nil {
					t.Fatalf("should stay with the bot: %+v", c)
				}
				return
			}
			if c.Status != protocol.ConvQueued || c.Escalation == nil || c.Escalation.Reason != tc.reason {
				t.Fatalf("want queued with reason %s, got %s %+v", tc.reason, c.Status, c.Escalation)
			}
			if !strings.Contains(c.Escalation.Evidence, tc.evidence) {
				t.Fatalf("evidence %q does not contain %q", c.Escalation.Evidence, tc.evidence)
			}
			// The same evidence in parts, for a desk to word in its language.
			if f := c.Escalation.Facts; f == nil || f.Kind == "" {
				t.Fatalf("evidence %q came without its facts", c.Escalation.Evidence)
			}
			if tc.flag != "" && !slices.Contains(c.Flags, tc.flag) {
				t.Fatalf("flags %v lack %s", c.Flags, tc.flag)
			}
			if c.Priority <= 0 || c.SLADueAt <= c.EscalatedAt {
				t.Fatalf("escalation without priority or SLA: %+v", c)
			}
		})
	}
}

// A plugged-in analyser (a trained model, a test double) replaces the
// copilot's lexicon engine for the rules.
func TestRulesUsePluggedSentiment(t *testing.T) {
	calls := 0
	sentiment := func(text string) copilot.Analysis {
		calls++
		if strings.Contains(text, "meh") {
			return copilot.Analysis{Label: copilot.Negative, Score: -0.9}
		}
		return copilot.Analysis{Label: copilot.Neutral}
	}
	r := server.DefaultRules()
	v := r.Evaluate(server.Turn{Text: "meh, whatever"}, sentiment)
	if !v.Escalate || v.Reason != protocol.ReasonNegativeSentiment || calls != 1 {
		t.Fatalf("verdict %+v after %d calls", v, calls)
	}
	// The lexicon would call this one angry; the plugged function does not.
	if v := r.Evaluate(server.Turn{Text: "this is the worst scam, ridiculous!!!"}, sentiment); v.Escalate {
		t.Fatalf("plugged function ignored: %+v", v)
	}
	// Without one, the copilot's lexicon engine reads the message.
	if v := r.Evaluate(server.Turn{Text: "this is the worst scam, ridiculous!!!"}, nil); !v.Escalate || !slices.Contains(v.Flags, protocol.FlagAngry) {
		t.Fatalf("default analyser: %+v", v)
	}
	// Zero rules escalate nothing.
	var none server.Rules
	if v := none.Evaluate(server.Turn{Text: "转人工 律师 骗子 销户", VIP: true, BotFailures: 9}, nil); v.Escalate {
		t.Fatalf("zero rules escalated: %+v", v)
	}
}

func TestPriorityFormula(t *testing.T) {
	cases := []struct {
		in   server.PriorityInput
		want int
	}{
		{server.PriorityInput{}, 10},
		{server.PriorityInput{Flags: []protocol.Flag{"asks_for_human"}}, 15},
		{server.PriorityInput{Flags: []protocol.Flag{"asks_for_human", "angry"}}, 35},
		{server.PriorityInput{Flags: []protocol.Flag{"angry", "asks_for_human", "legal_threat"}}, 50},
		{server.PriorityInput{Flags: []protocol.Flag{"legal_threat", "legal_threat"}}, 40},
		{server.PriorityInput{VIP: true}, 35},
		{server.PriorityInput{Waiting: 7*time.Minute + 59*time.Second}, 17},
		{server.PriorityInput{Waiting: 5 * time.Hour}, 40},
		{server.PriorityInput{Flags: []protocol.Flag{"angry"}, Breached: true}, 40},
		{server.PriorityInput{Flags: []protocol.Flag{"legal_threat", "angry", "urgent", "churn_risk", "negative"}, VIP: true, Waiting: time.Hour, Breached: true}, 100},
	}
	for _, tc := range cases {
		if got := server.Priority(tc.in); got != tc.want {
			t.Errorf("Priority(%+v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// With a copilot engine and no explicit analyser, the rules read messages
// with the engine's own (here a trained model that knows a word the lexicon
// does not): serve, the embedded desk and load all run this way.
func TestRulesUseTheCopilotsAnalyser(t *testing.T) {
	var rows []copilot.SentimentRow
	for i := range 6 {
		rows = append(rows, copilot.SentimentRow{ID: fmt.Sprint("n", i), Text: "this is blorp, utterly blorp", Label: "negative"},
			copilot.SentimentRow{ID: fmt.Sprint("p", i), Text: "zingy and quick", Label: "positive"})
	}
	m, err := copilot.TrainSentiment(context.Background(), rows, copilot.TrainOptions{Name: "team-model", Bits: 12})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := copilot.New(copilot.Config{SentimentModel: m})
	if err != nil {
		t.Fatal(err)
	}
	cfg := apiConfig()
	cfg.Copilot = eng
	cfg.Channels.Rules = &server.Rules{NegativeScore: -0.5}
	h := newHarness(t, cfg)
	bot := h.integration("frontline")
	got := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{"message_id": "m1", "channel": "web", "external_id": "blorp",
		"text": "blorp blorp blorp"}, http.StatusCreated)
	if !got.Escalated || got.Conversation.Escalation.Reason != protocol.ReasonNegativeSentiment {
		t.Fatalf("the model's reading did not escalate: %+v", got.Conversation)
	}
	if l, _ := copilot.ScoreText("blorp blorp blorp"); l == copilot.Negative {
		t.Fatal("the lexicon knows the fixture word; the test proves nothing")
	}
}

// The rules' running state per conversation never changes a verdict: a
// customer message added by another path (here straight into the store,
// as another replica would) and a server restart are both seen, because
// the state is only used when it reflects the conversation's newest
// message and is rebuilt from the database otherwise.
func TestRulesRunningStateFollowsTheDatabase(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("frontline")
	send := func(h *harness, token, convID, id, text string) msgAnswer {
		body := map[string]any{"message_id": id, "text": text}
		if convID == "" {
			body["channel"], body["external_id"] = "web", "state-"+id
		} else {
			body["conversation_id"] = convID
		}
		return post[msgAnswer](h, token, "/v1/api/messages", body, http.StatusCreated)
	}
	// Another path: the same question goes into the store directly; the
	// next identical post is a repeat.
	a := send(h, bot, "", "a1", "hello, I have a question")
	if a.Escalated {
		t.Fatalf("first message escalated: %+v", a.Conversation.Escalation)
	}
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(a.Conversation.ID, protocol.AuthorCustomer, "", "where is my refund for order 777")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r := send(h, bot, a.Conversation.ID, "a3", "Where is my refund for order 777?"); !r.Escalated || r.Conversation.Escalation.Reason != protocol.ReasonBotFailure {
		t.Fatalf("the repeat of a message added by another path was missed: %+v", r.Conversation.Escalation)
	}
	// A restart: a new server on the same database knows the earlier turn.
	b := send(h, bot, "", "b1", "can you tell me the status of order 4242")
	h.stop()
	h2 := startHarness(t, h.st, apiConfig())
	if r := send(h2, bot, b.Conversation.ID, "b2", "can you tell me the status of order 4242?"); !r.Escalated || r.Conversation.Escalation.Reason != protocol.ReasonBotFailure {
		t.Fatalf("the repeat across a restart was missed: %+v", r.Conversation.Escalation)
	}
}
