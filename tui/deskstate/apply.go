package deskstate

import (
	"encoding/json"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

// Kind names one change [State.Apply] reports.
type Kind int

// Kinds of change.
const (
	// Connected: the connection state changed (State).
	Connected Kind = iota
	// Welcomed: a new connection's welcome was applied (Welcome); Snapshot
	// in [Changes] says whether it replaced conversations and agents.
	Welcomed
	// ConversationChanged: a conversation was recorded (Conv, Old, By).
	ConversationChanged
	// AssignedToMe: someone else's hand gave the signed-in agent a
	// conversation (Conv).
	AssignedToMe
	// ChatTaken: someone else took a conversation of the signed-in agent's
	// (Old, Conv, By).
	ChatTaken
	// MessageAdded: a new message (Message; Conv when the desk knows it).
	MessageAdded
	// DeliveryChanged: a reply's delivery status changed (Message, Conv).
	DeliveryChanged
	// DraftChanged: a conversation's newest draft changed (Draft).
	DraftChanged
	// AgentChanged: a teammate changed (Agent, OldAgent, By).
	AgentChanged
	// OutboxDone: a request left the outbox (Job, JobKnown, Result).
	OutboxDone
	// CustomerTyping: a customer is writing (Typing).
	CustomerTyping
	// MessageWithheld: a new message this desk may not read (a teammate's
	// chat): Message holds its metadata only, nothing for a transcript;
	// what it changed on the conversation is applied (Conv when known). A
	// desk showing that chat reloads its transcript.
	MessageWithheld
)

// Change is one thing that happened, for the root to react to (notices,
// the transcript, notifications). Which fields are set depends on Kind.
type Change struct {
	Kind            Kind
	Conv, Old       protocol.Conversation
	Agent, OldAgent protocol.Agent
	By              string // who did it (events that say)
	Message         protocol.Message
	Draft           protocol.Draft
	Job             Job
	JobKnown        bool
	Result          client.OutboxResult
	Welcome         protocol.Welcome
	Typing          client.CustomerTyping
	State           client.StateChanged
}

// Changes is what one [State.Apply] changed.
type Changes struct {
	// List holds every change, in the order of the updates.
	List []Change
	// Snapshot: a welcome replaced the conversations and agents; the queue
	// takes them all again. Conversations then holds only those changed
	// after it.
	Snapshot bool
	// Conversations were recorded (in order; one may appear more than once).
	Conversations []protocol.Conversation
	// AgentNames: a display name changed (or agents were replaced).
	AgentNames bool
}

func (ch *Changes) add(c Change) { ch.List = append(ch.List, c) }

// Apply applies a batch of client updates at now (the desk's clock, for
// streams) and reports what changed.
func (s *State) Apply(us []client.Update, now time.Time) Changes {
	var ch Changes
	for _, u := range us {
		switch u := u.(type) {
		case client.StateChanged:
			ch.add(Change{Kind: Connected, State: u})
		case client.Welcomed:
			if s.welcome(u.Welcome) {
				ch.Snapshot, ch.AgentNames = true, true
				ch.Conversations = ch.Conversations[:0] // the snapshot already holds them
			}
			ch.add(Change{Kind: Welcomed, Welcome: u.Welcome})
		case client.Event:
			s.applyEvent(u, &ch)
		case client.OutboxResult:
			s.applyOutboxResult(u, &ch)
		case client.DraftDelta:
			s.applyDelta(u, now)
		case client.CustomerTyping:
			ch.add(Change{Kind: CustomerTyping, Typing: u})
		case client.Presence:
			s.SetPresence(u.Presence)
		case client.TeamStats:
			s.SetStats(u.TeamStats)
		}
	}
	return ch
}

func (s *State) applyEvent(ev client.Event, ch *Changes) {
	switch p := ev.Payload.(type) {
	case *protocol.ConversationEvent:
		c := p.Conversation
		old, had, ok := s.newer(c)
		if !ok {
			return
		}
		s.put(c)
		ch.Conversations = append(ch.Conversations, c)
		ch.add(Change{Kind: ConversationChanged, Conv: c, Old: old, By: p.By})
		me := s.me.ID
		if had && me != "" && old.Assignee == me && c.Assignee != me && p.By != me && p.By != "" {
			ch.add(Change{Kind: ChatTaken, Conv: c, Old: old, By: p.By})
		}
		if me != "" && c.Assignee == me && old.Assignee != me && p.By != me {
			ch.add(Change{Kind: AssignedToMe, Conv: c, By: p.By})
		}
	case *protocol.MessageEvent:
		// The event carries what the message changed on the conversation;
		// the desk keeps the rest. A conversation it does not know (resolved,
		// outside its snapshot) stays unknown until an event brings all of it.
		c, known := s.convs[p.Conversation.ID]
		if known && p.Conversation.Apply(&c) {
			s.put(c)
			ch.Conversations = append(ch.Conversations, c)
		}
		kind := MessageAdded
		switch {
		case ev.Kind == protocol.EvMessageUpdated:
			kind = DeliveryChanged
		case p.Message.Withheld:
			kind = MessageWithheld
		}
		s.touch(false)
		ch.add(Change{Kind: kind, Message: p.Message, Conv: c})
	case *protocol.DraftEvent:
		if s.PutDraft(p.Draft) {
			ch.add(Change{Kind: DraftChanged, Draft: p.Draft})
		}
	case *protocol.OutcomeEvent:
		s.outcomes[p.Outcome.DraftID] = Outcome{Action: p.Outcome.Action}
		s.touch(false)
	case *protocol.AgentEvent:
		a := p.Agent
		old := s.agents[a.ID]
		s.PutAgent(a)
		if old.Name != a.Name {
			ch.AgentNames = true
		}
		ch.add(Change{Kind: AgentChanged, Agent: a, OldAgent: old, By: p.By})
	}
}

// applyOutboxResult ends an outbox job: a refused outcome is forgotten
// (the draft can be decided again), an acknowledged one is recorded as the
// server stored it.
func (s *State) applyOutboxResult(r client.OutboxResult, ch *Changes) {
	s.pending = r.Pending
	job, known := s.jobs[r.ID]
	delete(s.jobs, r.ID)
	if !known && r.Err != nil {
		job = jobOf(r)
	}
	switch {
	case r.Err != nil && job.DraftID != "":
		delete(s.outcomes, job.DraftID)
	case r.Err == nil && job.Kind == protocol.ReqOutcome && job.DraftID != "":
		var ack protocol.OutcomeAck
		if json.Unmarshal(r.Ack, &ack) == nil && ack.Outcome.Action != "" {
			s.outcomes[job.DraftID] = Outcome{Action: ack.Outcome.Action}
		} else {
			s.outcomes[job.DraftID] = Outcome{Action: job.Action}
		}
	}
	s.touch(false)
	ch.add(Change{Kind: OutboxDone, Job: job, JobKnown: known, Result: r})
}

// jobOf rebuilds what the desk knows of a refused request it did not send
// in this run (the outbox file outlived a restart): a reply's or a note's
// text comes back from the request itself, so the agent does not lose it.
func jobOf(r client.OutboxResult) Job { return textJob(r.Type, r.Request) }

// textJob is the job of a request from its type and data: a reply's or a
// note's conversation, text and writing time come from the request.
func textJob(typ string, data json.RawMessage) Job {
	job := Job{Kind: typ}
	if typ != protocol.ReqSend && typ != protocol.ReqNote {
		return job
	}
	var req protocol.TextReq
	if json.Unmarshal(data, &req) == nil {
		job.ConvID, job.Text, job.At = req.ConversationID, req.Text, req.WrittenAt
	}
	return job
}
