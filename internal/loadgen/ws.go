package loadgen

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

type wsConn interface {
	next(buf []byte) ([]byte, error)
	write(b []byte) error
	Close() error
}

type gorillaConn struct{ c *websocket.Conn }

// next reads one whole frame into buf (reused between calls: the desks
// must not spend the cores the server needs on allocation).
func (g gorillaConn) next(buf []byte) ([]byte, error) {
	g.c.SetReadDeadline(time.Now().Add(90 * time.Second))
	_, r, err := g.c.NextReader()
	if err != nil {
		return buf, err
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (g gorillaConn) write(b []byte) error {
	g.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return g.c.WriteMessage(websocket.TextMessage, b)
}

func (g gorillaConn) Close() error { return g.c.Close() }

// dialDesk opens the desk websocket and reads the welcome.
func dialDesk(ctx context.Context, wsURL, token string, since int64, tlsConfig *tls.Config) (wsConn, protocol.Welcome, error) {
	var w protocol.Welcome
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, w, err
	}
	if since > 0 {
		q := u.Query()
		q.Set("since", strconv.FormatInt(since, 10))
		u.RawQuery = q.Encode()
	}
	d := websocket.Dialer{
		Subprotocols: []string{protocol.Subprotocol}, HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 16 << 10, WriteBufferSize: 4096, TLSClientConfig: tlsConfig,
	}
	h := http.Header{"Authorization": {"Bearer " + token}}
	c, resp, err := d.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			return nil, w, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, w, fmt.Errorf("dial: %w", err)
	}
	c.SetReadLimit(256 << 20)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		c.Close()
		return nil, w, fmt.Errorf("read welcome: %w", err)
	}
	var f protocol.Frame
	if err := json.Unmarshal(b, &f); err != nil || f.Type != protocol.TypeWelcome {
		c.Close()
		return nil, w, fmt.Errorf("first frame is not a welcome: %.200s", b)
	}
	if err := json.Unmarshal(f.Data, &w); err != nil {
		c.Close()
		return nil, w, fmt.Errorf("decode welcome: %w", err)
	}
	for more := w.SnapshotMore; more; { // the rest of a large snapshot
		var p protocol.SnapshotPage
		_, b, err := c.ReadMessage()
		if err == nil {
			err = json.Unmarshal(b, &f)
		}
		if err == nil {
			err = json.Unmarshal(f.Data, &p)
		}
		if err != nil || f.Type != protocol.TypeSnapshot {
			c.Close()
			return nil, w, fmt.Errorf("read snapshot page: %v %.200s", err, b)
		}
		if w.Snapshot != nil {
			w.Snapshot.Conversations = append(w.Snapshot.Conversations, p.Conversations...)
		}
		more = p.More
	}
	return gorillaConn{c}, w, nil
}
