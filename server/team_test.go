package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// movesByConversation counts the conversation.updated events with cause
// reassigned that a desk received, per conversation.
func movesByConversation(t *testing.T, d *desk) map[string][]protocol.ConversationEvent {
	t.Helper()
	out := map[string][]protocol.ConversationEvent{}
	for _, f := range d.events {
		if f.Kind != protocol.EvConversation {
			continue
		}
		var ev protocol.ConversationEvent
		if err := json.Unmarshal(f.Data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Cause == protocol.CauseReassigned {
			out[ev.Conversation.ID] = append(out[ev.Conversation.ID], ev)
		}
	}
	return out
}

// TestDrainSpreadsEveryChatOnceKeepingPriority: a lead drains an agent into
// two teammates; every chat moves exactly once (one event each, one result
// each), keeps its priority, goes to the less-loaded teammate, and the
// drained agent ends offline with no load. Then the rest is drained back
// to the queue.
func TestDrainSpreadsEveryChatOnceKeepingPriority(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.agent("bob", protocol.RoleAgent)
	h.agent("carol", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	prio := map[string]int{}
	for i := range 6 {
		c := h.escalated(fmt.Sprintf("chat %d", i), 10*(i%3))
		prio[c.ID] = c.Priority
		decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	}
	// Bob already has one chat: the spread must account for it.
	pre := h.escalated("bob's own", 1)
	decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{pre.ID}, ToAgent: "bob"}))
	lead.events = nil

	ack := decode[protocol.DrainAck](t, lead.do(protocol.ReqDrain, protocol.DrainReq{
		AgentID: "alice", ToAgents: []string{"bob", "carol"}, Status: protocol.StatusOffline, Note: "alice went home",
	}))
	if len(ack.Results) != 6 {
		t.Fatalf("drain moved %d chats, want 6", len(ack.Results))
	}
	if ack.Agent.Load != 0 || ack.Agent.Status != protocol.StatusOffline {
		t.Fatalf("drained agent: %+v", ack.Agent)
	}
	lastPrio := 1 << 30
	per := map[string]int{}
	for _, r := range ack.Results {
		if !r.OK || r.Conversation == nil {
			t.Fatalf("chat %s not moved: %+v", r.ConversationID, r.Error)
		}
		if r.Conversation.Priority != prio[r.ConversationID] {
			t.Fatalf("chat %s priority %d, want %d", r.ConversationID, r.Conversation.Priority, prio[r.ConversationID])
		}
		if r.Conversation.Priority > lastPrio {
			t.Fatalf("drain did not go highest priority first")
		}
		lastPrio = r.Conversation.Priority
		per[r.Conversation.Assignee]++
	}
	// Bob started with one: 7 chats over two people end 4/4 at most 1 apart.
	if per["bob"]+1-per["carol"] > 1 || per["carol"]-per["bob"]-1 > 1 || per["alice"] != 0 {
		t.Fatalf("uneven spread: %v (bob had 1)", per)
	}
	moves := movesByConversation(t, lead)
	for id := range prio {
		if len(moves[id]) != 1 {
			t.Fatalf("chat %s moved %d times", id, len(moves[id]))
		}
		ev := moves[id][0]
		if ev.From != "alice" || ev.By != "lena" || ev.Conversation.Priority != prio[id] {
			t.Fatalf("event for %s: %+v", id, ev)
		}
		d, err := h.st.ConversationDetail(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Messages) != 2 || d.Messages[0].Author != protocol.AuthorCustomer || d.Messages[1].Author != protocol.AuthorNote {
			t.Fatalf("history of %s not kept with the note: %+v", id, d.Messages)
		}
	}

	// Drain bob back into the queue: status stays, team and priority kept.
	lead.events = nil
	ack = decode[protocol.DrainAck](t, lead.do(protocol.ReqDrain, protocol.DrainReq{AgentID: "bob"}))
	if len(ack.Results) != per["bob"]+1 || ack.Agent.Load != 0 {
		t.Fatalf("drain of bob: %d results, agent %+v", len(ack.Results), ack.Agent)
	}
	moves = movesByConversation(t, lead)
	for _, r := range ack.Results {
		c := r.Conversation
		if !r.OK || c.Status != protocol.ConvQueued || c.Assignee != "" || len(moves[c.ID]) != 1 {
			t.Fatalf("chat %s after drain to queue: %+v, %d moves", r.ConversationID, c, len(moves[c.ID]))
		}
		if want, ok := prio[c.ID]; ok && c.Priority != want {
			t.Fatalf("priority changed: %d, want %d", c.Priority, want)
		}
	}
	// A drain with nothing to move is fine and moves nothing.
	ack = decode[protocol.DrainAck](t, lead.do(protocol.ReqDrain, protocol.DrainReq{AgentID: "bob"}))
	if len(ack.Results) != 0 {
		t.Fatalf("second drain moved %d", len(ack.Results))
	}
}

