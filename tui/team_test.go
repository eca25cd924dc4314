package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// The fake backend is also a LeadBackend.

func (f *fakeBackend) SetCapacity(_ context.Context, agentID string, capacity int) (protocol.Agent, error) {
	f.record("set_capacity", fmt.Sprintf("%s=%d", agentID, capacity))
	return protocol.Agent{ID: agentID, Name: agentID, Role: protocol.RoleAgent, Capacity: capacity, Status: protocol.StatusOnline}, f.err
}

func (f *fakeBackend) Drain(_ context.Context, req protocol.DrainReq) (protocol.DrainAck, error) {
	f.record("drain", req)
	ack := protocol.DrainAck{Agent: protocol.Agent{ID: req.AgentID, Name: req.AgentID, Role: protocol.RoleAgent, Status: req.Status}}
	for _, c := range f.convs {
		if c.Assignee == req.AgentID {
			c.Assignee, c.Version = "", c.Version+1
			c.Status = protocol.ConvQueued
			if len(req.ToAgents) > 0 {
				c.Assignee, c.Status = req.ToAgents[0], protocol.ConvAssigned
			}
			ack.Results = append(ack.Results, protocol.ReassignResult{ConversationID: c.ID, OK: true, Conversation: &c})
		}
	}
	return ack, f.err
}

func (f *fakeBackend) Takeover(_ context.Context, req protocol.TakeoverReq) (protocol.Conversation, error) {
	f.record("takeover", req)
	c := f.convs[req.ConversationID]
	c.Assignee, c.Status, c.Version = f.me.ID, protocol.ConvAssigned, c.Version+1
	return c, f.err
}

func (f *fakeBackend) TeamBoard(_ context.Context, dayStart int64) (protocol.TeamStats, error) {
	f.record("team_board", dayStart)
	return teamStats(), f.err
}

func (f *fakeBackend) Viewing(_ context.Context, id string) (protocol.Presence, error) {
	f.record("viewing", id)
	return protocol.Presence{ConversationID: id, Viewers: []string{f.me.ID}}, f.err
}

// teamStats is the fixture of server aggregates: today's figures, an hour
// of queue depth and first responses, a rising intent and a rising Chinese
// phrase with few mentions, CSAT, and who waits since when.
func teamStats() protocol.TeamStats {
	st := protocol.TeamStats{At: now.UnixMilli(), DayStart: ms(-10*time.Hour - 30*time.Minute),
		Agents: []protocol.AgentDay{
			{AgentID: "alice", Resolved: 3, HandleMs: (41 * time.Minute).Milliseconds(), DraftsAccepted: 6, DraftsEdited: 2, DraftsRejected: 1},
			{AgentID: "bob", Resolved: 7, HandleMs: (95 * time.Minute).Milliseconds(), DraftsAccepted: 3, DraftsRejected: 3},
		},
		Waiting: map[string]int64{"c1": ms(-12 * time.Minute), "c2": ms(-2 * time.Minute), "c3": ms(-5 * time.Minute), "c4": ms(-3 * time.Minute)},
		HotHour: []protocol.Topic{{Kind: protocol.TopicIntent, Name: "shipping", Count: 12, Expected: 1.5},
			{Kind: protocol.TopicKeyword, Name: "屏幕碎了", Count: 4, Thin: true}},
		HotDay:      []protocol.Topic{{Kind: protocol.TopicIntent, Name: "shipping", Count: 31, Expected: 9}},
		CSATByAgent: []protocol.CSATRow{{Key: "bob", Avg: 4.6, Count: 12}, {Key: "alice", Avg: 3.8, Count: 5}},
		CSATByTopic: []protocol.CSATRow{{Key: "exchange", Avg: 3.1, Count: 7}},
	}
	start := now.Truncate(time.Minute).Add(-59 * time.Minute)
	for i := range 60 {
		b := protocol.MinuteBin{Start: start.Add(time.Duration(i) * time.Minute).UnixMilli(), QueueDepth: -1}
		if i >= 20 {
			b.QueueDepth = (i - 20) / 5
		}
		if i%7 == 0 {
			b.FirstReplies, b.FirstRespMs = 2, int64(60_000+i*3_000)
		}
		st.Minutes = append(st.Minutes, b)
	}
	return st
}

