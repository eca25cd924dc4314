package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// receiver is a channel's webhook endpoint that checks every signature by
// hand and counts accepted replies per message id.
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server

	mu        sync.Mutex
	failFirst int           // answer 503 to this many requests first
	down      bool          // answer 503 to everything
	hang      time.Duration // sleep before answering
	attempts  map[string][]int
	accepted  map[string]int
	payloads  map[string]server.WebhookPayload
	order     []string // accepted message ids, in arrival order
	badSig    int
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{t: t, secret: secret, attempts: map[string][]int{}, accepted: map[string]int{}, payloads: map[string]server.WebhookPayload{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	hang := r.hang
	r.mu.Unlock()
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-req.Context().Done():
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Verify as a receiver in any language would: HMAC-SHA256 over t + "." + body.
	sig := req.Header.Get(server.HeaderSignature)
	var ts, v1 string
	for _, part := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(ts + "." + string(body)))
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if v1 != hex.EncodeToString(mac.Sum(nil)) || time.Since(time.Unix(sec, 0)).Abs() > time.Minute ||
		server.VerifySignature(r.secret, sig, body, time.Now(), time.Minute) != nil ||
		server.VerifySignature("wrong secret", sig, body, time.Now(), time.Minute) == nil {
		r.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p server.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("payload: %v: %s", err, body)
	}
	id := req.Header.Get(server.HeaderDelivery)
	if id != p.ID || req.Header.Get("Idempotency-Key") != p.ID {
		r.t.Errorf("delivery id headers %q / %q for payload %s", id, req.Header.Get("Idempotency-Key"), p.ID)
	}
	n, _ := strconv.Atoi(req.Header.Get(server.HeaderAttempt))
	r.attempts[id] = append(r.attempts[id], n)
	if r.down || r.failFirst > 0 {
		r.failFirst--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	r.accepted[id]++
	r.order = append(r.order, id)
	r.payloads[id] = p
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) snapshot() (accepted map[string]int, attempts map[string][]int, badSig int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	accepted, attempts = map[string]int{}, map[string][]int{}
	for k, v := range r.accepted {
		accepted[k] = v
	}
	for k, v := range r.attempts {
		attempts[k] = append([]int(nil), v...)
	}
	return accepted, attempts, r.badSig
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newHarnessAt is newHarness on a given database file, so a test can stop
// a server and start another on the same data.
func newHarnessAt(t *testing.T, db string, cfg server.Config) *harness {
	t.Helper()
	cfg.RateLimit = -1
	return newHarnessDB(t, db, cfg)
}

func outboundConfig(hooks map[string]server.Webhook) server.Config {
	cfg := apiConfig()
	cfg.Channels.Webhooks = hooks
	cfg.Channels.Outbound = server.OutboundConfig{BaseBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Poll: 20 * time.Millisecond, Timeout: 2 * time.Second}
	return cfg
}

// reply escalates a new conversation on channel through the API and has
// the lead claim it and answer; it returns the agent message.
func (h *harness) reply(bot string, lead *desk, channel, ext, text string) protocol.Message {
	h.t.Helper()
	c := post[msgAnswer](h, bot, "/v1/api/messages", map[string]any{
		"message_id": ext + "-1", "channel": channel, "external_id": ext, "text": "转人工",
	}, http.StatusCreated).Conversation
	decode[protocol.ConversationAck](h.t, lead.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	ack := decode[protocol.MessageAck](h.t, lead.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: text}))
	if ack.Message.Delivery != protocol.DeliveryPending {
		h.t.Fatalf("new reply should be pending: %+v", ack.Message)
	}
	return ack.Message
}

func deliveryEvent(d *desk, messageID string, status protocol.DeliveryState) protocol.MessageEvent {
	d.t.Helper()
	var me protocol.MessageEvent
	d.waitEvent(func(f protocol.Frame) bool {
		if f.Kind != protocol.EvMessageUpdated || json.Unmarshal(f.Data, &me) != nil {
			return false
		}
		return me.Message.ID == messageID && me.Message.Delivery == status
	})
	return me
}

func TestOutboundSignedAndRetried(t *testing.T) {
	rcv := newReceiver(t, "s3cret")
	rcv.failFirst = 2
	h := newHarness(t, outboundConfig(map[string]server.Webhook{"wechat": {URL: rcv.srv.URL, Secret: "s3cret"}}))
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	m := h.reply(bot, lead, "wechat", "wx-openid-9", "您好，退款已经发起，1-3个工作日到账。")
	me := deliveryEvent(lead, m.ID, protocol.DeliveryDelivered)
	if me.Conversation.ID != m.ConversationID {
		t.Fatalf("event conversation: %+v", me.Conversation)
	}
	accepted, attempts, badSig := rcv.snapshot()
	if badSig != 0 || accepted[m.ID] != 1 || len(attempts[m.ID]) != 3 || attempts[m.ID][2] != 3 {
		t.Fatalf("accepted %v, attempts %v, bad signatures %d", accepted, attempts, badSig)
	}
	p := rcv.payloads[m.ID]
	if p.Text != m.Text || p.Channel != "wechat" || p.CustomerExternalID != "wx-openid-9" || p.ConversationID != m.ConversationID || p.AuthorName != "lena" {
		t.Fatalf("payload: %+v", p)
	}
	status, raw := h.callRaw(bot, "GET", "/v1/api/conversations/"+m.ConversationID, nil, nil)
	if status != 200 || !strings.Contains(string(raw), `"delivery":"delivered"`) {
		t.Fatalf("delivery status not visible on the message: %s", raw)
	}
}

// A receiver that hangs or keeps failing holds up only its own replies;
// after MaxAttempts the reply is marked failed for the desk to see.
func TestOutboundFailureDoesNotBlockOthers(t *testing.T) {
	slow := newReceiver(t, "a")
	slow.hang = 5 * time.Second
	ok := newReceiver(t, "b")
	cfg := outboundConfig(map[string]server.Webhook{"web": {URL: slow.srv.URL, Secret: "a"}, "*": {URL: ok.srv.URL, Secret: "b"}})
	cfg.Channels.Outbound.Timeout = 150 * time.Millisecond
	cfg.Channels.Outbound.MaxAttempts = 3
	h := newHarness(t, cfg)
	bot := h.integration("frontline")
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	stuck := h.reply(bot, lead, "web", "visitor-1", "first reply")
	fine := h.reply(bot, lead, "email", "a@example.com", "second reply")
	deliveryEvent(lead, fine.ID, protocol.DeliveryDelivered)
	deliveryEvent(lead, stuck.ID, protocol.DeliveryFailed)
	var d store.DeliveryState
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		d, err = tx.Delivery(stuck.ID)
		return err
	})
	if err != nil || d.Attempts != 3 || d.LastError == "" {
		t.Fatalf("failed delivery record: %+v, %v", d, err)
	}
	if accepted, _, _ := ok.snapshot(); accepted[fine.ID] != 1 || accepted[stuck.ID] != 0 {
		t.Fatalf("the catch-all receiver got %v", accepted)
	}
}

