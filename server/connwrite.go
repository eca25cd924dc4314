package server

import (
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// The write side of a desk connection. Frames, already framed as websocket
// messages (wire.go), wait in a queue bounded by bytes (SendBufferBytes)
// and frames (SendBuffer); a desk whose queue would pass either bound is
// closed as a slow consumer (4008) and resumes from its last seq. A frame
// for a desk with nothing queued and no writer running is written at once
// by whoever delivers it, with a non-blocking write (plain TCP; what the
// socket does not take is queued). Otherwise a writer goroutine runs while
// there is something to write: the first frame queued starts it, it writes
// everything queued in one write — one frame when the desk is keeping up,
// all that piled up while it wrote when it is not, so batching happens
// under load and only then — and it ends when the queue is empty (on TLS
// after writerLinger without work), so an idle desk costs no goroutine.
// Pings are asked for by the server's pinger (ping.go), pongs by the
// desk's pings, and written by the writer like any frame; nothing on this
// path touches the database.

// writerLinger is how long a TLS desk's writer waits for more frames before
// it ends (a plain TCP desk's writer ends at once: frames that come while
// none runs are written directly).
const writerLinger = time.Second

// maxBatch bounds how many queued frames one flush carries, so a desk with
// a deep queue still gets pings in between.
const maxBatch = 256

// fits reports whether k frames of n bytes in all may join the queue now
// (c.mu held). What is larger than the bounds (a big welcome) still goes
// through an empty queue.
func (c *conn) fits(n, k int) bool {
	if len(c.frames) == 0 {
		return true
	}
	return len(c.frames)+k <= c.srv.cfg.SendBuffer && c.queued+n <= c.srv.cfg.SendBufferBytes
}

// enqueue writes a framed message at once when nothing is queued and no
// writer runs, and queues it (or what the socket did not take of it) for a
// writer otherwise (c.mu held).
func (c *conn) enqueue(b []byte) { c.enqueueRun([][]byte{b}, b) }

// enqueueRun is enqueue for framed messages that lie back to back in run:
// one write for all of them (c.mu held). It never changes wires' bytes or
// elements: the hub shares them among desks.
func (c *conn) enqueueRun(wires [][]byte, run []byte) {
	if c.raw != nil && !c.writing && len(c.frames) == 0 && !c.pingDue && !c.pongDue && !c.isClosing() {
		n, err := tryWrite(c.raw, run)
		if err != nil {
			c.shut(websocket.CloseAbnormalClosure, "")
			return
		}
		for len(wires) > 0 && n >= len(wires[0]) {
			n -= len(wires[0])
			wires = wires[1:]
		}
		if len(wires) == 0 {
			return
		}
		c.frames = append(c.frames, wires[0][n:]) // the rest of a message the socket took in part
		c.queued += len(wires[0]) - n
		wires = wires[1:]
	}
	for _, b := range wires {
		c.frames = append(c.frames, b)
		c.queued += len(b)
	}
	c.kick()
}

// kick starts the writer, or wakes it (c.mu held).
func (c *conn) kick() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// askPing has the writer send a ping (the pinger calls it).
func (c *conn) askPing() {
	c.mu.Lock()
	c.pingDue = true
	c.kick()
	c.mu.Unlock()
}

// askPong has the writer answer a desk's ping (only the newest ping is
// answered, as RFC 6455 allows).
func (c *conn) askPong(data string) {
	c.mu.Lock()
	c.pongDue, c.pong = true, []byte(data)
	c.kick()
	c.mu.Unlock()
}

// send frames a message and queues it, waiting for room; it gives up when the connection
// closes. For frames that must not be dropped: the welcome, catch-up
// events, answers.
func (c *conn) send(payload []byte) bool {
	b := wireText(payload)
	for {
		c.mu.Lock()
		if c.isClosing() {
			c.mu.Unlock()
			return false
		}
		if c.fits(len(b), 1) {
			c.enqueue(b)
			c.mu.Unlock()
			return true
		}
		c.mu.Unlock()
		select {
		case <-c.room:
		case <-c.closing:
			return false
		}
	}
}

func (c *conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// writeLoop writes what is queued until the queue is empty (on TLS: stays
// empty for writerLinger), or writes the close when the connection must end.
func (c *conn) writeLoop() {
	var idle *time.Timer
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	for {
		c.mu.Lock()
		frames, ping, closing := c.frames, c.pingDue, c.isClosing()
		pong, pongDue := c.pong, c.pongDue
		if closing {
			c.mu.Unlock()
			c.writeClose()
			return
		}
		if len(frames) > maxBatch {
			c.frames = frames[maxBatch:]
			frames = frames[:maxBatch]
		} else {
			c.frames = c.spare[:0]
			c.spare = nil
		}
		for _, b := range frames {
			c.queued -= len(b)
		}
		c.pingDue, c.pongDue, c.pong = false, false, nil
		c.mu.Unlock()
		if len(frames) == 0 && !ping && !pongDue {
			if c.raw == nil && !c.linger(&idle) {
				continue // woken: more to write
			}
			if c.stopIfIdle() {
				return
			}
			continue
		}
		select { // senders waiting for room may go on
		case c.room <- struct{}{}:
		default:
		}
		err := c.writeFrames(frames, ping)
		if err == nil && pongDue {
			err = c.ws.WriteControl(websocket.PongMessage, pong, time.Now().Add(c.srv.cfg.WriteWait))
		}
		if err != nil {
			c.shut(websocket.CloseAbnormalClosure, "")
			c.ws.Close()
			c.writeClose()
			return
		}
		c.mu.Lock()
		if cap(frames) <= 1024 {
			clear(frames)
			c.spare = frames[:0]
		}
		c.mu.Unlock()
		if d := c.srv.cfg.FlushInterval; d > 0 {
			// Optional pause (serve --flush-interval) so that under heavy
			// fan-out one write carries many events; off by default.
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.closing:
				t.Stop()
			}
		}
	}
}

// linger waits up to writerLinger for more to write; false when woken.
func (c *conn) linger(idle **time.Timer) bool {
	if *idle == nil {
		*idle = time.NewTimer(writerLinger)
	} else {
		(*idle).Reset(writerLinger)
	}
	select {
	case <-c.wake:
		return false
	case <-c.closing:
		return false
	case <-(*idle).C:
		return true
	}
}

// stopIfIdle ends the writer if nothing came meanwhile: the next frame is
// written directly or starts a writer again.
func (c *conn) stopIfIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.frames) > 0 || c.pingDue || c.pongDue || c.isClosing() {
		return false
	}
	c.writing = false
	c.frames, c.spare = nil, nil // don't keep a burst-sized slice on an idle desk
	return true
}

