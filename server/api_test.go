package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// apiConfig is a server config for API tests: no API rate limit unless a
// test sets one.
func apiConfig() server.Config {
	return server.Config{Channels: server.ChannelsConfig{RateLimit: -1}}
}

// integration creates an admin account with an integration token.
func (h *harness) integration(id string) string {
	h.t.Helper()
	var secret string
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: id, Name: id, Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		var err error
		secret, _, err = tx.CreateIntegrationToken("test", id, "bot")
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return secret
}

// call makes an API request; body is sent as is when it is a string, as
// JSON otherwise. It returns the status and the decoded JSON answer.
func (h *harness) call(token, method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	status, raw := h.callRaw(token, method, path, body, nil)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Fatalf("%s %s: answer is not a JSON object (%v): %s", method, path, err, raw)
	}
	return status, out
}

func (h *harness) callRaw(token, method, path string, body any, header http.Header) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		rd = bytes.NewReader(mustJSON(h.t, b))
	}
	req, err := http.NewRequest(method, "http://"+h.addr+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Fatalf("%s %s: content type %q: %s", method, path, ct, raw)
	}
	return resp.StatusCode, raw
}

// post decodes a successful answer into T.
func post[T any](h *harness, token, path string, body any, wantStatus int) T {
	h.t.Helper()
	status, raw := h.callRaw(token, http.MethodPost, path, body, nil)
	if status != wantStatus {
		h.t.Fatalf("POST %s: status %d, want %d: %s", path, status, wantStatus, raw)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		h.t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

type msgAnswer struct {
	Message      protocol.Message      `json:"message"`
	Conversation protocol.Conversation `json:"conversation"`
	Escalated    bool                  `json:"escalated"`
	Duplicate    bool                  `json:"duplicate"`
}

type custAnswer struct {
	Customer store.Customer `json:"customer"`
	Created  bool           `json:"created"`
}

type convAnswer struct {
	Conversation protocol.Conversation `json:"conversation"`
	Messages     []protocol.Message    `json:"messages"`
}

func wantAPIError(t testing.TB, status int, body map[string]any, wantStatus int, code protocol.Code, field string) {
	t.Helper()
	if status != wantStatus || body["code"] != string(code) || body["field"] != field {
		t.Fatalf("want %d %s naming %q, got %d %v", wantStatus, code, field, status, body)
	}
	if m, _ := body["message"].(string); m == "" {
		t.Fatalf("error without a message: %v", body)
	}
}

func TestAPICustomers(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")

	c := post[custAnswer](h, bot, "/v1/api/customers", map[string]any{
		"name": "王芳", "vip": true, "language": "zh-CN",
		"identities": []map[string]string{{"channel": "wechat", "external_id": "wx-wangfang"}},
	}, http.StatusCreated)
	if !c.Created || c.Customer.Name != "王芳" || !c.Customer.VIP || len(c.Customer.Identities) != 1 {
		t.Fatalf("created: %+v", c)
	}
	// Looking up by a known identity returns the same customer and links the new one.
	again := post[custAnswer](h, bot, "/v1/api/customers", map[string]any{
		"name": "Wang Fang",
		"identities": []map[string]string{
			{"channel": "wechat", "external_id": "wx-wangfang"}, {"channel": "email", "external_id": "wf@example.com"},
		},
	}, http.StatusOK)
	if again.Created || again.Customer.ID != c.Customer.ID || again.Customer.Name != "王芳" || len(again.Customer.Identities) != 2 {
		t.Fatalf("lookup: %+v", again)
	}
	status, body := h.call(bot, http.MethodGet, "/v1/api/customers?channel=email&external_id=wf@example.com", nil)
	if status != http.StatusOK || body["customer"].(map[string]any)["id"] != c.Customer.ID {
		t.Fatalf("find by identity: %d %v", status, body)
	}
	status, body = h.call(bot, http.MethodGet, "/v1/api/customers/"+c.Customer.ID, nil)
	if status != http.StatusOK || body["customer"].(map[string]any)["name"] != "王芳" {
		t.Fatalf("get: %d %v", status, body)
	}
	status, body = h.call(bot, http.MethodGet, "/v1/api/customers/u_nobody", nil)
	wantAPIError(t, status, body, 404, protocol.CodeNotFound, "id")
	status, body = h.call(bot, http.MethodGet, "/v1/api/customers?channel=email&external_id=nobody@example.com", nil)
	wantAPIError(t, status, body, 404, protocol.CodeNotFound, "external_id")

	// Two identities of two different customers: merging is for people.
	post[custAnswer](h, bot, "/v1/api/customers", map[string]any{
		"identities": []map[string]string{{"channel": "sms", "external_id": "+8613800000000"}},
	}, http.StatusCreated)
	status, body = h.call(bot, http.MethodPost, "/v1/api/customers", map[string]any{
		"identities": []map[string]string{{"channel": "sms", "external_id": "+8613800000000"}, {"channel": "wechat", "external_id": "wx-wangfang"}},
	})
	wantAPIError(t, status, body, 409, protocol.CodeConflict, "identities")
}

func TestAPIMessagesEscalateAndFetch(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	first := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "wx-msg-1", "channel": "wechat", "external_id": "wx-li", "customer_name": "李雷",
		"text": "你好，我的订单什么时候发货？",
	}, http.StatusCreated)
	c := first.Conversation
	if first.Duplicate || first.Escalated || c.Status != protocol.ConvBot || c.CustomerName != "李雷" || first.Message.Seq != 1 {
		t.Fatalf("first message: %+v", first)
	}
	ev := lead.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvMessage })
	var me protocol.MessageEvent
	json.Unmarshal(ev.Data, &me)
	if me.Message.ID != first.Message.ID {
		t.Fatalf("desk saw %+v", me.Message)
	}

	// A retry returns the original and changes nothing.
	dup := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "wx-msg-1", "channel": "wechat", "external_id": "wx-li", "customer_name": "李雷",
		"text": "你好，我的订单什么时候发货？",
	}, http.StatusOK)
	if !dup.Duplicate || dup.Message.ID != first.Message.ID || dup.Conversation.Version != c.Version {
		t.Fatalf("duplicate: %+v", dup)
	}
	// Reusing the id for another text is a conflict, not a silent drop.
	status, body := h.call(bot, http.MethodPost, "/v1/api/messages", map[string]any{
		"message_id": "wx-msg-1", "channel": "wechat", "external_id": "wx-li", "text": "另一句话",
	})
	wantAPIError(t, status, body, 409, protocol.CodeConflict, "message_id")

	// The bot answers in the same conversation (found by identity), then by id.
	conf := 0.35
	b1 := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "bot-1", "conversation_id": c.ID, "author": "bot", "author_name": "小助手",
		"text": "订单一般48小时内发货。", "bot": map[string]any{"confidence": conf},
	}, http.StatusCreated)
	if b1.Conversation.ID != c.ID || b1.Message.Author != protocol.AuthorBot || b1.Message.Seq != 2 {
		t.Fatalf("bot message: %+v", b1)
	}
	second := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "wx-msg-2", "channel": "wechat", "external_id": "wx-li", "text": "好的，谢谢",
	}, http.StatusCreated)
	if second.Conversation.ID != c.ID || second.Message.Seq != 3 || second.Escalated {
		t.Fatalf("second customer message should join the open conversation: %+v", second)
	}

	// Explicit escalation with what the bot tried.
	var esc convAnswer
	esc = post[convAnswer](h, bot, "/v1/api/conversations/"+c.ID+"/escalate", map[string]any{
		"reason": "refund_over_limit", "evidence": "退款金额超过机器人权限", "bot_confidence": 0.2,
		"bot_tried": []string{"查询了物流", "承诺48小时内发货"},
	}, http.StatusOK)
	e := esc.Conversation.Escalation
	if esc.Conversation.Status != protocol.ConvQueued || e == nil || e.Reason != "refund_over_limit" || e.BotConfidence != 0.2 ||
		len(e.BotTried) != 2 || esc.Conversation.SLADueAt == 0 || esc.Conversation.Priority == 0 {
		t.Fatalf("escalated: %+v %+v", esc.Conversation, e)
	}
	ev = lead.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		json.Unmarshal(f.Data, &ce)
		return f.Kind == protocol.EvConversation && ce.Cause == protocol.CauseEscalated
	})
	status, body = h.call(bot, http.MethodPost, "/v1/api/conversations/"+c.ID+"/escalate", map[string]any{})
	wantAPIError(t, status, body, 409, protocol.CodeConflict, "id")

	// A staff note never leaves through the integration API.
	decode[protocol.MessageAck](t, lead.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: "internal only"}))
	status, raw := h.callRaw(bot, http.MethodGet, "/v1/api/conversations/"+c.ID, nil, nil)
	var got convAnswer
	json.Unmarshal(raw, &got)
	if status != 200 || got.Conversation.ID != c.ID || len(got.Messages) != 3 || bytes.Contains(raw, []byte("internal only")) {
		t.Fatalf("fetch: %d %s", status, raw)
	}
	status, body = h.call(bot, http.MethodGet, "/v1/api/conversations/c_missing", nil)
	wantAPIError(t, status, body, 404, protocol.CodeNotFound, "id")
}

