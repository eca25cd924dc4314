package e2e

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// newServedBackend is newBackend with a server configured by cfg (a
// copilot, webhooks) instead of the bare one.
func newServedBackend(t *testing.T, cfg server.Config) *backend {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "agentdesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &backend{t: t, st: st, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	cfg.RateLimit = -1
	srv := server.New(st, cfg)
	go func() { b.done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		b.stop()
		st.Close()
	})
	return b
}

// TestDeskRegeneratesWithTheOfflineCopilot: R, "shorter" against a real
// server with the offline copilot. The panel says "regenerating…" until the
// new draft arrives; the old one is superseded; the new one is accepted and
// its outcome stored.
func TestDeskRegeneratesWithTheOfflineCopilot(t *testing.T) {
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := newServedBackend(t, server.Config{Copilot: eng})
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("我要人工，订单三天没发货，能退款吗？")
	l := startDeskModel(t, b, token)
	m := l.m
	l.until("the escalation in the queue", func() bool { _, ok := m.Conversation(conv.ID); return ok })

	l.press("c")
	// The copilot drafts a reply of its own for the escalation.
	var old protocol.Draft
	l.until("the claim and the copilot's first draft", func() bool {
		d, _, _, ok := m.Draft(conv.ID)
		old = d
		return m.Open() == conv.ID && ok && d.Status == "open"
	})
	l.press("R")
	if !strings.Contains(ansi.Strip(m.Render()), "shorter") {
		t.Fatalf("no regenerate dialog:\n%s", ansi.Strip(m.Render()))
	}
	l.press("1")
	if !strings.Contains(ansi.Strip(m.Render()), "regenerating… (shorter)") {
		t.Fatalf("the panel does not say it is regenerating:\n%s", ansi.Strip(m.Render()))
	}
	var nd protocol.Draft
	l.until("the regenerated draft", func() bool {
		d, _, _, ok := m.Draft(conv.ID)
		nd = d
		return ok && d.ID != old.ID && d.Status == "open" && d.Instruction != ""
	})
	screen := ansi.Strip(m.Render())
	if nd.Instruction != "shorter" || strings.Contains(screen, "regenerating") {
		t.Fatalf("new draft %+v; screen:\n%s", nd, screen)
	}
	if len([]rune(nd.Text)) >= len([]rune(old.Text)) {
		t.Fatalf("\"shorter\" gave %d runes, the old draft had %d", len([]rune(nd.Text)), len([]rune(old.Text)))
	}
	// The panel wraps the text; its first few characters are on screen.
	if head := string([]rune(strings.TrimSpace(nd.Text))[:5]); !strings.Contains(screen, head) {
		t.Fatalf("the new draft %q is not on screen:\n%s", nd.Text, screen)
	}

	l.press("a")
	l.until("the accept to be delivered", func() bool {
		_, action, queued, _ := m.Draft(conv.ID)
		return action == protocol.ActionAccept && !queued && m.Pending() == 0
	})
	bg := context.Background()
	detail, err := b.st.ConversationDetail(bg, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]protocol.DraftStatus{}
	for _, d := range detail.Drafts {
		status[d.ID] = d.Status
	}
	if status[old.ID] != "superseded" || status[nd.ID] != "accepted" {
		t.Fatalf("draft statuses = %v (old %s, new %s)", status, old.ID, nd.ID)
	}
	outs, err := b.st.Outcomes(bg, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 || outs[0].DraftID != nd.ID || outs[0].Action != protocol.ActionAccept {
		t.Fatalf("outcomes = %+v", outs)
	}
}

// TestDeskRegenerateWithoutCopilotSaysSo: the bare server has no copilot
// and refuses with unavailable; the desk says so and stops waiting.
func TestDeskRegenerateWithoutCopilotSaysSo(t *testing.T) {
	b := newBackend(t)
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("人工")
	l := startDeskModel(t, b, token)
	m := l.m
	l.until("the escalation", func() bool { _, ok := m.Conversation(conv.ID); return ok })
	l.press("c")
	l.until("the claim", func() bool { return m.Open() == conv.ID })
	l.press("R", "1")
	l.until("the refusal", func() bool { return strings.Contains(m.Notice(), "no copilot") })
	if strings.Contains(ansi.Strip(m.Render()), "regenerating") {
		t.Fatal("still regenerating after the refusal")
	}
}
