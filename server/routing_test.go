package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// clock is a settable test clock for the store.
type clock struct{ ms atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ms.Store(time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC).UnixMilli())
	return c
}

func (c *clock) now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *clock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }
func (c *clock) opts() store.Options     { return store.Options{Now: c.now} }
func routingConfig(r server.Routing) server.Config {
	return server.Config{Routing: r, Channels: server.ChannelsConfig{RateLimit: -1}}
}

// newRoutingHarness is newHarness with store options (an injectable clock).
func newRoutingHarness(t testing.TB, cfg server.Config, opt store.Options) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), testBackend().DB(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	return startHarness(t, st, cfg)
}

// staff creates an account with a team and capacity and returns a token.
func (h *harness) staff(id, role, team string, capacity int) string {
	h.t.Helper()
	var secret string
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: id, Name: id, Role: role, Team: team, Capacity: capacity}); err != nil {
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

// online connects a desk for the agent and sets them online.
func (h *harness) online(token string) *desk {
	h.t.Helper()
	d := h.dial(token, 0)
	d.status(protocol.StatusOnline)
	return d
}

func (d *desk) status(s string) {
	d.t.Helper()
	decode[protocol.AgentAck](d.t, d.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: s}))
}

// choose sets the status an agent chose before any desk connects (a desk
// connecting shows the chosen status; never chosen is online).
func (h *harness) choose(id, status string) {
	h.t.Helper()
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetStatus(store.Actor{ID: id, Role: protocol.RoleAgent}, "", status)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
}

// queued escalates a new conversation for team with a priority and returns
// its id; auto-assignment has run when it returns.
func (h *harness) queued(team string, priority int) string {
	h.t.Helper()
	var id string
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		n := convCounter.Add(1)
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户 " + strconv.FormatInt(n, 10)})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web", Team: team})
		if err != nil {
			return err
		}
		if _, c, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "人工客服 please"); err != nil {
			return err
		}
		id = c.ID
		_, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human"}, priority, 0)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// queuedBatch escalates n conversations in one transaction (one routing
// pass at its end), with assorted priorities.
func (h *harness) queuedBatch(n int) []string {
	h.t.Helper()
	var ids []string
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "客户 " + strconv.FormatInt(convCounter.Add(1), 10)})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			if err != nil {
				return err
			}
			if _, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human"}, 10+10*i, 0); err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return ids
}

