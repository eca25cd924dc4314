package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// Scale-out: several servers (replicas) in this process on one PostgreSQL
// schema, desks spread across them over real loopback websockets. These
// tests skip without AGENTDESK_TEST_POSTGRES (.ci/run provides one).

func newReplicas(t *testing.T, n int, cfg server.Config) []*harness {
	t.Helper()
	db := storetest.PostgresDB(t)
	reps := make([]*harness, n)
	for i := range reps {
		reps[i] = newHarnessDB(t, db, cfg)
	}
	return reps
}

// readUntilSeq reads frames until an event with seq >= head arrived and
// returns every event read (including those buffered by earlier calls).
func (d *desk) readUntilSeq(head int64) []protocol.Frame {
	d.t.Helper()
	for len(d.events) == 0 || d.events[len(d.events)-1].Seq < head {
		f := d.read()
		if f.Type == protocol.TypeEvent {
			d.events = append(d.events, f)
		}
	}
	return d.events
}

// logSeqs is every seq in the log after `after`.
func logSeqs(t *testing.T, st *store.Store, after int64) []int64 {
	t.Helper()
	var out []int64
	for {
		evs, err := st.EventsAfter(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			out = append(out, ev.Seq)
			after = ev.Seq
		}
	}
}

// A lead's desk on any replica receives every event, whichever replica
// caused it, in seq order and exactly once: the log is the authority.
func TestReplicasFanOutInOrderExactlyOnce(t *testing.T) {
	reps := newReplicas(t, 3, server.Config{})
	var leads []*desk
	for i, h := range reps {
		leads = append(leads, h.dial(h.agent(fmt.Sprintf("lead%d", i), protocol.RoleLead), 0))
	}
	start := leads[0].welcome.Seq
	// Writers on every replica at once: agents' desks claiming and
	// answering, and the backend's own writes (as the HTTP API does).
	var wg sync.WaitGroup
	for i, h := range reps {
		d := h.dial(h.agent(fmt.Sprintf("agent%d", i), protocol.RoleAgent), 0)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := range 15 {
				c := h.escalated(fmt.Sprintf("replica %d chat %d", i, k), k%5)
				decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
				decode[protocol.MessageAck](t, d.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "on it"}))
			}
		}()
		go func() {
			defer wg.Done()
			for k := range 20 {
				if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
					_, err := tx.CreateCustomer(store.NewCustomer{Name: fmt.Sprintf("walk-in %d-%d", i, k)})
					return err
				}); err != nil {
					t.Error(err)
				}
				h.escalated("没有人回复我", 1)
			}
		}()
	}
	wg.Wait()
	want := logSeqs(t, reps[0].st, start)
	if len(want) == 0 {
		t.Fatal("nothing was logged")
	}
	for i, d := range leads {
		var got []int64
		for _, f := range d.readUntilSeq(want[len(want)-1]) {
			got = append(got, f.Seq)
		}
		wantHere := want
		for len(wantHere) > 0 && wantHere[0] <= d.welcome.Seq {
			wantHere = wantHere[1:]
		}
		if !slices.Equal(got, wantHere) {
			t.Fatalf("lead on replica %d received %d events, the log has %d after its welcome\n got %v\nwant %v",
				i, len(got), len(wantHere), got, wantHere)
		}
	}
}

// Many agents on three replicas claim the same chats at once: each chat
// has exactly one winner, as on one server.
func TestReplicasClaimRace(t *testing.T) {
	const clients, chats = 24, 120
	reps := newReplicas(t, 3, server.Config{})
	desks := make([]*desk, clients)
	for i := range desks {
		h := reps[i%len(reps)]
		desks[i] = h.dial(h.agent(fmt.Sprintf("agent%02d", i), protocol.RoleAgent), 0)
	}
	ids := make([]string, chats)
	for i := range ids {
		ids[i] = reps[i%len(reps)].escalated(fmt.Sprintf("chat %d", i), i%7).ID
	}
	claimRaceOneOwner(t, reps[1].st, desks, ids)
}

