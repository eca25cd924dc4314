package channelapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestPostMessageAndErrors: the client sends the typed body with the token
// and reads both a 2xx answer and the one error shape with its status and
// Retry-After.
func TestPostMessageAndErrors(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.Header.Get("Authorization") != "Bearer tok" || r.URL.Path != "/v1/api/messages" || r.Method != http.MethodPost {
			t.Errorf("request %s %s auth %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		var req protocol.APIMessageReq
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.MessageID != "m1" || req.Bot == nil || *req.Bot.Confidence != 0.3 {
			t.Errorf("body %+v, %v", req, err)
		}
		if calls == 1 {
			json.NewEncoder(w).Encode(protocol.APIMessageAnswer{Conversation: protocol.Conversation{ID: "c_1"}, Escalated: true})
			return
		}
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"code":"rate_limited","message":"slow down"}`))
	}))
	defer srv.Close()
	c := New(srv.URL+"/", "tok", srv.Client())
	conf := 0.3
	req := protocol.APIMessageReq{MessageID: "m1", ConversationID: "c_1", Author: protocol.AuthorBot, Text: "hi",
		Bot: &protocol.APIBotTurn{Confidence: &conf}}
	ans, err := c.PostMessage(context.Background(), req)
	if err != nil || ans.Conversation.ID != "c_1" || !ans.Escalated {
		t.Fatalf("answer %+v, %v", ans, err)
	}
	_, err = c.PostMessage(context.Background(), req)
	var ae *protocol.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.Code != protocol.CodeRateLimited || ae.RetryAfterSeconds != 2 {
		t.Fatalf("error %#v", err)
	}
}

// TestNewAcceptsDeskURLs: a desk URL names the same server.
func TestNewAcceptsDeskURLs(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:8080/v1/desk": "http://127.0.0.1:8080",
		"wss://desk.example/v1/desk/": "https://desk.example",
		"http://h:1/":                 "http://h:1",
	} {
		if got := New(in, "", nil).base; got != want {
			t.Errorf("New(%q).base = %q, want %q", in, got, want)
		}
	}
}
