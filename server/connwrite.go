package server

import (
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// The write side of a desk connection. Frames wait in a queue bounded by
// bytes (SendBufferBytes) and frames (SendBuffer); a desk whose queue would
// pass either bound is closed as a slow consumer (4008) and resumes from its
// last seq. A writer goroutine exists only while there is something to
// write: the first frame queued starts it, it writes everything queued in
// one flush — one frame when the desk is keeping up, all that piled up
// while it wrote when it is not, so batching happens under load and only
// then — and it ends after writerLinger without work, so an idle desk
// costs no goroutine. Pings are asked for by the server's pinger (ping.go)
// and written by the writer like any frame; nothing on this path touches
// the database.

// writerLinger is how long a writer waits for more frames before it ends.
const writerLinger = time.Second

// maxBatch bounds how many queued frames one flush carries, so a desk with
// a deep queue still gets pings in between.
const maxBatch = 256

// fits reports whether a frame of n bytes may join the queue now (c.mu
// held). One frame larger than the byte bound (a big welcome) still goes
// through an empty queue.
func (c *conn) fits(n int) bool {
	if len(c.frames) == 0 {
		return true
	}
	return len(c.frames) < c.srv.cfg.SendBuffer && c.queued+n <= c.srv.cfg.SendBufferBytes
}

// enqueue queues a frame and makes sure a writer runs (c.mu held).
func (c *conn) enqueue(b []byte) {
	c.frames = append(c.frames, b)
	c.queued += len(b)
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

// send queues a frame, waiting for room; it gives up when the connection
// closes. For frames that must not be dropped: the welcome, catch-up
// events, answers.
func (c *conn) send(b []byte) bool {
	for {
		c.mu.Lock()
		if c.isClosing() {
			c.mu.Unlock()
			return false
		}
		if c.fits(len(b)) {
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

// writeLoop writes what is queued until the queue stays empty for
// writerLinger, or writes the close when the connection must end.
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
		c.pingDue = false
		c.mu.Unlock()
		if len(frames) == 0 && !ping {
			if idle == nil {
				idle = time.NewTimer(writerLinger)
			} else {
				idle.Reset(writerLinger)
			}
			select {
			case <-c.wake:
				continue
			case <-c.closing:
				continue
			case <-idle.C:
			}
			c.mu.Lock()
			if len(c.frames) == 0 && !c.pingDue && !c.isClosing() {
				c.writing = false
				c.spare = nil // don't keep a burst-sized slice on an idle desk
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			continue
		}
		select { // senders waiting for room may go on
		case c.room <- struct{}{}:
		default:
		}
		if err := c.writeFrames(frames, ping); err != nil {
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

// writeFrames writes frames in one flush when the connection supports
// corking, and a ping after them when one is due.
func (c *conn) writeFrames(frames [][]byte, ping bool) error {
	deadline := time.Now().Add(c.srv.cfg.WriteWait)
	if len(frames) > 0 {
		c.ws.SetWriteDeadline(deadline)
		cc, _ := c.ws.NetConn().(*corkConn)
		if cc != nil && len(frames) > 1 {
			cc.cork()
		}
		var err error
		for _, b := range frames {
			if err = c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				break
			}
		}
		if cc != nil && len(frames) > 1 {
			if ferr := cc.flush(); err == nil {
				err = ferr
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
// socket failed; then the close frame, and the socket closes.
func (c *conn) writeClose() {
	defer close(c.done)
	if c.closeCode != protocol.CloseSlowConsumer && c.closeCode != websocket.CloseAbnormalClosure {
		c.mu.Lock()
		frames := c.frames
		c.frames, c.queued = nil, 0
		c.mu.Unlock()
		c.writeFrames(frames, false)
	}
	if c.closeCode != websocket.CloseAbnormalClosure {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.srv.cfg.WriteWait))
		// Give the peer a moment to answer the close before cutting the socket.
		time.AfterFunc(time.Second, func() { c.ws.Close() })
		return
	}
	c.ws.Close()
}
