package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
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

// Read reads from the connection. On a TLS listener the first read runs
// the handshake; when what arrived was plain HTTP (`curl http://` against
// an https:// server) it answers 400 saying so, as net/http does for the
// *tls.Conn it can no longer see under this wrapper, instead of closing
// without a word.
func (c *corkConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	var re tls.RecordHeaderError
	if err != nil && errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
		re.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server: use https:// (wss:// for the desk).\n")
		re.Conn.Close()
	}
	return n, err
}

// looksLikeHTTP reports whether the first five bytes of a connection are
// the start of an HTTP/1 request line.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH":
		return true
	}
	return false
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
