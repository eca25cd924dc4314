package server

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// TestEventsGoOutWithoutAWriter: an event for a live desk with nothing
// queued is written by the publish itself — no writer goroutine starts —
// and every frame size (the websocket header's 7-bit, 16-bit and 64-bit
// lengths) arrives intact, large ones that the socket takes only in part
// included, while the desk's pings are answered (the newest, at least)
// and frames keep their order.
func TestEventsGoOutWithoutAWriter(t *testing.T) {
	_, srv, ws := deskOverLoopback(t, Config{RateLimit: -1})
	if _, _, err := ws.ReadMessage(); err != nil { // the welcome
		t.Fatal(err)
	}
	var c *conn
	srv.hub.each(func(x *conn) { c = x })
	state := func() (live, writing bool) { c.mu.Lock(); defer c.mu.Unlock(); return c.live, c.writing }
	waitUntil(t, "the desk to go live with no writer", func() bool { l, w := state(); return l && !w })
	var pongs atomic.Int32
	ws.SetPongHandler(func(data string) error {
		if data == "are you there" {
			pongs.Add(1)
		}
		return nil
	})
	got := make(chan []byte, 64)
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				close(got)
				return
			}
			got <- b
		}
	}()
	payload := func(seq int64, n int) []byte {
		b := bytes.Repeat([]byte{'x'}, n)
		copy(b, fmt.Sprintf("%d:", seq))
		return b
	}
	seq := int64(1 << 40) // past anything the store has
	for _, n := range []int{3, 125, 126, 127, 420, 65535} {
		seq++
		srv.hub.publish([]store.Event{{Seq: seq, Kind: protocol.EvConversation, Frame: payload(seq, n)}})
		if _, writing := state(); writing {
			t.Fatalf("a %d-byte event started a writer for an idle desk", n)
		}
		if b := <-got; !bytes.Equal(b, payload(seq, n)) {
			t.Fatalf("%d-byte event arrived as %d bytes %.20q", n, len(b), b)
		}
	}
	sizes := []int{65536, 3 << 20, 200, 1 << 20, 10}
	start := seq
	for _, n := range sizes { // back to back: the large ones fill the socket, the rest queue behind
		seq++
		srv.hub.publish([]store.Event{{Seq: seq, Kind: protocol.EvConversation, Frame: payload(seq, n)}})
		if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range sizes {
		select {
		case b := <-got:
			if want := payload(start+int64(i)+1, n); !bytes.Equal(b, want) {
				t.Fatalf("event %d (%d bytes) arrived as %d bytes %.20q", i, n, len(b), b)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d (%d bytes) never arrived", i, n)
		}
	}
	waitUntil(t, "a pong for the desk's pings", func() bool { return pongs.Load() >= 1 })
	waitUntil(t, "the writer to end", func() bool { _, w := state(); return !w })
}

// TestDeskCloseIsEchoed: a desk that closes gets its close code back (the
// writer answers it, nothing queued goes after it) and the server drops
// the connection.
func TestDeskCloseIsEchoed(t *testing.T) {
	_, srv, ws := deskOverLoopback(t, Config{RateLimit: -1})
	if _, _, err := ws.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != websocket.CloseNormalClosure {
				t.Fatalf("close echoed with %d, want 1000", ce.Code)
			}
			break
		}
		if err != nil {
			t.Fatalf("no close echo: %v", err)
		}
	}
	waitUntil(t, "the server to drop the desk", func() bool { return srv.hub.count() == 0 })
}

// TestLargeFanOutIsSplit: more desks than one goroutine writes to in a
// publish (fanoutShard) all get every event of every publish once and in
// order, whichever part of the split they fall in.
func TestLargeFanOutIsSplit(t *testing.T) {
	const desks, rounds = 3*fanoutShard + 5, 20
	_, srv, dial := serveOverLoopback(t, Config{RateLimit: -1, DesksPerToken: desks})
	wss := make([]*websocket.Conn, desks)
	for i := range wss {
		wss[i] = dial()
		if _, _, err := wss[i].ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every desk to go live", func() bool {
		live := 0
		srv.hub.each(func(c *conn) {
			c.mu.Lock()
			if c.live {
				live++
			}
			c.mu.Unlock()
		})
		return live == desks
	})
	seq := int64(1 << 40)
	for range rounds {
		batch := []store.Event{{Seq: seq + 1, Kind: protocol.EvConversation, Frame: []byte(fmt.Sprint(seq + 1))},
			{Seq: seq + 2, Kind: protocol.EvConversation, Frame: []byte(fmt.Sprint(seq + 2))}}
		srv.hub.publish(batch)
		seq += 2
	}
	for i, ws := range wss {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for k := int64(1); k <= 2*rounds; k++ {
			_, b, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("desk %d, event %d: %v", i, k, err)
			}
			if want := fmt.Sprint(int64(1<<40) + k); string(b) != want {
				t.Fatalf("desk %d got %s, want %s", i, b, want)
			}
		}
	}
}

// TestDeskGetsTheEventsItMaySee: of a commit's events a desk gets exactly
// what it is sent of each (whole, withheld or nothing), in order, each its
// own websocket message (runs of whole events share one write, not one
// message), counted frame by frame against the send buffer.
func TestDeskGetsTheEventsItMaySee(t *testing.T) {
	c := testConn(512, 1<<20)
	c.agent = protocol.Agent{ID: "ann", Role: protocol.RoleAgent}
	c.live = true
	events := []store.Event{
		{Seq: 1, Kind: protocol.EvConversation, Frame: []byte("1")},
		{Seq: 2, Kind: protocol.EvMessage, Assignee: "ann", Frame: []byte("2")},
		{Seq: 3, Kind: protocol.EvMessage, Assignee: "bob", ConversationID: "c_bob", Frame: []byte("3")}, // bob's chat: withheld
		{Seq: 4, Kind: protocol.EvMessage, Frame: bytes.Repeat([]byte("4"), 300)},
		{Seq: 5, Kind: protocol.EvOutcome, Actor: "bob", Frame: []byte("5")}, // not sent
		{Seq: 6, Kind: protocol.EvConversation, Frame: []byte("6")},
	}
	all, wires := wireEvents(events)
	publish := func(c *conn) { deliverTo(c, events, all, wires, make([]withheldWire, len(events))) }
	publish(c)
	var got []string
	for _, b := range c.frames {
		got = append(got, string(b))
	}
	want := []string{string(wireText([]byte("1"))), string(wireText([]byte("2"))), string(wireText(withheldFrame(&events[2]))),
		string(wireText(events[3].Frame)), string(wireText([]byte("6")))}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("queued %q, want %q", got, want)
	}
	if n := len(want[0]) + len(want[1]) + len(want[2]) + len(want[3]) + len(want[4]); c.lastSeq != 6 || c.queued != n {
		t.Fatalf("lastSeq %d, queued %d bytes, want 6 and %d", c.lastSeq, c.queued, n)
	}
	publish(c) // a replayed commit changes nothing
	if len(c.frames) != 5 {
		t.Fatalf("a commit delivered twice queued %d frames", len(c.frames))
	}
	tight := testConn(4, 1<<20)
	tight.agent, tight.live = c.agent, true
	publish(tight)
	select {
	case <-tight.closing:
	default:
		t.Fatal("five frames into a four-frame buffer: not closed as a slow consumer")
	}
}
