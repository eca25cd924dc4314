package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The customer's typing, from the chat window to the desks that have the
// conversation open (customer_typing, docs/protocol.md). Nothing is
// stored: a window says so at most every protocol.CustomerTypingEvery, and
// only desks viewing the conversation (presence) that may read its
// messages are told — a hint for the person answering, not a fan-out to
// the floor.

// typing is a chat window's typing frame: the customer is writing in one
// of the window's conversations (its newest when none is named). Frames
// closer together than WidgetConfig.TypingEvery are dropped.
func (c *widgetConn) typing(ctx context.Context, in widgetIn) error {
	now := time.Now()
	c.mu.Lock()
	convID := in.ConversationID
	if convID == "" {
		convID = c.current
	}
	early := now.Sub(c.typedAt) < c.w.cfg.TypingEvery
	if !early {
		c.typedAt = now
	}
	c.mu.Unlock()
	if early || convID == "" {
		return nil
	}
	c.w.mu.RLock()
	_, mine := c.w.byConv[convID][c]
	c.w.mu.RUnlock()
	if !mine {
		return protocol.Errorf(protocol.CodeNotFound, "no conversation %s in this chat", textcut.BytesWithEllipsis(convID, 40))
	}
	c.w.srv.customerTyping(ctx, convID)
	return nil
}

// customerTyping tells the desks viewing convID, here and on the other
// replicas, that its customer is typing.
func (s *Server) customerTyping(ctx context.Context, convID string) {
	s.presence.mu.Lock()
	here := len(s.presence.by[convID]) > 0
	seen := map[string]bool{}
	s.presence.remoteViewersLocked(convID, seen)
	s.presence.mu.Unlock()
	if !here && len(seen) == 0 {
		return // nobody has it open
	}
	conv, err := s.store.Conversation(ctx, convID)
	if err != nil || conv.Status == protocol.ConvResolved {
		return // a resolved chat's next message opens a new one
	}
	data, err := json.Marshal(protocol.CustomerTyping{ConversationID: convID})
	if err != nil {
		return
	}
	frame, err := json.Marshal(protocol.Frame{Type: protocol.TypeCustomerTyping, Data: data})
	if err != nil {
		return
	}
	if here {
		s.offerTyping(convID, conv.Assignee, frame)
	}
	if len(seen) > 0 && s.store.Postgres() {
		b, err := json.Marshal(relayMsg{Kind: relayTyping, ConversationID: convID, Assignee: conv.Assignee, Frame: frame})
		if err == nil && len(b) <= store.MaxBroadcast {
			select {
			case s.relayq <- b: // in order with viewer changes; a full queue drops a hint
			default:
			}
		}
	}
}

// offerTyping offers a customer_typing frame to this replica's desks
// viewing convID that may read its messages.
func (s *Server) offerTyping(convID, assignee string, frame []byte) {
	ev := store.Event{Kind: protocol.EvMessage, ConversationID: convID, Assignee: assignee}
	s.presence.mu.Lock()
	var to []*conn
	for c := range s.presence.by[convID] {
		if visible(c.agent.ID, c.agent.Role, &ev) {
			to = append(to, c)
		}
	}
	s.presence.mu.Unlock()
	wire := wireText(frame)
	for _, c := range to {
		c.deliverEphemeral(wire)
	}
}
