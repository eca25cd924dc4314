package tui

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
	// maxStreams bounds how many conversations keep a streaming draft; the
	// one that has been quiet longest makes room.
	maxStreams = 16
	// maxStreamBytes bounds one streaming text; more is not shown until the
	// finished draft arrives.
	maxStreamBytes = protocol.MaxTextBytes
	// streamIdle drops a streaming text that got no delta for this long
	// (its generation failed while the desk was disconnected).
	streamIdle = 30 * time.Second
)

// draftStream is the text one generation has streamed so far.
type draftStream struct {
	job  string
	text string
	last time.Time // when the last delta arrived
}

// applyDelta appends a streamed piece to its conversation's draft in the
// making. A new job id starts over; an empty reset ends a failed one.
func (m *Model) applyDelta(u client.DraftDelta) {
	st, ok := m.streams[u.ConversationID]
	switch {
	case u.Reset && u.Text == "":
		if ok && st.job == u.JobID {
			delete(m.streams, u.ConversationID)
		} else {
			return
		}
	case !ok || st.job != u.JobID:
		if !ok && len(m.streams) >= maxStreams {
			m.evictStream()
		}
		m.streams[u.ConversationID] = &draftStream{job: u.JobID, text: textcut.Bytes(u.Text, maxStreamBytes), last: m.now}
	default:
		if u.Reset {
			st.text = ""
		}
		st.text = textcut.Bytes(st.text+u.Text, maxStreamBytes)
		st.last = m.now
	}
	if u.ConversationID == m.open {
		m.copilotCache = copilotCache{}
	}
}

// endStream drops a conversation's streaming text: its draft arrived.
func (m *Model) endStream(convID string) {
	if _, ok := m.streams[convID]; ok {
		delete(m.streams, convID)
		if convID == m.open {
			m.copilotCache = copilotCache{}
		}
	}
}

func (m *Model) evictStream() {
	oldest := ""
	for id, st := range m.streams {
		if oldest == "" || st.last.Before(m.streams[oldest].last) {
			oldest = id
		}
	}
	delete(m.streams, oldest)
}

// expireStreams drops streams that went quiet for streamIdle.
func (m *Model) expireStreams() {
	for id, st := range m.streams {
		if m.now.Sub(st.last) >= streamIdle {
			m.endStream(id)
		}
	}
}