// A lead's reassign on one replica races an agent's claim on another:
// exactly one wins.
func TestReplicasReassignRacesClaim(t *testing.T) {
	reps := newReplicas(t, 2, server.Config{})
	alice := reps[0].dial(reps[0].agent("alice", protocol.RoleAgent), 0)
	reps[0].agent("bob", protocol.RoleAgent)
	lead := reps[1].dial(reps[1].agent("lena", protocol.RoleLead), 0)
	for range 15 {
		c := reps[0].escalated("race", 5)
		var wg sync.WaitGroup
		var claim, reassign protocol.Frame
		wg.Add(2)
		go func() {
			defer wg.Done()
			claim = alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID, Version: c.Version})
		}()
		go func() {
			defer wg.Done()
			reassign = lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToAgent: "bob", Versions: map[string]int64{c.ID: c.Version}})
		}()
		wg.Wait()
		claimed := claim.Type == protocol.TypeAck
		moved := decode[protocol.ReassignAck](t, reassign).Results[0].OK
		if claimed == moved {
			t.Fatalf("claim ok=%v and reassign ok=%v: exactly one must win", claimed, moved)
		}
	}
}

// A desk that drops off one replica resumes on another from its last seq:
// what happened meanwhile (through a third replica) is replayed, then live
// events continue the same sequence.
func TestReplicasResumeOnAnotherReplica(t *testing.T) {
	reps := newReplicas(t, 3, server.Config{})
	token := reps[0].agent("lena", protocol.RoleLead)
	d := reps[0].dial(token, 0)
	c := reps[1].escalated("first", 1)
	last := d.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		json.Unmarshal(f.Data, &ce)
		return f.Kind == protocol.EvConversation && ce.Cause == protocol.CauseEscalated && ce.Conversation.ID == c.ID
	}).Seq
	d.ws.Close()
	var missed []string
	for i := range 30 {
		msg := fmt.Sprintf("while away %d", i)
		missed = append(missed, msg)
		if err := reps[2].st.Update(context.Background(), func(tx *store.Tx) error {
			_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", msg)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	d2 := reps[1].dial(token, last)
	if d2.welcome.Resume != protocol.ResumeReplay || d2.welcome.Seq != last {
		t.Fatalf("resume welcome: %+v", d2.welcome)
	}
	if err := reps[0].st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "live")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := readMessagesAfter(t, d2, last, len(missed)+1)
	if want := append(missed, "live"); !slices.Equal(got, want) {
		t.Fatalf("resumed messages:\n got %v\nwant %v", got, want)
	}
}

// An outcome sent to two replicas at once (a retry racing the original on
// another replica after a reconnect) is stored once; both answers name it.
func TestReplicasOutcomeExactlyOnce(t *testing.T) {
	reps := newReplicas(t, 2, server.Config{})
	token := reps[0].agent("alice", protocol.RoleAgent)
	da := reps[0].dial(token, 0)
	db := reps[1].dial(token, 0)
	var keys []string
	for i := range 20 {
		c := reps[i%2].escalated("where is my parcel", 5)
		decode[protocol.ConversationAck](t, da.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
		dr := reps[0].draft(c.ID, "It ships today.")
		key := fmt.Sprintf("k-%d", i)
		keys = append(keys, key)
		req := protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionAccept, IdempotencyKey: key}
		var wg sync.WaitGroup
		var fa, fb protocol.Frame
		wg.Add(2)
		go func() { defer wg.Done(); fa = da.do(protocol.ReqOutcome, req) }()
		go func() { defer wg.Done(); fb = db.do(protocol.ReqOutcome, req) }()
		wg.Wait()
		a, b := decode[protocol.OutcomeAck](t, fa), decode[protocol.OutcomeAck](t, fb)
		if a.Outcome.ID != b.Outcome.ID || a.Duplicate == b.Duplicate {
			t.Fatalf("outcome %s: answers %+v and %+v; want the same outcome, one of them a duplicate", key, a, b)
		}
		// A different key for the same draft, on either replica: conflict.
		wantError(t, db.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionReject, Reason: "wrong_tone", IdempotencyKey: key + "-again"}), protocol.CodeConflict)
	}
	outs, err := reps[1].st.Outcomes(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, o := range outs {
		seen[o.IdempotencyKey]++
	}
	for _, k := range keys {
		if seen[k] != 1 {
			t.Fatalf("outcome %s stored %d times", k, seen[k])
		}
	}
	if len(outs) != len(keys) {
		t.Fatalf("%d outcomes stored, want %d", len(outs), len(keys))
	}
}

