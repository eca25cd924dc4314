package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// harness is a real server on a loopback port with a real SQLite file.
type harness struct {
	t      testing.TB
	db     string // the --db it runs on (newHarnessDB)
	st     *store.Store
	srv    *server.Server
	addr   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// newHarness runs on SQLite, or on PostgreSQL when AGENTDESK_TEST_BACKEND
// is "postgres" (.ci/run runs the server tests both ways).
func newHarness(t testing.TB, cfg server.Config) *harness {
	t.Helper()
	return newHarnessOn(t, testBackend(), cfg)
}

// testBackend is SQLite, or PostgreSQL when AGENTDESK_TEST_BACKEND=postgres.
func testBackend() storetest.Backend {
	if os.Getenv("AGENTDESK_TEST_BACKEND") == "postgres" {
		return storetest.Postgres
	}
	return storetest.SQLite
}

// newHarnessOn runs a server on a fresh database of backend b.
func newHarnessOn(t testing.TB, b storetest.Backend, cfg server.Config) *harness {
	t.Helper()
	return newHarnessDB(t, b.DB(t), cfg)
}

// newHarnessDB runs a server on db (replicas share one).
func newHarnessDB(t testing.TB, db string, cfg server.Config) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := startHarness(t, st, cfg)
	h.db = db
	return h
}

// startHarness serves st on a loopback port until the test ends.
func startHarness(t testing.TB, st *store.Store, cfg server.Config) *harness {
	t.Helper()
	ctx := context.Background()
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1 // tests hammer the server on purpose
	}
	srv := server.New(st, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	h := &harness{t: t, st: st, srv: srv, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(sctx, ln, nil) }()
	t.Cleanup(func() {
		h.stop()
		st.Close()
	})
	return h
}

func (h *harness) stop() {
	h.once.Do(func() {
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(15 * time.Second):
			h.t.Error("server did not shut down")
		}
	})
}

func (h *harness) url() string { return "ws://" + h.addr + "/v1/desk" }

// agent creates an account and returns a token for it.
func (h *harness) agent(id, role string) string {
	h.t.Helper()
	var secret string
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: id, Name: id, Role: role, Team: "support", Capacity: 5}); err != nil {
			return err
		}
		var err error
		secret, _, err = tx.CreateToken("test", id, "")
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return secret
}

var convCounter atomic.Int64

// escalated creates a customer conversation with one message, escalated to the queue.
func (h *harness) escalated(text string, priority int) protocol.Conversation {
	h.t.Helper()
	var c protocol.Conversation
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		n := convCounter.Add(1)
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户 " + strconv.FormatInt(n, 10)})
		if err != nil {
			return err
		}
		c, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		if err != nil {
			return err
		}
		if _, c, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", text); err != nil {
			return err
		}
		c, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human", Evidence: text}, priority, 0)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// draft stores an AI draft for a conversation.
func (h *harness) draft(convID, text string) protocol.Draft {
	h.t.Helper()
	var d protocol.Draft
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		c, err := tx.Conversation(convID)
		if err != nil {
			return err
		}
		d, err = tx.CreateDraft(protocol.Draft{ConversationID: convID, Text: text, BasedOnSeq: c.LastSeq,
			Provider: "offline", Model: "offline-1", PromptVersion: "draft-v1", Sources: []protocol.Source{{Kind: "kb", ID: "refunds-en"}}})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// desk is a raw websocket client speaking the protocol by hand.
type desk struct {
	t       testing.TB
	ws      *websocket.Conn
	welcome protocol.Welcome
	events  []protocol.Frame
	next    int
	deltas  []protocol.Frame // draft_delta frames read while waiting for something else
	// ephemeral holds presence, team_stats and customer_typing frames read meanwhile.
	ephemeral []protocol.Frame
}

func (h *harness) dial(token string, since int64) *desk {
	h.t.Helper()
	d, resp, err := h.tryDial(token, since, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	return d
}

func (h *harness) tryDial(token string, since int64, header http.Header) (*desk, *http.Response, error) {
	if header == nil {
		header = http.Header{}
	}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	dialer := websocket.Dialer{Subprotocols: []string{protocol.Subprotocol}, HandshakeTimeout: 5 * time.Second}
	u := h.url()
	if since > 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	ws, resp, err := dialer.Dial(u, header)
	if err != nil {
		return nil, resp, err
	}
	d := &desk{t: h.t, ws: ws}
	h.t.Cleanup(func() { ws.Close() })
	f := d.read()
	if f.Type != protocol.TypeWelcome {
		return nil, resp, fmt.Errorf("first frame is %q, not welcome", f.Type)
	}
	if err := json.Unmarshal(f.Data, &d.welcome); err != nil {
		return nil, resp, err
	}
	return d, resp, nil
}

func (d *desk) read() protocol.Frame {
	d.t.Helper()
	d.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := d.ws.ReadMessage()
	if err != nil {
		d.t.Fatalf("read: %v", err)
	}
	f, err := protocol.DecodeFrame(b)
	if err != nil {
		d.t.Fatalf("decode %s: %v", b, err)
	}
	return f
}

// readErr reads one frame or returns the read error (for close checks).
func (d *desk) readErr(timeout time.Duration) (protocol.Frame, error) {
	d.ws.SetReadDeadline(time.Now().Add(timeout))
	_, b, err := d.ws.ReadMessage()
	if err != nil {
		return protocol.Frame{}, err
	}
	return protocol.DecodeFrame(b)
}

var reqCounter atomic.Int64

// do sends a request and returns its ack or error frame, keeping events that
// arrive meanwhile.
func (d *desk) do(typ string, data any) protocol.Frame {
	d.t.Helper()
	id := "r-" + strconv.FormatInt(reqCounter.Add(1), 10)
	return d.doID(id, typ, data)
}

func (d *desk) doID(id, typ string, data any) protocol.Frame {
	d.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		d.t.Fatal(err)
	}
	d.sendRaw(mustJSON(d.t, protocol.Frame{ID: id, Type: typ, Data: raw}))
	return d.await(id)
}

func (d *desk) sendRaw(b []byte) {
	d.t.Helper()
	if err := d.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		d.t.Fatalf("write: %v", err)
	}
}

