package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// TestHungReceiverDoesNotStarveOthers: eight replies to a WeChat receiver
// that never answers once took all four workers, and a web reply waited
// behind them (19.5). One receiver holds at most half the workers.
func TestHungReceiverDoesNotStarveOthers(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	ok := newReceiver(t, "b")
	cfg := outboundConfig(map[string]server.Webhook{"wechat": {URL: hung.URL, Secret: "a"}, "web": {URL: ok.srv.URL, Secret: "b"}})
	cfg.Channels.Outbound.Timeout = time.Minute
	h := newHarness(t, cfg)
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	for i := range 8 {
		h.reply(bot, lead, "wechat", "wx-"+string(rune('a'+i)), "稍等")
	}
	web := h.reply(bot, lead, "web", "visitor-1", "on its way")
	deliveryEvent(lead, web.ID, protocol.DeliveryDelivered) // before any WeChat attempt ends
}

// TestRepliesOfAConversationArriveInOrder: a retried reply 1 once arrived
// after reply 2 (19.8). Replies of a conversation wait for the earlier
// ones, and each carries its seq, under the signature.
func TestRepliesOfAConversationArriveInOrder(t *testing.T) {
	rcv := newReceiver(t, "s")
	rcv.failFirst = 3
	h := newHarness(t, outboundConfig(map[string]server.Webhook{"web": {URL: rcv.srv.URL, Secret: "s"}}))
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	first := h.reply(bot, lead, "web", "visitor-1", "reply one")
	second := decode[protocol.MessageAck](t, lead.do(protocol.ReqSend, protocol.TextReq{ConversationID: first.ConversationID, Text: "reply two"})).Message
	deliveryEvent(lead, second.ID, protocol.DeliveryDelivered)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.order) != 2 || rcv.order[0] != first.ID || rcv.order[1] != second.ID {
		t.Fatalf("accepted in order %v, want %s then %s", rcv.order, first.ID, second.ID)
	}
	if rcv.payloads[first.ID].Seq != first.Seq || rcv.payloads[second.ID].Seq != second.Seq || first.Seq >= second.Seq {
		t.Fatalf("seqs %d, %d", rcv.payloads[first.ID].Seq, rcv.payloads[second.ID].Seq)
	}
}

// TestWebhookRedirectIsAFailure: the webhook client once followed
// redirects, sending signed replies wherever a 3xx pointed.
func TestWebhookRedirectIsAFailure(t *testing.T) {
	elsewhere := newReceiver(t, "s")
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.srv.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	cfg := outboundConfig(map[string]server.Webhook{"web": {URL: redirect.URL, Secret: "s"}})
	cfg.Channels.Outbound.MaxAttempts = 2
	h := newHarness(t, cfg)
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	m := h.reply(bot, lead, "web", "visitor-1", "hello")
	deliveryEvent(lead, m.ID, protocol.DeliveryFailed)
	if _, attempts, _ := elsewhere.snapshot(); len(attempts) != 0 {
		t.Fatalf("the redirect target received %v", attempts)
	}
}