// newLeadHarness is the desk signed in as a lead ("alice" with the lead role).
func newLeadHarness(t *testing.T, lg lang.Lang, w, h int) *harness {
	t.Helper()
	me, agents, convs, detail, drafts := world()
	me.Role = protocol.RoleLead
	agents[0] = me
	be := &fakeBackend{detail: detail, convs: map[string]protocol.Conversation{}, me: me}
	for _, c := range convs {
		be.convs[c.ID] = c
	}
	m := New(Deps{Backend: be, Styles: themes.New(themes.Dark, false), Lang: lg, Demo: true, TempDir: t.TempDir(),
		Now: func() time.Time { return now }, Location: time.UTC, Editor: "true"})
	hh := &harness{t: t, m: m, be: be}
	hh.send(teaSize(w, h))
	ups := []client.Update{
		client.StateChanged{State: client.StateOnline},
		client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 10, Resume: protocol.ResumeSnapshot,
			Snapshot: &protocol.Snapshot{Conversations: convs, Agents: agents}}},
	}
	for i, d := range drafts {
		ups = append(ups, event(int64(11+i), protocol.EvDraft, &protocol.DraftEvent{Draft: d}))
	}
	hh.send(UpdatesMsg{Updates: ups})
	be.reset()
	return hh
}

func TestGoldenTeam(t *testing.T) {
	views := []goldenView{
		{"team", func(h *harness) {
			h.press("2")
			h.send(UpdatesMsg{Updates: []client.Update{client.Presence{Presence: protocol.Presence{ConversationID: "c1", Viewers: []string{"alice", "bob"}}}}})
		}},
		{"team_drain", func(h *harness) { h.press("2", "j", "d") }},
		{"team_reassign", func(h *harness) { h.press("2", "l", "space", "space", "r") }},
	}
	runGoldens(t, newLeadHarness, views)
}

func TestTeamViewIsForLeads(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48) // alice the agent
	h.press("2")
	// The notice names the view, not a bare "only leads can do that".
	if h.m.TeamView() || h.notice() != "The team board is for leads and admins." {
		t.Fatalf("agent opened the team board (notice %q)", h.notice())
	}
	if len(h.be.find("team_board")) != 0 {
		t.Fatal("agent desk asked for team_board")
	}
}

func TestTeamViewLoadsStatsAndRendersLive(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2")
	if !h.m.TeamView() || len(h.be.find("team_board")) != 1 {
		t.Fatalf("team view %v, team_board calls %d", h.m.TeamView(), len(h.be.find("team_board")))
	}
	if got := h.be.find("team_board")[0].arg.(int64); got != time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Fatalf("day start %d is not the desk's midnight", got)
	}
	out := h.screen()
	for _, want := range []string{"queued 2 · longest 5m · angry/legal waiting 2 · SLA breached 1", "shipping 12 (usual ~1.5)", "exchange 3.1 (7)",
		"“屏幕碎了” 4 (new) few", "张伟 4.6 (12)", "67% (9)"} {
		if !strings.Contains(out, want) {
			t.Errorf("board lacks %q:\n%s", want, out)
		}
	}
	// A pushed team_stats replaces the figures without a request.
	st := teamStats()
	st.HotHour = nil
	h.send(UpdatesMsg{Updates: []client.Update{client.TeamStats{TeamStats: st}}})
	if out := h.screen(); strings.Contains(out, "shipping 12") || !strings.Contains(out, "1h: nothing rising") {
		t.Fatalf("pushed stats not applied:\n%s", out)
	}
	if len(h.be.find("team_board")) != 1 {
		t.Fatal("the board polled")
	}
	// An event changes the board at once: bob goes away.
	bob, _ := h.m.desk.Agent("bob")
	bob.Status, bob.StatusSince = protocol.StatusAway, now.UnixMilli()
	h.send(UpdatesMsg{Updates: []client.Update{event(30, protocol.EvAgent, &protocol.AgentEvent{Cause: "status", Agent: bob})}})
	if out := h.screen(); !strings.Contains(out, "online 1/3") {
		t.Fatalf("agent event not shown:\n%s", out)
	}
}

