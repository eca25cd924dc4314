package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// fakeServer speaks the desk protocol of docs/protocol.md over real
// loopback websockets: welcome, events with seq, replay or snapshot by
// since, acks and errors, idempotency on request id.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	token     string
	refuse    int              // when non-zero, refuse upgrades with this HTTP status
	events    []protocol.Frame // the event log
	seq       int64
	floor     int64                     // a since below this gets a snapshot instead of a replay
	rewind    int64                     // replay this many already-seen events again (to test dedupe)
	strict    bool                      // refuse a since ahead of the log with 400
	naive     bool                      // replay even when since is ahead of the log
	conns     map[*fakeConn]bool        // live connections
	sinces    []int64                   // since of every accepted connection, in order
	attempts  int                       // upgrade attempts, accepted or not
	origins   []string                  // Origin header of every attempt
	answers   map[string]protocol.Frame // idempotency: id → first ack
	applied   map[string]int            // id → times the request took effect
	received  map[string]int            // id → times the request arrived
	order     []string                  // ids in the order they took effect
	pingEvery time.Duration

	// handle decides the answer to a request that takes effect; nil acks
	// with {"echo": data}. A non-nil *protocol.Error becomes an error frame.
	handle func(f protocol.Frame) (any, *protocol.Error)
	// hold, when it returns true, applies the request but sends no answer
	// (the reply is "lost").
	hold func(f protocol.Frame) bool
}

type fakeConn struct {
	ws   *websocket.Conn
	send chan []byte
	done chan struct{}
	once sync.Once
}

func (fc *fakeConn) close() { fc.once.Do(func() { close(fc.done); fc.ws.Close() }) }

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	fs := &fakeServer{
		t: t, token: "secret",
		conns:    map[*fakeConn]bool{},
		answers:  map[string]protocol.Frame{},
		applied:  map[string]int{},
		received: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/desk", fs.serveDesk)
	fs.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		fs.dropAll()
		fs.srv.Close()
	})
	return fs
}

func (fs *fakeServer) url() string { return fs.srv.URL } // http://…; the client maps it to ws://

func refuseHTTP(w http.ResponseWriter, status int, code protocol.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(protocol.Error{Code: code, Message: msg})
}

var upgrader = websocket.Upgrader{
	Subprotocols: []string{protocol.Subprotocol},
	CheckOrigin:  func(*http.Request) bool { return true },
}

func (fs *fakeServer) serveDesk(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.attempts++
	fs.origins = append(fs.origins, r.Header.Get("Origin"))
	fs.origins = append(fs.origins, r.Header.Get("Origin"))
	refuse, token := fs.refuse, fs.token
	fs.mu.Unlock()
	if refuse != 0 {
		refuseHTTP(w, refuse, protocol.CodeUnavailable, "refused by test")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		refuseHTTP(w, http.StatusUnauthorized, protocol.CodeUnauthorized, "unknown token")
		return
	}
	if !slices.Contains(websocket.Subprotocols(r), protocol.Subprotocol) {
		refuseHTTP(w, http.StatusBadRequest, protocol.CodeInvalid, "subprotocol "+protocol.Subprotocol+" required")
		return
	}
	var since int64
	if s := r.URL.Query().Get("since"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		fs.mu.Lock()
		strict := fs.strict && v > fs.seq
		fs.mu.Unlock()
		if err != nil || v < 0 || strict {
			refuseHTTP(w, http.StatusBadRequest, protocol.CodeInvalid, "bad since")
			return
		}
		since = v
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	fc := &fakeConn{ws: ws, send: make(chan []byte, 4096), done: make(chan struct{})}

	// Welcome, replay and registration happen under one lock so no event
	// published concurrently is missed or sent twice.
	fs.mu.Lock()
	fs.sinces = append(fs.sinces, since)
	wel := protocol.Welcome{Protocol: protocol.Version, ServerVersion: "fake", Seq: fs.seq,
		Agent: protocol.Agent{ID: "alice", Name: "Alice", Role: "agent"}}
	var replay []protocol.Frame
	if since > 0 && since >= fs.floor && (since <= fs.seq || fs.naive) {
		wel.Resume = protocol.ResumeReplay
		from := max(since-fs.rewind, 0)
		for _, ev := range fs.events {
			if ev.Seq > from {
				replay = append(replay, ev)
			}
		}
	} else {
		wel.Resume = protocol.ResumeSnapshot
		wel.Snapshot = &protocol.Snapshot{Conversations: []protocol.Conversation{}, Agents: []protocol.Agent{wel.Agent}}
	}
	wd, _ := json.Marshal(wel)
	fc.push(protocol.Frame{Type: protocol.TypeWelcome, Data: wd})
	for _, ev := range replay {
		fc.push(ev)
	}
	fs.conns[fc] = true
	ping := fs.pingEvery
	fs.mu.Unlock()

	go fs.writer(fc, ping)
	fs.reader(fc)
	fc.close()
	fs.mu.Lock()
	delete(fs.conns, fc)
	fs.mu.Unlock()
}

func (fc *fakeConn) push(f protocol.Frame) {
	b, _ := json.Marshal(f)
	select {
	case fc.send <- b:
	case <-fc.done:
	}
}

func (fs *fakeServer) writer(fc *fakeConn, ping time.Duration) {
	var tick <-chan time.Time
	if ping > 0 {
		t := time.NewTicker(ping)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case b := <-fc.send:
			if fc.ws.WriteMessage(websocket.TextMessage, b) != nil {
				fc.close()
				return
			}
		case <-tick:
			if fc.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
				fc.close()
				return
			}
		case <-fc.done:
			return
		}
	}
}