func (h *harness) conv(id string) protocol.Conversation {
	h.t.Helper()
	c, err := h.st.Conversation(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) wantAssignee(id, agent string) {
	h.t.Helper()
	c := h.conv(id)
	want := protocol.ConvAssigned
	if agent == "" {
		want = protocol.ConvQueued
	}
	if c.Assignee != agent || c.Status != want {
		h.t.Fatalf("conversation %s: status %s assignee %q; want %s %q", id, c.Status, c.Assignee, want, agent)
	}
}

// customerWrites adds a customer message to a conversation.
func (h *harness) customerWrites(id, text string) {
	h.t.Helper()
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(id, protocol.AuthorCustomer, "", text)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// conversationEvents is the committed event log's conversation events.
func (h *harness) conversationEvents() []protocol.ConversationEvent {
	h.t.Helper()
	evs, err := h.st.EventsAfter(context.Background(), 0, 1_000_000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []protocol.ConversationEvent
	for _, ev := range evs {
		if ev.Kind != protocol.EvConversation {
			continue
		}
		var f struct {
			Data protocol.ConversationEvent `json:"data"`
		}
		if err := json.Unmarshal(ev.Frame, &f); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, f.Data)
	}
	return out
}

func (h *harness) causes(id string) []string {
	var out []string
	for _, ev := range h.conversationEvents() {
		if ev.Conversation.ID == id {
			out = append(out, ev.Cause)
		}
	}
	return out
}

func TestAutoAssignRespectsStatusAndCapacity(t *testing.T) {
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true}), store.Options{})
	ann := h.online(h.staff("ann", protocol.RoleAgent, "support", 2))
	bobTok := h.staff("bob", protocol.RoleAgent, "support", 5)
	bob := h.dial(bobTok, 0)
	bob.status(protocol.StatusAway)
	catTok := h.staff("cat", protocol.RoleAgent, "support", 5)
	h.choose("cat", protocol.StatusOffline)
	cat := h.dial(catTok, 0) // connected but chose offline
	_ = cat
	h.staff("dan", protocol.RoleAgent, "support", 5) // online without a desk open
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetStatus(store.Actor{ID: "dan", Role: protocol.RoleAgent}, "", protocol.StatusOnline)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tess := h.online(h.staff("tess", protocol.RoleTrainer, "support", 5))
	_ = tess
	h.online(h.staff("zed", protocol.RoleAgent, "support", 0)) // capacity 0 takes no automatic work

	c1, c2, c3 := h.queued("", 50), h.queued("", 50), h.queued("", 50)
	h.wantAssignee(c1, "ann")
	h.wantAssignee(c2, "ann")
	h.wantAssignee(c3, "") // ann is full; away, offline, absent, trainer and zero-capacity agents get nothing

	ev := ann.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvConversation && bytesHas(f.Data, c1) })
	var ce protocol.ConversationEvent
	if err := json.Unmarshal(ev.Data, &ce); err != nil {
		t.Fatal(err)
	}
	for ce.Cause != protocol.CauseAssigned {
		ev = ann.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvConversation && bytesHas(f.Data, c1) })
		if err := json.Unmarshal(ev.Data, &ce); err != nil {
			t.Fatal(err)
		}
	}
	if ce.By != "" || ce.Conversation.Assignee != "ann" || ce.Conversation.Status != protocol.ConvAssigned {
		t.Fatalf("assigned event: %+v", ce)
	}

	// Bob coming online takes the waiting conversation in the same change.
	bob.status(protocol.StatusOnline)
	h.wantAssignee(c3, "bob")

	// Ann resolving frees capacity; with bob away the next one is hers.
	decode[protocol.ConversationAck](t, ann.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c1, Disposition: "done"}))
	bob.status(protocol.StatusAway)
	c4 := h.queued("", 50)
	h.wantAssignee(c4, "ann") // bob is away now
	c5 := h.queued("", 50)
	h.wantAssignee(c5, "") // ann is full again
	decode[protocol.ConversationAck](t, ann.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c2, Disposition: "done"}))
	h.wantAssignee(c5, "ann") // freed capacity pulls from the queue at once

	// A lead lowering capacity below the load stops new assignments; raising it resumes.
	lead := h.dial(h.staff("lee", protocol.RoleLead, "support", 0), 0)
	decode[protocol.AgentAck](t, lead.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "ann", Capacity: 1}))
	c6 := h.queued("", 50)
	h.wantAssignee(c6, "")
	decode[protocol.AgentAck](t, lead.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "ann", Capacity: 3}))
	h.wantAssignee(c6, "ann")

	// A desk closing makes its agent unreachable even though the status says online.
	ann.ws.Close()
	eventually(t, "ann's desk to go", func() bool { return h.srv.Connections() == 5 })
	decode[protocol.AgentAck](t, lead.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "ann", Capacity: 9}))
	c7 := h.queued("", 50)
	h.wantAssignee(c7, "")
}

func bytesHas(b []byte, s string) bool { return strings.Contains(string(b), s) }

func TestAutoAssignOrder(t *testing.T) {
	clk := newClock()
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true}), clk.opts())
	annTok := h.staff("ann", protocol.RoleAgent, "support", 1)
	bob := h.online(h.staff("bob", protocol.RoleLead, "support", 10))

	// Highest priority first, then longest waiting.
	bob.status(protocol.StatusAway)
	low := h.queued("", 10)
	clk.advance(time.Second)
	oldHigh := h.queued("", 80)
	clk.advance(time.Second)
	newHigh := h.queued("", 80)
	clk.advance(time.Second)
	h.online(annTok) // capacity 1: takes exactly the best one
	h.wantAssignee(oldHigh, "ann")
	h.wantAssignee(newHigh, "")
	h.wantAssignee(low, "")
	clk.advance(time.Second)
	bob.status(protocol.StatusOnline) // a lead receives too
	h.wantAssignee(newHigh, "bob")
	h.wantAssignee(low, "bob")
	var order []string
	for _, ev := range h.conversationEvents() {
		if ev.Cause == protocol.CauseAssigned && ev.Conversation.Assignee == "bob" {
			order = append(order, ev.Conversation.ID)
		}
	}
	if fmt.Sprint(order) != fmt.Sprint([]string{newHigh, low}) {
		t.Fatalf("bob got %v, want %v", order, []string{newHigh, low})
	}
}

