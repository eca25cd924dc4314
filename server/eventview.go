package server

import (
	"encoding/json"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// What a desk is sent of an event (docs/protocol.md, "Events"): the whole
// event, nothing, or — for a message event about a conversation it may not
// read — the same event with the message withheld (its metadata only) and
// the conversation part whole, so its queue's wait, SLA and last message
// stay right for every chat on the floor.
type sight uint8

const (
	unseen   sight = iota // not sent
	withheld              // sent with protocol.WithheldMessage
	whole                 // sent as logged
)

// sightOf decides what a desk of agentID with role, showing the
// conversation viewing ("" for none), is sent of ev. An agent who has a
// teammate's chat open reads its messages as get_conversation gives them:
// whole, except internal notes (ev.Detail is the author; an event read
// back from this replica's log has none, and is withheld: the desk reloads
// the transcript, which the server redacts).
func sightOf(agentID, role, viewing string, ev *store.Event) sight {
	if visible(agentID, role, ev) {
		return whole
	}
	if ev.Kind != protocol.EvMessage && ev.Kind != protocol.EvMessageUpdated {
		return unseen
	}
	if viewing != "" && viewing == ev.ConversationID && ev.Detail != "" && ev.Detail != protocol.AuthorNote {
		return whole
	}
	return withheld
}

// Withheld reports whether a desk of the given agent and role that has no
// conversation open is sent ev withheld (docs/protocol.md, "Message events
// a desk may not read"), for load generators checking what each desk got.
func Withheld(agentID, role string, ev *store.Event) bool {
	return sightOf(agentID, role, "", ev) == withheld
}

// sight is what this desk is sent of ev now.
func (c *conn) sight(ev *store.Event) sight {
	viewing := ""
	if v := c.onScreen.Load(); v != nil {
		viewing = *v
	}
	return sightOf(c.agent.ID, c.agent.Role, viewing, ev)
}

// frameFor is the frame c is sent of ev, nil for none; meta holds ev's
// withheld frame once made, so a publish makes it once for every desk.
func (c *conn) frameFor(ev *store.Event, meta *[]byte) []byte {
	switch c.sight(ev) {
	case whole:
		return ev.Frame
	case withheld:
		if *meta == nil {
			*meta = withheldFrame(ev)
		}
		return *meta
	}
	return nil
}

// withheldFrame is ev's frame (a message event) with the message reduced
// to protocol.WithheldMessage; the seq, kind, time and conversation part
// are the logged event's.
func withheldFrame(ev *store.Event) []byte {
	var me protocol.MessageEvent
	if !decodeEvent(ev, &me) {
		me = protocol.MessageEvent{Conversation: protocol.ConversationChange{ID: ev.ConversationID}}
	}
	me.Message = protocol.WithheldMessage(me.Message)
	data, err := json.Marshal(me)
	if err != nil { // cannot happen: plain fields
		data = []byte(`{}`)
	}
	return protocol.AppendEvent(make([]byte, 0, len(data)+64), ev.Seq, ev.Kind, ev.At, data)
}
