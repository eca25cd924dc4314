package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// These tests drive the OpenAI-compatible provider against a real
// llama.cpp server (llmproxy_test.go says how one is named). The model has
// random weights: the tests prove the wire — streaming, JSON modes, error
// frames, timeouts, cancellation, the concurrency limit, masking — not the
// quality of what it writes.

func llmEngine(t *testing.T, base string, cfg copilot.Config) *copilot.Engine {
	t.Helper()
	cfg.Provider = copilot.ProviderOpenAI
	cfg.BaseURL = base
	cfg.Model = "tiny"
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Minute // a loaded CI machine; the model itself is fast
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	eng, err := copilot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func refundConversation(id string) copilot.Conversation {
	return copilot.Conversation{ID: id, CustomerName: "Lena Fischer", Channel: "web", Messages: []copilot.Message{
		{Seq: 1, Role: copilot.RoleCustomer, Text: "My order 12345 arrived broken. I want a refund."},
		{Seq: 2, Role: copilot.RoleBot, Text: "Sorry to hear that! Could you send a photo?"},
		{Seq: 3, Role: copilot.RoleCustomer, Text: "I did already. Please get me a person."},
	}}
}

// TestLLMStreamedDraftReachesTheDesk: a real server behind the copilot, a
// desk with the escalation open. The model's tokens arrive at a second
// desk as several draft_delta frames that add up to the finished draft, and
// the agent's draft panel shows the text while it streams, then the draft.
func TestLLMStreamedDraftReachesTheDesk(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	release := make(chan struct{})
	proxy.set(func(p *recordingProxy) {
		p.chunkDelay = 15 * time.Millisecond // several frames, not one coalesced burst
		p.hold = release                     // until the agent has the chat open
	})
	eng := llmEngine(t, proxy.URL(), copilot.Config{ResponseFormat: copilot.ResponseJSONSchema})
	b := newServedBackend(t, server.Config{Copilot: eng})
	agent := b.account("alice", protocol.RoleAgent)
	lead := b.account("lin", protocol.RoleLead)
	watcher := startDesk(t, client.Options{URL: b.url(), Token: lead, OutboxPath: t.TempDir() + "/outbox.jsonl"})
	watcher.until(t, "the lead desk online", online)

	l := startDeskModel(t, b, agent)
	m := l.m
	conv := b.escalated("My parcel is broken and I want a refund, please get me a person.")

	// The lead's desk records every delta and the finished draft while the
	// agent's desk runs.
	var deltas []string
	var final protocol.Draft
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for u := range watcher.c.Updates() {
			switch u := u.(type) {
			case client.DraftDelta:
				if u.ConversationID == conv.ID && u.Text != "" {
					if u.Reset {
						deltas = deltas[:0]
					}
					deltas = append(deltas, u.Text)
				}
			case client.Event:
				if de, ok := u.Payload.(*protocol.DraftEvent); ok && de.Draft.ConversationID == conv.ID && de.Draft.Provider == copilot.ProviderOpenAI {
					final = de.Draft
					return
				}
			}
		}
	}()

	l.until("the escalation in the queue", func() bool { _, ok := m.Conversation(conv.ID); return ok })
	l.press("c")
	l.until("the claim", func() bool { return m.Open() == conv.ID })
	close(release)
	screen := func() string { return ansi.Strip(m.Render()) }
	// The insight comes first (grammar-constrained generation over a 150k
	// vocabulary is slow for a random model), then the draft streams.
	l.untilWithin(3*time.Minute, "the draft streaming on the agent's screen", func() bool { return strings.Contains(screen(), "streaming…") })
	select {
	case <-watched:
	case <-time.After(2 * time.Minute):
		t.Fatal("no finished openai draft reached the lead's desk")
	}
	if final.Model != "tiny" || final.Text == "" {
		t.Fatalf("draft %+v", final)
	}
	if len(deltas) < 2 {
		t.Fatalf("the draft came as %d delta frames, want it streamed: %q", len(deltas), deltas)
	}
	if got := strings.Join(deltas, ""); strings.TrimSpace(got) != final.Text {
		t.Fatalf("deltas add up to %q, draft is %q", got, final.Text)
	}
	first := strings.Fields(final.Text)[0]
	l.until("the finished draft on the agent's screen", func() bool {
		d, _, _, ok := m.Draft(conv.ID)
		s := screen()
		return ok && d.ID == final.ID && strings.Contains(s, first) && !strings.Contains(s, "streaming…")
	})
}

