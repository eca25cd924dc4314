package server

import (
	"testing"

	"github.com/agentdesk/agentdesk/server/store"
)

// testConn is a connection with its queue bounds and no socket: writing is
// set, so queued frames stay queued for the test to look at.
func testConn(frames, bytes int) *conn {
	srv := &Server{cfg: Config{SendBuffer: frames, SendBufferBytes: bytes}}
	return &conn{srv: srv, closing: make(chan struct{}), wake: make(chan struct{}, 1), room: make(chan struct{}, 1),
		done: make(chan struct{}), writing: true, cancel: func() {}}
}

// deliverOne delivers one event as the hub does.
func deliverOne(c *conn, ev store.Event) {
	w := wireText(ev.Frame)
	c.deliverLive([]store.Event{ev}, [][]byte{w}, w)
}

// TestDeliverEphemeralLeavesRoomForEvents: ephemeral frames never take more
// than half the send buffer, never touch the seq bookkeeping, never reach a
// connection still catching up and never close one; events still fill the
// buffer to the brim before the connection counts as slow.
func TestDeliverEphemeralLeavesRoomForEvents(t *testing.T) {
	c := testConn(4, 1<<20)
	c.lastSeq = 7
	if c.deliverEphemeral(wireText([]byte("d"))) {
		t.Fatal("a connection catching up took a delta")
	}
	c.live = true
	took := 0
	for range 10 {
		if c.deliverEphemeral(wireText([]byte("d"))) {
			took++
		}
	}
	if took != 2 || len(c.frames) != 2 {
		t.Fatalf("took %d deltas into a buffer of 4 (len %d), want 2", took, len(c.frames))
	}
	if c.lastSeq != 7 || c.liveSeen != 0 {
		t.Fatalf("deltas moved seq bookkeeping: lastSeq %d liveSeen %d", c.lastSeq, c.liveSeen)
	}
	for seq := int64(8); seq <= 9; seq++ {
		deliverOne(c, store.Event{Seq: seq, Frame: []byte("e")})
	}
	select {
	case <-c.closing:
		t.Fatal("closed as a slow consumer with room for the events")
	default:
	}
	if c.lastSeq != 9 || len(c.frames) != 4 || c.deliverEphemeral(wireText([]byte("d"))) {
		t.Fatalf("lastSeq %d, len %d", c.lastSeq, len(c.frames))
	}
	tiny := testConn(1, 1<<20)
	tiny.live = true
	if tiny.deliverEphemeral(wireText([]byte("d"))) {
		t.Fatal("a one-frame buffer gave its only slot to a delta")
	}
}

// TestSendQueueIsBoundedByBytes: a desk whose queued bytes (on the wire:
// each frame's 2-byte websocket header counts) would pass the byte bound
// is a slow consumer even with few frames; deltas get at most half the
// bytes; one frame bigger than the bound still goes through an empty queue
// (a large welcome).
func TestSendQueueIsBoundedByBytes(t *testing.T) {
	c := testConn(512, 100)
	c.live = true
	if !c.deliverEphemeral(wireText(make([]byte, 38))) || c.deliverEphemeral(wireText(make([]byte, 18))) {
		t.Fatal("deltas: want 40 bytes taken, then no more than half of 100")
	}
	deliverOne(c, store.Event{Seq: 1, Frame: make([]byte, 58)})
	select {
	case <-c.closing:
		t.Fatal("closed with room for the event")
	default:
	}
	if c.queued != 100 || c.lastSeq != 1 {
		t.Fatalf("queued %d bytes, lastSeq %d", c.queued, c.lastSeq)
	}
	deliverOne(c, store.Event{Seq: 2, Frame: []byte("x")})
	select {
	case <-c.closing:
	default:
		t.Fatal("a desk past its byte bound was not closed as a slow consumer")
	}
	big := testConn(512, 100)
	if !big.send(make([]byte, 1000)) || len(big.frames) != 1 {
		t.Fatal("a frame larger than the bound did not go through an empty queue")
	}
}