// Replies queued while the receiver is down survive a server restart and
// reach it exactly once each.
func TestOutboundSurvivesRestart(t *testing.T) {
	rcv := newReceiver(t, "s3cret")
	rcv.down = true
	path := testBackend().DB(t)
	cfg := outboundConfig(map[string]server.Webhook{"*": {URL: rcv.srv.URL, Secret: "s3cret"}})

	h1 := newHarnessAt(t, path, cfg)
	bot := h1.integration("frontline")
	leadToken := h1.agent("lena", protocol.RoleLead)
	lead := h1.dial(leadToken, 0)
	var sent []protocol.Message
	for i, ch := range []string{"web", "whatsapp", "sms"} {
		sent = append(sent, h1.reply(bot, lead, ch, "cust-"+strconv.Itoa(i), "reply "+strconv.Itoa(i)))
	}
	eventually(t, "an attempt for every reply", func() bool {
		_, attempts, _ := rcv.snapshot()
		return len(attempts) == len(sent)
	})
	h1.stop()
	h1.st.Close()

	rcv.mu.Lock()
	rcv.down = false
	rcv.mu.Unlock()
	h2 := newHarnessAt(t, path, cfg)
	eventually(t, "every reply delivered after the restart", func() bool {
		accepted, _, _ := rcv.snapshot()
		return len(accepted) == len(sent)
	})
	time.Sleep(200 * time.Millisecond) // ten poll intervals: room for a duplicate to show up
	accepted, _, badSig := rcv.snapshot()
	for _, m := range sent {
		if accepted[m.ID] != 1 {
			t.Errorf("reply %s accepted %d times", m.ID, accepted[m.ID])
		}
	}
	if badSig != 0 {
		t.Errorf("%d bad signatures", badSig)
	}
	eventually(t, "delivery status recorded", func() bool {
		d, err := h2.st.ConversationDetail(context.Background(), sent[2].ConversationID)
		return err == nil && d.Messages[len(d.Messages)-1].Delivery == protocol.DeliveryDelivered
	})
}
