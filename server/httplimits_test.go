package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// rawHTTP opens a TCP connection to the harness.
func rawHTTP(t *testing.T, h *harness) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer waits (at most 10 s) for the server to close c.
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	// A close with our bytes still unread reaches us as a reset: closed too.
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("%s: the server never closed the connection: %v", what, err)
	}
}

// TestIdleKeepAliveIsClosed: an idle keep-alive connection once stayed
// open for ever (19.7).
func TestIdleKeepAliveIsClosed(t *testing.T) {
	h := newHarness(t, server.Config{IdleTimeout: 200 * time.Millisecond})
	c := rawHTTP(t, h)
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	closedByServer(t, c, "idle keep-alive")
}

// TestTrickledBodyIsCut: a body sent a byte at a time once held a handler
// for a minute and more; the read deadline ends it.
func TestTrickledBodyIsCut(t *testing.T) {
	h := newHarness(t, server.Config{BodyTimeout: 300 * time.Millisecond, Channels: server.ChannelsConfig{RateLimit: -1}})
	bot := h.integration("webchat")
	c := rawHTTP(t, h)
	fmt.Fprintf(c, "POST /v1/api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", bot)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	closedByServer(t, c, "trickled body")
}

// TestConnsPerIPCapped: one address holds at most ConnsPerIP connections;
// the next is closed at once, and a slot frees when one closes.
func TestConnsPerIPCapped(t *testing.T) {
	h := newHarness(t, server.Config{ConnsPerIP: 4})
	var held []net.Conn
	for range 4 {
		held = append(held, rawHTTP(t, h))
	}
	// The listener counts a connection once it has accepted it: a request
	// on each makes sure all four are counted.
	for _, c := range held {
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
	}
	extra := rawHTTP(t, h)
	closedByServer(t, extra, "a fifth connection")
	held[0].Close()
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + h.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 || !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("a freed slot: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDiskFullIsUnavailable: a full disk once answered 500 "internal"
// while /readyz said ready. A write refused for want of space is 503
// unavailable (desks retry it: it is transient), /readyz fails, and
// nothing half-written is left.
func TestDiskFullIsUnavailable(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "full.db"), store.Options{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := startHarness(t, st, apiConfig())
	bot := h.integration("webchat")
	text := strings.Repeat("满", 10_000)
	var status int
	var body map[string]any
	for i := 0; i < 200; i++ {
		status, body = h.call(bot, "POST", "/v1/api/messages", map[string]any{
			"message_id": fmt.Sprintf("m-%d", i), "channel": "web", "external_id": fmt.Sprintf("v-%d", i), "text": text})
		if status != http.StatusCreated {
			break
		}
	}
	if status != http.StatusServiceUnavailable || body["code"] != string(protocol.CodeUnavailable) {
		t.Fatalf("a write on a full disk: %d %v", status, body)
	}
	resp, err := http.Get("http://" + h.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %d", resp.StatusCode)
	}
}
