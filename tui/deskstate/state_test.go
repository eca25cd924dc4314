package deskstate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

var now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func convEv(c protocol.Conversation, by string) client.Event {
	return client.Event{Kind: protocol.EvConversation, Payload: &protocol.ConversationEvent{By: by, Conversation: c}}
}

func welcome(me protocol.Agent, convs ...protocol.Conversation) client.Welcomed {
	return client.Welcomed{Welcome: protocol.Welcome{Agent: me, Resume: protocol.ResumeSnapshot,
		Snapshot: &protocol.Snapshot{Conversations: convs, Agents: []protocol.Agent{me}}}}
}

func kinds(ch Changes) []Kind {
	var out []Kind
	for _, c := range ch.List {
		out = append(out, c.Kind)
	}
	return out
}

var alice = protocol.Agent{ID: "alice", Name: "Alice", Role: protocol.RoleAgent, Status: protocol.StatusOnline, Capacity: 3}

// TestNewestVersionWins: one guard for events and acks alike; an older
// version changes nothing and reports nothing.
func TestNewestVersionWins(t *testing.T) {
	c2 := protocol.Conversation{ID: "c", CustomerName: "Zoë", Status: protocol.ConvQueued, Version: 2}
	c1 := c2
	c1.Version, c1.CustomerName = 1, "old"
	c3 := c2
	c3.Version, c3.Status = 3, protocol.ConvAssigned
	for _, tc := range []struct {
		name  string
		first protocol.Conversation
		then  func(s *State, c protocol.Conversation) bool
		next  protocol.Conversation
		want  int64
	}{
		{"event after event", c2, applyEv, c1, 2},
		{"newer event", c2, applyEv, c3, 3},
		{"ack after event", c2, upsert, c1, 2},
		{"newer ack", c2, upsert, c3, 3},
		{"same version replaces", c2, upsert, c2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(0)
			s.Apply([]client.Update{convEv(tc.first, "")}, now)
			rev := s.Rev()
			took := tc.then(s, tc.next)
			got, _ := s.Conversation("c")
			if got.Version != tc.want {
				t.Fatalf("version %d, want %d", got.Version, tc.want)
			}
			if took != (tc.next.Version >= tc.first.Version) || took != (s.Rev() != rev) {
				t.Fatalf("took %v, rev %d → %d", took, rev, s.Rev())
			}
		})
	}
}

func applyEv(s *State, c protocol.Conversation) bool {
	return len(s.Apply([]client.Update{convEv(c, "")}, now).Conversations) == 1
}

func upsert(s *State, c protocol.Conversation) bool { return s.Upsert(c) }

// TestLeanMessageEvent: a message event applies what it changed to a known
// conversation; an unknown one stays unknown; an older change is ignored.
func TestLeanMessageEvent(t *testing.T) {
	s := New(0)
	before := protocol.Conversation{ID: "c2", CustomerName: "Zoë", Priority: 70, VIP: true, Status: protocol.ConvAssigned, Version: 4, LastSeq: 3}
	s.Apply([]client.Update{welcome(alice, before)}, now)
	after := before
	after.Version, after.LastSeq, after.LastCustomer = 5, 4, 4
	msg := func(id string, ch protocol.ConversationChange) client.Event {
		return client.Event{Kind: protocol.EvMessage, Payload: &protocol.MessageEvent{
			Message: protocol.Message{ID: id, ConversationID: ch.ID, Author: protocol.AuthorCustomer}, Conversation: ch}}
	}
	ch := s.Apply([]client.Update{msg("m9", protocol.ChangeOf(after))}, now)
	got, _ := s.Conversation("c2")
	if got.CustomerName != "Zoë" || got.Priority != 70 || !got.VIP || got.Version != 5 || got.LastCustomer != 4 {
		t.Fatalf("after the lean event: %+v", got)
	}
	if len(ch.Conversations) != 1 || len(ch.List) != 1 || ch.List[0].Kind != MessageAdded || ch.List[0].Message.ID != "m9" {
		t.Fatalf("changes %+v", ch)
	}
	if ch := s.Apply([]client.Update{msg("m8", protocol.ChangeOf(before))}, now); len(ch.Conversations) != 0 {
		t.Fatal("an older change was applied")
	}
	s.Apply([]client.Update{msg("m1", protocol.ConversationChange{ID: "gone", Version: 9, Status: protocol.ConvResolved})}, now)
	if _, ok := s.Conversation("gone"); ok {
		t.Fatal("a partial conversation was added")
	}
}

