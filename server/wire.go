package server

import (
	"encoding/binary"
	"net"

	"github.com/agentdesk/agentdesk/server/store"
)

// Desk frames go to the socket already framed as websocket messages. A
// server's frames are unmasked, so one event's message is the same bytes for
// every desk: the hub frames a commit's events once (wireEvents) and queues
// the same bytes to every desk that may see them — several events it may
// see in a row as one write; nothing is copied or framed per desk. The writer writes queued messages with one writev (plain TCP) or
// one corked write (TLS), and a desk with nothing queued and no writer
// running gets its message written at once, without a goroutine, by a
// non-blocking write from the goroutine that delivers it (sock_unix.go);
// what the socket does not take at once is queued for a writer. Control
// frames (ping, pong, close) are written by the writer through gorilla,
// which never writes on its own: pings from the desk are answered by our
// writer too (conn.readLoop), so no two writes ever interleave.

// wireText frames payload as one final, unmasked websocket text message.
func wireText(payload []byte) []byte {
	return appendWireText(make([]byte, 0, wireHeaderLen(len(payload))+len(payload)), payload)
}

// appendWireText appends payload framed as one final, unmasked websocket
// text message to dst.
func appendWireText(dst, payload []byte) []byte {
	n := len(payload)
	switch {
	case n < 126:
		dst = append(dst, 0x81, byte(n)) // FIN, text
	case n <= 0xFFFF:
		dst = append(dst, 0x81, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x81, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

func wireHeaderLen(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

// wireEvents frames a commit's events back to back in one buffer: wires[i]
// is events[i]'s message and any run of consecutive events is one slice of
// all, so a desk that may see several gets them in one write.
func wireEvents(events []store.Event) (all []byte, wires [][]byte) {
	total := 0
	for i := range events {
		total += wireHeaderLen(len(events[i].Frame)) + len(events[i].Frame)
	}
	all = make([]byte, 0, total)
	wires = make([][]byte, len(events))
	for i := range events {
		start := len(all)
		all = appendWireText(all, events[i].Frame)
		wires[i] = all[start:len(all):len(all)]
	}
	return all, wires
}

// deskSocket is the TCP socket under a desk's connection, or nil when
// there is none to write to directly (TLS, or a wrapped connection we do
// not know): those desks' frames always go through the writer.
func deskSocket(nc net.Conn) *net.TCPConn {
	for {
		switch c := nc.(type) {
		case *corkConn:
			nc = c.Conn
		case *ipCountedConn:
			nc = c.Conn
		case *net.TCPConn:
			return c
		default:
			return nil
		}
	}
}