// TestLLMInsightFromJSONSchema: response_format json_schema; llama.cpp
// compiles the schema into a grammar, so even random weights give an
// object the insight parser takes. Nothing falls back.
func TestLLMInsightFromJSONSchema(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	eng := llmEngine(t, proxy.URL(), copilot.Config{ResponseFormat: copilot.ResponseJSONSchema})
	ins, err := eng.Insight(context.Background(), refundConversation("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if ins.Provenance.Provider != copilot.ProviderOpenAI || ins.Provenance.Fallback != "" {
		t.Fatalf("insight fell back: %+v", ins.Provenance)
	}
	if len(ins.Summary) == 0 || ins.Sentiment.Label == "" {
		t.Fatalf("insight %+v", ins)
	}
	reqs := proxy.requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0]), `"json_schema"`) || !strings.Contains(string(reqs[0]), `"legal_threat"`) {
		t.Fatalf("request did not carry the schema: %s", reqs)
	}
}

// TestLLMInsightFromFencedText: a server that ignores response_format (or
// a deployment that turns it off) answers in prose with the object in a
// Markdown fence. The proxy adds a grammar that makes the random model
// write exactly that shape; the parser finds the object.
func TestLLMInsightFromFencedText(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	grammar, err := os.ReadFile("testdata/llm/fenced-insight.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	proxy.set(func(p *recordingProxy) {
		p.edit = func(body map[string]any) {
			if _, ok := body["response_format"]; ok {
				seen = "response_format sent"
			}
			body["grammar"] = string(grammar)
		}
	})
	eng := llmEngine(t, proxy.URL(), copilot.Config{ResponseFormat: copilot.ResponseNone})
	ins, err := eng.Insight(context.Background(), refundConversation("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if seen != "" {
		t.Fatal("ResponseNone still sent response_format")
	}
	if ins.Provenance.Provider != copilot.ProviderOpenAI || ins.Provenance.Fallback != "" || len(ins.Summary) == 0 {
		t.Fatalf("insight from fenced text: %+v", ins)
	}
}