// TestBulkReassignMovesEachOnceKeepingPriority: one bulk reassign of chats
// from several owners to a team queue moves each exactly once, keeps
// priority, and both previous owners see it at once.
func TestBulkReassignMovesEachOnceKeepingPriority(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	var ids []string
	prio := map[string]int{}
	for i := range 8 {
		c := h.escalated(fmt.Sprintf("bulk %d", i), i)
		ids = append(ids, c.ID)
		prio[c.ID] = c.Priority
		who := alice
		if i%2 == 1 {
			who = bob
		}
		decode[protocol.ConversationAck](t, who.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	}
	lead.events = nil
	ack := decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: ids, ToTeam: "billing"}))
	moves := movesByConversation(t, lead)
	for _, r := range ack.Results {
		if !r.OK || r.Conversation.Team != "billing" || r.Conversation.Priority != prio[r.ConversationID] || len(moves[r.ConversationID]) != 1 {
			t.Fatalf("reassign %s: %+v, %d moves", r.ConversationID, r, len(moves[r.ConversationID]))
		}
	}
	// The agents involved see their chats leave without asking.
	for _, d := range []*desk{alice, bob} {
		d.waitEvent(func(f protocol.Frame) bool {
			var ev protocol.AgentEvent
			return f.Kind == protocol.EvAgent && json.Unmarshal(f.Data, &ev) == nil && ev.Agent.Load == 0 && ev.Agent.ID != "lena"
		})
	}
}

// TestClaimDuringBulkReassignLeavesOneOwner: an agent claims chats one by
// one while a lead bulk-reassigns all of them, both acting on the versions
// they saw. Every chat ends with exactly one owner, and exactly one of the
// two requests won it.
func TestClaimDuringBulkReassignLeavesOneOwner(t *testing.T) {
	const chats = 60
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.agent("bob", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	versions := map[string]int64{}
	var ids []string
	for i := range chats {
		c := h.escalated(fmt.Sprintf("contested %d", i), i%4)
		ids = append(ids, c.ID)
		versions[c.ID] = c.Version
	}
	claimed := map[string]bool{}
	var wg sync.WaitGroup
	var claimErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		// Claim from the end, so the two meet in the middle.
		for i := chats - 1; i >= 0; i-- {
			id := ids[i]
			raw, _ := json.Marshal(protocol.ClaimReq{ConversationID: id, Version: versions[id]})
			rid := "claim-" + id
			if err := alice.ws.WriteMessage(websocket.TextMessage, mustJSON(t, protocol.Frame{ID: rid, Type: protocol.ReqClaim, Data: raw})); err != nil {
				claimErr = err
				return
			}
			for {
				f, err := alice.readErr(10 * time.Second)
				if err != nil {
					claimErr = err
					return
				}
				if f.Re != rid {
					continue
				}
				if f.Type == protocol.TypeAck {
					claimed[id] = true
				} else if f.Code != protocol.CodeConflict {
					claimErr = fmt.Errorf("claim %s: %s %s", id, f.Code, f.Message)
				}
				break
			}
		}
	}()
	var ack protocol.ReassignAck
	go func() {
		defer wg.Done()
		// Bulk reassigns of 6 from the start, all on the versions the lead saw.
		for i := 0; i < chats; i += 6 {
			part := decode[protocol.ReassignAck](t, lead.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: ids[i : i+6], ToAgent: "bob", Versions: versions}))
			ack.Results = append(ack.Results, part.Results...)
		}
	}()
	wg.Wait()
	if claimErr != nil {
		t.Fatal(claimErr)
	}
	reassigned := map[string]bool{}
	for _, r := range ack.Results {
		if r.OK {
			reassigned[r.ConversationID] = true
		} else if r.Error == nil || r.Error.Code != protocol.CodeConflict {
			t.Fatalf("reassign of %s failed with %+v, want conflict", r.ConversationID, r.Error)
		}
	}
	for _, id := range ids {
		if claimed[id] == reassigned[id] {
			t.Fatalf("chat %s: claimed=%v reassigned=%v; exactly one must win", id, claimed[id], reassigned[id])
		}
		c, err := h.st.Conversation(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		want := "bob"
		if claimed[id] {
			want = "alice"
		}
		if c.Assignee != want || c.Status != protocol.ConvAssigned {
			t.Fatalf("chat %s owned by %q (%s), want %q", id, c.Assignee, c.Status, want)
		}
	}
	t.Logf("alice won %d, the lead's reassign %d", len(claimed), len(reassigned))
}