// writeFrames writes framed messages in one write — a writev on plain
// TCP, a corked write otherwise — and a ping after them when one is due.
func (c *conn) writeFrames(frames [][]byte, ping bool) error {
	deadline := time.Now().Add(c.srv.cfg.WriteWait)
	if len(frames) > 0 {
		nc := c.ws.NetConn()
		nc.SetWriteDeadline(deadline)
		var err error
		if c.sock != nil {
			bufs := net.Buffers(frames)
			_, err = bufs.WriteTo(c.sock)
		} else {
			cc, _ := nc.(*corkConn)
			if cc != nil && len(frames) > 1 {
				cc.cork()
			}
			for _, b := range frames {
				if _, err = nc.Write(b); err != nil {
					break
				}
			}
			if cc != nil && len(frames) > 1 {
				if ferr := cc.flush(); err == nil {
					err = ferr
				}
			}
		}
		if err != nil {
			return err
		}
	}
	if ping {
		return c.ws.WriteControl(websocket.PingMessage, nil, deadline)
	}
	return nil
}

// writeClose ends the connection: what is queued goes out first (the error
// that explains a close, the last events of a graceful shutdown) — not for
// a slow consumer, whose queue is what it could not take, nor when the
// socket failed or the desk closed first; then the close frame (the echo
// of the desk's), and the socket closes.
func (c *conn) writeClose() {
	defer close(c.done)
	if !c.peerClosed && c.closeCode != protocol.CloseSlowConsumer && c.closeCode != websocket.CloseAbnormalClosure {
		c.mu.Lock()
		frames := c.frames
		c.frames, c.queued = nil, 0
		c.mu.Unlock()
		c.writeFrames(frames, false)
	}
	if c.closeCode != websocket.CloseAbnormalClosure {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.srv.cfg.WriteWait))
		if !c.peerClosed {
			// Give the peer a moment to answer the close before cutting the socket.
			time.AfterFunc(time.Second, func() { c.ws.Close() })
			return
		}
	}
	c.ws.Close()
}