// TestTeamReassignRiskiestLongestWaitingToLeastLoaded is the walk-through:
// the chat at the top of the board is the angry one waiting longest; the
// first target offered is the least-loaded online teammate; the request
// carries the version the lead saw.
func TestTeamReassignRiskiestLongestWaitingToLeastLoaded(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2", "l")
	c, ok := h.m.Board().SelectedChat()
	if !ok || c.ID != "c1" {
		t.Fatalf("top chat is %q, want c1 (angry, waiting 12m)", c.ID)
	}
	h.press("r")
	if s := h.screen(); !strings.Contains(s, "1 张伟") || strings.Contains(s, "Alice 客服  online") {
		t.Fatalf("least-loaded online teammate not first:\n%s", h.screen())
	}
	h.press("enter")
	calls := h.be.find("reassign")
	if len(calls) != 1 {
		t.Fatalf("reassign calls: %d", len(calls))
	}
	req := calls[0].arg.(protocol.ReassignReq)
	if strings.Join(req.ConversationIDs, ",") != "c1" || req.ToAgent != "bob" || req.Versions["c1"] != 3 {
		t.Fatalf("reassign request: %+v", req)
	}
}

func TestTeamBulkReassignToTeam(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2", "l", "space", "space")
	if !strings.Contains(h.screen(), "2 selected") {
		t.Fatalf("marks not shown:\n%s", h.screen())
	}
	h.press("r")
	// Targets: 3 agents, then the team queues billing and support.
	h.press("4")
	req := h.be.find("reassign")[0].arg.(protocol.ReassignReq)
	if len(req.ConversationIDs) != 2 || req.ToTeam != "billing" || len(req.Versions) != 2 {
		t.Fatalf("bulk reassign: %+v", req)
	}
	if strings.Contains(h.screen(), "selected") {
		t.Fatal("marks kept after the reassign")
	}
}

func TestTeamDrainSpreadsAndSetsOffline(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2") // agents list: alice (me), bob, lee
	if !h.m.Board().SelectAgent("bob") {
		t.Fatal("bob not listed")
	}
	h.press("d")
	out := h.screen()
	// Nobody but the lead herself is online besides bob: no spreading.
	if strings.Contains(out, "spread over online teammates") || !strings.Contains(out, "1 back to the queue") {
		t.Fatalf("drain dialog:\n%s", out)
	}
	h.press("1")     // back to the queue
	h.press("enter") // then offline
	calls := h.be.find("drain")
	if len(calls) != 1 {
		t.Fatalf("drain calls %d", len(calls))
	}
	req := calls[0].arg.(protocol.DrainReq)
	if req.AgentID != "bob" || req.Status != protocol.StatusOffline || len(req.ToAgents) != 0 || req.ToTeam != "" {
		t.Fatalf("drain request: %+v", req)
	}
	if !strings.Contains(h.notice(), "Drained 张伟: 1 moved.") {
		t.Fatalf("notice %q", h.notice())
	}
	if c := conv(h, "c4"); c.Assignee != "" || c.Status != protocol.ConvQueued || c.Priority != 40 {
		t.Fatalf("drained chat on the desk: %+v", c)
	}
	// Lee comes online: now a drain of alice's chats can be spread.
	lee, _ := h.m.desk.Agent("lee")
	lee.Status = protocol.StatusOnline
	h.send(UpdatesMsg{Updates: []client.Update{event(40, protocol.EvAgent, &protocol.AgentEvent{Cause: "status", Agent: lee})}})
	h.m.Board().SelectAgent("bob")
	h.press("d")
	if !strings.Contains(h.screen(), "1 spread over online teammates  Lee") {
		t.Fatalf("spread not offered:\n%s", h.screen())
	}
	h.press("1", "3") // spread, keep status
	calls = h.be.find("drain")
	if len(calls) != 2 {
		t.Fatalf("drain calls %d", len(calls))
	}
	if req := calls[1].arg.(protocol.DrainReq); strings.Join(req.ToAgents, ",") != "lee" || req.Status != "" {
		t.Fatalf("spread drain: %+v", req)
	}
}