func TestAutoAssignLeastLoadedThenLongestIdle(t *testing.T) {
	clk := newClock()
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true}), clk.opts())
	ann := h.online(h.staff("ann", protocol.RoleAgent, "support", 5))
	bob := h.online(h.staff("bob", protocol.RoleAgent, "support", 5))
	cy := h.online(h.staff("cy", protocol.RoleAgent, "support", 5))
	_, _ = bob, cy
	// Nobody has had a chat: ties go by id.
	got := func() string {
		clk.advance(time.Second)
		return h.conv(h.queued("", 50)).Assignee
	}
	seq := []string{got(), got(), got()}
	if fmt.Sprint(seq) != "[ann bob cy]" {
		t.Fatalf("first round went to %v", seq)
	}
	// ann resolves hers: least loaded, she gets the next one.
	var annConv string
	for _, ev := range h.conversationEvents() {
		if ev.Cause == protocol.CauseAssigned && ev.Conversation.Assignee == "ann" {
			annConv = ev.Conversation.ID
		}
	}
	decode[protocol.ConversationAck](t, ann.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: annConv, Disposition: "done"}))
	if a := got(); a != "ann" {
		t.Fatalf("least loaded is ann, got %s", a)
	}
	// All at load 1 now; bob waited longest since his last assignment.
	seq = []string{got(), got(), got()}
	if fmt.Sprint(seq) != "[bob cy ann]" {
		t.Fatalf("second round went to %v, want longest idle first", seq)
	}
}

func TestAutoAssignPrefersTeam(t *testing.T) {
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true}), store.Options{})
	sam := h.online(h.staff("sam", protocol.RoleAgent, "support", 2))
	bill := h.online(h.staff("bill", protocol.RoleAgent, "billing", 2))

	b1 := h.queued("billing", 50)
	b2 := h.queued("billing", 50)
	h.wantAssignee(b1, "bill")
	h.wantAssignee(b2, "bill") // the team first, even when more loaded than sam
	b3 := h.queued("billing", 50)
	h.wantAssignee(b3, "") // billing is full but here: the chat waits for billing
	s1 := h.queued("", 50)
	h.wantAssignee(s1, "sam") // no team: anyone
	bill.status(protocol.StatusAway)
	// With nobody of billing reachable, anyone may take it; bill's going
	// away was the change that ran routing.
	h.wantAssignee(b3, "sam")

	// A transfer to a team queues for that team, and not back to the sender.
	bill.status(protocol.StatusOnline)
	decode[protocol.ConversationAck](t, sam.do(protocol.ReqTransfer, protocol.TransferReq{ConversationID: s1, ToTeam: "billing"}))
	h.wantAssignee(s1, "") // bill is full (b1, b2), sam is passed over for the chat he let go
	decode[protocol.ConversationAck](t, bill.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: b1, Disposition: "done"}))
	h.wantAssignee(s1, "bill")
}

func TestAutoAssignReleaseNotStraightBack(t *testing.T) {
	clk := newClock()
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true, Holdoff: 5 * time.Minute, Sweep: 10 * time.Millisecond}), clk.opts())
	ann := h.online(h.staff("ann", protocol.RoleAgent, "support", 3))
	c := h.queued("", 50)
	h.wantAssignee(c, "ann")
	decode[protocol.ConversationAck](t, ann.do(protocol.ReqRelease, protocol.ConversationReq{ConversationID: c}))
	time.Sleep(50 * time.Millisecond) // several sweeps
	h.wantAssignee(c, "")
	clk.advance(5*time.Minute + time.Second)
	eventually(t, "the hold-off to end", func() bool { return h.conv(c).Assignee == "ann" })
}

