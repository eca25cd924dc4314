package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

// TestReviewShowsOutcomesWithTheirDiff: an agent's client records an
// accept, an edit and a reject against a real server; a trainer's desk
// (the real tui over a real client) opens on the Review view, lists them
// most changed first, shows the edit's word-level diff, and labels the
// rejection with a gold reply, which the store keeps with who and when.
func TestReviewShowsOutcomesWithTheirDiff(t *testing.T) {
	b := newBackend(t)
	agentTok := b.account("alice", protocol.RoleAgent)
	trainerTok := b.account("tina", protocol.RoleTrainer)

	agent := startDesk(t, client.Options{URL: b.url(), Token: agentTok})
	agent.until(t, "online", online)
	bg := context.Background()
	record := func(question, draft string, req protocol.OutcomeReq) {
		c := b.escalated(question)
		d := b.draft(c.ID, draft)
		if err := agent.c.Do(bg, protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}, nil); err != nil {
			t.Fatal(err)
		}
		req.DraftID = d.ID
		if _, err := agent.c.EnqueueOutcome(req); err != nil {
			t.Fatal(err)
		}
	}
	record("Where is my parcel?", "It left our warehouse today.", protocol.OutcomeReq{Action: protocol.ActionAccept})
	record("When does my refund arrive?", "Your refund arrives in 7 days.",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "Your refund arrives in 3 working days."})
	record("我要投诉，你们卖假货", "亲，给您一张优惠券哦。", protocol.OutcomeReq{Action: protocol.ActionReject, Reason: "wrong_tone"})
	deadline := time.Now().Add(15 * time.Second)
	for {
		outs, err := b.st.Outcomes(bg, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(outs) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outcomes stored", len(outs))
		}
		time.Sleep(20 * time.Millisecond)
	}

	l := startDeskModel(t, b, trainerTok)
	screen := func() string { return ansi.Strip(l.m.Render()) }
	l.until("the review view with three outcomes", func() bool {
		s := screen()
		return strings.Contains(s, "▌Review · 1/3") && strings.Contains(s, "亲，给您一张优惠券哦。")
	})
	// Most changed first: the rejection, then the edit, then the accept.
	s := screen()
	iRej, iEdit, iAcc := strings.Index(s, "✗ 100%"), strings.Index(s, "✎"), strings.Index(s, "✓   0%")
	if iRej < 0 || iEdit < iRej || iAcc < iEdit {
		t.Fatalf("order on screen:\n%s", s)
	}
	l.press("j")
	l.until("the edit's diff with its conversation", func() bool {
		s := screen()
		return strings.Contains(s, "Your refund arrives in [-7-]{+3 working+} days.") && strings.Contains(s, "Customer: When does my refund arrive?")
	})

	// Label the rejection with a gold reply through the form.
	l.press("k", "e")
	l.typeText("非常抱歉给您带来不好的体验，我已将此事转交售后主管，今天内联系您。")
	l.press("ctrl+s")
	l.until("the label to be saved", func() bool { return strings.Contains(screen(), "Label saved.") })
	list, err := b.st.ReviewList(bg, protocol.ReviewListReq{Filter: protocol.ReviewFilter{Labelled: "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Items[0].Outcome.Action != protocol.ActionReject {
		t.Fatalf("labelled: %+v", list)
	}
	lb := list.Items[0].Label
	if lb.LabelledBy != "tina" || lb.LabelledAt == 0 || lb.Reason != "wrong_tone" || !strings.HasPrefix(lb.GoldReply, "非常抱歉") {
		t.Fatalf("label %+v", lb)
	}
	l.until("the gold diff", func() bool {
		return strings.Contains(screen(), "Draft → gold reply")
	})
}
