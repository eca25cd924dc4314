package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// transcriptPage turns a request's before/limit into the store's page:
// never more than MaxTranscriptPage messages, and texts of at most half a
// reply (the rest of the ack — conversation, drafts, customer, history —
// has its own bounds).
func transcriptPage(before, limit int) store.TranscriptPage {
	if limit <= 0 {
		limit = protocol.TranscriptPage
	}
	return store.TranscriptPage{Before: before, Limit: min(limit, protocol.MaxTranscriptPage), MaxBytes: protocol.MaxReplyBytes / 2}
}

// getConversation answers get_conversation with one page of the
// transcript, one heavy read at a time per agent beyond maxHeavyReads.
func (s *Server) getConversation(ctx context.Context, actor store.Actor, r protocol.GetConversationReq) (json.RawMessage, error) {
	release, err := s.heavy.acquire(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	d, err := s.store.ConversationPage(ctx, r.ConversationID, transcriptPage(r.BeforeSeq, r.Limit))
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, actor, &d, r.BeforeSeq == 0); err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode conversation %s: %w", r.ConversationID, err)
	}
	return b, nil
}

// maxHeavyReads is how many transcript, review or export reads one agent
// may have running at once, across all their connections: eight desks of
// one token reading 64 MB transcripts at once once took the server from
// 46 MB to 2.9 GB.
const maxHeavyReads = 2

// heavyReads counts heavy reads per agent.
type heavyReads struct {
	mu      sync.Mutex
	running map[string]int
	freed   chan struct{} // closed and replaced whenever a read ends
}

func newHeavyReads() *heavyReads {
	return &heavyReads{running: map[string]int{}, freed: make(chan struct{})}
}

// acquire waits until the agent has fewer than maxHeavyReads running (or
// ctx ends) and returns the release function.
func (h *heavyReads) acquire(ctx context.Context, agent string) (func(), error) {
	for {
		h.mu.Lock()
		if h.running[agent] < maxHeavyReads {
			h.running[agent]++
			h.mu.Unlock()
			return func() {
				h.mu.Lock()
				if h.running[agent]--; h.running[agent] <= 0 {
					delete(h.running, agent)
				}
				close(h.freed)
				h.freed = make(chan struct{})
				h.mu.Unlock()
			}, nil
		}
		freed := h.freed
		h.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, protocol.Errorf(protocol.CodeRateLimited, "too many reads at once for %s", agent)
		}
	}
}

// pageParams reads ?before=<seq>&limit=<n> of a transcript request.
func pageParams(r *http.Request) (before, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("before"); v != "" {
		if before, err = strconv.Atoi(v); err != nil || before < 0 {
			return 0, 0, invalid("before", "query parameter \"before\" must be a message seq")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > protocol.MaxTranscriptPage {
			return 0, 0, invalid("limit", "query parameter \"limit\" must be from 1 to %d", protocol.MaxTranscriptPage)
		}
	}
	return before, limit, nil
}

// auditRead applies the event visibility rule to a transcript an agent
// reads: a conversation that is neither queued nor theirs comes without
// internal notes and without the customer's channel identities (phone,
// e-mail, openid), and every read of a conversation that is not the
// reader's own is written to the audit log. Any agent could once read any
// transcript, notes and identities included, unseen.
func (s *Server) auditRead(ctx context.Context, actor store.Actor, d *protocol.ConversationDetail, newest bool) error {
	c := d.Conversation
	if c.Assignee == actor.ID {
		return nil
	}
	redacted := actor.Role == protocol.RoleAgent && c.Status != protocol.ConvQueued
	if redacted {
		kept := d.Messages[:0]
		for _, m := range d.Messages {
			if m.Author != protocol.AuthorNote {
				kept = append(kept, m)
			}
		}
		d.Messages = kept
		if d.Customer != nil {
			d.Customer.Identities = []protocol.ChannelIdentity{}
		}
	}
	if !newest {
		return nil // an older page: the newest one was audited
	}
	return s.store.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(actor.ID, "read", c.ID, map[string]any{"assignee": c.Assignee, "status": c.Status, "redacted": redacted})
	})
}
