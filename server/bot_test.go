package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// botHarness is a server with the front-line bot on the offline copilot,
// an integration token for the channel, and a lead desk watching.
func botHarness(t *testing.T, bot server.BotConfig) (*harness, string, *desk) {
	t.Helper()
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := apiConfig()
	bot.Enabled = true
	cfg.Bot = bot
	cfg.Copilot = eng
	h := newHarness(t, cfg)
	return h, h.integration("shop"), h.dial(h.agent("lena", protocol.RoleLead), 0)
}

// says posts a customer message on the web channel.
func says(h *harness, token, id, visitor, text string) msgAnswer {
	h.t.Helper()
	return post[msgAnswer](h, token, "/v1/api/messages", map[string]any{
		"message_id": id, "channel": "web", "external_id": visitor, "text": text}, http.StatusCreated)
}

// botMessage waits for the bot's next message in a conversation.
func (d *desk) botMessage(convID string) protocol.Message {
	d.t.Helper()
	return waitPayload(d, protocol.EvMessage, func(me protocol.MessageEvent) bool {
		return me.Message.ConversationID == convID && me.Message.Author == protocol.AuthorBot
	}).Message
}

// conversationEvent waits for a conversation event with the cause.
func (d *desk) conversationEvent(convID, cause string) protocol.Conversation {
	d.t.Helper()
	return waitPayload(d, protocol.EvConversation, func(ce protocol.ConversationEvent) bool {
		return ce.Conversation.ID == convID && ce.Cause == cause
	}).Conversation
}

// waitPayload waits for an event of kind whose payload matches fn.
func waitPayload[T any](d *desk, kind string, fn func(T) bool) T {
	d.t.Helper()
	var v T
	d.waitEvent(func(f protocol.Frame) bool {
		if f.Kind != kind {
			return false
		}
		v = *new(T)
		return json.Unmarshal(f.Data, &v) == nil && fn(v)
	})
	return v
}

// TestBotAnswersAndResolves: a question the KB answers gets the entry's
// text with a hint how to reach a person, recorded with its confidence and
// sources; the customer's thanks closes the chat as the bot's, which the
// customer may then rate; a new message after that starts with the bot.
func TestBotAnswersAndResolves(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Name: "Shopbot"})
	a := says(h, tok, "w1", "v-1", "How do I reset my password? The email never arrives.")
	m := lead.botMessage(a.Conversation.ID)
	if !strings.Contains(m.Text, "Forgot password") || !strings.Contains(m.Text, `reply "human"`) || m.AuthorName != "Shopbot" {
		t.Errorf("bot answer %+v", m)
	}
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		turns, err := tx.BotTurns(a.Conversation.ID)
		if err != nil {
			return err
		}
		if len(turns) != 1 || turns[0].Confidence < 0.45 || turns[0].Fallback || len(turns[0].Sources) != 1 || turns[0].Sources[0].ID != "account-en" {
			t.Errorf("bot turn recorded as %+v", turns)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	says(h, tok, "w2", "v-1", "thanks, found it!")
	bye := lead.botMessage(a.Conversation.ID)
	c := lead.conversationEvent(a.Conversation.ID, protocol.CauseResolved)
	if !strings.Contains(bye.Text, "welcome") || c.Disposition != protocol.DispositionBotResolved || c.Assignee != "" {
		t.Errorf("after thanks: %q, conversation %+v", bye.Text, c)
	}
	post[map[string]any](h, tok, "/v1/api/conversations/"+c.ID+"/csat", map[string]any{"score": 5}, http.StatusCreated)

	// The next message is a new chat with the bot, answered in Chinese.
	again := says(h, tok, "w3", "v-1", "新疆能发货吗？大概几天到？")
	if again.Conversation.ID == c.ID || again.Conversation.Status != protocol.ConvBot {
		t.Errorf("after the resolution: %+v", again.Conversation)
	}
	if m := lead.botMessage(again.Conversation.ID); !strings.Contains(m.Text, "新疆") || !strings.Contains(m.Text, "转人工") {
		t.Errorf("answer in Chinese: %q", m.Text)
	}

	// The team board counts the bot's work.
	st := decode[protocol.TeamStats](t, lead.do(protocol.ReqTeamBoard, protocol.TeamBoardReq{DayStart: 1}))
	if st.Bot.Answers != 2 || st.Bot.Resolved != 1 || st.Bot.Handoffs != 0 {
		t.Errorf("team board bot figures %+v", st.Bot)
	}
}