// killable wraps a listener so a test can cut every connection at once,
// the way a crashed process or a pulled cable would.
type killable struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
	dead  bool
}

func (k *killable) Accept() (net.Conn, error) {
	c, err := k.Listener.Accept()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		c.Close()
		return nil, net.ErrClosed
	}
	k.conns = append(k.conns, c)
	return c, nil
}

func (k *killable) kill() {
	k.mu.Lock()
	k.dead = true
	conns := k.conns
	k.mu.Unlock()
	k.Listener.Close()
	for _, c := range conns {
		c.Close()
	}
}

// balancer is a TCP load balancer in front of the replicas: each new
// connection goes to the first backend that accepts it.
type balancer struct {
	ln       net.Listener
	backends []string
}

func newBalancer(t *testing.T, backends ...string) *balancer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{ln: ln, backends: backends}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.forward(c)
		}
	}()
	return b
}

func (b *balancer) forward(c net.Conn) {
	defer c.Close()
	for _, addr := range b.backends {
		up, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		defer up.Close()
		done := make(chan struct{}, 2)
		go func() { io.Copy(up, c); done <- struct{}{} }()
		go func() { io.Copy(c, up); done <- struct{}{} }()
		<-done
		return
	}
}

// killableReplica serves st on a killable listener.
func killableReplica(t *testing.T, db string) (*harness, *killable) {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &killable{Listener: ln}
	srv := server.New(st, server.Config{RateLimit: -1})
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, st: st, srv: srv, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ctx, k, nil) }()
	t.Cleanup(func() { h.stop(); st.Close() })
	return h, k
}