func (fs *fakeServer) reader(fc *fakeConn) {
	for {
		_, b, err := fc.ws.ReadMessage()
		if err != nil {
			return
		}
		f, err := protocol.DecodeRequest(b)
		if err != nil {
			fc.push(protocol.ErrorFrame(f.ID, err))
			continue
		}
		go fs.answer(fc, f) // concurrently, so replies can overtake each other
	}
}

func (fs *fakeServer) answer(fc *fakeConn, f protocol.Frame) {
	fs.mu.Lock()
	fs.received[f.ID]++
	if prev, ok := fs.answers[f.ID]; ok { // idempotent retry
		fs.mu.Unlock()
		fc.push(prev)
		return
	}
	handle, hold := fs.handle, fs.hold
	fs.mu.Unlock()

	var v any = map[string]json.RawMessage{"echo": f.Data}
	var perr *protocol.Error
	if handle != nil {
		v, perr = handle(f)
	}
	var reply protocol.Frame
	if perr != nil {
		reply = protocol.ErrorFrame(f.ID, perr)
	} else {
		reply, _ = protocol.Ack(f.ID, v)
	}

	fs.mu.Lock()
	if perr == nil || !perr.Code.Transient() {
		if prev, ok := fs.answers[f.ID]; ok {
			reply = prev // a concurrent copy won the race
		} else {
			fs.applied[f.ID]++
			fs.order = append(fs.order, f.ID)
			if perr == nil {
				fs.answers[f.ID] = reply
			}
		}
	}
	held := hold != nil && hold(f)
	fs.mu.Unlock()
	if !held {
		fc.push(reply)
	}
}

// publish appends an event and sends it to every connection.
func (fs *fakeServer) publish(kind string, data any) int64 {
	b, _ := json.Marshal(data)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	ev := protocol.EncodeEvent(fs.seq, kind, time.Now().UnixMilli(), b)
	fs.events = append(fs.events, ev)
	for fc := range fs.conns {
		fc.push(ev)
	}
	return fs.seq
}

// ephemeral sends a frame that is not in the event log (a draft_delta) to
// every connection; it is never replayed.
func (fs *fakeServer) ephemeral(typ string, data any) {
	b, _ := json.Marshal(data)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for fc := range fs.conns {
		fc.push(protocol.Frame{Type: typ, Data: b})
	}
}

// skipSeq consumes seqs no desk may see (gaps are normal).
func (fs *fakeServer) skipSeq(n int64) {
	fs.mu.Lock()
	fs.seq += n
	fs.mu.Unlock()
}

// dropAll cuts every connection without a close frame.
func (fs *fakeServer) dropAll() {
	fs.mu.Lock()
	conns := make([]*fakeConn, 0, len(fs.conns))
	for fc := range fs.conns {
		conns = append(conns, fc)
	}
	fs.mu.Unlock()
	for _, fc := range conns {
		fc.close()
	}
}

// closeAll sends a close frame with code, then closes.
func (fs *fakeServer) closeAll(code int, text string) {
	fs.mu.Lock()
	conns := make([]*fakeConn, 0, len(fs.conns))
	for fc := range fs.conns {
		conns = append(conns, fc)
	}
	fs.mu.Unlock()
	for _, fc := range conns {
		_ = fc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
		fc.close()
	}
}

func (fs *fakeServer) set(f func(fs *fakeServer)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f(fs)
}

func (fs *fakeServer) get(f func(fs *fakeServer)) { fs.set(f) }

func (fs *fakeServer) connCount() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.conns)
}

func (fs *fakeServer) acceptedSinces() []int64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.sinces)
}

// ---- test harness for clients ----

type recorder struct {
	mu  sync.Mutex
	ups []Update
}

func (r *recorder) snapshot() []Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ups)
}

// waitFor polls until cond holds on everything received so far.
func (r *recorder) waitFor(t *testing.T, what string, cond func([]Update) bool) []Update {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ups := r.snapshot()
		if cond(ups) {
			return ups
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; got %d updates: %s", what, len(ups), describe(ups))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func describe(ups []Update) string {
	var sb strings.Builder
	for i, u := range ups {
		if i > 60 {
			sb.WriteString(" …")
			break
		}
		switch u := u.(type) {
		case StateChanged:
			sb.WriteString(" state:" + u.State.String())
		case Welcomed:
			sb.WriteString(" welcome:" + u.Welcome.Resume + "@" + strconv.FormatInt(u.Welcome.Seq, 10))
		case Event:
			sb.WriteString(" ev:" + strconv.FormatInt(u.Seq, 10))
		case OutboxResult:
			sb.WriteString(" outbox:" + u.ID)
		}
	}
	return sb.String()
}

func eventSeqs(ups []Update) []int64 {
	var out []int64
	for _, u := range ups {
		if e, ok := u.(Event); ok {
			out = append(out, e.Seq)
		}
	}
	return out
}

func countState(ups []Update, s ConnState) int {
	n := 0
	for _, u := range ups {
		if sc, ok := u.(StateChanged); ok && sc.State == s {
			n++
		}
	}
	return n
}

func outboxResults(ups []Update) []OutboxResult {
	var out []OutboxResult
	for _, u := range ups {
		if r, ok := u.(OutboxResult); ok {
			out = append(out, r)
		}
	}
	return out
}