// TestBotHandsOverWhenUnsure: without an answer the bot asks once for more,
// then says it hands over and escalates with its turns, confidence and
// sources on the card; while the chat is with people it stays silent, and
// a message after the resolution goes to it again.
func TestBotHandsOverWhenUnsure(t *testing.T) {
	// One worker answers in order: once a later turn is seen, earlier
	// messages have had theirs.
	h, tok, lead := botHarness(t, server.BotConfig{Workers: 1})
	a := says(h, tok, "w1", "v-2", "What is the capital of France?")
	conv := a.Conversation.ID
	if m := lead.botMessage(conv); !strings.Contains(m.Text, "tell me a bit more") {
		t.Errorf("first miss: %q, want a request for detail", m.Text)
	}
	says(h, tok, "w2", "v-2", "And the largest river in Europe?")
	if m := lead.botMessage(conv); !strings.Contains(m.Text, "handing you over to a person") {
		t.Errorf("second miss: %q, want the handoff said plainly", m.Text)
	}
	c := lead.conversationEvent(conv, protocol.CauseEscalated)
	e := c.Escalation
	if c.Status != protocol.ConvQueued || e == nil || e.Reason != protocol.ReasonLowConfidence || e.BotTurns != 1 ||
		len(e.BotTried) != 1 || !strings.Contains(e.Evidence, "largest river") {
		t.Fatalf("handoff card %+v", e)
	}
	h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetStatus(store.Actor{ID: "lena", Role: protocol.RoleLead}, "", protocol.StatusOnline)
		return err
	})

	// With people: the bot never answers, whatever the customer writes.
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv}))
	says(h, tok, "w3", "v-2", "How long does shipping take?")
	decode[protocol.MessageAck](t, lead.do(protocol.ReqSend, protocol.TextReq{ConversationID: conv, Text: "Paris, and the Volga."}))
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: conv, Disposition: "answered"}))

	// Writing to the resolved conversation hands it back to the bot.
	again := post[msgAnswer](h, tok, "/v1/api/messages", map[string]any{"message_id": "w4", "conversation_id": conv,
		"text": "How long does shipping take?"}, http.StatusCreated)
	if again.Conversation.Status != protocol.ConvBot {
		t.Errorf("reopened as %s, want bot", again.Conversation.Status)
	}
	if m := lead.botMessage(conv); !strings.Contains(m.Text, "5–7 days") {
		t.Errorf("after the reopen: %q", m.Text)
	}
	d, err := h.st.ConversationDetail(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	if n := countAuthor(d.Messages, protocol.AuthorBot); n != 3 {
		t.Errorf("%d bot messages, want 3 (request for detail, handoff, the answer after the reopen): the bot spoke while a person had the chat", n)
	}
	st := decode[protocol.TeamStats](t, lead.do(protocol.ReqTeamBoard, protocol.TeamBoardReq{DayStart: 1}))
	if st.Bot.Handoffs != 1 || len(st.Bot.Reasons) != 1 || st.Bot.Reasons[0] != (protocol.ReasonCount{Reason: protocol.ReasonLowConfidence, Count: 1}) || st.Bot.Fallbacks != 2 {
		t.Errorf("team board bot figures %+v", st.Bot)
	}
}