// TestLLMBrokenStreamFallsBack: the raw server (no grammar) streams random
// tokens and then an SSE error frame mid-stream; the draft is the offline
// engine's, with the note that says so.
func TestLLMBrokenStreamFallsBack(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_RAW_URL"))
	eng := llmEngine(t, proxy.URL(), copilot.Config{})
	var streamed strings.Builder
	d, err := eng.Draft(context.Background(), refundConversation("c1"), "", func(x copilot.Delta) {
		if x.Reset {
			streamed.Reset()
		}
		streamed.WriteString(x.Text)
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Provenance.Provider != copilot.ProviderOffline || !strings.Contains(d.Provenance.Fallback, "remote model failed") {
		t.Fatalf("draft did not fall back: %+v", d.Provenance)
	}
	if !hasWarning(d, copilot.WarnFallback) {
		t.Fatalf("no fallback warning: %+v", d.Warnings)
	}
	if streamed.String() != d.Text {
		t.Fatalf("the desk was left with %q, the draft is %q", streamed.String(), d.Text)
	}
}

func hasWarning(d copilot.Draft, code string) bool {
	for _, w := range d.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

// TestLLMTimeoutFallsBack: the server answers later than the copilot's
// timeout (the proxy holds the request back); the offline draft comes
// within the timeout and says why.
func TestLLMTimeoutFallsBack(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	proxy.set(func(p *recordingProxy) { p.firstDelay = time.Minute })
	eng := llmEngine(t, proxy.URL(), copilot.Config{Timeout: 500 * time.Millisecond})
	start := time.Now()
	d, err := eng.Draft(context.Background(), refundConversation("c1"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Provenance.Provider != copilot.ProviderOffline || !strings.Contains(d.Provenance.Fallback, "remote model failed") {
		t.Fatalf("draft %+v", d.Provenance)
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Fatalf("the fallback took %v", waited) // a hang, not a timing goal
	}
}

// TestLLMSupersededDraftIsCancelled: a newer draft for the same
// conversation cancels the one streaming; the real server's stream is cut
// (the proxy sees the caller hang up before the end), the first call says
// ErrSuperseded and the second finishes.
func TestLLMSupersededDraftIsCancelled(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	proxy.set(func(p *recordingProxy) { p.chunkDelay = 40 * time.Millisecond })
	eng := llmEngine(t, proxy.URL(), copilot.Config{})
	c := refundConversation("c1")
	started := make(chan struct{})
	var once sync.Once
	first := make(chan error, 1)
	go func() {
		_, err := eng.Draft(context.Background(), c, "", func(copilot.Delta) { once.Do(func() { close(started) }) })
		first <- err
	}()
	select {
	case <-started:
	case <-time.After(2 * time.Minute):
		t.Fatal("the first draft never streamed")
	}
	proxy.set(func(p *recordingProxy) { p.chunkDelay = 0 })
	d, err := eng.Draft(context.Background(), c, "shorter", nil)
	if err != nil || d.Provenance.Provider != copilot.ProviderOpenAI {
		t.Fatalf("second draft: %v %+v", err, d.Provenance)
	}
	if err := <-first; !errors.Is(err, copilot.ErrSuperseded) {
		t.Fatalf("first draft: %v, want ErrSuperseded", err)
	}
	// The proxy may still be copying the second stream's last bytes.
	var completed, aborted int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, completed, aborted = proxy.stats(); completed+aborted >= 2 {
			break
		}
	}
	if aborted != 1 || completed != 1 {
		t.Fatalf("upstream streams: %d completed, %d cut; want the first cut and the second whole", completed, aborted)
	}
}

// TestLLMConcurrencyLimit: five conversations draft at once with
// Concurrency 2; the server never sees more than two requests at a time,
// and every draft is the model's.
func TestLLMConcurrencyLimit(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	proxy.set(func(p *recordingProxy) { p.chunkDelay = 5 * time.Millisecond })
	eng := llmEngine(t, proxy.URL(), copilot.Config{Concurrency: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := range 5 {
		wg.Go(func() {
			d, err := eng.Draft(context.Background(), refundConversation(fmt.Sprintf("c%d", i)), "", nil)
			if err == nil && d.Provenance.Provider != copilot.ProviderOpenAI {
				err = fmt.Errorf("draft %d fell back: %s", i, d.Provenance.Fallback)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if peak, _, _ := proxy.stats(); peak != 2 {
		t.Fatalf("at most %d requests at once, want 2", peak)
	}
}

// TestLLMRequestsCarryNoPersonalData: a conversation full of personal data
// goes through insight and draft; no request body that reached the server
// holds a raw phone number, resident ID, card number, e-mail address or the
// customer's name — and the draft the agent sees has them restored where
// the model used the placeholders.
func TestLLMRequestsCarryNoPersonalData(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	eng := llmEngine(t, proxy.URL(), copilot.Config{ResponseFormat: copilot.ResponseJSONSchema})
	pii := []string{
		"13812345678",         // mobile
		"11010519491231002X",  // resident ID with a valid check digit
		"4111111111111111",    // card (Luhn)
		"wang.xm@example.com", // e-mail
		"王小明",                 // the customer's name
	}
	c := copilot.Conversation{ID: "pii", CustomerName: "王小明", Channel: "wechat", Messages: []copilot.Message{
		{Seq: 1, Role: copilot.RoleCustomer, Text: "我是王小明，手机 13812345678，身份证 11010519491231002X，" +
			"银行卡 4111 1111 1111 1111 被扣了两次钱，邮箱 wang.xm@example.com。我要投诉！"},
		{Seq: 2, Role: copilot.RoleBot, Text: "王小明您好，我们已记录您的问题。"},
		{Seq: 3, Role: copilot.RoleCustomer, Text: "转人工，马上退款到 4111-1111-1111-1111"},
	}}
	if _, err := eng.Insight(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Draft(context.Background(), c, "", nil); err != nil {
		t.Fatal(err)
	}
	reqs := proxy.requests()
	if len(reqs) < 2 {
		t.Fatalf("%d requests reached the server", len(reqs))
	}
	for i, body := range reqs {
		// Decode, so a value hidden behind JSON escapes is found too.
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		var all strings.Builder
		for _, m := range req.Messages {
			all.WriteString(m.Content)
		}
		text := strings.NewReplacer(" ", "", "-", "").Replace(all.String())
		for _, v := range pii {
			if strings.Contains(text, v) || strings.Contains(string(body), v) {
				t.Errorf("request %d carries %q:\n%s", i, v, all.String())
			}
		}
	}
}

// TestLLMBotAnswersThroughTheModel: the front-line bot's KB answer through
// the real server in json_schema mode. The schema lets the model cite only
// the entries retrieval gave it, so even random weights cite real ones; the
// answer is the model's, not a fallback.
func TestLLMBotAnswersThroughTheModel(t *testing.T) {
	proxy := newRecordingProxy(t, llmURL(t, "AGENTDESK_TEST_LLM_URL"))
	eng := llmEngine(t, proxy.URL(), copilot.Config{ResponseFormat: copilot.ResponseJSONSchema})
	c := copilot.Conversation{ID: "bot", Channel: "web", Messages: []copilot.Message{
		{Seq: 1, Role: copilot.RoleCustomer, Text: "How long does a refund take to reach my credit card?"},
	}}
	a, err := eng.Answer(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if a.Provenance.Provider != copilot.ProviderOpenAI || a.Provenance.Fallback != "" {
		t.Fatalf("answer fell back: %+v", a.Provenance)
	}
	reqs := proxy.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, s := range a.Sources {
		if _, ok := eng.KB().Get(s.ID); !ok || !strings.Contains(string(reqs[0]), `"kb:`+s.ID+`"`) {
			t.Fatalf("cited %q, which retrieval did not offer: %s", s.ID, reqs[0])
		}
	}
	if a.Confidence < 0 || a.Confidence > 1 || (a.Text == "") != (len(a.Sources) == 0) {
		t.Fatalf("answer %+v", a)
	}
}
