package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// steppedCopilot is a server.Copilot whose draft is written one piece per
// value the test sends on pieces; closing pieces finishes the draft.
type steppedCopilot struct{ pieces chan string }

func (s *steppedCopilot) Insight(ctx context.Context, c copilot.Conversation) (copilot.Insight, error) {
	return copilot.Insight{Summary: []string{"asks where the refund is"}, Language: "en"}, nil
}

func (s *steppedCopilot) Draft(ctx context.Context, c copilot.Conversation, instr string, onDelta func(copilot.Delta)) (copilot.Draft, error) {
	var text strings.Builder
	for {
		select {
		case p, ok := <-s.pieces:
			if !ok {
				return copilot.Draft{Text: text.String(), Language: "en", Citations: []copilot.Source{},
					Provenance: copilot.Provenance{Provider: "fake", Model: "stepped", PromptVersion: "t1", Seq: c.LastSeq()}}, nil
			}
			text.WriteString(p)
			onDelta(copilot.Delta{Text: p})
		case <-ctx.Done():
			return copilot.Draft{}, ctx.Err()
		}
	}
}

func (s *steppedCopilot) AddExemplar(copilot.Exemplar) error { return nil }

// watchStream claims the escalation on the desk, then feeds pieces one at a
// time through send, checking after each that the draft panel shows the
// text so far with the streaming marker; finish ends the generation, and
// the finished draft must replace the streamed text.
func watchStream(t *testing.T, l *deskLoop, convID string, pieces []string, send func(string), finish func()) protocol.Draft {
	t.Helper()
	m := l.m
	l.until("the escalation in the queue", func() bool { _, ok := m.Conversation(convID); return ok })
	l.press("c")
	l.until("the claim", func() bool { return m.Open() == convID })
	screen := func() string { return ansi.Strip(m.Render()) }
	var so strings.Builder
	for i, p := range pieces {
		so.WriteString(p)
		want := so.String()
		start := time.Now()
		send(p)
		l.until(fmt.Sprintf("piece %d on screen", i+1), func() bool {
			s := screen()
			return strings.Contains(s, want) && strings.Contains(s, "streaming…")
		})
		if i == 0 {
			t.Logf("first piece on screen %v after the model emitted it", time.Since(start))
		}
		if i+1 < len(pieces) && strings.Contains(screen(), want+pieces[i+1]) {
			t.Fatalf("piece %d shown before it was written:\n%s", i+2, screen())
		}
	}
	finish()
	var d protocol.Draft
	l.until("the finished draft", func() bool {
		got, _, _, ok := m.Draft(convID)
		d = got
		return ok && got.Status == "open" && !strings.Contains(screen(), "streaming…")
	})
	if d.Text != so.String() || !strings.Contains(screen(), d.Text) {
		t.Fatalf("draft %q, streamed %q; screen:\n%s", d.Text, so.String(), screen())
	}
	return d
}

// TestDeskShowsDraftAsItStreams: a real server with a copilot that writes
// its draft piece by piece; the desk's draft panel grows with each piece
// and the finished draft replaces the streamed text.
func TestDeskShowsDraftAsItStreams(t *testing.T) {
	cp := &steppedCopilot{pieces: make(chan string)}
	b := newServedBackend(t, server.Config{Copilot: cp})
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("Where is my refund? It has been a week.")
	l := startDeskModel(t, b, token)
	pieces := []string{"Hello,", " your refund", " was issued", " today."}
	d := watchStream(t, l, conv.ID, pieces, func(p string) { cp.pieces <- p }, func() { close(cp.pieces) })
	if d.Provider != "fake" {
		t.Fatalf("draft %+v", d)
	}
}

// TestDeskShowsOpenAIDraftAsItStreams: the same through the copilot's
// OpenAI-compatible provider against a fake endpoint that sends its SSE
// chunks when the test says so.
func TestDeskShowsOpenAIDraftAsItStreams(t *testing.T) {
	chunks := make(chan string)
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Stream bool `json:"stream"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &req)
		if !req.Stream { // the insight
			w.Header().Set("Content-Type", "application/json")
			content := `{"summary":["asks where the refund is"],"sentiment":{"label":"neutral","score":0},"language":"en"}`
			json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
				"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": content}, "finish_reason": "stop"}}})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for {
			select {
			case c, ok := <-chunks:
				if !ok {
					fmt.Fprint(w, "data: [DONE]\n\n")
					return
				}
				b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": "m",
					"choices": []map[string]any{{"index": 0, "delta": map[string]string{"content": c}}}})
				fmt.Fprintf(w, "data: %s\n\n", b)
				fl.Flush()
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(llm.Close)
	eng, err := copilot.New(copilot.Config{Provider: "openai", BaseURL: llm.URL + "/v1", Model: "m", APIKey: "k",
		Timeout: 20 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	b := newServedBackend(t, server.Config{Copilot: eng})
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("Where is my refund? It has been a week.")
	l := startDeskModel(t, b, token)
	pieces := []string{"Hello,", " your refund", " was issued", " today."}
	d := watchStream(t, l, conv.ID, pieces, func(p string) { chunks <- p }, func() { close(chunks) })
	if d.Provider != copilot.ProviderOpenAI || d.Model != "m" {
		t.Fatalf("draft %+v", d)
	}
}