// TestWithheldMessageEvent: a teammate's reply reaches the desk withheld
// (as the server sends it: metadata, no text): the conversation takes what
// it changed — the customer no longer waits, the first reply is in — and
// the change says withheld, so nothing is added to a transcript.
func TestWithheldMessageEvent(t *testing.T) {
	s := New(0)
	mine := protocol.Conversation{ID: "c7", CustomerName: "Amara Okafor", Status: protocol.ConvAssigned, Assignee: "omar",
		Version: 6, LastSeq: 2, LastCustomer: 2, WaitingSince: 1763711990000, SLADueAt: 1763712890000}
	s.Apply([]client.Update{welcome(alice, mine)}, now)
	data := `{"message":{"id":"m_41","conversation_id":"c7","seq":3,"author":"agent","author_id":"omar","text":"","delivery":"pending","created_at":1763712002000,"withheld":true},
		"conversation":{"id":"c7","version":7,"status":"assigned","updated_at":1763712002000,"last_seq":3,"last_customer_seq":2,"first_reply_at":1763712002000}}`
	var me protocol.MessageEvent
	if err := json.Unmarshal([]byte(data), &me); err != nil {
		t.Fatal(err)
	}
	ch := s.Apply([]client.Update{client.Event{Seq: 40, Kind: protocol.EvMessage, Payload: &me}}, now)
	got, _ := s.Conversation("c7")
	if got.WaitingSince != 0 || got.FirstReplyAt != 1763712002000 || got.LastSeq != 3 || got.Version != 7 ||
		got.CustomerName != "Amara Okafor" || got.Assignee != "omar" || got.SLADueAt != mine.SLADueAt {
		t.Fatalf("after omar's withheld reply alice's desk has %+v", got)
	}
	if k := kinds(ch); len(k) != 1 || k[0] != MessageWithheld || ch.List[0].Message.ID != "m_41" || ch.List[0].Conv.ID != "c7" {
		t.Fatalf("changes %v (%+v), want one MessageWithheld", k, ch.List)
	}
	if len(ch.Conversations) != 1 || ch.Conversations[0].WaitingSince != 0 {
		t.Fatalf("queue told %+v", ch.Conversations)
	}
}

