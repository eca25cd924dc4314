package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// TestRateLimitIsPerToken: five connections of one token share one bucket
// (19.6); with per-connection buckets they got five times the rate.
func TestRateLimitIsPerToken(t *testing.T) {
	h := newHarness(t, server.Config{RateLimit: 5, RateBurst: 10})
	token := h.agent("mallory", protocol.RoleAgent)
	const desks, flood = 5, 20
	start := time.Now()
	var mu sync.Mutex
	acks := 0
	var wg sync.WaitGroup
	for i := range desks {
		d := h.dial(token, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range flood {
				d.ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"id":"v%d-%d","type":"viewing","data":{}}`, i, j)))
			}
			for n := 0; n < flood; {
				_, b, err := d.ws.ReadMessage()
				if err != nil {
					t.Error(err)
					return
				}
				f, _ := protocol.DecodeFrame(b)
				switch {
				case f.Type == protocol.TypeAck:
					mu.Lock()
					acks++
					mu.Unlock()
					n++
				case f.Type == protocol.TypeError && f.Code == protocol.CodeRateLimited:
					n++
				}
			}
		}()
	}
	wg.Wait()
	allowed := 10 + int(time.Since(start).Seconds()*5) + 1
	if acks > allowed {
		t.Errorf("%d acks across %d desks of one token; the token's bucket allows %d", acks, desks, allowed)
	}
}

// TestDesksPerTokenCapped: a token holds at most DesksPerToken
// connections; the next upgrade is refused with 429, and a slot frees when
// a desk leaves.
func TestDesksPerTokenCapped(t *testing.T) {
	h := newHarness(t, server.Config{DesksPerToken: 3})
	token := h.agent("mallory", protocol.RoleAgent)
	var open []*desk
	for range 3 {
		open = append(open, h.dial(token, 0))
	}
	_, resp, err := h.tryDial(token, 0, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth desk: %v %v", err, resp)
	}
	other := h.dial(h.agent("alice", protocol.RoleAgent), 0) // other tokens are not affected
	_ = other
	open[0].ws.Close()
	for i := 0; ; i++ {
		if _, _, err := h.tryDial(token, 0, nil); err == nil {
			break
		}
		if i > 200 {
			t.Fatal("the slot of a closed desk never freed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInvalidFramesCloseTheConnection: 3,000 malformed frames were once
// answered in 45 ms. They are answered only within the token's rate, and a
// connection that keeps sending them is closed with 1008.
func TestInvalidFramesCloseTheConnection(t *testing.T) {
	h := newHarness(t, server.Config{RateLimit: 5, RateBurst: 10})
	d := h.dial(h.agent("mallory", protocol.RoleAgent), 0)
	go func() {
		for range 500 {
			if d.ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"x","type":`)) != nil {
				return
			}
		}
	}()
	answers := 0
	for {
		f, err := d.readErr(10 * time.Second)
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Fatalf("want close 1008, got %v", err)
			}
			break
		}
		if f.Type == protocol.TypeError {
			answers++
		}
	}
	if answers > 30 {
		t.Errorf("%d malformed frames answered; the bucket holds 10", answers)
	}
}

// TestRevokedTokenStopsWritingAtOnce: a revoked token once kept writing
// for up to 20 s (until the next ping); mutating requests now check it,
// cached for a second.
func TestRevokedTokenStopsWritingAtOnce(t *testing.T) {
	h := newHarness(t, server.Config{})
	d := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	toks, err := h.st.Tokens(context.Background(), "alice")
	if err != nil || len(toks) != 1 {
		t.Fatal(toks, err)
	}
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error { return tx.RevokeToken("test", toks[0].ID) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the cache
	wantError(t, d.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "after revocation"}), protocol.CodeUnauthorized)
	got, err := h.st.ConversationDetail(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got.Messages {
		if m.Text == "after revocation" {
			t.Fatal("a revoked token wrote a reply")
		}
	}
}

// TestTextBudgetPerToken: what one token may write per hour is bounded
// (19.2 "per agent"): 2,000 notes of 32 KB are no longer possible.
func TestTextBudgetPerToken(t *testing.T) {
	h := newHarness(t, server.Config{RateLimit: 1000, TextPerHour: 100_000})
	d := h.dial(h.agent("mallory", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	note := strings.Repeat("n", 30_000)
	for i := range 3 {
		decode[protocol.MessageAck](t, d.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: note + fmt.Sprint(i)}))
	}
	f := d.do(protocol.ReqNote, protocol.TextReq{ConversationID: c.ID, Text: note})
	wantError(t, f, protocol.CodeRateLimited)
	if f.RetryAfterMS <= 0 {
		t.Errorf("no retry_after_ms: %+v", f)
	}
}

// TestMetricsTeamLabelsBounded: transfers to many made-up team names once
// became as many /metrics label values; past 50 the rest are "_other".
func TestMetricsTeamLabelsBounded(t *testing.T) {
	h := newHarness(t, server.Config{})
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	for i := range 70 {
		c := h.escalated("hello", 5)
		decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToTeam: fmt.Sprintf("team-%02d", i)}))
	}
	resp, err := http.Get("http://" + h.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	teams := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "agentdesk_queue_depth{") {
			i := strings.Index(line, `team="`)
			teams[line[i+6:i+6+strings.IndexByte(line[i+6:], '"')]] = true
		}
	}
	if len(teams) != 50 || !teams["_other"] {
		t.Errorf("%d team label values (want 50 with _other): %v", len(teams), teams)
	}
}

// TestRegenerateQuota: one agent once caused 324 remote model calls in 17 s
// with regenerate. One conversation regenerates at most every 2 s, and an
// agent has a bucket of 6 (12 a minute).
func TestRegenerateQuota(t *testing.T) {
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, server.Config{Copilot: eng})
	d := h.dial(h.agent("mallory", protocol.RoleAgent), 0)
	c := h.escalated("hello", 5)
	decode[protocol.RegenerateAck](t, d.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: c.ID}))
	f := d.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: c.ID})
	wantError(t, f, protocol.CodeRateLimited)
	if f.RetryAfterMS <= 0 {
		t.Errorf("no retry_after_ms: %+v", f)
	}
	accepted, start := 1, time.Now()
	for range 20 {
		other := h.escalated("hello", 5)
		if g := d.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: other.ID}); g.Type == protocol.TypeAck {
			accepted++
		}
	}
	if allowed := 6 + int(time.Since(start).Seconds()*0.2) + 1; accepted > allowed { // the burst, and what refilled meanwhile
		t.Errorf("%d regenerates accepted; the bucket allows %d", accepted, allowed)
	}
}