// TestTeamRequestsForbiddenForAgentsAndTrainers: the server refuses lead
// actions from agents and trainers, whatever the desk shows, and changes
// nothing.
func TestTeamRequestsForbiddenForAgentsAndTrainers(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	h.agent("bob", protocol.RoleAgent)
	c := h.escalated("help", 5)
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	for _, d := range []*desk{agent, trainer} {
		wantError(t, d.do(protocol.ReqDrain, protocol.DrainReq{AgentID: "alice"}), protocol.CodeForbidden)
		wantError(t, d.do(protocol.ReqTakeover, protocol.TakeoverReq{ConversationID: c.ID}), protocol.CodeForbidden)
		wantError(t, d.do(protocol.ReqTeamBoard, protocol.TeamBoardReq{}), protocol.CodeForbidden)
		wantError(t, d.do(protocol.ReqReassign, protocol.ReassignReq{ConversationIDs: []string{c.ID}, ToAgent: "bob"}), protocol.CodeForbidden)
		wantError(t, d.do(protocol.ReqSetCapacity, protocol.SetCapacityReq{AgentID: "bob", Capacity: 1}), protocol.CodeForbidden)
		wantError(t, d.do(protocol.ReqSetStatus, protocol.SetStatusReq{AgentID: "bob", Status: protocol.StatusOffline}), protocol.CodeForbidden)
		// Anyone may say what they are looking at.
		decode[protocol.ViewingAck](t, d.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))
	}
	got, _ := h.st.Conversation(context.Background(), c.ID)
	if got.Assignee != "alice" || got.Version != c.Version+1 {
		t.Fatalf("refused requests changed the chat: %+v", got)
	}
	// Store-level check too: a forged actor gets nowhere.
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Drain(store.Actor{ID: "alice", Role: protocol.RoleAgent}, protocol.DrainReq{AgentID: "alice"})
		return err
	})
	if protocol.CodeOf(err) != protocol.CodeForbidden {
		t.Fatalf("store drain as agent: %v", err)
	}
}

// TestTakeoverKeepsPriorityAndTellsTheAgent: a lead takes a chat from an
// agent, version-guarded; the agent sees it leave.
func TestTakeoverKeepsPriorityAndTellsTheAgent(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	c := h.escalated("angry customer", 40)
	got := decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	wantError(t, lead.do(protocol.ReqTakeover, protocol.TakeoverReq{ConversationID: c.ID, Version: c.Version}), protocol.CodeConflict)
	ack := decode[protocol.ConversationAck](t, lead.do(protocol.ReqTakeover, protocol.TakeoverReq{ConversationID: c.ID, Version: got.Conversation.Version}))
	if ack.Conversation.Assignee != "lena" || ack.Conversation.Priority != 40 {
		t.Fatalf("takeover: %+v", ack.Conversation)
	}
	alice.waitEvent(func(f protocol.Frame) bool {
		var ev protocol.ConversationEvent
		return f.Kind == protocol.EvConversation && json.Unmarshal(f.Data, &ev) == nil && ev.Cause == protocol.CauseReassigned && ev.From == "alice"
	})
	wantError(t, lead.do(protocol.ReqTakeover, protocol.TakeoverReq{ConversationID: c.ID}), protocol.CodeConflict)
}

// TestPresenceShowsWhoHasAChatOpen: two desks on one chat see each other;
// when one leaves, the other is told.
func TestPresenceShowsWhoHasAChatOpen(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	c := h.escalated("who is here", 5)
	a := decode[protocol.ViewingAck](t, alice.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))
	if strings.Join(a.Presence.Viewers, ",") != "alice" {
		t.Fatalf("alice alone: %+v", a.Presence)
	}
	l := decode[protocol.ViewingAck](t, lead.do(protocol.ReqViewing, protocol.ViewingReq{ConversationID: c.ID}))
	if strings.Join(l.Presence.Viewers, ",") != "alice,lena" {
		t.Fatalf("both: %+v", l.Presence)
	}
	waitPresence(t, alice, c.ID, "alice,lena")
	// A desk that connects now is told at once.
	late := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	waitPresence(t, late, c.ID, "alice,lena")
	alice.ws.Close()
	waitPresence(t, lead, c.ID, "lena")
}

func waitPresence(t *testing.T, d *desk, convID, viewers string) {
	t.Helper()
	for i := 0; ; i++ {
		for _, f := range d.ephemeral {
			var p protocol.Presence
			if f.Type == protocol.TypePresence && json.Unmarshal(f.Data, &p) == nil && p.ConversationID == convID && strings.Join(p.Viewers, ",") == viewers {
				return
			}
		}
		if i > 50 {
			t.Fatalf("no presence %s=%s; got %d ephemeral frames", convID, viewers, len(d.ephemeral))
		}
		readOne(t, d, "presence "+viewers) // typing_test.go
	}
}