// TestBotHandsOverAtOnceWhenToldEverything: a customer who already gave
// the order number and what happened is not asked for them again (seen in
// a user trial: "比如订单号、商品或遇到的情况" after "我的订单 1042 的耳机右耳没声音了"):
// the bot hands over at once.
func TestBotHandsOverAtOnceWhenToldEverything(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Workers: 1})
	a := says(h, tok, "t1", "v-7", "Order 553190: the telescope shows a blurry picture at night and the focus wheel is stiff")
	conv := a.Conversation.ID
	if m := lead.botMessage(conv); !strings.Contains(m.Text, "handing you over to a person") {
		t.Errorf("bot said %q, want the handoff at once", m.Text)
	}
	c := lead.conversationEvent(conv, protocol.CauseEscalated)
	if c.Escalation == nil || c.Escalation.Reason != protocol.ReasonLowConfidence || c.Escalation.BotTurns != 0 || len(c.Escalation.BotTried) != 0 {
		t.Fatalf("handoff card %+v", c.Escalation)
	}
}

// TestBotSaysWhenRulesHandOver: a customer asking for a person is escalated
// by the rules at once; the bot says so in the customer's language, and the
// card carries the bot's earlier answer with its confidence and sources.
func TestBotSaysWhenRulesHandOver(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Workers: 1})
	a := says(h, tok, "w1", "v-3", "请问蓝牙耳机的保修期是多久？")
	conv := a.Conversation.ID
	answer := lead.botMessage(conv)
	says(h, tok, "w2", "v-3", "转人工")
	c := lead.conversationEvent(conv, protocol.CauseEscalated)
	if m := lead.botMessage(conv); !strings.Contains(m.Text, "正在为您转接人工客服") {
		t.Errorf("handoff notice %q", m.Text)
	}
	e := c.Escalation
	if e.Reason != protocol.ReasonAsksForHuman || e.BotTurns != 1 || e.BotConfidence < 0.45 ||
		len(e.BotSources) != 1 || e.BotSources[0].ID != "warranty-zh" || len(e.BotTried) != 1 || !strings.HasPrefix(answer.Text, e.BotTried[0][:20]) {
		t.Errorf("handoff card %+v", e)
	}
	// Still waiting in the queue: nothing more from the bot. (Another
	// customer's answer marks when the bot has had its turn.)
	says(h, tok, "w3", "v-3", "有人吗")
	lead.botMessage(says(h, tok, "w4", "v-3b", "Can I get a refund?").Conversation.ID)
	d, _ := h.st.ConversationDetail(context.Background(), conv)
	if n := countAuthor(d.Messages, protocol.AuthorBot); n != 2 {
		t.Errorf("%d bot messages, want the answer and the handoff notice", n)
	}
}

// TestBotAnnouncesAHandoffInTheSameMillisecond: the bot's answer, the
// customer's "转人工" and the escalation it causes may share a
// millisecond (a fast machine; a clock that stands still here). The
// answer came before the handoff and must not count as the bot having
// spoken after it: the customer is still told a person will reply.
func TestBotAnnouncesAHandoffInTheSameMillisecond(t *testing.T) {
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	st := testBackend().Open(t, store.Options{Now: func() time.Time { return now }})
	cfg := apiConfig()
	cfg.Copilot, cfg.Bot = eng, server.BotConfig{Enabled: true, Workers: 1}
	h := startHarness(t, st, cfg)
	tok, lead := h.integration("shop"), h.dial(h.agent("lena", protocol.RoleLead), 0)
	conv := says(h, tok, "w1", "v-9", "请问蓝牙耳机的保修期是多久？").Conversation.ID
	answer := lead.botMessage(conv)
	says(h, tok, "w2", "v-9", "转人工")
	notice := lead.botMessage(conv)
	if notice.CreatedAt != answer.CreatedAt || !strings.Contains(notice.Text, "正在为您转接人工客服") {
		t.Fatalf("after the answer at %d: %q at %d, want the handoff notice", answer.CreatedAt, notice.Text, notice.CreatedAt)
	}
}