func TestAPIBadInput(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")
	conv := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "m-1", "channel": "web", "external_id": "visitor-1", "text": "hello",
	}, http.StatusCreated).Conversation

	long := strings.Repeat("长", protocol.MaxTextBytes/3+1)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"invalid JSON", "POST", "/v1/api/messages", `{"message_id": "x",`, 400, "body"},
		{"syntax error", "POST", "/v1/api/messages", `{"message_id" "x"}`, 400, "body"},
		{"empty body", "POST", "/v1/api/messages", ``, 400, "body"},
		{"not an object", "POST", "/v1/api/messages", `[1,2]`, 400, "body"},
		{"trailing data", "POST", "/v1/api/messages", `{"message_id":"a","channel":"web","external_id":"v","text":"x"} {}`, 400, "body"},
		{"unknown field", "POST", "/v1/api/messages", `{"message_id":"a","channel":"web","external_id":"v","text":"x","colour":1}`, 400, "colour"},
		{"wrong type", "POST", "/v1/api/messages", `{"message_id":"a","channel":"web","external_id":"v","text":42}`, 400, "text"},
		{"wrong nested type", "POST", "/v1/api/messages", `{"message_id":"a","conversation_id":"` + conv.ID + `","author":"bot","text":"x","bot":{"confidence":"high"}}`, 400, "bot.confidence"},
		{"missing message id", "POST", "/v1/api/messages", map[string]any{"channel": "web", "external_id": "v", "text": "x"}, 400, "message_id"},
		{"message id with spaces", "POST", "/v1/api/messages", map[string]any{"message_id": "a b", "channel": "web", "external_id": "v", "text": "x"}, 400, "message_id"},
		{"missing text", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": "  "}, 400, "text"},
		{"oversized text", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": long}, 400, "text"},
		{"invalid channel", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "pigeon", "external_id": "v", "text": "x"}, 400, "channel"},
		{"no customer", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "text": "x"}, 400, "external_id"},
		{"bad author", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": "x", "author": "agent"}, 400, "author"},
		{"bot meta on customer", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": "x", "bot": map[string]any{"fallback": true}}, 400, "bot"},
		{"confidence out of range", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "conversation_id": conv.ID, "author": "bot", "text": "x", "bot": map[string]any{"confidence": 1.5}}, 400, "bot.confidence"},
		{"unknown conversation", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "conversation_id": "c_missing", "text": "x"}, 404, "conversation_id"},
		{"channel mismatch", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "conversation_id": conv.ID, "channel": "email", "text": "x"}, 400, "channel"},
		{"unknown customer id", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "customer_id": "u_missing", "text": "x"}, 404, "customer_id"},
		{"oversized body", "POST", "/v1/api/messages", `{"text":"` + strings.Repeat("x", protocol.MaxFrameBytes) + `"}`, 413, "body"},
		{"customer without identities", "POST", "/v1/api/customers", map[string]any{"name": "x"}, 400, "identities"},
		{"customer invalid channel", "POST", "/v1/api/customers", map[string]any{"identities": []map[string]string{{"channel": "fax", "external_id": "1"}}}, 400, "identities[0].channel"},
		{"customer empty external id", "POST", "/v1/api/customers", map[string]any{"identities": []map[string]string{{"channel": "web", "external_id": ""}}}, 400, "identities[0].external_id"},
		{"customer vip wrong type", "POST", "/v1/api/customers", `{"vip":"yes","identities":[{"channel":"web","external_id":"z"}]}`, 400, "vip"},
		{"find without channel", "GET", "/v1/api/customers?external_id=v", nil, 400, "channel"},
		{"escalate unknown", "POST", "/v1/api/conversations/c_missing/escalate", map[string]any{}, 404, "id"},
		{"escalate bad reason", "POST", "/v1/api/conversations/" + conv.ID + "/escalate", map[string]any{"reason": "Because I Said So"}, 400, "reason"},
		{"escalate confidence", "POST", "/v1/api/conversations/" + conv.ID + "/escalate", map[string]any{"bot_confidence": -0.1}, 400, "bot_confidence"},
		{"escalate bot_tried type", "POST", "/v1/api/conversations/" + conv.ID + "/escalate", `{"bot_tried":"everything"}`, 400, "bot_tried"},
		{"csat score", "POST", "/v1/api/conversations/" + conv.ID + "/csat", map[string]any{"score": 6}, 400, "score"},
		{"csat score type", "POST", "/v1/api/conversations/" + conv.ID + "/csat", `{"score":4.5}`, 400, "score"},
		{"csat not resolved", "POST", "/v1/api/conversations/" + conv.ID + "/csat", map[string]any{"score": 5}, 409, "id"},
		// A NUL byte is refused at the door on both backends, naming the
		// field (PostgreSQL cannot store it: it once answered 500 for ever).
		{"NUL in text", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": "hi\x00there"}, 400, "text"},
		{"NUL in customer name", "POST", "/v1/api/messages", map[string]any{"message_id": "a", "channel": "web", "external_id": "v", "text": "x", "customer_name": "\x00"}, 400, "customer_name"},
		{"NUL in identity", "POST", "/v1/api/customers", map[string]any{"identities": []map[string]string{{"channel": "web", "external_id": "z\x00"}}}, 400, "identities[0].external_id"},
		{"NUL in evidence", "POST", "/v1/api/conversations/" + conv.ID + "/escalate", map[string]any{"evidence": "a\x00"}, 400, "evidence"},
		{"NUL in path", "GET", "/v1/api/conversations/c%00x", nil, 400, "path"},
		{"NUL in query", "GET", "/v1/api/customers?channel=web&external_id=a%00", nil, 400, "external_id"},
		{"unknown endpoint", "GET", "/v1/api/nothing", nil, 404, "path"},
		{"wrong method", "DELETE", "/v1/api/messages", nil, 404, "path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.call(bot, tc.method, tc.path, tc.body)
			code := protocol.CodeInvalid
			switch tc.status {
			case 404:
				code = protocol.CodeNotFound
			case 409:
				code = protocol.CodeConflict
			}
			wantAPIError(t, status, body, tc.status, code, tc.field)
		})
	}
	// Nothing above left a trace.
	got := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "m-2", "conversation_id": conv.ID, "text": "still here",
	}, http.StatusCreated)
	if got.Message.Seq != 2 {
		t.Fatalf("bad requests changed the conversation: %+v", got.Message)
	}
	// A non-JSON content type is refused before the body is read.
	st, raw := h.callRaw(bot, "POST", "/v1/api/messages", "a=b", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if st != http.StatusUnsupportedMediaType || !bytes.Contains(raw, []byte(`"field":"Content-Type"`)) {
		t.Fatalf("form body: %d %s", st, raw)
	}
}

