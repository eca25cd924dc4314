package client

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// Update is a value sent on the Updates channel: StateChanged, Welcomed,
// Event, DraftDelta or OutboxResult.
type Update interface{ isUpdate() }

// ConnState is the connection state the desk shows in its status bar.
type ConnState int

// Connection states.
const (
	StateConnecting ConnState = iota // dialling or waiting for the welcome
	StateOnline                      // welcome received; requests and the outbox flow
	StateOffline                     // connection lost or refused; retrying at RetryAt
	StateAuthFailed                  // token refused (401 / close 4001); no more retries
	StateStopped                     // Run's context ended
	// StateFailed: the connection cannot work whatever the retries (the
	// server sent a frame larger than this desk reads); Err says why.
	StateFailed
)

func (s ConnState) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOnline:
		return "online"
	case StateOffline:
		return "offline"
	case StateAuthFailed:
		return "auth-failed"
	case StateStopped:
		return "stopped"
	case StateFailed:
		return "failed"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// StateChanged reports a connection state change.
type StateChanged struct {
	State   ConnState
	Err     error     // why the connection ended or was refused (offline, auth-failed)
	RetryAt time.Time // next attempt (offline only)
	Attempt int       // consecutive failed attempts so far
}

// Welcomed carries the welcome frame of a new connection. When
// Welcome.Resume is protocol.ResumeSnapshot, Welcome.Snapshot replaces the
// app's state; with protocol.ResumeReplay the missed events follow.
type Welcomed struct {
	Welcome protocol.Welcome
}

// Event is one event frame. Payload is the decoded data: a
// *protocol.ConversationEvent, *protocol.MessageEvent (message.created and
// message.updated; tell them apart by Kind), *protocol.DraftEvent,
// *protocol.OutcomeEvent or *protocol.AgentEvent by Kind; nil for a kind this
// build does not know or data that did not decode (then DecodeErr says why).
// A message event about a conversation this desk may not read carries the
// message withheld (Message.Withheld: metadata, no text) and the whole
// conversation part.
type Event struct {
	Seq       int64
	Kind      string
	At        time.Time
	Data      json.RawMessage
	Payload   any
	DecodeErr error
}

// DraftDelta is a piece of a draft the server's copilot is still generating
// (a draft_delta frame): Text is appended to what JobID streamed so far for
// the conversation; Reset means drop that first (an empty Text with Reset:
// the generation failed). Deltas are ephemeral: they have no seq, never move
// LastSeq, are not replayed after a reconnect and may be dropped by a busy
// server. The finished draft arrives as a draft.updated Event, which
// replaces the streamed text.
type DraftDelta struct {
	ConversationID string
	JobID          string
	Text           string
	Reset          bool
}

// OutboxResult reports that an outboxed request left the outbox: acked
// (Err nil, Ack holds the ack data) or refused for good (Err holds the code).
type OutboxResult struct {
	ID      string
	Type    string
	Ack     json.RawMessage
	Err     *protocol.Error
	Pending int // items still in the outbox
	// Stuck is set when the server answered internal MaxInternalRetries
	// times in a row: the item was taken out so later actions go on.
	Stuck bool
	// Request is a refused item's data, for the desk to show or offer
	// again (a reply's text survives a desk restart in the outbox file,
	// but not the desk's memory of what it sent).
	Request json.RawMessage
}

// MaxInternalRetries bounds how often the outbox resends an item the
// server keeps failing on with internal; rate_limited and unavailable are
// retried for as long as it takes.
const MaxInternalRetries = 8

func (StateChanged) isUpdate() {}
func (Welcomed) isUpdate()     {}
func (Event) isUpdate()        {}
func (OutboxResult) isUpdate() {}
func (DraftDelta) isUpdate()   {}

func decodeEvent(f protocol.Frame) Event {
	ev := Event{Seq: f.Seq, Kind: f.Kind, At: time.UnixMilli(f.At), Data: f.Data}
	var p any
	switch f.Kind {
	case protocol.EvConversation:
		p = new(protocol.ConversationEvent)
	case protocol.EvMessage, protocol.EvMessageUpdated:
		p = new(protocol.MessageEvent)
	case protocol.EvDraft:
		p = new(protocol.DraftEvent)
	case protocol.EvOutcome:
		p = new(protocol.OutcomeEvent)
	case protocol.EvAgent:
		p = new(protocol.AgentEvent)
	default:
		return ev
	}
	// Lenient decode: a newer server may add fields.
	if err := json.Unmarshal(f.Data, p); err != nil {
		ev.DecodeErr = fmt.Errorf("decode %s event %d: %w", f.Kind, f.Seq, err)
		return ev
	}
	ev.Payload = p
	return ev
}

// updateQueue is the unbounded FIFO between the client's goroutines and the
// app: push never blocks, so the reader keeps reading whatever the app does.
type updateQueue struct {
	mu       sync.Mutex
	items    []Update
	head     int
	finished bool          // no more pushes will come
	notify   chan struct{} // signalled on push and finish
}

func newUpdateQueue() *updateQueue {
	return &updateQueue{notify: make(chan struct{}, 1)}
}

func (q *updateQueue) push(u Update) {
	q.mu.Lock()
	if !q.finished {
		q.items = append(q.items, u)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *updateQueue) finish() {
	q.mu.Lock()
	q.finished = true
	q.mu.Unlock()
	q.signal()
}

func (q *updateQueue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop returns the oldest update; ok is false when the queue is empty, and
// then done tells whether it will stay empty.
func (q *updateQueue) pop() (u Update, ok, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return nil, false, q.finished
	}
	u = q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.items) {
		// Reclaim the consumed prefix so a long backlog does not pin memory.
		q.items = append([]Update(nil), q.items[q.head:]...)
		q.head = 0
	}
	return u, true, false
}