func countAuthor(msgs []protocol.Message, author string) int {
	n := 0
	for _, m := range msgs {
		if m.Author == author {
			n++
		}
	}
	return n
}

// TestBotClosesIdleChats: a customer who goes quiet after the bot's answer
// has the chat resolved as the bot's; after a request for detail, as
// no_reply.
func TestBotClosesIdleChats(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{IdleResolve: 1500 * time.Millisecond})
	answered := says(h, tok, "w1", "v-4", "Can I get a refund?").Conversation.ID
	lost := says(h, tok, "w2", "v-5", "What is the capital of France?").Conversation.ID
	// Both close in one sweep, in either order.
	got := map[string]string{}
	for len(got) < 2 {
		c := waitPayload(lead, protocol.EvConversation, func(ce protocol.ConversationEvent) bool {
			return ce.Cause == protocol.CauseResolved && (ce.Conversation.ID == answered || ce.Conversation.ID == lost)
		}).Conversation
		got[c.ID] = c.Disposition
	}
	if got[answered] != protocol.DispositionBotResolved || got[lost] != protocol.DispositionNoReply {
		t.Errorf("resolved as %v, want %s bot_resolved and %s no_reply", got, answered, lost)
	}
}

// TestBotCatchesUpAfterRestart: a customer message stored while no bot ran
// is answered when a server with the bot starts on the database.
func TestBotCatchesUpAfterRestart(t *testing.T) {
	db := testBackend().DB(t)
	h := newHarnessDB(t, db, apiConfig())
	tok := h.integration("shop")
	a := says(h, tok, "w1", "v-6", "Can I get a refund?")
	h.stop()
	h.st.Close()

	eng, _ := copilot.New(copilot.Config{})
	cfg := apiConfig()
	cfg.Copilot, cfg.Bot = eng, server.BotConfig{Enabled: true}
	h2 := newHarnessDB(t, db, cfg)
	for range 400 { // the bot answers in the background; give it up to 20 s
		d, err := h2.st.ConversationDetail(context.Background(), a.Conversation.ID)
		if err != nil {
			t.Fatal(err)
		}
		if countAuthor(d.Messages, protocol.AuthorBot) > 0 {
			if m := d.Messages[len(d.Messages)-1]; !strings.Contains(m.Text, "refund") {
				t.Errorf("catch-up answer %q", m.Text)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the bot did not answer the message stored while it was off")
}

// The rules' running state does not outlive the bot's turn with a chat:
// after people had it and resolved it, the customer asking the same again
// is a new turn with the bot, not a repeat — also when no message was
// written meanwhile (escalated, claimed and resolved without a reply),
// which only the conversation's version tells.
func TestRulesStateEndsWhenPeopleHadTheChat(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Workers: 1})
	q := "How long does shipping take?"
	conv := says(h, tok, "w1", "v-9", q).Conversation.ID
	lead.botMessage(conv)
	post[map[string]any](h, tok, "/v1/api/conversations/"+conv+"/escalate", map[string]any{"reason": "explicit"}, http.StatusOK)
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv}))
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: conv, Disposition: "answered"}))
	again := post[msgAnswer](h, tok, "/v1/api/messages", map[string]any{"message_id": "w2", "conversation_id": conv, "text": q}, http.StatusCreated)
	if again.Escalated || again.Conversation.Status != protocol.ConvBot {
		t.Fatalf("asking again after the resolution escalated (%s): %+v", again.Conversation.Status, again.Conversation.Escalation)
	}
}

