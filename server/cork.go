package server

import (
	"net"
	"sync"
)

// corkListener wraps accepted connections so a desk's writer can batch
// several websocket frames into one write (one syscall, one TLS record run)
// instead of one per frame. gorilla/websocket writes each frame straight to
// the connection; under fan-out load that syscall per frame per desk is the
// dominant cost.
type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkConn buffers writes while corked and sends them in one write on flush.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// flush uncorks and writes what was buffered.
func (c *corkConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > 64<<10 {
		c.buf = nil // don't keep a burst-sized buffer on an idle desk
	} else {
		c.buf = c.buf[:0]
	}
	return err
}