// TestAutoAssignConcurrentClaims races auto-assignment (escalations,
// resolutions, status changes) against agents pulling with claim and next:
// every conversation has one owner at a time, no automatic assignment goes
// over capacity, and nothing is assigned twice.
func TestAutoAssignConcurrentClaims(t *testing.T) {
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true}), store.Options{})
	const autos, pullers, convs = 3, 3, 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var autoDesks []*desk
	for i := range autos {
		autoDesks = append(autoDesks, h.online(h.staff(fmt.Sprintf("auto%d", i), protocol.RoleAgent, "support", 2)))
	}
	var pullDesks []*desk
	for i := range pullers {
		tok := h.staff(fmt.Sprintf("pull%d", i), protocol.RoleAgent, "support", 100)
		h.choose(fmt.Sprintf("pull%d", i), protocol.StatusOffline)
		pullDesks = append(pullDesks, h.dial(tok, 0)) // chose offline: never auto-assigned
	}
	ids := make(chan string, convs)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range convs / 4 { // bursts: more than the free capacity at once, so pullers find a queue
			for _, id := range h.queuedBatch(4) {
				ids <- id
			}
		}
		close(ids)
	}()
	var known sync.Map
	for i, d := range pullDesks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if n%2 == 0 {
					d.do(protocol.ReqNext, protocol.NextReq{})
					continue
				}
				known.Range(func(k, _ any) bool { // claim whatever is known, at any version
					d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: k.(string)})
					return n%(i+2) != 0
				})
			}
		}()
	}
	for i, d := range autoDesks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := fmt.Sprintf("auto%d", i)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				time.Sleep(5 * time.Millisecond)
				snap, _, err := h.st.Snapshot(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				for _, c := range snap.Conversations {
					if c.Assignee == me && c.Status == protocol.ConvAssigned {
						d.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: c.ID, Disposition: "done"})
						break
					}
				}
				if n%7 == 3 { // away and back: routing runs on the way back
					d.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusAway})
					d.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusOnline})
				}
			}
		}()
	}
	go func() {
		for id := range ids {
			known.Store(id, true)
		}
	}()
	eventually(t, "every conversation to be taken", func() bool {
		snap, _, err := h.st.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range snap.Conversations {
			if c.Status == protocol.ConvQueued {
				return false
			}
		}
		n := 0
		known.Range(func(_, _ any) bool { n++; return true })
		return n == convs
	})
	close(stop)
	wg.Wait()

	// Replay the log: who holds what, at every step.
	holder := map[string]string{}
	held := map[string]int{}
	kinds := map[string]int{}
	for _, ev := range h.conversationEvents() {
		c := ev.Conversation
		prev, had := holder[c.ID]
		switch ev.Cause {
		case protocol.CauseClaimed, protocol.CauseAssigned:
			kinds[ev.Cause]++
			if had {
				t.Fatalf("%s %s to %s while %s held it", c.ID, ev.Cause, c.Assignee, prev)
			}
			if ev.From != "" {
				t.Fatalf("%s %s from %s", c.ID, ev.Cause, ev.From)
			}
			holder[c.ID] = c.Assignee
			held[c.Assignee]++
			if ev.Cause == protocol.CauseAssigned && held[c.Assignee] > 2 {
				t.Fatalf("%s auto-assigned to %s over capacity (%d)", c.ID, c.Assignee, held[c.Assignee])
			}
			if ev.Cause == protocol.CauseAssigned && !strings.HasPrefix(c.Assignee, "auto") {
				t.Fatalf("%s auto-assigned to %s, who is offline", c.ID, c.Assignee)
			}
		case protocol.CauseResolved:
			if !had || prev != c.Assignee {
				t.Fatalf("%s resolved by %s, held by %q", c.ID, c.Assignee, prev)
			}
			delete(holder, c.ID)
			held[prev]--
		}
	}
	if kinds[protocol.CauseAssigned] == 0 || kinds[protocol.CauseClaimed] == 0 {
		t.Fatalf("the race did not race: %v", kinds)
	}
	t.Logf("assigned %d, claimed %d", kinds[protocol.CauseAssigned], kinds[protocol.CauseClaimed])
}

