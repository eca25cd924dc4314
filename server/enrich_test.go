package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

func newCopilotHarness(t *testing.T) *harness {
	t.Helper()
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, server.Config{Copilot: eng})
}

func draftEvent(f protocol.Frame) (protocol.Draft, bool) {
	if f.Kind != protocol.EvDraft {
		return protocol.Draft{}, false
	}
	var de protocol.DraftEvent
	json.Unmarshal(f.Data, &de)
	return de.Draft, de.Draft.Status == "open"
}

// openDraftOf waits on d for the open draft of conversation convID.
func (d *desk) openDraftOf(convID string) protocol.Draft {
	var got protocol.Draft
	d.waitEvent(func(f protocol.Frame) bool {
		nd, open := draftEvent(f)
		if open && nd.ConversationID == convID {
			got = nd
			return true
		}
		return false
	})
	return got
}

func TestEnrichmentAddsInsightAndDraft(t *testing.T) {
	h := newCopilotHarness(t)
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.escalated("你们太过分了！订单 88231 的退款一个月还没到账，再不处理我就去12315投诉！", 80)

	enriched := alice.waitEvent(func(f protocol.Frame) bool {
		var ce protocol.ConversationEvent
		json.Unmarshal(f.Data, &ce)
		return f.Kind == protocol.EvConversation && ce.Cause == protocol.CauseEnriched && ce.Conversation.ID == c.ID
	})
	var ce protocol.ConversationEvent
	json.Unmarshal(enriched.Data, &ce)
	got := ce.Conversation
	if got.Sentiment != "negative" || got.Summary == "" || got.Language != "zh" || len(got.Trajectory) == 0 {
		t.Fatalf("insight on the conversation: %+v", got)
	}
	if !slices.Contains(got.Flags, protocol.FlagLegalThreat) {
		t.Fatalf("a 12315 threat should flag legal_threat: %v", got.Flags)
	}

	f := alice.waitEvent(func(f protocol.Frame) bool { _, open := draftEvent(f); return open })
	d, _ := draftEvent(f)
	if d.ConversationID != c.ID || d.Text == "" || d.Provider != "offline" || d.PromptVersion == "" || d.BasedOnSeq != 1 {
		t.Fatalf("draft: %+v", d)
	}

	// Regenerate with an instruction supersedes the open draft.
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	ack := decode[protocol.RegenerateAck](t, alice.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: c.ID, Instruction: "answer in English"}))
	if !ack.Queued {
		t.Fatal("regenerate not queued")
	}
	f = alice.waitEvent(func(f protocol.Frame) bool {
		nd, open := draftEvent(f)
		return open && nd.ID != d.ID
	})
	nd, _ := draftEvent(f)
	if nd.Instruction != "answer in English" {
		t.Fatalf("regenerated draft: %+v", nd)
	}
	detail, _ := h.st.ConversationDetail(context.Background(), c.ID)
	if len(detail.Drafts) != 2 || detail.Drafts[0].Status != "superseded" {
		t.Fatalf("drafts after regenerate: %+v", detail.Drafts)
	}
}

func TestRegenerateRefusals(t *testing.T) {
	h := newCopilotHarness(t)
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	bob := h.dial(h.agent("bob", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	c := h.escalated("hello", 1)
	decode[protocol.ConversationAck](t, bob.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	wantError(t, alice.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: c.ID}), protocol.CodeForbidden)
	wantError(t, trainer.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: c.ID}), protocol.CodeForbidden)
	wantError(t, alice.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: "c_none"}), protocol.CodeNotFound)

	plain := newHarness(t, server.Config{}) // no copilot
	d := plain.dial(plain.agent("alice", protocol.RoleAgent), 0)
	pc := plain.escalated("hi", 1)
	wantError(t, d.do(protocol.ReqRegenerate, protocol.RegenerateReq{ConversationID: pc.ID}), protocol.CodeUnavailable)
}

