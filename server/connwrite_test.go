package server

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// TestIdleDeskHasNoWriter: a desk's writer goroutine ends once there is
// nothing to write, an event is still delivered, and pings still arrive (asked for by the server's pinger, written by a
// writer started for them).
func TestIdleDeskHasNoWriter(t *testing.T) {
	ctx := context.Background()
	st, srv, ws := deskOverLoopback(t, Config{PingInterval: 3 * time.Second, RateLimit: -1})
	var pings atomic.Int32
	ws.SetPingHandler(func(string) error { pings.Add(1); return nil })
	frames := make(chan protocol.Frame, 16)
	go func() {
		for {
			var f protocol.Frame
			if err := ws.ReadJSON(&f); err != nil {
				close(frames)
				return
			}
			frames <- f
		}
	}()
	if f := <-frames; f.Type != protocol.TypeWelcome {
		t.Fatalf("first frame %s", f.Type)
	}
	var c *conn
	srv.hub.each(func(x *conn) { c = x })
	writing := func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.writing }
	waitUntil(t, "the idle desk's writer to end", func() bool { return !writing() })
	if err := st.Update(ctx, func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "王芳"})
		if err != nil {
			return err
		}
		_, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-frames:
		if f.Kind != protocol.EvConversation {
			t.Fatalf("got %s %s, want the conversation event", f.Type, f.Kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event never arrived")
	}
	waitUntil(t, "a ping", func() bool { return pings.Load() >= 1 })
	waitUntil(t, "the writer to end again", func() bool { return !writing() })
}

// deskOverLoopback serves a fresh server on a loopback port (plain TCP)
// and connects one lead's desk to it.
func deskOverLoopback(t *testing.T, cfg Config) (*store.Store, *Server, *websocket.Conn) {
	st, srv, dial := serveOverLoopback(t, cfg)
	return st, srv, dial()
}

// serveOverLoopback serves a fresh server on a loopback port (plain TCP);
// dial connects a desk of its one lead.
func serveOverLoopback(t *testing.T, cfg Config) (*store.Store, *Server, func() *websocket.Conn) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var token string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "lee", Role: protocol.RoleLead}); err != nil {
			return err
		}
		token, _, err = tx.CreateToken("test", "lee", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := New(st, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln, nil) }()
	t.Cleanup(func() { stop(); <-served })
	dial := func() *websocket.Conn {
		t.Helper()
		d := websocket.Dialer{Subprotocols: []string{protocol.Subprotocol}}
		ws, _, err := d.Dial("ws://"+ln.Addr().String()+"/v1/desk", http.Header{"Authorization": {"Bearer " + token}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	return st, srv, dial
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