func TestReturnTimer(t *testing.T) {
	clk := newClock()
	h := newRoutingHarness(t, routingConfig(server.Routing{AutoAssign: true, ReturnAfter: 10 * time.Minute,
		Holdoff: 30 * time.Minute, Sweep: 10 * time.Millisecond}), clk.opts())
	ann := h.online(h.staff("ann", protocol.RoleAgent, "support", 5))
	c := h.queued("", 70)
	h.wantAssignee(c, "ann")

	clk.advance(9 * time.Minute)
	time.Sleep(50 * time.Millisecond)
	h.wantAssignee(c, "ann") // not yet

	clk.advance(time.Minute + time.Second)
	ev := ann.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		return f.Kind == protocol.EvConversation && json.Unmarshal(f.Data, &ce) == nil && ce.Cause == protocol.CauseReturned
	})
	var ce protocol.ConversationEvent
	if err := json.Unmarshal(ev.Data, &ce); err != nil {
		t.Fatal(err)
	}
	if ce.Conversation.ID != c || ce.From != "ann" || ce.By != "" || ce.Conversation.Status != protocol.ConvQueued || ce.Conversation.Priority != 70 {
		t.Fatalf("returned event: %+v", ce)
	}
	time.Sleep(50 * time.Millisecond)
	h.wantAssignee(c, "") // not straight back to ann, the only one online

	bob := h.online(h.staff("bob", protocol.RoleAgent, "support", 5))
	h.wantAssignee(c, "bob")
	if p := h.conv(c).Priority; p != 70 {
		t.Fatalf("priority %d after return, want 70 kept", p)
	}

	// An answered customer is not waiting: no return however long.
	decode[protocol.MessageAck](t, bob.do(protocol.ReqSend, protocol.TextReq{ConversationID: c, Text: "Hello, looking now."}))
	clk.advance(time.Hour)
	time.Sleep(50 * time.Millisecond)
	h.wantAssignee(c, "bob")

	// The customer writes again: the clock runs from that message.
	h.customerWrites(c, "still there?")
	clk.advance(9 * time.Minute)
	time.Sleep(50 * time.Millisecond)
	h.wantAssignee(c, "bob")
	clk.advance(2 * time.Minute)
	eventually(t, "the second return", func() bool { return h.conv(c).Assignee == "ann" })
	// ann's hold-off (30m from the first return) is over: she may have it;
	// bob may not.
	h.wantAssignee(c, "ann")
	got := h.causes(c)
	want := []string{"created", "escalated", "assigned", "returned", "assigned", "returned", "assigned"}
	if fmt.Sprint(filterCauses(got)) != fmt.Sprint(want) {
		t.Fatalf("causes %v, want %v", got, want)
	}

	// A snoozed conversation is not returned; on waking its clock restarts.
	decode[protocol.ConversationAck](t, ann.do(protocol.ReqSnooze, protocol.SnoozeReq{ConversationID: c, Minutes: 30}))
	clk.advance(31 * time.Minute)
	h.customerWrites(c, "hello??") // wakes it
	time.Sleep(50 * time.Millisecond)
	h.wantAssignee(c, "ann")
	clk.advance(10*time.Minute + time.Second)
	eventually(t, "the return after waking", func() bool { return h.conv(c).Assignee != "ann" })
}

// filterCauses keeps the routing-relevant causes.
func filterCauses(in []string) []string {
	var out []string
	for _, c := range in {
		switch c {
		case "created", "escalated", "assigned", "returned", "claimed", "released":
			out = append(out, c)
		}
	}
	return out
}

func TestRoutingOffByDefault(t *testing.T) {
	h := newRoutingHarness(t, server.Config{}, store.Options{})
	h.online(h.staff("ann", protocol.RoleAgent, "support", 5))
	c := h.queued("", 50)
	time.Sleep(30 * time.Millisecond)
	h.wantAssignee(c, "")
}
