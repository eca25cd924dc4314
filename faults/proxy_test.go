package faults

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxy forwards loopback TCP connections to a target and can break them:
// all at once (a reconnect storm), or in the middle of a frame.
type proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    map[net.Conn]net.Conn // client side → server side
	midFrame int                   // connections still to cut in the middle of their next server write
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]net.Conn{}}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.cutAll() })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close() // the server is down: the client sees a refused upgrade
			continue
		}
		p.mu.Lock()
		p.conns[c] = s
		p.mu.Unlock()
		go func() { io.Copy(s, c); p.drop(c) }()
		go func() { p.down(c, s); p.drop(c) }()
	}
}

// down copies server → client; when asked, it forwards only the first
// half of a write and then cuts the connection: a frame torn in two.
func (p *proxy) down(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			cut := p.midFrame > 0 && n > 8
			if cut {
				p.midFrame--
			}
			p.mu.Unlock()
			if cut {
				c.Write(buf[:n/2])
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) drop(c net.Conn) {
	p.mu.Lock()
	s := p.conns[c]
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
	if s != nil {
		s.Close()
	}
}

// cutAll closes every connection at once.
func (p *proxy) cutAll() {
	p.mu.Lock()
	list := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		list = append(list, c)
	}
	p.mu.Unlock()
	for _, c := range list {
		p.drop(c)
	}
}

// tearNext makes the next n server writes arrive half and then the
// connection drop.
func (p *proxy) tearNext(n int) {
	p.mu.Lock()
	p.midFrame += n
	p.mu.Unlock()
}
