package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// TestDeskShowsDeliveryStatus: a reply sent from the desk says "sending…"
// until the channel's webhook takes it, then "delivered" — carried by the
// server's message.updated event through the real client.
func TestDeskShowsDeliveryStatus(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-release // hold the delivery until the desk has shown "sending…"
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	b := newServedBackend(t, server.Config{Channels: server.ChannelsConfig{
		Webhooks: map[string]server.Webhook{"wechat": {URL: hook.URL, Secret: "s"}},
	}})
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("我要人工")
	l := startDeskModel(t, b, token)
	m := l.m
	l.until("the escalation", func() bool { _, ok := m.Conversation(conv.ID); return ok })
	l.press("c")
	l.until("the claim", func() bool { return m.Open() == conv.ID })
	l.press("r")
	l.typeText("您好，马上为您处理。")
	l.press("ctrl+s")
	l.until("the reply, sending", func() bool {
		s := ansi.Strip(m.Render())
		return strings.Contains(s, "马上为您处理") && strings.Contains(s, "sending…")
	})
	close(release)
	l.until("the reply, delivered", func() bool {
		s := ansi.Strip(m.Render())
		return strings.Contains(s, "✓ delivered") && !strings.Contains(s, "sending…")
	})
	if hits.Load() != 1 {
		t.Fatalf("webhook got %d deliveries, want 1", hits.Load())
	}
}