// A replica dies mid-run with desks connected through a load balancer:
// they reconnect to the survivor, resume from their last seq and deliver
// their outboxes there. Every outcome is stored exactly once (those acked
// before the crash, those whose ack the crash swallowed, those sent after),
// no desk sees an event twice or out of order, and a lead on the survivor
// sees every outcome event exactly once.
func TestReplicaKilledMidRunLosesNothingAcked(t *testing.T) {
	db := storetest.PostgresDB(t)
	a, killA := killableReplica(t, db)
	b, _ := killableReplica(t, db)
	lb := newBalancer(t, a.addr, b.addr)
	const agents, perAgent = 4, 12
	watch := b.dial(b.agent("lena", protocol.RoleLead), 0)

	type agentRun struct {
		id       string
		cl       *client.Client
		drafts   []protocol.Draft
		acked    map[string]protocol.OutcomeAck // by outbox id
		seqs     []int64
		outcomes map[string]int // outcome events seen, by outcome id
		welcomes int
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := make([]*agentRun, agents)
	var all sync.WaitGroup
	var ackedTotal atomic.Int64
	var mu sync.Mutex
	for i := range runs {
		r := &agentRun{id: fmt.Sprintf("agent%d", i), acked: map[string]protocol.OutcomeAck{}, outcomes: map[string]int{}}
		runs[i] = r
		token := a.agent(r.id, protocol.RoleAgent)
		for k := range perAgent {
			c := a.escalated(fmt.Sprintf("%s chat %d", r.id, k), 3)
			if err := a.st.Update(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Claim(store.Actor{ID: r.id, Role: protocol.RoleAgent}, c.ID, 0)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			r.drafts = append(r.drafts, a.draft(c.ID, fmt.Sprintf("answer %d for %s", k, r.id)))
		}
		cl, err := client.New(client.Options{URL: "ws://" + lb.ln.Addr().String(), Token: token,
			OutboxPath: filepath.Join(t.TempDir(), r.id+".outbox"), BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		r.cl = cl
		all.Add(2)
		go func() { defer all.Done(); cl.Run(ctx) }()
		go func() {
			defer all.Done()
			for u := range cl.Updates() {
				mu.Lock()
				switch u := u.(type) {
				case client.Welcomed:
					r.welcomes++
				case client.Event:
					r.seqs = append(r.seqs, u.Seq)
					if oe, ok := u.Payload.(*protocol.OutcomeEvent); ok {
						r.outcomes[oe.Outcome.ID]++
					}
				case client.OutboxResult:
					if u.Err != nil {
						t.Errorf("%s: outbox item %s refused: %s", r.id, u.ID, u.Err)
					} else {
						var ack protocol.OutcomeAck
						json.Unmarshal(u.Ack, &ack)
						r.acked[u.ID] = ack
						ackedTotal.Add(1)
					}
				}
				mu.Unlock()
			}
		}()
	}
	// Each agent works through their drafts; A dies half-way.
	var enq sync.WaitGroup
	for _, r := range runs {
		enq.Add(1)
		go func() {
			defer enq.Done()
			for k, d := range r.drafts {
				action := protocol.ActionAccept
				if k%3 == 2 {
					action = protocol.ActionReject
				}
				if _, err := r.cl.Enqueue(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d.ID, Action: action,
					Reason: "wrong_facts", IdempotencyKey: "idem-" + d.ID}); err != nil {
					t.Error(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	total := int64(agents * perAgent)
	eventually(t, "a third of the outcomes acked by replica A", func() bool { return ackedTotal.Load() >= total/3 })
	killA.kill()
	a.cancel() // A's process is gone: its server stops, nothing more is served from it
	enq.Wait()
	eventually(t, "every outcome acked", func() bool { return ackedTotal.Load() == total })

	// The database holds each exactly once, and the acks name those rows.
	outs, err := b.st.Outcomes(context.Background(), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]protocol.Outcome{}
	for _, o := range outs {
		if _, dup := byKey[o.IdempotencyKey]; dup {
			t.Fatalf("outcome %s stored twice", o.IdempotencyKey)
		}
		byKey[o.IdempotencyKey] = o
	}
	if int64(len(outs)) != total {
		t.Fatalf("%d outcomes stored, want %d", len(outs), total)
	}
	mu.Lock()
	defer mu.Unlock()
	reconnected := 0
	for _, r := range runs {
		for id, ack := range r.acked {
			if o, ok := byKey[ack.Outcome.IdempotencyKey]; !ok || o.ID != ack.Outcome.ID {
				t.Fatalf("%s: acked outcome %s (%s) is not the stored one", r.id, id, ack.Outcome.IdempotencyKey)
			}
		}
		if !slices.IsSorted(r.seqs) || len(slices.Compact(slices.Clone(r.seqs))) != len(r.seqs) {
			t.Fatalf("%s saw events out of order or twice: %v", r.id, r.seqs)
		}
		if r.welcomes > 1 {
			reconnected++
		}
		for _, o := range outs {
			if o.AgentID == r.id && r.outcomes[o.ID] != 1 {
				t.Fatalf("%s saw its outcome %s %d times", r.id, o.ID, r.outcomes[o.ID])
			}
		}
	}
	if reconnected == 0 {
		t.Fatal("no desk reconnected: the kill did not hit anyone")
	}
	// The lead on B saw each outcome event once.
	head := logSeqs(t, b.st, 0)
	frames := watch.readUntilSeq(head[len(head)-1])
	seen := map[string]int{}
	for _, f := range frames {
		if f.Kind == protocol.EvOutcome {
			var oe protocol.OutcomeEvent
			json.Unmarshal(f.Data, &oe)
			seen[oe.Outcome.ID]++
		}
	}
	for _, o := range outs {
		if seen[o.ID] != 1 {
			t.Fatalf("the lead saw outcome %s %d times", o.ID, seen[o.ID])
		}
	}
	cancel()
	all.Wait()
}

// A draft generated on one replica streams to desks on every replica, in
// order and before the finished draft; the other replica does not
// generate one of its own.
func TestReplicasStreamDraftsToEveryReplica(t *testing.T) {
	pieces := []string{"您好，", "您的退款", "已于今天", "原路退回。"}
	db := storetest.PostgresDB(t)
	fakeA := &streamingCopilot{pieces: pieces, gap: 45 * time.Millisecond, gate: make(chan struct{})}
	fakeB := &streamingCopilot{pieces: []string{"never"}}
	a := newHarnessDB(t, db, server.Config{Copilot: fakeA})
	b := newHarnessDB(t, db, server.Config{Copilot: fakeB})
	onA := a.dial(a.agent("lena", protocol.RoleLead), 0)
	onB := b.dial(b.agent("li", protocol.RoleLead), 0)
	c := a.escalated("我的退款呢？", 50)
	close(fakeA.gate)
	want := strings.Join(pieces, "")
	for name, d := range map[string]*desk{"replica a": onA, "replica b": onB} {
		deltas, dr := d.streamUntilDraft(c.ID)
		var text strings.Builder
		for _, dd := range deltas {
			text.WriteString(dd.Text)
		}
		if len(deltas) != len(pieces) || text.String() != want || dr.Text != want {
			t.Fatalf("%s: %d deltas %q, draft %q; want %d pieces of %q", name, len(deltas), text.String(), dr.Text, len(pieces), want)
		}
	}
	detail, err := b.st.ConversationDetail(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Drafts) != 1 {
		t.Fatalf("%d drafts stored, want 1 (only the replica that took the escalation enriches it)", len(detail.Drafts))
	}
}

// Every replica runs the outbound webhook worker; each reply still reaches
// the channel once (deliveries are leased in the database), including
// retries after the receiver failed.
func TestReplicasDeliverEachReplyOnce(t *testing.T) {
	rcv := newReceiver(t, "s3cret")
	rcv.failFirst = 3
	cfg := outboundConfig(map[string]server.Webhook{"*": {URL: rcv.srv.URL, Secret: "s3cret"}})
	cfg.RateLimit = -1
	db := storetest.PostgresDB(t)
	reps := []*harness{newHarnessDB(t, db, cfg), newHarnessDB(t, db, cfg), newHarnessDB(t, db, cfg)}
	bot := reps[0].integration("frontline")
	leadToken := reps[0].agent("lena", protocol.RoleLead)
	var sent []protocol.Message
	for i := range 12 {
		h := reps[i%len(reps)]
		lead := h.dial(leadToken, 0)
		sent = append(sent, h.reply(bot, lead, "web", fmt.Sprintf("visitor-%d", i), fmt.Sprintf("reply %d", i)))
		lead.ws.Close()
	}
	eventually(t, "every reply delivered", func() bool {
		accepted, _, _ := rcv.snapshot()
		return len(accepted) == len(sent)
	})
	time.Sleep(300 * time.Millisecond) // a second delivery would show up by now (poll 20 ms)
	accepted, _, badSig := rcv.snapshot()
	for _, m := range sent {
		if accepted[m.ID] != 1 {
			t.Fatalf("reply %s accepted %d times", m.ID, accepted[m.ID])
		}
	}
	if badSig != 0 {
		t.Fatalf("%d bad signatures", badSig)
	}
}

// Who is viewing a chat is shared between replicas: the collision
// indicator works whichever replicas the desks are on.
func TestReplicasShareWhoViewsAChat(t *testing.T) {
	reps := newReplicas(t, 2, server.Config{})
	a, b := reps[0], reps[1]
	alice := a.dial(a.agent("alice", protocol.RoleAgent), 0)
	lead := b.dial(b.agent("lena", protocol.RoleLead), 0)
	c := a.escalated("who is here", 5)
	decode[protocol.ViewingAck](t, alice.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))
	waitPresence(t, lead, c.ID, "alice")
	l := decode[protocol.ViewingAck](t, lead.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))
	if strings.Join(l.Presence.Viewers, ",") != "alice,lena" {
		t.Fatalf("lena's view across replicas: %+v", l.Presence)
	}
	waitPresence(t, alice, c.ID, "alice,lena")
	// A desk that connects to either replica now is told at once.
	late := b.dial(b.agent("bob", protocol.RoleAgent), 0)
	waitPresence(t, late, c.ID, "alice,lena")
	// A replica that starts later learns it from the others' periodic sync.
	c3 := newHarnessDB(t, a.db, server.Config{})
	later := c3.dial(c3.agent("chen", protocol.RoleAgent), 0)
	waitPresence(t, later, c.ID, "alice,lena")
	alice.ws.Close()
	waitPresence(t, lead, c.ID, "lena")
}