func TestAPIAuthAndRateLimit(t *testing.T) {
	cfg := apiConfig()
	cfg.Channels.RateLimit, cfg.Channels.RateBurst = 0.001, 3
	h := newHarness(t, cfg)
	bot := h.integration("webchat")
	desk := h.agent("alice", protocol.RoleAgent)

	status, body := h.call("", "GET", "/v1/api/conversations/c_x", nil)
	wantAPIError(t, status, body, 401, protocol.CodeUnauthorized, "Authorization")
	status, body = h.call("adk_nonsense", "GET", "/v1/api/conversations/c_x", nil)
	wantAPIError(t, status, body, 401, protocol.CodeUnauthorized, "Authorization")
	// A desk token cannot speak for customers…
	status, body = h.call(desk, "GET", "/v1/api/conversations/c_x", nil)
	wantAPIError(t, status, body, 403, protocol.CodeForbidden, "Authorization")
	// …and an integration token cannot open the desk.
	_, resp, err := h.tryDial(bot, 0, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("integration token on the websocket: err %v, resp %+v", err, resp)
	}

	// Burst of 3 per token, then 429; another token has its own bucket.
	for i := 0; i < 3; i++ {
		if status, body := h.call(bot, "GET", "/v1/api/conversations/c_x", nil); status != 404 {
			t.Fatalf("request %d: %d %v", i, status, body)
		}
	}
	status, body = h.call(bot, "GET", "/v1/api/conversations/c_x", nil)
	if status != http.StatusTooManyRequests || body["code"] != string(protocol.CodeRateLimited) {
		t.Fatalf("over the limit: %d %v", status, body)
	}
	other := h.integration("mailbot")
	if status, _ := h.call(other, "GET", "/v1/api/conversations/c_x", nil); status != 404 {
		t.Fatalf("second token throttled by the first: %d", status)
	}

	// Revoking a token locks it out at once.
	err = h.st.Update(context.Background(), func(tx *store.Tx) error {
		toks, err := h.st.Tokens(context.Background(), "mailbot")
		if err != nil {
			return err
		}
		return tx.RevokeToken("test", toks[0].ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body = h.call(other, "GET", "/v1/api/conversations/c_x", nil)
	wantAPIError(t, status, body, 401, protocol.CodeUnauthorized, "Authorization")
}

func TestAPICSAT(t *testing.T) {
	h := newHarness(t, apiConfig())
	bot := h.integration("webchat")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	c := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": "m-1", "channel": "app", "external_id": "app-user-7", "text": "I want to talk to a human please",
	}, http.StatusCreated)
	if !c.Escalated || c.Conversation.Escalation.Reason != protocol.ReasonAsksForHuman {
		t.Fatalf("should escalate: %+v", c)
	}
	path := "/v1/api/conversations/" + c.Conversation.ID + "/csat"
	status, body := h.call(bot, "POST", path, map[string]any{"score": 4})
	wantAPIError(t, status, body, 409, protocol.CodeConflict, "id")

	decode[protocol.ConversationAck](t, lead.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.Conversation.ID}))
	decode[protocol.ConversationAck](t, lead.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c.Conversation.ID, Disposition: "answered"}))
	r := post[map[string]store.CSAT](h, bot, path, map[string]any{"score": 4, "comment": "快，谢谢"}, http.StatusCreated)
	if r["csat"].Score != 4 || r["csat"].Comment != "快，谢谢" || r["csat"].ResolvedAt == 0 {
		t.Fatalf("csat: %+v", r)
	}
	status, body = h.call(bot, "POST", path, map[string]any{"score": 1})
	wantAPIError(t, status, body, 409, protocol.CodeConflict, "id")
}