// TestBotTurnsReachWebhookChannels: on a channel only a webhook shows to
// the customer (WeChat, WhatsApp through an integration), the bot's chat
// turns go out through the reply outbox like agents' replies, signed, with
// author "bot" — before, they were stored and never sent, so those
// customers never saw the bot's answer.
func TestBotTurnsReachWebhookChannels(t *testing.T) {
	rcv := newReceiver(t, "s3cret")
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := outboundConfig(map[string]server.Webhook{"wechat": {URL: rcv.srv.URL, Secret: "s3cret"}})
	cfg.Bot = server.BotConfig{Enabled: true, Name: "Shopbot"}
	cfg.Copilot = eng
	h := newHarness(t, cfg)
	tok := h.integration("shop")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	a := post[msgAnswer](h, tok, "/v1/api/messages", map[string]any{
		"message_id": "wx-1", "channel": "wechat", "external_id": "wx-user", "text": "How do I reset my password? The email never arrives."}, http.StatusCreated)
	m := lead.botMessage(a.Conversation.ID)
	if m.Delivery != protocol.DeliveryPending {
		t.Fatalf("bot turn on a webhook channel not queued for delivery: %+v", m)
	}
	deliveryEvent(lead, m.ID, protocol.DeliveryDelivered)
	accepted, _, badSig := rcv.snapshot()
	rcv.mu.Lock()
	p := rcv.payloads[m.ID]
	rcv.mu.Unlock()
	if accepted[m.ID] != 1 || badSig != 0 || p.Author != protocol.AuthorBot || p.AuthorName != "Shopbot" || p.Text != m.Text {
		t.Fatalf("receiver got %v (bad signatures %d), payload %+v", accepted, badSig, p)
	}
}

// TestBotHandoffNoticeIsNotWhatItTried: the bot's notice that a person
// will reply is marked as such (bot_kind handoff) and is not what the bot
// tried, neither on the handoff card nor in the copilot's summary (seen
// in the demo: "机器人已答：已为您优先转接人工客服，请稍候…"); its request
// for detail is.
func TestBotHandoffNoticeIsNotWhatItTried(t *testing.T) {
	h, tok, lead := botHarness(t, server.BotConfig{Workers: 1})
	conv := says(h, tok, "n1", "v-n1", "你们太过分了！订单 88231 的退款一个月还没到账，再不处理我就去12315投诉！").Conversation.ID
	lead.conversationEvent(conv, protocol.CauseEscalated)
	notice := lead.botMessage(conv)
	if !strings.Contains(notice.Text, "转接人工客服") {
		t.Fatalf("bot said %q, want the handoff notice", notice.Text)
	}
	// A customer turn after the notice: its enrichment sees the notice.
	next := says(h, tok, "n2", "v-n1", "有人吗？")
	enriched := waitPayload(lead, protocol.EvConversation, func(ce protocol.ConversationEvent) bool {
		return ce.Conversation.ID == conv && ce.Cause == protocol.CauseEnriched && ce.Conversation.LastSeq >= next.Message.Seq
	}).Conversation
	if strings.Contains(enriched.Summary, "机器人已答") || strings.Contains(enriched.Summary, "转接") {
		t.Errorf("summary counts the handoff notice as the bot's answer: %q", enriched.Summary)
	}
	d, err := h.st.ConversationDetail(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range d.Messages {
		if m.Author == protocol.AuthorBot && m.BotKind != protocol.BotHandoff {
			t.Errorf("bot message %q stored as kind %q, want handoff", m.Text, m.BotKind)
		}
	}

	// Unsure twice: a request for detail, then the handoff. The card
	// keeps the request, not the notice.
	other := says(h, tok, "n3", "v-n2", "What is the capital of France?").Conversation.ID
	lead.botMessage(other)
	says(h, tok, "n4", "v-n2", "And the largest river in Europe?")
	e := lead.conversationEvent(other, protocol.CauseEscalated).Escalation
	if e == nil || e.BotTurns != 1 || len(e.BotTried) != 1 || !strings.Contains(e.BotTried[0], "tell me a bit more") {
		t.Fatalf("handoff card %+v, want the one request for detail as what the bot tried", e)
	}
}