func TestTeamCapacityStatusTakeoverNote(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2")
	h.m.Board().SelectAgent("bob")
	h.press("c", "7")
	if c := h.be.find("set_capacity"); len(c) != 1 || c[0].arg != "bob=7" {
		t.Fatalf("set_capacity: %+v", c)
	}
	h.press("s", "2")
	if c := h.be.find("set_status"); len(c) != 1 || c[0].arg != protocol.StatusAway {
		t.Fatalf("set_status: %+v", c)
	}
	h.press("l") // chats: c1 first
	h.press("T")
	if c := h.be.find("takeover"); len(c) != 1 || c[0].arg.(protocol.TakeoverReq).ConversationID != "c1" || c[0].arg.(protocol.TakeoverReq).Version != 3 {
		t.Fatalf("takeover: %+v", c)
	}
	h.press("n")
	h.typeText("请先安抚客户")
	h.press("enter")
	notes := h.enqueued(protocol.ReqNote)
	if len(notes) != 1 || notes[0].(protocol.TextReq).Text != "请先安抚客户" {
		t.Fatalf("note: %+v", notes)
	}
}

// TestCollisionIndicator: when someone else has the open chat on screen,
// the desk says so in the conversation header and the board shows it.
func TestCollisionIndicator(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("enter") // open c2 (top of the queue)
	open := h.m.Open()
	if c := h.be.find("viewing"); len(c) == 0 || c[len(c)-1].arg != open {
		t.Fatalf("viewing not sent for %s: %+v", open, c)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.Presence{Presence: protocol.Presence{ConversationID: open, Viewers: []string{"alice", "bob"}}}}})
	if out := h.screen(); !strings.Contains(out, "also open: 张伟") {
		t.Fatalf("no collision indicator:\n%s", out)
	}
	h.press("2")
	if c := h.be.find("viewing"); c[len(c)-1].arg != "" {
		t.Fatalf("leaving for the board did not clear viewing: %+v", c)
	}
	if out := h.screen(); !strings.Contains(out, "👁 Alice 客服, 张伟") {
		t.Fatalf("board lacks viewers:\n%s", out)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.Presence{Presence: protocol.Presence{ConversationID: open, Viewers: []string{}}}}})
	if strings.Contains(h.screen(), "👁") {
		t.Fatal("viewers kept after they left")
	}
}

// TestTeamBoardPaletteAndKeys: the board is reachable from the command
// palette, and 1 returns to the desk.
func TestTeamBoardPaletteAndKeys(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 80, 24)
	h.press("ctrl+p")
	h.typeText("team board")
	h.press("enter")
	if !h.m.TeamView() {
		t.Fatal("palette did not open the team board")
	}
	h.press("1")
	if h.m.TeamView() {
		t.Fatal("1 did not return to the desk")
	}
}

// TestCapacityDigitPicksThatCapacity: in the capacity list a digit is the
// capacity itself — 0 ("takes nothing") included, 7 is 7.
func TestCapacityDigitPicksThatCapacity(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2")
	h.m.Board().SelectAgent("bob")
	h.press("c")
	if !strings.Contains(h.screen(), "takes nothing") {
		t.Fatalf("capacity 0 is not explained:\n%s", h.screen())
	}
	h.press("0")
	if c := h.be.find("set_capacity"); len(c) != 1 || c[0].arg != "bob=0" {
		t.Fatalf("0 did not set capacity 0: %+v", c)
	}
	h.be.reset()
	h.press("c", "7")
	if c := h.be.find("set_capacity"); len(c) != 1 || c[0].arg != "bob=7" {
		t.Fatalf("7 did not set capacity 7: %+v", c)
	}
}