func TestEditedReplyBecomesExemplarForNextDraft(t *testing.T) {
	h := newCopilotHarness(t)
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	question := "Can I change the delivery address of my order after paying?"
	c := h.escalated(question, 10)
	f := alice.waitEvent(func(f protocol.Frame) bool { _, open := draftEvent(f); return open })
	d, _ := draftEvent(f)
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	sent := "Yes — until the parcel leaves our warehouse you can change the address under Orders › Edit address; after that, reply here and we reroute it with the courier for free."
	decode[protocol.OutcomeAck](t, alice.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionEdit, FinalText: sent, IdempotencyKey: "k-" + d.ID}))

	// A similar question later: the new draft draws on what alice sent.
	c2 := h.escalated("Can I change the delivery address after I paid for the order?", 10)
	next := alice.openDraftOf(c2.ID)
	var cited bool
	for _, s := range next.Sources {
		if s.Kind == "exemplar" {
			cited = true
		}
	}
	if !cited || !strings.Contains(next.Text, "warehouse") {
		t.Fatalf("next draft does not draw on the edited reply:\n%s\nsources %+v", next.Text, next.Sources)
	}
	// And a restarted server learns the same from the store.
	turns, err := h.st.AnsweredTurns(context.Background(), 10)
	if err != nil || len(turns) != 1 || turns[0].Question != question || turns[0].Outcome.FinalText != sent {
		t.Fatalf("answered turns: %+v %v", turns, err)
	}
	// The one loader serve and `eval golden --with-memory` share hands over
	// the edited reply whole: who asked, when, what was sent.
	var got []copilot.Exemplar
	n, _, err := server.LoadExemplars(context.Background(), h.st, func(x copilot.Exemplar) error { got = append(got, x); return nil }, nil)
	if err != nil || n != 1 || len(got) != 1 {
		t.Fatalf("LoadExemplars: %d %+v %v", n, got, err)
	}
	if x := got[0]; x.Outcome != copilot.Edited || x.Reply != sent || x.Question != question || x.At.IsZero() || x.CustomerName == "" {
		t.Fatalf("exemplar %+v", x)
	}
	// It carries its conversation's intent: reused only on that topic.
	cd, err := h.st.ConversationDetail(context.Background(), c.ID)
	if err != nil || cd.Conversation.Intent == "" || got[0].Intent != cd.Conversation.Intent {
		t.Fatalf("exemplar intent %q, conversation's %q (%v)", got[0].Intent, cd.Conversation.Intent, err)
	}
	skipped, _, err := server.LoadExemplars(context.Background(), h.st, func(copilot.Exemplar) error { return nil },
		func(id string) bool { return id == turns[0].Outcome.ID })
	if err != nil || skipped != 0 {
		t.Fatalf("skip: %d %v", skipped, err)
	}
}

// TestTemplateRepliesAreNotLearnt: seen in a simulated run, an accepted
// honest no-article draft ("您说的“…”这个问题我已经记下了") was learnt and
// served, with that customer's words, to 赵磊. A sent draft that cited
// nothing — as drafted or with a line added — teaches nothing; a reply the
// agent wrote over it does.
func TestTemplateRepliesAreNotLearnt(t *testing.T) {
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, server.Config{Copilot: eng})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	own := "账号被冻结一般是登录异常触发的风控，您在 App 里走一下“申诉解冻”，上传身份证照片，24 小时内会处理完。"
	for i, tc := range []struct {
		question string
		action   protocol.Action
		final    func(draft string) string
	}{
		{"好吧，我的账号突然被冻结了，登不上去", protocol.ActionAccept, nil},
		{"我的账号被冻结了，一直登不上去", protocol.ActionEdit, func(d string) string { return "很抱歉让您久等了！" + d }},
		{"账号怎么被冻结了？登录不了", protocol.ActionEdit, func(string) string { return own }},
	} {
		c := h.escalated(tc.question, 10)
		d := alice.openDraftOf(c.ID)
		if kept := tc.final == nil || tc.final(d.Text) != own; kept && len(d.Sources) != 0 {
			t.Fatalf("%d: the draft cites %+v; the test needs one that cites nothing (a learnt template?): %s", i, d.Sources, d.Text)
		}
		decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
		req := protocol.OutcomeReq{DraftID: d.ID, Action: tc.action, IdempotencyKey: "k-" + d.ID}
		if tc.final != nil {
			req.FinalText = tc.final(d.Text)
		}
		decode[protocol.OutcomeAck](t, alice.do(protocol.ReqOutcome, req))
	}
	var got []copilot.Exemplar
	if _, _, err := server.LoadExemplars(context.Background(), h.st, func(x copilot.Exemplar) error { got = append(got, x); return nil }, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Reply != own {
		t.Fatalf("learnt %d exemplars, want only the agent's own reply: %+v", len(got), got)
	}
	// What serve learnt live is the same: a later chat drafted from what
	// was learnt draws on the agent's reply, never on the templates.
	c := h.escalated("我的账号被冻结了，登不上去", 10)
	nd := alice.openDraftOf(c.ID)
	learnt := slices.ContainsFunc(nd.Sources, func(s protocol.Source) bool { return s.Kind == copilot.SourceExemplar })
	if learnt && !strings.Contains(nd.Text, "申诉解冻") || strings.Contains(nd.Text, "久等") {
		t.Errorf("draft reuses a template reply: %s %+v", nd.Text, nd.Sources)
	}
}
