package tui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/review"
)

// reviewAnswers makes the fake backend answer the review requests.
func reviewAnswers(be *fakeBackend) {
	be.do = func(typ string, data, out any) error {
		var v any
		switch typ {
		case protocol.ReqReviewList:
			v = protocol.ReviewListAck{Total: 1, Items: []protocol.ReviewItem{{Outcome: protocol.Outcome{ID: "o1", Action: protocol.ActionEdit,
				DraftText: "您好，退款将在7天内到账。", FinalText: "您好，退款将在3个工作日内到账。", AgentID: "mei"}, Change: 0.3}}}
		case protocol.ReqReviewGet:
			v = protocol.ReviewDetail{Item: protocol.ReviewItem{Outcome: protocol.Outcome{ID: "o1"}}}
		default:
			return protocol.Errorf(protocol.CodeInvalid, "unexpected %s", typ)
		}
		b, _ := json.Marshal(v)
		return json.Unmarshal(b, out)
	}
}

func TestAgentCannotOpenReview(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	h.press("3")
	if h.m.lead.view == viewReview || !strings.Contains(h.m.Notice(), "trainers") {
		t.Fatalf("agent opened review; notice %q", h.m.Notice())
	}
}

func TestTrainerLandsOnReviewAndGoesBackToDesk(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	me := h.m.Me()
	me.Role = protocol.RoleTrainer
	h.send(UpdatesMsg{Updates: []client.Update{client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 20, Resume: protocol.ResumeReplay}}}})
	out := h.screen()
	if h.m.lead.view != viewReview || !strings.Contains(out, "▌Review · 1/1") || !strings.Contains(out, "您好，退款将在[-7天-]{+3个工作日+}内到账。") {
		t.Fatalf("trainer's first screen:\n%s", out)
	}
	// Keys go to the view; global keys still work.
	h.press("1")
	if h.m.lead.view != viewDesk || !strings.Contains(h.screen(), "Queue") {
		t.Fatalf("1 did not return to the desk:\n%s", h.screen())
	}
	h.press("3")
	if h.m.lead.view != viewReview {
		t.Fatal("3 did not reopen review")
	}
}

// TestReviewActionsFromThePalette: a review action run from the command
// palette outside the review view tells an agent the view is for trainers
// (not "that key works inside its dialog"), and takes a trainer there.
func TestReviewActionsFromThePalette(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	h.press("ctrl+p")
	h.typeText("metrics")
	for _, info := range h.m.dialogs[0].(*dialog.Palette).Shown() {
		if strings.HasPrefix(string(info.Action), "review.") {
			t.Errorf("an agent's palette offers %s", info.Action)
		}
	}
	h.press("enter")
	if h.m.lead.view == viewReview {
		t.Fatal("agent reached the review view from the palette")
	}

	h = newHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	me := h.m.Me()
	me.Role = protocol.RoleTrainer
	h.send(UpdatesMsg{Updates: []client.Update{client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 20, Resume: protocol.ResumeReplay}}}})
	h.press("1")
	h.press("ctrl+p")
	h.typeText("sort: most")
	h.press("enter")
	if h.m.lead.view != viewReview || !strings.Contains(h.screen(), "newest first") {
		t.Fatalf("trainer's palette action did not reach the review view; notice %q:\n%s", h.m.Notice(), h.screen())
	}
}

// TestTrainerOnTheDeskIsToldWhy: a trainer on the desk who presses n, or
// tries to reply or accept, is told trainers do not take or answer chats —
// not "take next failed: role trainer may not next" — and nothing is sent
// or queued.
func TestTrainerOnTheDeskIsToldWhy(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	me := h.m.Me()
	me.Role = protocol.RoleTrainer
	h.send(UpdatesMsg{Updates: []client.Update{client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 20, Resume: protocol.ResumeReplay}}}})
	h.press("1")
	h.be.reset()
	for _, keys := range [][]string{{"n"}, {"c"}, {"enter", "r"}, {"a"}, {"x"}, {"d"}} {
		h.press(keys...)
		if !strings.Contains(h.notice(), "Trainers read conversations") {
			t.Errorf("%v: notice %q", keys, h.notice())
		}
	}
	for _, c := range h.be.calls {
		if c.method != "get" && c.method != "viewing" { // reading is fine
			t.Fatalf("a trainer's desk sent %+v", c)
		}
	}
	if h.m.Pending() != 0 {
		t.Fatalf("%d queued", h.m.Pending())
	}
}

// A lead reads the review stream; its footer does not offer the trainers'
// label, promote and export only to refuse them.
func TestLeadReviewFooterOffersOnlyWhatLeadsDo(t *testing.T) {
	h := newLeadHarness(t, lang.EN, 160, 48)
	reviewAnswers(h.be)
	h.press("3")
	if h.m.lead.view != viewReview {
		t.Fatal("3 did not open review for a lead")
	}
	line := ansi.Strip(h.m.helpLine())
	for _, k := range h.m.km.Actions() {
		if review.Writes(k.Action) && k.Help != "" && strings.Contains(line, k.Help) {
			t.Errorf("lead's review footer offers %q: %s", k.Help, line)
		}
	}
}
