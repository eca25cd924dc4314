package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// streamingCopilot is a server.Copilot whose drafts arrive in pieces, gap
// apart, after gate (if set) is closed.
type streamingCopilot struct {
	pieces []string
	gap    time.Duration
	gate   chan struct{}
	final  string // the finished draft's text; the pieces joined when empty
	fail   error  // returned after the pieces instead of a draft
}

func (f *streamingCopilot) Insight(ctx context.Context, c copilot.Conversation) (copilot.Insight, error) {
	return copilot.Insight{Summary: []string{"asks about a refund"}, Language: "en"}, nil
}

func (f *streamingCopilot) Draft(ctx context.Context, c copilot.Conversation, instr string, onDelta func(copilot.Delta)) (copilot.Draft, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return copilot.Draft{}, ctx.Err()
		}
	}
	for _, p := range f.pieces {
		if f.gap > 0 {
			time.Sleep(f.gap)
		}
		onDelta(copilot.Delta{Text: p})
	}
	if f.fail != nil {
		return copilot.Draft{}, f.fail
	}
	text := f.final
	if text == "" {
		text = strings.Join(f.pieces, "")
	}
	return copilot.Draft{Text: text, Language: "en",
		Provenance: copilot.Provenance{Provider: "fake", Model: "stream-1", PromptVersion: "t1", Seq: c.LastSeq()}}, nil
}

func (f *streamingCopilot) AddExemplar(copilot.Exemplar) error { return nil }

// streamUntilDraft reads a desk's frames until the open draft.updated of
// convID, returning the draft_delta data that came before it, in order.
func (d *desk) streamUntilDraft(convID string) ([]protocol.DraftDelta, protocol.Draft) {
	d.t.Helper()
	var got []protocol.DraftDelta
	for {
		f := d.read()
		switch f.Type {
		case protocol.TypeDraftDelta:
			if f.Seq != 0 || f.Kind != "" {
				d.t.Fatalf("a draft_delta carries seq %d kind %q", f.Seq, f.Kind)
			}
			var dd protocol.DraftDelta
			if err := json.Unmarshal(f.Data, &dd); err != nil {
				d.t.Fatal(err)
			}
			if dd.ConversationID == convID {
				got = append(got, dd)
			}
		case protocol.TypeEvent:
			if dr, open := draftEvent(f); open && dr.ConversationID == convID {
				return got, dr
			}
		}
	}
}

// TestDraftDeltasStreamToDesksWhoMaySeeTheDraft: pieces of a draft reach
// the desks that may see the conversation's drafts as draft_delta frames,
// in order, before the draft.updated that replaces them; an agent the
// conversation was claimed away from (during the generation) gets none.
func TestDraftDeltasStreamToDesksWhoMaySeeTheDraft(t *testing.T) {
	pieces := []string{"Hello", " Wang,", " your refund", " was issued", " today."}
	fake := &streamingCopilot{pieces: pieces, gap: 45 * time.Millisecond, gate: make(chan struct{})}
	h := newHarness(t, server.Config{Copilot: fake})
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)

	c := h.escalated("Where is my refund?", 50)
	// Claimed while the copilot is already at work: visibility follows.
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	close(fake.gate)

	want := strings.Join(pieces, "")
	for name, d := range map[string]*desk{"lead": lead, "bob": bob} {
		deltas, dr := d.streamUntilDraft(c.ID)
		var text strings.Builder
		for _, dd := range deltas {
			if dd.JobID == "" || dd.JobID != deltas[0].JobID || dd.Reset {
				t.Fatalf("%s: deltas of one generation: %+v", name, deltas)
			}
			text.WriteString(dd.Text)
		}
		// 45 ms apart is slower than the coalescing interval: one frame each.
		if len(deltas) != len(pieces) || text.String() != want || dr.Text != want {
			t.Fatalf("%s: %d deltas %q, draft %q; want %d pieces of %q", name, len(deltas), text.String(), dr.Text, len(pieces), want)
		}
	}
	// Anything sent to alice would be queued before this answer.
	alice.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: c.ID})
	if len(alice.deltas) != 0 {
		t.Fatalf("alice may not see bob's drafts but got %d deltas, the first %s", len(alice.deltas), alice.deltas[0].Data)
	}
}

// TestDraftDeltasCoalesce: a model that emits faster than the coalescing
// interval sends its first piece at once and the rest in a few frames, and
// a queued conversation streams to every agent.
func TestDraftDeltasCoalesce(t *testing.T) {
	var pieces []string
	for i := range 200 {
		pieces = append(pieces, string(rune('a'+i%26)))
	}
	fake := &streamingCopilot{pieces: pieces, gap: time.Millisecond}
	h := newHarness(t, server.Config{Copilot: fake})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("Where is my refund?", 50)
	deltas, dr := alice.streamUntilDraft(c.ID)
	var text strings.Builder
	for _, dd := range deltas {
		text.WriteString(dd.Text)
	}
	if text.String() != strings.Join(pieces, "") || dr.Text != text.String() {
		t.Fatalf("streamed %q, draft %q", text.String(), dr.Text)
	}
	if len(deltas) < 2 || deltas[0].Text != "a" {
		t.Fatalf("the first piece should go out alone and at once: %+v", deltas)
	}
	// ≥200 ms of generation at one frame per 30 ms: well under 200 frames.
	if len(deltas) > 40 {
		t.Fatalf("%d frames for %d pieces: not coalesced", len(deltas), len(pieces))
	}
}

// TestDraftDeltasNeverCloseASlowDesk: with a tiny send buffer, a desk that
// does not read while a long draft streams is not closed as a slow consumer;
// it still gets the draft.updated and events after it.
func TestDraftDeltasNeverCloseASlowDesk(t *testing.T) {
	piece := strings.Repeat("x", 120<<10) // 7 MB in all: more than the sockets hold
	var pieces []string
	for range 60 {
		pieces = append(pieces, piece)
	}
	fake := &streamingCopilot{pieces: pieces, gap: 32 * time.Millisecond, final: "Your refund was issued today."}
	h := newHarness(t, server.Config{Copilot: fake, SendBuffer: 4})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("Where is my refund?", 50)
	time.Sleep(time.Duration(len(pieces)) * fake.gap) // not reading while it streams
	deltas, dr := alice.streamUntilDraft(c.ID)
	if dr.Text != fake.final {
		t.Fatalf("draft %.80q", dr.Text)
	}
	t.Logf("%d of %d deltas reached the desk", len(deltas), len(pieces))
	// Still connected: a request is answered.
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
}

// TestFailedGenerationEndsWithEmptyReset: when the copilot fails after
// streaming, desks are told to drop what they were shown.
func TestFailedGenerationEndsWithEmptyReset(t *testing.T) {
	fake := &streamingCopilot{pieces: []string{"Hello", " there"}, gap: 40 * time.Millisecond, fail: errors.New("model went away")}
	h := newHarness(t, server.Config{Copilot: fake})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	h.escalated("Where is my refund?", 50)
	var got []protocol.DraftDelta
	for len(got) < 3 {
		f := alice.read()
		if dr, open := draftEvent(f); open {
			t.Fatalf("a failed generation stored a draft: %+v", dr)
		}
		if f.Type == protocol.TypeDraftDelta {
			var dd protocol.DraftDelta
			json.Unmarshal(f.Data, &dd)
			got = append(got, dd)
		}
	}
	if got[0].Text != "Hello" || got[1].Text != " there" || !got[2].Reset || got[2].Text != "" || got[2].JobID != got[0].JobID {
		t.Fatalf("deltas: %+v", got)
	}
}