// TestNoteDialogShowsWhatIsTyped: a note longer than the box scrolls, and
// the end of it — where the cursor is — stays in view.
func TestNoteDialogShowsWhatIsTyped(t *testing.T) {
	for _, w := range []int{160, 80} {
		h := newLeadHarness(t, lang.EN, w, 24)
		h.press("2", "l", "n")
		h.typeText("Please call this customer back today, they were promised a refund last week. END")
		if scr := h.screen(); !strings.Contains(scr, "week. END") {
			t.Fatalf("%d columns: the end of the note is cut off:\n%s", w, scr)
		}
	}
}

// The chat under the lead's cursor stays the same chat when the list
// re-sorts around it, the cursor row carries a glyph as well as colour,
// and a note goes to the chat the lead chose.
func TestTeamCursorStaysOnItsChatWhenTheListResorts(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.press("2", "l", "j")
	picked, ok := h.m.Board().SelectedChat()
	if !ok {
		t.Fatal("no chat selected")
	}
	var row string
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, "▸") {
			row = l
		}
	}
	if !strings.Contains(row, sanitizeName(picked.CustomerName)) {
		t.Errorf("no ▸ on the cursor row of %s:\n%s", picked.CustomerName, h.screen())
	}
	// Another chat turns legal-threat and jumps to the top.
	for c := range h.m.desk.Conversations() {
		if c.ID == picked.ID || c.Status == protocol.ConvResolved {
			continue
		}
		c.Flags, c.Priority, c.Version = []protocol.Flag{protocol.FlagLegalThreat}, 99, c.Version+1
		h.send(UpdatesMsg{Updates: []client.Update{event(50, protocol.EvConversation, &protocol.ConversationEvent{Cause: "flagged", Conversation: c})}})
		break
	}
	h.press("n")
	h.typeText("please call back")
	h.press("enter")
	notes := h.enqueued(protocol.ReqNote)
	if len(notes) != 1 || notes[0].(protocol.TextReq).ConversationID != picked.ID {
		t.Fatalf("note went to %+v, want %s", notes, picked.ID)
	}
}

func sanitizeName(s string) string { return ansi.Strip(sanitize.Line(s)) }

// TestConversationTakeoverIsATakeover: T in an open conversation sends the
// same takeover request as T on the team board (audited as a takeover),
// not a reassign to oneself.
func TestConversationTakeoverIsATakeover(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	h.m.queue.SelectID("c1")
	h.press("enter")
	c1, _ := h.m.desk.Conversation("c1")
	seen := c1.Version
	h.press("T")
	c := h.be.find("takeover")
	if len(c) != 1 || c[0].arg.(protocol.TakeoverReq).ConversationID != "c1" || c[0].arg.(protocol.TakeoverReq).Version != seen {
		t.Fatalf("takeover from the conversation: %+v", c)
	}
	if r := h.be.find("reassign"); len(r) != 0 {
		t.Fatalf("takeover went as reassign: %+v", r)
	}
}

// TestTeamBoardNamesIntentsInTheUILanguage: the zh board showed the
// copilot's intent codes ("shipping", "exchange") in hot topics and CSAT by
// topic; it names them in Chinese, and a team's own code in words.
func TestTeamBoardNamesIntentsInTheUILanguage(t *testing.T) {
	h := newLeadHarness(t, lang.ZhCN, 160, 48)
	h.press("2")
	out := h.screen()
	for _, want := range []string{"配送 12", "换货 3.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("board lacks %q:\n%s", want, out)
		}
	}
	for _, code := range []string{"shipping", "exchange"} {
		if strings.Contains(out, code) {
			t.Errorf("board shows the code %q:\n%s", code, out)
		}
	}
	if got := i18n.For(lang.ZhCN).IntentName("gift_cards"); got != "gift cards" {
		t.Errorf("unknown intent reads %q", got)
	}
}