func (d *desk) await(id string) protocol.Frame {
	d.t.Helper()
	for {
		f := d.read()
		if f.Type == protocol.TypeEvent {
			d.events = append(d.events, f)
			continue
		}
		if f.Type == protocol.TypeDraftDelta {
			d.deltas = append(d.deltas, f)
			continue
		}
		if f.Type == protocol.TypePresence || f.Type == protocol.TypeTeamStats || f.Type == protocol.TypeCustomerTyping {
			d.ephemeral = append(d.ephemeral, f)
			continue
		}
		if f.Re == id {
			return f
		}
		d.t.Fatalf("unexpected frame while waiting for %s: %+v", id, f)
	}
}

// waitEvent reads until an event matching fn arrives.
func (d *desk) waitEvent(fn func(protocol.Frame) bool) protocol.Frame {
	d.t.Helper()
	for ; d.next < len(d.events); d.next++ {
		if fn(d.events[d.next]) {
			d.next++
			return d.events[d.next-1]
		}
	}
	for {
		f := d.read()
		if f.Type == protocol.TypeDraftDelta {
			d.deltas = append(d.deltas, f)
		}
		if f.Type == protocol.TypePresence || f.Type == protocol.TypeTeamStats || f.Type == protocol.TypeCustomerTyping {
			d.ephemeral = append(d.ephemeral, f)
		}
		if f.Type != protocol.TypeEvent {
			continue
		}
		d.events = append(d.events, f)
		d.next = len(d.events)
		if fn(f) {
			return f
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode[T any](t testing.TB, f protocol.Frame) T {
	t.Helper()
	var v T
	if f.Type != protocol.TypeAck {
		t.Fatalf("want ack, got %s %s: %s", f.Type, f.Code, f.Message)
	}
	if err := json.Unmarshal(f.Data, &v); err != nil {
		t.Fatalf("decode %s: %v", f.Data, err)
	}
	return v
}

func wantError(t testing.TB, f protocol.Frame, code protocol.Code) {
	t.Helper()
	if f.Type != protocol.TypeError || f.Code != code {
		t.Fatalf("want error %s, got %s %s: %s", code, f.Type, f.Code, f.Message)
	}
	if f.Message == "" {
		t.Fatalf("error %s has no message", code)
	}
}

// claimRaceOneOwner has every desk claim every chat at once, each desk
// walking the chats from a different starting point, and checks that each
// chat has exactly one winning claim and is stored assigned (version 4:
// created, escalated, enriched, claimed) — as read from st.
func claimRaceOneOwner(t *testing.T, st *store.Store, desks []*desk, ids []string) {
	t.Helper()
	clients, chats := len(desks), len(ids)
	wins := make([]map[string]bool, clients)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, d := range desks {
		wins[i] = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range chats {
				id := ids[(k+i*chats/clients)%chats]
				raw, _ := json.Marshal(protocol.ClaimReq{ConversationID: id})
				rid := fmt.Sprintf("claim-%d-%d", i, k)
				if err := d.ws.WriteMessage(websocket.TextMessage, mustJSON(t, protocol.Frame{ID: rid, Type: protocol.ReqClaim, Data: raw})); err != nil {
					errs <- err
					return
				}
				for {
					d.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, b, err := d.ws.ReadMessage()
					if err != nil {
						errs <- err
						return
					}
					f, _ := protocol.DecodeFrame(b)
					if f.Re != rid {
						continue
					}
					if f.Type == protocol.TypeAck {
						wins[i][id] = true
					} else if f.Code != protocol.CodeConflict {
						errs <- fmt.Errorf("claim %s: %s %s", id, f.Code, f.Message)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	owners := map[string]int{}
	for i := range wins {
		for id := range wins[i] {
			owners[id]++
		}
	}
	for _, id := range ids {
		if owners[id] != 1 {
			t.Fatalf("chat %s has %d winning claims", id, owners[id])
		}
		c, err := st.Conversation(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Assignee == "" || c.Status != protocol.ConvAssigned || c.Version != 4 {
			t.Fatalf("chat %s: assignee %q status %s version %d", id, c.Assignee, c.Status, c.Version)
		}
	}
}

// readMessagesAfter reads d's frames until n message events have arrived,
// failing on any seq at or below the one before (starting after prev), and
// returns the messages' texts in order.
func readMessagesAfter(t *testing.T, d *desk, prev int64, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		f := d.read()
		if f.Seq <= prev {
			t.Fatalf("seq %d after %d: duplicate or out of order", f.Seq, prev)
		}
		prev = f.Seq
		if f.Kind == protocol.EvMessage {
			var me protocol.MessageEvent
			if err := json.Unmarshal(f.Data, &me); err != nil {
				t.Fatalf("message event seq %d: %v", f.Seq, err)
			}
			got = append(got, me.Message.Text)
		}
	}
	return got
}