// TestWhoseHandChangedIt: the desk hears of chats given to it and taken
// from it by someone else, not of its own claims.
func TestWhoseHandChangedIt(t *testing.T) {
	queued := protocol.Conversation{ID: "c", Status: protocol.ConvQueued, Version: 1}
	mine := protocol.Conversation{ID: "c", Status: protocol.ConvAssigned, Assignee: "alice", Version: 2}
	bobs := protocol.Conversation{ID: "c", Status: protocol.ConvAssigned, Assignee: "bob", Version: 3}
	for _, tc := range []struct {
		name     string
		from, to protocol.Conversation
		by       string
		want     []Kind
	}{
		{"claimed myself", queued, mine, "alice", []Kind{ConversationChanged}},
		{"assigned by a lead", queued, mine, "lee", []Kind{ConversationChanged, AssignedToMe}},
		{"taken by a lead", mine, bobs, "lee", []Kind{ConversationChanged, ChatTaken}},
		{"released myself", mine, bobs, "alice", []Kind{ConversationChanged}},
		{"routed by the server", mine, bobs, "", []Kind{ConversationChanged}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(0)
			s.Apply([]client.Update{welcome(alice, tc.from)}, now)
			got := kinds(s.Apply([]client.Update{convEv(tc.to, tc.by)}, now))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("kinds %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNewestDraftWins: an older draft changing status leaves the newer
// one; a newer open draft ends the stream.
func TestNewestDraftWins(t *testing.T) {
	s := New(0)
	d1 := protocol.Draft{ID: "d1", ConversationID: "c", Status: protocol.DraftOpen, CreatedAt: 1}
	d2 := protocol.Draft{ID: "d2", ConversationID: "c", Status: protocol.DraftOpen, CreatedAt: 2}
	ev := func(d protocol.Draft) client.Update {
		return client.Event{Kind: protocol.EvDraft, Payload: &protocol.DraftEvent{Draft: d}}
	}
	s.Apply([]client.Update{ev(d1), client.DraftDelta{ConversationID: "c", JobID: "g", Text: "hi"}}, now)
	if !s.Streaming("c") {
		t.Fatal("no stream")
	}
	ch := s.Apply([]client.Update{ev(d2)}, now)
	if d, _ := s.Draft("c"); d.ID != "d2" || s.Streaming("c") || len(ch.List) != 1 || ch.List[0].Kind != DraftChanged {
		t.Fatalf("d2 not kept or stream not ended: %+v %v", d, kinds(ch))
	}
	old := d1
	old.Status = protocol.DraftSuperseded
	if ch := s.Apply([]client.Update{ev(old)}, now); len(ch.List) != 0 {
		t.Fatal("an older draft was reported")
	}
	if d, _ := s.Draft("c"); d.ID != "d2" {
		t.Fatalf("the superseded older draft replaced the newer: %s", d.ID)
	}
}

// TestMoodTrajectory: readings are kept when they change, capped.
func TestMoodTrajectory(t *testing.T) {
	s := New(0)
	c := protocol.Conversation{ID: "c"}
	for i, sent := range []string{"neutral", "neutral", "negative", "", "negative", "positive"} {
		c.Sentiment, c.Version = sent, int64(i+1)
		s.Upsert(c)
	}
	if got := fmt.Sprint(s.Moods("c")); got != "[0 -1 1]" {
		t.Fatalf("moods %s", got)
	}
	for i := range 2 * MoodCap {
		c.Sentiment, c.Version = []string{"negative", "positive"}[i%2], int64(100+i)
		s.Upsert(c)
	}
	if n := len(s.Moods("c")); n != MoodCap {
		t.Fatalf("%d readings kept", n)
	}
}

// TestOutbox: a decision is queued, recorded as the server acked it, and
// forgotten when refused; pending follows the outbox.
func TestOutbox(t *testing.T) {
	ack, _ := json.Marshal(protocol.OutcomeAck{Outcome: protocol.Outcome{Action: protocol.ActionEdit}})
	for _, tc := range []struct {
		name   string
		result client.OutboxResult
		want   Outcome
		kept   bool
	}{
		{"acked as the server stored it", client.OutboxResult{ID: "o1", Ack: ack}, Outcome{Action: protocol.ActionEdit}, true},
		{"acked without data", client.OutboxResult{ID: "o1"}, Outcome{Action: protocol.ActionAccept}, true},
		{"refused", client.OutboxResult{ID: "o1", Err: protocol.Errorf(protocol.CodeConflict, "no")}, Outcome{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(2)
			job := Job{Kind: protocol.ReqOutcome, ConvID: "c", DraftID: "d", Action: protocol.ActionAccept}
			s.Decide("d", protocol.ActionAccept)
			if o, _ := s.Outcome("d"); !o.Queued {
				t.Fatal("decision not queued")
			}
			s.Enqueued("o1", job)
			if s.Pending() != 3 || s.Jobs() != 1 {
				t.Fatalf("pending %d jobs %d", s.Pending(), s.Jobs())
			}
			tc.result.Pending = 2
			ch := s.Apply([]client.Update{tc.result}, now)
			o, ok := s.Outcome("d")
			if ok != tc.kept || o != tc.want || s.Pending() != 2 || s.Jobs() != 0 {
				t.Fatalf("outcome %+v %v, pending %d, jobs %d", o, ok, s.Pending(), s.Jobs())
			}
			if c := ch.List[0]; c.Kind != OutboxDone || !c.JobKnown || c.Job != job {
				t.Fatalf("change %+v", c)
			}
		})
	}
	s := New(0)
	s.Decide("d", protocol.ActionReject)
	s.EnqueueFailed(Job{DraftID: "d"})
	if _, ok := s.Outcome("d"); ok {
		t.Fatal("a decision that never reached the outbox is still recorded")
	}
}

// TestStreams: a new job starts over, a reset empties, an empty reset
// ends; at most MaxStreams are kept, each clipped, dropped after
// StreamIdle of silence.
func TestStreams(t *testing.T) {
	s := New(0)
	d := func(job, text string, reset bool) client.Update {
		return client.DraftDelta{ConversationID: "c", JobID: job, Text: text, Reset: reset}
	}
	for _, step := range []struct {
		u    client.Update
		want string // "-" for no stream
	}{
		{d("g1", "Sorry", false), "Sorry"},
		{d("g1", " for the wait", false), "Sorry for the wait"},
		{d("g1", "Offline: ", true), "Offline: "},
		{d("g2", "Hello", false), "Hello"},
		{d("g1", "", true), "Hello"}, // another job's end
		{d("g2", "", true), "-"},
	} {
		s.Apply([]client.Update{step.u}, now)
		st, ok := s.Stream("c")
		if got := map[bool]string{true: st.Text, false: "-"}[ok]; got != step.want {
			t.Fatalf("after %+v: %q, want %q", step.u, got, step.want)
		}
	}
	var ups []client.Update
	for i := range MaxStreams + 5 {
		ups = append(ups, client.DraftDelta{ConversationID: fmt.Sprintf("x%d", i), JobID: "g", Text: "hi"})
	}
	ups = append(ups, client.DraftDelta{ConversationID: "big", JobID: "g", Text: strings.Repeat("长", MaxStreamBytes)})
	s.Apply(ups, now)
	if s.NumStreams() != MaxStreams {
		t.Fatalf("%d streams kept", s.NumStreams())
	}
	if st, _ := s.Stream("big"); len(st.Text) > MaxStreamBytes || !utf8.ValidString(st.Text) {
		t.Fatalf("big stream: %d bytes", len(st.Text))
	}
	s.ExpireStreams(now.Add(StreamIdle))
	if s.NumStreams() != 0 {
		t.Fatalf("%d idle streams kept", s.NumStreams())
	}
}

// TestSnapshotAndAgents: a snapshot replaces conversations and agents and
// says so; an agent's own change reaches Me; presence and stats move the
// floor revision, drafts do not.
func TestSnapshotAndAgents(t *testing.T) {
	s := New(0)
	s.Apply([]client.Update{convEv(protocol.Conversation{ID: "old", Version: 1}, "")}, now)
	ch := s.Apply([]client.Update{convEv(protocol.Conversation{ID: "x", Version: 1}, ""),
		welcome(alice, protocol.Conversation{ID: "c", Status: protocol.ConvQueued, Version: 1})}, now)
	if !ch.Snapshot || len(ch.Conversations) != 0 || s.NumConversations() != 1 || s.Queued() != 1 || s.Me().ID != "alice" {
		t.Fatalf("snapshot: %+v, %d conversations, %d queued", ch, s.NumConversations(), s.Queued())
	}
	away := alice
	away.Status, away.Name = protocol.StatusAway, "Alice L."
	ch = s.Apply([]client.Update{client.Event{Kind: protocol.EvAgent, Payload: &protocol.AgentEvent{Agent: away, By: "lee"}}}, now)
	if s.Me().Status != protocol.StatusAway || !ch.AgentNames || ch.List[0].OldAgent.Status != protocol.StatusOnline || ch.List[0].By != "lee" {
		t.Fatalf("agent change: me %+v, %+v", s.Me(), ch)
	}
	floor := s.FloorRev()
	s.PutDraft(protocol.Draft{ID: "d", ConversationID: "c", Status: protocol.DraftOpen})
	if s.FloorRev() != floor {
		t.Fatal("a draft moved the board's revision")
	}
	s.Apply([]client.Update{client.Presence{Presence: protocol.Presence{ConversationID: "c", Viewers: []string{"lee"}}}}, now)
	if s.FloorRev() == floor || fmt.Sprint(s.Viewers("c")) != "[lee]" {
		t.Fatal("presence not recorded")
	}
	s.Apply([]client.Update{client.TeamStats{TeamStats: protocol.TeamStats{Viewers: []protocol.Presence{{ConversationID: "c"}}}}}, now)
	if _, ok := s.Stats(); !ok || len(s.Viewers("c")) != 0 {
		t.Fatal("stats not recorded with their presence")
	}
}

// TestWelcomeForgetsViewers: who views what is ephemeral; a new connection
// (a restarted server, a resume) is greeted with the viewers it has, so the
// old picture must go, or a desk that died with the old server shows 👁 for
// ever.
func TestWelcomeForgetsViewers(t *testing.T) {
	for _, w := range []client.Welcomed{welcome(alice), {Welcome: protocol.Welcome{Agent: alice, Resume: protocol.ResumeReplay}}} {
		s := New(0)
		s.Apply([]client.Update{welcome(alice)}, now)
		s.SetPresence(protocol.Presence{ConversationID: "c1", Viewers: []string{"bob"}})
		s.Apply([]client.Update{w}, now)
		if v := s.Viewers("c1"); len(v) != 0 {
			t.Fatalf("resume %q: viewers of c1 after a new welcome: %v", w.Welcome.Resume, v)
		}
	}
}
