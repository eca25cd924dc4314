package deskstate

import (
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

// A draft the copilot is still writing is shown live in the draft panel:
// draft_delta frames append to it until a newer open draft.updated replaces
// it. Deltas are best effort (the server may drop some), which is fine: the
// finished draft always follows.
const (
	// MaxStreams bounds how many conversations keep a streaming draft; the
	// one that has been quiet longest makes room.
	MaxStreams = 16
	// MaxStreamBytes bounds one streaming text; more is not shown until the
	// finished draft arrives.
	MaxStreamBytes = protocol.MaxTextBytes
	// StreamIdle drops a streaming text that got no delta for this long
	// (its generation failed while the desk was disconnected).
	StreamIdle = 30 * time.Second
)

// Stream is the text one generation has streamed so far.
type Stream struct {
	Job  string
	Text string
	Last time.Time // when the last delta arrived
}

// Stream returns the text being streamed for a conversation.
func (s *State) Stream(convID string) (Stream, bool) {
	st, ok := s.streams[convID]
	if !ok {
		return Stream{}, false
	}
	return *st, true
}

// Streaming reports whether a conversation's draft is being written.
func (s *State) Streaming(convID string) bool {
	_, ok := s.streams[convID]
	return ok
}

// NumStreams is how many conversations have a draft being written.
func (s *State) NumStreams() int { return len(s.streams) }

// applyDelta appends a streamed piece to its conversation's draft in the
// making. A new job id starts over; an empty reset ends a failed one.
func (s *State) applyDelta(u client.DraftDelta, now time.Time) {
	st, ok := s.streams[u.ConversationID]
	switch {
	case u.Reset && u.Text == "":
		if !ok || st.Job != u.JobID {
			return
		}
		delete(s.streams, u.ConversationID)
	case !ok || st.Job != u.JobID:
		if !ok && len(s.streams) >= MaxStreams {
			s.evictStream()
		}
		s.streams[u.ConversationID] = &Stream{Job: u.JobID, Text: textcut.Bytes(u.Text, MaxStreamBytes), Last: now}
	default:
		if u.Reset {
			st.Text = ""
		}
		st.Text = textcut.Bytes(st.Text+u.Text, MaxStreamBytes)
		st.Last = now
	}
	s.touch(false)
}

func (s *State) evictStream() {
	oldest := ""
	for id, st := range s.streams {
		if oldest == "" || st.Last.Before(s.streams[oldest].Last) {
			oldest = id
		}
	}
	delete(s.streams, oldest)
}

// ExpireStreams drops streams that went quiet for StreamIdle.
func (s *State) ExpireStreams(now time.Time) {
	for id, st := range s.streams {
		if now.Sub(st.Last) >= StreamIdle {
			delete(s.streams, id)
			s.touch(false)
		}
	}
}
