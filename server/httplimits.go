package server

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// HTTP limits that hold for every endpoint, present and future (issue
// 19.7): 300 idle unauthenticated keep-alives once stayed open for ever,
// and a body trickled a byte at a time held a handler for minutes.
const (
	defaultIdleTimeout = 2 * time.Minute  // keep-alive connection with no request
	defaultBodyTimeout = 30 * time.Second // reading one request's body
	defaultConnsPerIP  = 1000             // open TCP connections from one address
)

// withReadDeadline bounds how long any request (but a websocket upgrade,
// which lives on) may take to send its body.
func withReadDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		h.ServeHTTP(w, r)
	})
}

// ipLimitListener refuses connections from an address that already has max
// open: they are accepted and closed at once, so one client cannot use up
// the server's file descriptors.
type ipLimitListener struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[string]int
}

func newIPLimitListener(ln net.Listener, max int) *ipLimitListener {
	return &ipLimitListener{Listener: ln, max: max, open: map[string]int{}}
}

func (l *ipLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := c.RemoteAddr().String()
		if h, _, err := net.SplitHostPort(ip); err == nil {
			ip = h
		}
		l.mu.Lock()
		if l.open[ip] >= l.max {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &ipCountedConn{Conn: c, l: l, ip: ip}, nil
	}
}

// ipCountedConn gives its slot back when closed (once).
type ipCountedConn struct {
	net.Conn
	l    *ipLimitListener
	ip   string
	once sync.Once
}

func (c *ipCountedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.open[c.ip]--; c.l.open[c.ip] <= 0 {
			delete(c.l.open, c.ip)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// diskFullFor is how long /readyz reports not ready after a write failed
// for want of space: a full disk once answered 500 with /readyz "ready".
const diskFullFor = 30 * time.Second

// asUnavailable turns a store error caused by a full disk into
// unavailable (a transient code: desks' outboxes keep the action and
// retry) and remembers it for /readyz; other errors pass through.
func (s *Server) asUnavailable(err error) error {
	if !store.DiskFull(err) {
		return err
	}
	s.diskFullAt.Store(time.Now().UnixMilli())
	s.log.Error("storage full: writes are refused", "err", err)
	return protocol.Errorf(protocol.CodeUnavailable, "storage full; retry later")
}

// storageFull reports a recent write refused for want of space.
func (s *Server) storageFull() bool {
	at := s.diskFullAt.Load()
	return at != 0 && time.Since(time.UnixMilli(at)) < diskFullFor
}
