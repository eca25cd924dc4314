package server

import (
	"testing"

	"github.com/agentdesk/agentdesk/server/store"
)

// TestDeliverEphemeralLeavesRoomForEvents: ephemeral frames never take more
// than half the send buffer, never touch the seq bookkeeping, never reach a
// connection still catching up and never close one; events still fill the
// buffer to the brim before the connection counts as slow.
func TestDeliverEphemeralLeavesRoomForEvents(t *testing.T) {
	c := &conn{out: make(chan []byte, 4), closing: make(chan struct{}), lastSeq: 7}
	if c.deliverEphemeral([]byte("d")) {
		t.Fatal("a connection catching up took a delta")
	}
	c.live = true
	took := 0
	for range 10 {
		if c.deliverEphemeral([]byte("d")) {
			took++
		}
	}
	if took != 2 || len(c.out) != 2 {
		t.Fatalf("took %d deltas into a buffer of 4 (len %d), want 2", took, len(c.out))
	}
	if c.lastSeq != 7 || c.liveSeen != 0 {
		t.Fatalf("deltas moved seq bookkeeping: lastSeq %d liveSeen %d", c.lastSeq, c.liveSeen)
	}
	for seq := int64(8); seq <= 9; seq++ {
		c.deliverLive(&store.Event{Seq: seq, Frame: []byte("e")})
	}
	select {
	case <-c.closing:
		t.Fatal("closed as a slow consumer with room for the events")
	default:
	}
	if c.lastSeq != 9 || len(c.out) != 4 || c.deliverEphemeral([]byte("d")) {
		t.Fatalf("lastSeq %d, len %d", c.lastSeq, len(c.out))
	}
	tiny := &conn{out: make(chan []byte, 1), closing: make(chan struct{}), live: true}
	if tiny.deliverEphemeral([]byte("d")) {
		t.Fatal("a one-frame buffer gave its only slot to a delta")
	}
}