// TestTeamBoardAggregatesAndPushes: team_board returns today's figures per
// agent and who waits since when, and the server then pushes team_stats to
// that desk after a drain, without being asked again.
func TestTeamBoardAggregatesAndPushes(t *testing.T) {
	h := newHarness(t, server.Config{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.agent("bob", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	done := h.escalated("resolve me", 1)
	waiting := h.escalated("still waiting", 1)
	dr := h.draft(done.ID, "Here you go.")
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: done.ID}))
	decode[protocol.OutcomeAck](t, alice.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionAccept, IdempotencyKey: "k1"}))
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: done.ID, Disposition: "resolved"}))
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: waiting.ID}))

	st := decode[protocol.TeamStats](t, lead.do(protocol.ReqTeamBoard, protocol.TeamBoardReq{DayStart: 1}))
	var day protocol.AgentDay
	for _, a := range st.Agents {
		if a.AgentID == "alice" {
			day = a
		}
	}
	if day.Resolved != 1 || day.DraftsAccepted != 1 || day.HandleMs < 0 {
		t.Fatalf("alice today: %+v", day)
	}
	if _, ok := st.Waiting[waiting.ID]; !ok {
		t.Fatalf("waiting chat missing: %v", st.Waiting)
	}
	if _, ok := st.Waiting[done.ID]; ok {
		t.Fatal("a resolved chat is listed as waiting")
	}
	if len(st.Minutes) != 60 || st.Minutes[59].QueueDepth < 0 {
		t.Fatalf("minutes: %d, last %+v", len(st.Minutes), st.Minutes[len(st.Minutes)-1])
	}
	decode[protocol.DrainAck](t, lead.do(protocol.ReqDrain, protocol.DrainReq{AgentID: "alice", ToAgents: []string{"bob"}}))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, f := range lead.ephemeral {
			if f.Type == protocol.TypeTeamStats {
				var pushed protocol.TeamStats
				if err := json.Unmarshal(f.Data, &pushed); err != nil {
					t.Fatal(err)
				}
				if pushed.DayStart != 1 {
					t.Fatalf("pushed for day %d, want the desk's", pushed.DayStart)
				}
				return
			}
		}
		f, err := lead.readErr(time.Until(deadline))
		if err != nil {
			break
		}
		lead.ephemeral = append(lead.ephemeral, f)
	}
	t.Fatal("no team_stats pushed after the drain")
}

// TestMetricsEndpoint: /metrics serves the floor in Prometheus format to
// loopback and to lead tokens; other callers are refused.
func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, server.Config{})
	agentTok := h.agent("alice", protocol.RoleAgent)
	leadTok := h.agent("lena", protocol.RoleLead)
	h.escalated("queued one", 5)
	h.escalated("queued two", 5)
	lead := h.dial(leadTok, 0)
	_ = lead

	resp, err := http.Get("http://" + h.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("loopback /metrics: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`agentdesk_queue_depth{channel="web",priority="5",team=""} 2`,
		`agentdesk_connected_desks{role="lead"} 1`,
		`agentdesk_conversations_open{status="queued"} 2`,
		`agentdesk_sla_breaches_total 0`,
		`agentdesk_event_fanout_seconds_count`,
		`agentdesk_copilot_fallbacks_total{kind="draft"} 0`,
		`agentdesk_queue_longest_wait_seconds{team=""}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	remote := func(token string) int {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "192.0.2.7:5555"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(w, r)
		return w.Code
	}
	if c := remote(""); c != http.StatusUnauthorized {
		t.Errorf("remote without token: %d", c)
	}
	if c := remote("adk_nonsense"); c != http.StatusUnauthorized {
		t.Errorf("remote with a bad token: %d", c)
	}
	if c := remote(agentTok); c != http.StatusForbidden {
		t.Errorf("remote agent: %d", c)
	}
	if c := remote(leadTok); c != http.StatusOK {
		t.Errorf("remote lead: %d", c)
	}

	// A reverse proxy on the same host connects from loopback: what it
	// forwards is not local and needs a token like any remote request.
	for _, hdr := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Proto"} {
		for _, c := range []struct {
			token string
			want  int
		}{{"", http.StatusUnauthorized}, {agentTok, http.StatusForbidden}, {leadTok, http.StatusOK}} {
			req, _ := http.NewRequest("GET", "http://"+h.addr+"/metrics", nil)
			req.Header.Set(hdr, "203.0.113.9")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("loopback request with %s, token %t: %d, want %d", hdr, c.token != "", resp.StatusCode, c.want)
			}
		}
	}
}
