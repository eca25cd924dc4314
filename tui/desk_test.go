package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/dialog"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/queue"
)

// openC1 opens the conversation assigned to alice, which has a draft.
func openC1(h *harness) {
	h.t.Helper()
	h.m.queue.SelectID("c1")
	h.press("enter")
	if h.m.Open() != "c1" || h.m.focus != focusConv {
		h.t.Fatalf("open = %q focus = %v, want c1 in the conversation pane", h.m.Open(), h.m.focus)
	}
	h.be.reset()
}

func TestQueueNavigationAndTabs(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	first, _ := h.m.queue.Selected()
	h.press("j")
	second, _ := h.m.queue.Selected()
	if first.ID == second.ID {
		t.Fatalf("j did not move the cursor (still %s)", first.ID)
	}
	h.press("k")
	if c, _ := h.m.queue.Selected(); c.ID != first.ID {
		t.Fatalf("k: selected %s, want %s", c.ID, first.ID)
	}
	h.press("m")
	if h.m.queue.CurrentTab() != queue.TabMine || h.m.queue.Len() != 1 {
		t.Fatalf("mine tab: tab %v with %d rows, want 1 (c1)", h.m.queue.CurrentTab(), h.m.queue.Len())
	}
	h.press("u")
	if h.m.queue.Len() != 2 {
		t.Fatalf("unassigned tab shows %d, want 2", h.m.queue.Len())
	}
	h.press("a")
	if h.m.queue.Len() != 4 {
		t.Fatalf("all tab shows %d, want 4", h.m.queue.Len())
	}
}

func TestFilterTypingNarrowsAndEscClears(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("/")
	if h.m.focus != focusFilter {
		t.Fatalf("focus = %v after /, want filter", h.m.focus)
	}
	h.typeText("佐藤")
	if h.m.queue.Len() != 1 {
		t.Fatalf("filter 佐藤 shows %d rows, want 1", h.m.queue.Len())
	}
	h.press("enter")
	if h.m.focus != focusQueue || h.m.queue.Filter() != "佐藤" {
		t.Fatalf("enter: focus %v filter %q, want queue with the filter kept", h.m.focus, h.m.queue.Filter())
	}
	h.press("/", "esc")
	if h.m.queue.Filter() != "" || h.m.queue.Len() != 4 {
		t.Fatalf("esc kept filter %q (%d rows)", h.m.queue.Filter(), h.m.queue.Len())
	}
}

func TestOpenLoadsTranscriptAndShowsDraft(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.m.queue.SelectID("c1")
	h.press("enter")
	if got := h.be.find("get"); len(got) != 1 || got[0].arg != "c1" {
		t.Fatalf("get_conversation calls = %v, want one for c1", got)
	}
	if h.m.transcript.Len() != 3 {
		t.Fatalf("transcript has %d messages, want 3", h.m.transcript.Len())
	}
	s := h.screen()
	for _, want := range []string{"AI draft", "发货延迟处理", "offline · offline-1 · prompt draft-v1", "asked for a human", "Bot confidence 42%"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	if h.m.desk.ShownAt("d1") == 0 {
		t.Error("draft d1 was shown but no shown-at time recorded")
	}
}

func TestClaimAndNext(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.m.queue.SelectID("c2")
	h.press("c")
	// Claims carry no version guard: a copilot update to the chat between
	// seeing and claiming it must not make the claim fail.
	if got := h.be.find("claim"); len(got) != 1 || got[0].arg != "c2@0" {
		t.Fatalf("claim calls = %v, want c2 without a version", got)
	}
	if h.m.Open() != "c2" || conv(h, "c2").Assignee != "alice" {
		t.Fatalf("after claim: open %q assignee %q", h.m.Open(), conv(h, "c2").Assignee)
	}
	h.press("esc") // back to the queue
	h.press("n")
	if len(h.be.find("next")) != 1 {
		t.Fatal("n did not request next")
	}
	h.be.err = protocol.Errorf(protocol.CodeNotFound, "queue empty")
	h.press("esc", "n")
	if h.notice() != i18n.For(lang.EN).NoticeEmptyQueue {
		t.Fatalf("empty queue notice = %q", h.notice())
	}
}

func TestAcceptGoesThroughOutboxWithDraftKey(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("a", "2") // c1 is angry: yes, send it
	got := h.enqueued(protocol.ReqOutcome)
	if len(got) != 1 {
		t.Fatalf("%d outcomes enqueued, want 1", len(got))
	}
	req := got[0].(protocol.OutcomeReq)
	if req.DraftID != "d1" || req.Action != protocol.ActionAccept || req.IdempotencyKey != "o-d1" || req.DraftShownAt == 0 {
		t.Fatalf("outcome = %+v", req)
	}
	// A second press does nothing: the draft has an outcome on its way.
	h.press("a")
	if n := len(h.enqueued(protocol.ReqOutcome)); n != 1 {
		t.Fatalf("second accept enqueued again (%d)", n)
	}
	if !strings.Contains(h.screen(), "accepted — waiting in the outbox") {
		t.Error("draft panel does not say the outcome is queued")
	}
}

func TestStaleDraftAsksBeforeAccepting(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	c := conv(h, "c1")
	c.Version++
	c.LastSeq, c.LastCustomer = 4, 4
	h.send(UpdatesMsg{Updates: []client.Update{event(20, protocol.EvMessage, &protocol.MessageEvent{
		Message:      protocol.Message{ID: "m4", ConversationID: "c1", Seq: 4, Author: protocol.AuthorCustomer, Text: "还在吗？", CreatedAt: ms(0)},
		Conversation: protocol.ChangeOf(c)})}})
	if !strings.Contains(h.screen(), "stale: the customer wrote again") {
		t.Fatal("no stale marker after the customer wrote again")
	}
	if h.m.transcript.Len() != 4 {
		t.Fatalf("transcript has %d messages, want the live one appended", h.m.transcript.Len())
	}
	h.press("a")
	if len(h.m.dialogs) != 1 || len(h.enqueued(protocol.ReqOutcome)) != 0 {
		t.Fatal("accepting a stale draft did not ask first")
	}
	h.press("2") // yes
	if got := h.enqueued(protocol.ReqOutcome); len(got) != 1 || got[0].(protocol.OutcomeReq).Action != protocol.ActionAccept {
		t.Fatalf("confirmed stale accept: %v", got)
	}
}

func TestEditInlineSendsEditedOutcome(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("e")
	if h.m.focus != focusCompose || h.m.compose.mode != composeEdit {
		t.Fatalf("e: focus %v mode %v", h.m.focus, h.m.compose.mode)
	}
	if h.m.compose.ta.Value() == "" {
		t.Fatal("edit box does not start with the draft text")
	}
	h.typeText(" 谢谢！")
	h.press("ctrl+s")
	got := h.enqueued(protocol.ReqOutcome)
	if len(got) != 1 {
		t.Fatalf("%d outcomes, want 1", len(got))
	}
	req := got[0].(protocol.OutcomeReq)
	if req.Action != protocol.ActionEdit || !strings.HasSuffix(req.FinalText, " 谢谢！") || req.IdempotencyKey != "o-d1" {
		t.Fatalf("outcome = %+v", req)
	}
	if h.m.focus != focusConv {
		t.Fatalf("focus after send = %v, want the conversation", h.m.focus)
	}
}

func TestEditUnchangedIsAccept(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("e", "ctrl+s")
	got := h.enqueued(protocol.ReqOutcome)
	if len(got) != 1 || got[0].(protocol.OutcomeReq).Action != protocol.ActionAccept {
		t.Fatalf("unchanged edit recorded %v, want accept", got)
	}
}

func TestEditExternalRunsEditor(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	_, cmd := h.m.Update(keyMsg("E"))
	if h.m.focus != focusCompose {
		t.Fatalf("E: focus %v, want the edit box", h.m.focus)
	}
	var ready *editorReadyMsg
	for _, msg := range runCmd(cmd) {
		if r, ok := msg.(editorReadyMsg); ok {
			ready = &r
		}
	}
	if ready == nil || ready.err != nil {
		t.Fatalf("no temp file for the editor: %+v", ready)
	}
	// Tests leave nothing in the system's temp dir (the harness gives one).
	if filepath.Dir(ready.path) != h.m.tempDir || h.m.tempDir == "" {
		t.Errorf("editor file %s is outside the desk's temp dir %q", ready.path, h.m.tempDir)
	}
	if h.m.runEditor(*ready) == nil {
		t.Fatal("no ExecProcess command for $EDITOR")
	}
	// The editor (here: `true`) exits; the text comes back into the box.
	for _, msg := range runCmd(readEditorFile(editorDoneMsg{path: ready.path})) {
		h.send(msg)
	}
	if !strings.Contains(h.m.compose.ta.Value(), "88231") {
		t.Fatalf("box after the editor = %q", h.m.compose.ta.Value())
	}
}

func TestRejectWithReasonAndNote(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("x")
	if len(h.m.dialogs) != 1 {
		t.Fatal("x opened no dialog")
	}
	if !strings.Contains(h.screen(), "Reject draft: why?") {
		t.Fatal("reject dialog not on screen")
	}
	h.press("tab")
	h.typeText("order shipped 1")
	h.press("enter", "1")
	got := h.enqueued(protocol.ReqOutcome)
	if len(got) != 1 {
		t.Fatalf("%d outcomes, want 1", len(got))
	}
	req := got[0].(protocol.OutcomeReq)
	if req.Action != protocol.ActionReject || req.Reason != "wrong_facts" || req.Note != "order shipped 1" {
		t.Fatalf("reject = %+v", req)
	}
	if len(h.m.dialogs) != 0 {
		t.Fatal("dialog still open")
	}
}

func TestEveryRejectKey(t *testing.T) {
	for act, reason := range keymap.RejectReasons {
		h := newHarness(t, lang.EN, 160, 48)
		openC1(h)
		h.press("x")
		keys := h.m.km.Binding(act).Keys()
		h.press(keys[0])
		got := h.enqueued(protocol.ReqOutcome)
		if len(got) != 1 || got[0].(protocol.OutcomeReq).Reason != reason {
			t.Errorf("%s (%s): %v", act, keys[0], got)
		}
	}
}

func TestActionsNeedOwnership(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.m.queue.SelectID("c2") // queued, nobody's
	h.press("enter")
	h.be.reset()
	for _, k := range []string{"a", "e", "x", "r", "t", "d", "z", "u"} {
		h.m.notice = notice{}
		h.press(k)
		if h.notice() != i18n.For(lang.EN).NoticeNotYours {
			t.Errorf("%s on someone else's chat: notice %q", k, h.notice())
		}
		if len(h.m.dialogs) > 0 || h.m.focus == focusCompose {
			t.Errorf("%s opened something", k)
			h.m.dialogs = nil
			h.m.endCompose()
		}
	}
	if n := len(h.be.calls); n != 0 {
		t.Fatalf("requests were made: %v", h.be.calls)
	}
}

func TestReplyAndCannedExpansion(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("/sorry")
	h.press("ctrl+s")
	if len(h.enqueued(protocol.ReqSend)) != 0 {
		t.Fatal("a /shortcut was sent instead of expanded")
	}
	// 王小明 writes Chinese: the canned reply is in his language, not the
	// (English) desk's.
	if !strings.HasPrefix(h.m.compose.ta.Value(), "非常抱歉") {
		t.Fatalf("expanded to %q", h.m.compose.ta.Value())
	}
	h.press("ctrl+s")
	got := h.enqueued(protocol.ReqSend)
	if len(got) != 1 || got[0].(protocol.TextReq).ConversationID != "c1" {
		t.Fatalf("send = %v", got)
	}
}

func TestCannedPicker(t *testing.T) {
	h := newHarness(t, lang.ZhCN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("好的 /so")
	h.press("ctrl+k")
	if len(h.m.dialogs) != 1 {
		t.Fatal("ctrl+k opened no canned list")
	}
	h.press("1")
	// The half-typed /shortcut is replaced by the reply, not kept before it.
	if v := h.m.compose.ta.Value(); strings.Contains(v, "/so") || !strings.HasPrefix(v, "好的 ") {
		t.Fatalf("after picking: %q", v)
	}
	if !strings.Contains(h.m.compose.ta.Value(), "您好") && !strings.Contains(h.m.compose.ta.Value(), "抱歉") && h.m.compose.ta.Value() == "" {
		t.Fatalf("canned text not inserted: %q", h.m.compose.ta.Value())
	}
	h.press("esc")
	if h.m.focus == focusCompose {
		t.Fatal("esc did not cancel the reply")
	}
}

func TestNote(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("i")
	h.typeText("VIP, handle gently")
	h.press("ctrl+s")
	got := h.enqueued(protocol.ReqNote)
	if len(got) != 1 || got[0].(protocol.TextReq).Text != "VIP, handle gently" {
		t.Fatalf("note = %v", got)
	}
}

func TestTransferResolveSnoozeRelease(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("t")
	if !strings.Contains(h.screen(), "张伟") {
		t.Fatal("transfer dialog does not list 张伟")
	}
	h.press("1") // online agents first: bob
	tr := h.enqueued(protocol.ReqTransfer)
	if len(tr) != 1 || tr[0].(protocol.TransferReq).ToAgent != "bob" {
		t.Fatalf("transfer = %v", tr)
	}

	h = newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("d", "down", "enter")
	rs := h.enqueued(protocol.ReqResolve)
	if len(rs) != 1 || rs[0].(protocol.ResolveReq).Disposition != "answered" {
		t.Fatalf("resolve = %v", rs)
	}

	h = newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("z", "2")
	sz := h.enqueued(protocol.ReqSnooze)
	if len(sz) != 1 || sz[0].(protocol.SnoozeReq).Minutes != 30 {
		t.Fatalf("snooze = %v", sz)
	}

	h = newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("u")
	if rl := h.enqueued(protocol.ReqRelease); len(rl) != 1 {
		t.Fatalf("release = %v", rl)
	}
}

func TestStatusCycle(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("S")
	if got := h.be.find("set_status"); len(got) != 1 || got[0].arg != protocol.StatusAway {
		t.Fatalf("set_status = %v, want away", got)
	}
	if h.m.Me().Status != protocol.StatusAway {
		t.Fatalf("me = %+v", h.m.Me())
	}
}

// regenCalls returns the regenerate requests the backend received.
func regenCalls(h *harness) []protocol.RegenerateReq {
	var out []protocol.RegenerateReq
	for _, c := range h.be.find("regenerate") {
		out = append(out, c.arg.(protocol.RegenerateReq))
	}
	return out
}

func TestRegenerateQuickPickUntilTheNewDraft(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("R")
	if len(h.m.dialogs) != 1 || !strings.Contains(h.screen(), "Regenerate the draft") || !strings.Contains(h.screen(), "用中文回答") {
		t.Fatalf("R did not open the regenerate dialog:\n%s", h.screen())
	}
	h.press("1")
	got := regenCalls(h)
	if len(got) != 1 || got[0] != (protocol.RegenerateReq{ConversationID: "c1", Instruction: "shorter"}) || len(h.m.dialogs) != 0 {
		t.Fatalf("regenerate calls = %+v, dialogs %d", got, len(h.m.dialogs))
	}
	if !strings.Contains(h.screen(), "regenerating… (shorter)") {
		t.Fatalf("no regenerating line on the draft panel:\n%s", h.screen())
	}
	// The old draft is superseded, then the new one arrives.
	old, _ := h.m.desk.Draft("c1")
	old.Status = "superseded"
	nd := protocol.Draft{ID: "d2", ConversationID: "c1", Text: "已加急，今天发出。", BasedOnSeq: 3, Provider: "offline",
		Model: "offline-1", PromptVersion: "draft-v1", Instruction: "shorter", Status: "open", CreatedAt: ms(0)}
	h.send(UpdatesMsg{Updates: []client.Update{
		event(40, protocol.EvDraft, &protocol.DraftEvent{Draft: old}),
		event(41, protocol.EvDraft, &protocol.DraftEvent{Draft: nd}),
	}})
	if strings.Contains(h.screen(), "regenerating") || !strings.Contains(h.screen(), "已加急，今天发出。") || !strings.Contains(h.screen(), "AI draft ↻ shorter") {
		t.Fatalf("new draft not shown or still regenerating:\n%s", h.screen())
	}
	// The new draft can be accepted like any other.
	h.press("a", "2") // c1 is angry: yes, send it
	if outs := h.enqueued(protocol.ReqOutcome); len(outs) != 1 || outs[0].(protocol.OutcomeReq).DraftID != "d2" {
		t.Fatalf("accept after regenerate = %+v", outs)
	}
}

func TestRegenerateFreeText(t *testing.T) {
	h := newHarness(t, lang.ZhCN, 160, 48)
	openC1(h)
	h.press("R", "tab")
	h.typeText("提到优惠券 j")
	h.press("enter")
	got := regenCalls(h)
	if len(got) != 1 || got[0].Instruction != "提到优惠券 j" {
		t.Fatalf("regenerate calls = %+v", got)
	}
	if !strings.Contains(h.screen(), "正在重新生成…（提到优惠券 j）") {
		t.Fatalf("no regenerating line:\n%s", h.screen())
	}
	// Down past the picks also reaches the free-text row; empty text sends nothing, esc cancels.
	h.be.reset()
	h.press("R", "down", "down", "down", "down", "down", "down", "enter")
	if len(regenCalls(h)) != 0 || len(h.m.dialogs) != 1 {
		t.Fatal("empty instruction was sent or closed the dialog")
	}
	h.press("esc")
	if len(h.m.dialogs) != 0 || len(regenCalls(h)) != 0 {
		t.Fatal("esc did not cancel")
	}
}

func TestRegenerateErrorsAreHonest(t *testing.T) {
	cat := i18n.For(lang.EN)
	for _, tc := range []struct {
		err     error
		offline bool
		want    string
	}{
		{protocol.Errorf(protocol.CodeUnavailable, "this server has no copilot configured"), false, "regenerate failed: this server has no copilot configured"},
		{protocol.Errorf(protocol.CodeUnavailable, "offline: regenerate not sent"), true, cat.NoticeOffline(cat.ActRegenerate)},
		{protocol.Errorf(protocol.CodeForbidden, "conversation c1 is assigned to bob"), false, cat.NoticeRegenForbidden},
		{protocol.Errorf(protocol.CodeConflict, "conversation c1 is resolved"), false, cat.NoticeRegenConflict},
	} {
		h := newHarness(t, lang.EN, 160, 48)
		if tc.offline {
			h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline}}})
		}
		openC1(h)
		h.be.err = tc.err
		h.press("R", "2")
		if h.notice() != tc.want || !h.m.notice.err {
			t.Errorf("%v: notice %q, want %q", tc.err, h.notice(), tc.want)
		}
		if _, busy := h.m.regen["c1"]; busy || strings.Contains(h.screen(), "regenerating") {
			t.Errorf("%v: still regenerating after the refusal", tc.err)
		}
	}
}

func TestRegenerateNeedsTheConversationAndGivesUp(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.m.queue.SelectID("c4") // bob's
	h.press("enter")
	h.press("R")
	if len(h.m.dialogs) != 0 || h.notice() != i18n.For(lang.EN).NoticeNotYours {
		t.Fatalf("regenerate on someone else's conversation: dialogs %d notice %q", len(h.m.dialogs), h.notice())
	}
	h.m.setFocus(focusQueue)
	openC1(h)
	h.press("R", "1")
	h.send(tickMsg(now.Add(regenWait)))
	if _, busy := h.m.regen["c1"]; busy || h.notice() != i18n.For(lang.EN).NoticeRegenLost {
		t.Fatalf("regenerate never gave up: notice %q", h.notice())
	}
}

func TestSourcesToggleAndFocusCycle(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("s")
	if !h.m.showSources || !strings.Contains(h.screen(), "shipping-delay-zh 0.82") {
		t.Fatal("sources not expanded")
	}
	h.press("tab")
	if h.m.focus != focusQueue {
		t.Fatalf("tab from copilot went to %v", h.m.focus)
	}
	h.press("shift+tab")
	if h.m.focus != focusCopilot {
		t.Fatalf("shift+tab went to %v", h.m.focus)
	}
}

func TestHelpAndPalette(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("?")
	if !strings.Contains(h.screen(), "reject draft") || !strings.Contains(h.screen(), "Reject reasons") {
		t.Fatal("help overlay does not list the whole keymap")
	}
	h.press("esc")
	if len(h.m.dialogs) != 0 {
		t.Fatal("esc did not close help")
	}
	openC1(h)
	h.press("ctrl+p")
	h.typeText("resolve")
	p := h.m.dialogs[0].(*dialog.Palette)
	if len(p.Shown()) == 0 || p.Shown()[0].Action != keymap.ConvResolve {
		t.Fatalf("palette top hit for resolve = %v", p.Shown())
	}
	h.press("enter")
	if len(h.m.dialogs) != 1 || !strings.Contains(h.screen(), "Resolve as") {
		t.Fatal("palette did not run conv.resolve")
	}
}

// TestPaletteListsWhatTheRoleCanDo: the palette had all 111 actions,
// "up" and "down" and the lead's among them, for an agent.
func TestPaletteListsWhatTheRoleCanDo(t *testing.T) {
	names := func(h *harness) map[keymap.Action]bool {
		h.press(":")
		p := h.m.dialogs[0].(*dialog.Palette)
		out := map[keymap.Action]bool{}
		for _, info := range p.Shown() {
			out[info.Action] = true
		}
		h.press("esc")
		return out
	}
	agent := names(newHarness(t, lang.EN, 160, 48))
	for _, a := range []keymap.Action{keymap.ConvResolve, keymap.DraftAccept, keymap.QueueNext, keymap.RejectWrongFacts, keymap.StatusCycle} {
		if !agent[a] {
			t.Errorf("agent's palette lacks %s", a)
		}
	}
	for _, a := range []keymap.Action{keymap.QueueUp, keymap.ConvScrollDown, keymap.DialogDown, keymap.PaletteUp,
		keymap.QueueReassign, keymap.ConvTakeover, keymap.ViewTeam, keymap.TeamDrain, keymap.ViewReview, keymap.ReviewExport} {
		if agent[a] {
			t.Errorf("agent's palette offers %s", a)
		}
	}
	if len(agent) > 60 {
		t.Errorf("agent's palette has %d entries", len(agent))
	}
	lead := names(newLeadHarness(t, lang.EN, 160, 48))
	for _, a := range []keymap.Action{keymap.QueueReassign, keymap.TeamDrain, keymap.ViewReview, keymap.ReviewMetrics} {
		if !lead[a] {
			t.Errorf("lead's palette lacks %s", a)
		}
	}
	for _, a := range []keymap.Action{keymap.ReviewLabel, keymap.ReviewExport, keymap.ReviewPromoteKB} {
		if lead[a] {
			t.Errorf("lead's palette offers the trainers' %s", a)
		}
	}
}

// TestEveryActionIsHandled runs each action through perform, in a state
// where it applies, and checks it did something: changed focus, opened a
// dialog, made a request, or explained itself with a notice.
func TestEveryActionIsHandled(t *testing.T) {
	for _, info := range newHarness(t, lang.EN, 160, 48).m.km.Actions() {
		h := newHarness(t, lang.EN, 160, 48)
		if info.Scope != keymap.ScopeQueue {
			openC1(h)
		}
		if info.Scope == keymap.ScopeCompose {
			h.press("r")
			h.typeText("hi")
		}
		// Put the desk where the action has something to do.
		switch info.Action {
		case keymap.QueueUp, keymap.QueuePageUp, keymap.QueueTop:
			h.m.queue.Bottom()
		case keymap.QueueFilterClear:
			h.m.queue.SetFilter("王")
		case keymap.QueueTabAll:
			h.m.queue.SetTab(queue.TabMine)
		}
		if info.Scope == keymap.ScopeConv {
			var long []protocol.Message
			for i := range 60 {
				long = append(long, protocol.Message{ID: "l" + itoa(i), ConversationID: "c1", Seq: i + 1,
					Author: protocol.AuthorCustomer, Text: "line " + itoa(i), CreatedAt: ms(-time.Hour)})
			}
			h.m.transcript.SetMessages(long)
			switch info.Action {
			case keymap.ConvScrollDown, keymap.ConvPageDown, keymap.ConvBottom:
				h.m.transcript.ScrollUp(30)
			}
		}
		before := h.screen()
		h.m.notice = notice{}
		msgs := h.run(h.m.perform(info.Action))
		after := h.screen()
		if before == after && len(h.be.calls) == 0 && len(msgs) == 0 && h.notice() == "" {
			t.Errorf("%s: nothing happened", info.Action)
		}
	}
}

func TestEventsAndNotification(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	c := conv(h, "c2")
	c.Assignee, c.Status, c.Version = "alice", protocol.ConvAssigned, c.Version+1
	msgs := h.send(UpdatesMsg{Updates: []client.Update{event(30, protocol.EvConversation,
		&protocol.ConversationEvent{Cause: protocol.CauseReassigned, By: "lee", Conversation: c})}})
	var raw string
	for _, m := range msgs {
		if r, ok := m.(tea.RawMsg); ok {
			raw, _ = r.Msg.(string)
		}
	}
	if !strings.Contains(raw, "\a") || !strings.Contains(raw, "\x1b]9;") {
		t.Fatalf("no bell / OSC 9 on a new assignment: %q", raw)
	}
	if strings.Count(raw, "\x1b") != 1 {
		t.Fatalf("customer name leaked escapes into the notification: %q", raw)
	}
	// Claiming it oneself is no news.
	c.Version++
	msgs = h.send(UpdatesMsg{Updates: []client.Update{event(31, protocol.EvConversation,
		&protocol.ConversationEvent{Cause: protocol.CauseClaimed, By: "alice", Conversation: c})}})
	for _, m := range msgs {
		if _, ok := m.(tea.RawMsg); ok {
			t.Fatal("notified about an unchanged assignment")
		}
	}
	// Toggle off.
	h.press("ctrl+b")
	if h.m.notifOn {
		t.Fatal("ctrl+b did not turn notifications off")
	}
}

func TestBurstIsAppliedInOneUpdate(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	var ups []client.Update
	for i := range 1000 {
		c := protocol.Conversation{ID: "burst" + itoa(i), CustomerName: "客户" + itoa(i), Channel: "web",
			Status: protocol.ConvQueued, Priority: i % 100, Version: 1, EscalatedAt: ms(-time.Minute)}
		ups = append(ups, event(int64(100+i), protocol.EvConversation, &protocol.ConversationEvent{Cause: protocol.CauseEscalated, Conversation: c}))
	}
	h.send(UpdatesMsg{Updates: ups})
	if h.m.queue.Len() != 1004 {
		t.Fatalf("queue has %d rows, want 1004", h.m.queue.Len())
	}
	if !strings.Contains(h.screen(), "1002 queued") {
		t.Fatal("status bar count not updated")
	}
}

func TestSubscribeCoalesces(t *testing.T) {
	ch := make(chan client.Update)
	var batches []UpdatesMsg
	done := make(chan struct{})
	go func() {
		Subscribe(context.Background(), ch, func(msg tea.Msg) { batches = append(batches, msg.(UpdatesMsg)) })
		close(done)
	}()
	for i := range 2000 {
		ch <- client.Event{Seq: int64(i)}
	}
	close(ch)
	<-done
	total := 0
	for _, b := range batches {
		total += len(b.Updates)
	}
	if total != 2000 {
		t.Fatalf("%d updates delivered, want 2000", total)
	}
	// Unbuffered sends interleave with the subscriber's reads, so the
	// batches are small here; what matters is that it is not one per event.
	if len(batches) >= 2000 {
		t.Fatalf("%d batches for 2000 updates: not coalesced", len(batches))
	}
}

func TestOfflineStatusAndFailures(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline, RetryAt: now.Add(4 * time.Second)}}})
	if !strings.Contains(h.screen(), "offline — retry in 4s") {
		t.Fatal("status bar does not show the retry time")
	}
	h.be.err = protocol.Errorf(protocol.CodeUnavailable, "offline")
	h.m.queue.SelectID("c2")
	h.press("c")
	if !strings.Contains(h.notice(), "Offline: claim needs the server") {
		t.Fatalf("offline claim notice = %q", h.notice())
	}
	// Outcomes still queue while offline.
	h.be.err = nil
	openC1(h)
	h.press("a", "2") // c1 is angry: yes, send it
	if len(h.enqueued(protocol.ReqOutcome)) != 1 || !strings.Contains(h.notice(), "queued") {
		t.Fatalf("offline accept: %v, notice %q", h.enqueued(protocol.ReqOutcome), h.notice())
	}
	// The server refuses it for good: the desk says so and frees the draft.
	id := fmt.Sprintf("o-%d", h.be.nextID) // the accept's outbox id
	if h.m.desk.Jobs() != 1 {
		t.Fatalf("%d outbox jobs remembered, want 1", h.m.desk.Jobs())
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: id, Type: protocol.ReqOutcome,
		Err: protocol.Errorf(protocol.CodeConflict, "draft already has an outcome")}}})
	if !h.m.notice.err || !strings.Contains(h.notice(), "already has an outcome") {
		t.Fatalf("failed outbox notice = %q", h.notice())
	}
	if _, ok := h.m.desk.Outcome("d1"); ok {
		t.Fatal("failed outcome still marks the draft as decided")
	}
}

func TestLeadActions(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("R")
	if h.notice() != i18n.For(lang.EN).NoticeLeadOnly {
		t.Fatalf("agent reassign: %q", h.notice())
	}
	lead := h.m.desk.Me()
	lead.Role = protocol.RoleLead
	h.m.desk.PutAgent(lead)
	h.m.queue.SelectID("c2")
	h.press("space")
	h.m.queue.SelectID("c3")
	h.press("space", "R")
	if len(h.m.dialogs) != 1 {
		t.Fatal("no reassign dialog")
	}
	h.press("enter")
	got := h.be.find("reassign")
	if len(got) != 1 || len(got[0].arg.(protocol.ReassignReq).ConversationIDs) != 2 {
		t.Fatalf("reassign = %v", got)
	}
}

func TestResizeAnytime(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	for _, sz := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {20, 5}, {1, 1}} {
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFrame(t, h.screen(), sz[0], sz[1])
	}
}

func checkFrame(t *testing.T, s string, w, hgt int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != hgt {
		t.Fatalf("%dx%d: %d lines", w, hgt, len(lines))
	}
	for i, l := range lines {
		if got := stringWidth(l); got != w {
			t.Fatalf("%dx%d: line %d is %d cells: %q", w, hgt, i, got, l)
		}
	}
	if strings.ContainsAny(s, "\x07\x1b") {
		t.Fatal("control characters reached the screen")
	}
}

func itoa(i int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)))
}

func TestDeliveryStatusFollowsMessageUpdated(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	c := conv(h, "c1")
	reply := protocol.Message{ID: "m4", ConversationID: "c1", Seq: 4, Author: protocol.AuthorAgent, AuthorID: "alice",
		AuthorName: "Alice 客服", Text: "已为您加急处理。", Delivery: "pending", CreatedAt: ms(0)}
	c.LastSeq, c.Version = 4, c.Version+1
	h.send(UpdatesMsg{Updates: []client.Update{event(50, protocol.EvMessage, &protocol.MessageEvent{Message: reply, Conversation: protocol.ChangeOf(c)})}})
	if !strings.Contains(h.screen(), "sending…") {
		t.Fatalf("a pending reply does not say sending…:\n%s", h.screen())
	}
	reply.Delivery = "delivered"
	h.send(UpdatesMsg{Updates: []client.Update{event(51, protocol.EvMessageUpdated, &protocol.MessageEvent{Message: reply, Conversation: protocol.ChangeOf(c)})}})
	s := h.screen()
	if strings.Contains(s, "sending…") || !strings.Contains(s, "✓ delivered") || h.m.transcript.Len() != 4 {
		t.Fatalf("delivered reply (transcript %d messages):\n%s", h.m.transcript.Len(), s)
	}
	// A failure shows on the message and in a notice.
	second := reply
	second.ID, second.Seq, second.Delivery, second.Text = "m5", 5, "pending", "还有别的问题吗？"
	c.LastSeq = 5
	h.send(UpdatesMsg{Updates: []client.Update{event(52, protocol.EvMessage, &protocol.MessageEvent{Message: second, Conversation: protocol.ChangeOf(c)})}})
	second.Delivery = "failed"
	h.send(UpdatesMsg{Updates: []client.Update{event(53, protocol.EvMessageUpdated, &protocol.MessageEvent{Message: second, Conversation: protocol.ChangeOf(c)})}})
	if !strings.Contains(h.screen(), "✗ not delivered") || !strings.Contains(h.notice(), "王小明 was not delivered") || !h.m.notice.err {
		t.Fatalf("failed reply: notice %q\n%s", h.notice(), h.screen())
	}
	if strings.Count(h.screen(), "✓ delivered") != 1 {
		t.Fatal("the failure changed the other reply")
	}
}

func TestDeliveryWhileTheTranscriptLoads(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	d := conv(h, "c1")
	reply := protocol.Message{ID: "m4", ConversationID: "c1", Seq: 4, Author: protocol.AuthorAgent, AuthorID: "alice",
		Text: "已为您加急处理。", Delivery: "pending", CreatedAt: ms(0)}
	detail := h.be.detail["c1"]
	detail.Messages = append(append([]protocol.Message(nil), detail.Messages...), reply)
	// The update arrives between the request and its answer, which was
	// read before the delivery.
	h.m.loading = true
	delivered := reply
	delivered.Delivery = "delivered"
	h.send(UpdatesMsg{Updates: []client.Update{event(60, protocol.EvMessageUpdated, &protocol.MessageEvent{Message: delivered, Conversation: protocol.ChangeOf(d)})}})
	h.send(resultMsg{kind: protocol.ReqGetConversation, convID: "c1", detail: detail})
	if s := h.screen(); strings.Contains(s, "sending…") || !strings.Contains(s, "✓ delivered") {
		t.Fatalf("the delivery that came during the load was lost:\n%s", s)
	}
}

func TestProfileShowsCustomerAndHistory(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	if strings.Contains(h.screen(), "other conversations") {
		t.Fatal("history shown before the profile was asked for")
	}
	h.press("p")
	s := h.screen()
	for _, want := range []string{"Reached on: email xiaoming@example.com · wechat", "2 other conversations:",
		"• 02-27 email · resolved (refund issued)", "退款未到账，已重新发起", "• 2025-01-26 web · resolved (answered)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("profile lacks %q:\n%s", want, s)
		}
	}
	// Another conversation: its own (here: none from this server) — never
	// the previous customer's.
	h.m.setFocus(focusQueue)
	h.m.queue.SelectID("c2")
	h.press("enter")
	if !h.m.showProfile {
		h.press("p")
	}
	s = h.screen()
	if strings.Contains(s, "xiaoming@example.com") || !strings.Contains(s, "history across channels: not provided") {
		t.Fatalf("c2's profile:\n%s", s)
	}
	// A first-time customer says so.
	h.be.detail["c2"] = protocol.ConversationDetail{Conversation: conv(h, "c2"),
		Customer: &protocol.Customer{ID: "u2", Name: "🎉 Zoë 佐藤", VIP: true}, History: []protocol.PastConversation{}}
	h.send(h.m.load("c2")())
	if s = h.screen(); !strings.Contains(s, "No other conversations.") || !strings.Contains(s, "u2 · VIP") {
		t.Fatalf("first-time customer's profile:\n%s", s)
	}
}

// TestStreamingDraftReplacesRegenerating: deltas for the open conversation
// show live in the draft panel (instead of "regenerating…" and the old
// draft) with a streaming marker; the old draft cannot be acted on while
// the new one is written; a newer open draft.updated replaces the text.
func TestStreamingDraftReplacesRegenerating(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("R", "1")
	if !strings.Contains(h.screen(), "regenerating… (shorter)") {
		t.Fatalf("no regenerating line:\n%s", h.screen())
	}
	delta := func(job, text string, reset bool) {
		h.send(UpdatesMsg{Updates: []client.Update{client.DraftDelta{ConversationID: "c1", JobID: job, Text: text, Reset: reset}}})
	}
	delta("g_1", "Sorry for the wait,", false)
	scr := h.screen()
	if !strings.Contains(scr, "AI draft ✎ streaming…") || !strings.Contains(scr, "Sorry for the wait,") ||
		strings.Contains(scr, "regenerating") || strings.Contains(scr, "已加急处理") {
		t.Fatalf("streaming text not shown in place of the old draft:\n%s", scr)
	}
	delta("g_1", " it ships today.", false)
	if !strings.Contains(h.screen(), "Sorry for the wait, it ships today.") {
		t.Fatalf("text did not grow:\n%s", h.screen())
	}
	// Deltas for another conversation do not touch this panel.
	h.send(UpdatesMsg{Updates: []client.Update{client.DraftDelta{ConversationID: "c2", JobID: "g_9", Text: "VIP积分"}}})
	if strings.Contains(h.screen(), "VIP积分") {
		t.Fatalf("another conversation's stream shown:\n%s", h.screen())
	}
	// The old draft is not what the panel shows: no accepting it now.
	h.press("a")
	if outs := h.enqueued(protocol.ReqOutcome); len(outs) != 0 || !strings.Contains(h.notice(), "still being written") {
		t.Fatalf("accepted during streaming: %+v, notice %q", outs, h.notice())
	}
	// A reset starts the text over; another job replaces it.
	delta("g_1", "Offline: ", true)
	if scr := h.screen(); strings.Contains(scr, "Sorry for the wait") || !strings.Contains(scr, "Offline: ") {
		t.Fatalf("reset did not start over:\n%s", scr)
	}
	delta("g_2", "Hello again", false)
	if scr := h.screen(); strings.Contains(scr, "Offline: ") || !strings.Contains(scr, "Hello again") {
		t.Fatalf("a new job did not replace the text:\n%s", scr)
	}
	// The superseded old draft changes nothing; the new open draft replaces the stream.
	old, _ := h.m.desk.Draft("c1")
	old.Status = "superseded"
	nd := protocol.Draft{ID: "d2", ConversationID: "c1", Text: "Hello again, it ships today.", BasedOnSeq: 3, Provider: "openai",
		Model: "m", PromptVersion: "draft-v2", Instruction: "shorter", Status: "open", CreatedAt: ms(0)}
	h.send(UpdatesMsg{Updates: []client.Update{event(40, protocol.EvDraft, &protocol.DraftEvent{Draft: old})}})
	if !strings.Contains(h.screen(), "streaming…") {
		t.Fatalf("a superseded draft ended the stream:\n%s", h.screen())
	}
	h.send(UpdatesMsg{Updates: []client.Update{event(41, protocol.EvDraft, &protocol.DraftEvent{Draft: nd})}})
	scr = h.screen()
	if strings.Contains(scr, "streaming…") || strings.Contains(scr, "regenerating") || !strings.Contains(scr, "Hello again, it ships today.") {
		t.Fatalf("finished draft did not replace the stream:\n%s", scr)
	}
	h.press("a", "2") // c1 is angry: yes, send it
	if outs := h.enqueued(protocol.ReqOutcome); len(outs) != 1 || outs[0].(protocol.OutcomeReq).DraftID != "d2" {
		t.Fatalf("accept after streaming = %+v", outs)
	}
	// c2's stream was kept for when it is opened; a failed generation's empty reset drops it.
	if st, ok := h.m.desk.Stream("c2"); !ok || st.Text != "VIP积分" {
		t.Fatalf("c2 stream = %+v", st)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.DraftDelta{ConversationID: "c2", JobID: "g_9", Reset: true}}})
	if h.m.desk.Streaming("c2") {
		t.Fatal("an empty reset did not end the stream")
	}
}

// TestTransferOffersOnlyPeopleWhoTakeChats: the transfer list leaves out
// accounts a chat would be lost with — an admin/integration account (the
// demo's shop bot), a lead at capacity 0 ("takes nothing") and trainers.
func TestTransferOffersOnlyPeopleWhoTakeChats(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.m.desk.PutAgent(protocol.Agent{ID: "shopbot", Name: "Shop bot", Role: protocol.RoleAdmin, Status: protocol.StatusOffline})
	h.m.desk.PutAgent(protocol.Agent{ID: "floor", Name: "Floor watcher", Role: protocol.RoleLead, Status: protocol.StatusOnline})
	h.m.desk.PutAgent(protocol.Agent{ID: "tina", Name: "Tina trainer", Role: protocol.RoleTrainer, Status: protocol.StatusOnline, Capacity: 5})
	openC1(h)
	h.press("t")
	scr := h.screen()
	for _, name := range []string{"Shop bot", "Floor watcher", "Tina trainer"} {
		if strings.Contains(scr, name) {
			t.Errorf("transfer dialog offers %s:\n%s", name, scr)
		}
	}
	if !strings.Contains(scr, "张伟") || !strings.Contains(scr, "Lee") {
		t.Fatalf("transfer dialog lost the real teammates:\n%s", scr)
	}
}

// TestHelpUsesTheWidthAndScrolls: on a wide terminal the help fills the
// width instead of cutting descriptions short beside an empty column; on
// 80×24 it says there is more and pgdown reaches the end.
func TestHelpUsesTheWidthAndScrolls(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("?")
	scr := h.screen()
	for _, s := range []string{"release to queue", "edit draft in $EDITOR", "ctrl+s/alt+enter"} {
		if !strings.Contains(scr, s) {
			t.Errorf("160×48 help cuts %q short:\n%s", s, scr)
		}
	}
	if strings.Contains(scr, "reassign selected (lead)") || strings.Contains(scr, "take over (lead)") {
		t.Errorf("an agent's help lists lead actions:\n%s", scr)
	}
	// An agent's help leaves out the lead's board and the trainer's view.
	if strings.Contains(scr, "drain agent") || strings.Contains(scr, "promote to knowledge base") {
		t.Errorf("an agent's help lists the team board's or review's keys:\n%s", scr)
	}
	lead := newLeadHarness(t, lang.EN, 160, 48)
	lead.press("?")
	if scr := lead.screen(); !strings.Contains(scr, "drain agent") || !strings.Contains(scr, "Review") {
		t.Errorf("a lead's help lacks the team board or review:\n%s", scr)
	}
	h = newHarness(t, lang.EN, 80, 24)
	h.press("?")
	if scr := h.screen(); !strings.Contains(scr, "↑/↓ 1–") || strings.Contains(scr, "q/ctrl+c") {
		t.Fatalf("80×24 help does not say it scrolls:\n%s", scr)
	}
	h.press("pgdown", "pgdown", "pgdown", "pgdown")
	if scr := h.screen(); !strings.Contains(scr, "q/ctrl+c") {
		t.Fatalf("pgdown does not reach the end of the help:\n%s", scr)
	}
	h.press("pgup", "pgup", "pgup", "pgup")
	if scr := h.screen(); !strings.Contains(scr, "take next") {
		t.Fatalf("pgup does not go back to the top:\n%s", scr)
	}
}

// quits reports whether the messages a key press produced include the
// program's quit.
func quits(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if fmt.Sprintf("%T", m) == "tea.QuitMsg" {
			return true
		}
	}
	return false
}

// TestQuitOfflineWithOutboxAsks: quitting while offline with replies still
// in the outbox asks first (they go out only when this desk next
// connects); online, or with nothing pending, q quits at once.
func TestQuitOfflineWithOutboxAsks(t *testing.T) {
	h := newHarness(t, lang.EN, 80, 24)
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline}}})
	openC1(h)
	h.press("r")
	h.typeText("Sorry, checking now")
	h.press("ctrl+s", "esc")
	if h.m.Pending() == 0 {
		t.Fatal("the reply is not pending")
	}
	if quits(h.press("q")) {
		t.Fatal("q quit at once with an unsent reply while offline")
	}
	if scr := h.screen(); !strings.Contains(scr, "not sent yet") || !strings.Contains(scr, "Quit anyway?") {
		t.Fatalf("no question before quitting:\n%s", scr)
	}
	if quits(h.press("1")) { // No
		t.Fatal("No quit")
	}
	if !quits(h.press("q", "2")) { // Yes
		t.Fatal("Yes did not quit")
	}

	h = newHarness(t, lang.EN, 80, 24)
	if !quits(h.press("q")) {
		t.Fatal("q does not quit an online desk with an empty outbox")
	}
}

// TestEvidenceIsNotQuotedTwice: the rules' evidence is a list of quoted
// words; the card shows it as is, not wrapped in another pair of quotes.
func TestEvidenceIsNotQuotedTwice(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	withEscalation(h, func(e *protocol.Escalation) { e.Evidence = `"律师", "起诉", "12315"` })
	openC1(h)
	scr := h.screen()
	if strings.Contains(scr, `“"`) || !strings.Contains(scr, `"律师", "起诉", "12315"`) {
		t.Fatalf("evidence:\n%s", scr)
	}
}

// withEscalation changes c1's escalation on the desk and the backend.
func withEscalation(h *harness, change func(*protocol.Escalation)) {
	c := conv(h, "c1")
	esc := *c.Escalation
	change(&esc)
	c.Escalation = &esc
	h.m.desk.Upsert(c)
	h.be.convs["c1"] = c
	d := h.be.detail["c1"]
	d.Conversation = c
	h.be.detail["c1"] = d
}

// TestEvidenceInTheDesksLanguage: the rules' evidence comes with its facts,
// and a Chinese desk words them in Chinese (was the rules' English text,
// "negative (score -0.63): …", on the 中文 card); an integration's own
// evidence text, without facts, shows as it is.
func TestEvidenceInTheDesksLanguage(t *testing.T) {
	cases := []struct {
		facts         protocol.EvidenceFacts
		want, english string
	}{
		{protocol.EvidenceFacts{Kind: protocol.EvidenceNegative, Score: -0.63, Excerpt: "等了一周还没到"},
			"负面（得分 -0.63）：“等了一周还没到”", "negative (score -0.63)"},
		{protocol.EvidenceFacts{Kind: protocol.EvidenceBotFailures, Count: 2, Threshold: 0.45},
			"机器人有 2 次回答是兜底或置信度低于 0.45", "bot replies were fallbacks"},
		{protocol.EvidenceFacts{Kind: protocol.EvidenceCues, Cues: []string{"律师", "起诉"}}, "“律师”、“起诉”", `"律师"`},
		{protocol.EvidenceFacts{Kind: protocol.EvidenceNoBot, Channel: "wechat"}, "微信没有机器人应答", "no bot answers"},
	}
	for _, tc := range cases {
		h := newHarness(t, lang.ZhCN, 160, 48)
		withEscalation(h, func(e *protocol.Escalation) {
			e.Evidence, e.Facts = tc.english+": the rules' English", &tc.facts
		})
		openC1(h)
		scr := h.screen()
		if !strings.Contains(scr, tc.want) || strings.Contains(scr, tc.english) {
			t.Errorf("%s: the card lacks %q or shows %q:\n%s", tc.facts.Kind, tc.want, tc.english, scr)
		}
	}
}

// TestRejectNoteSaysHowToGetBack: while the note is typed, the reject
// dialog says how to get back to the reason keys (digits go into the
// note), instead of still offering "tab add a note first".
func TestRejectNoteSaysHowToGetBack(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("x", "tab")
	h.typeText("tone 2")
	scr := h.screen()
	if !strings.Contains(scr, "then pick a reason (1-7)") || strings.Contains(scr, "add a note first") {
		t.Fatalf("reject dialog while typing the note:\n%s", scr)
	}
	h.press("tab", "2")
	got := h.enqueued(protocol.ReqOutcome)
	if len(got) != 1 || got[0].(protocol.OutcomeReq).Reason != "wrong_tone" || got[0].(protocol.OutcomeReq).Note != "tone 2" {
		t.Fatalf("reject = %+v", got)
	}
}

// TestCtrlCQuitsFromTextEntry: ctrl+c quits from the reply box too (it was
// swallowed there), asking first when a reply is being written; a second
// ctrl+c at the question quits. An empty box quits at once.
func TestCtrlCQuitsFromTextEntry(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("half a reply")
	if quits(h.press("ctrl+c")) {
		t.Fatal("ctrl+c quit at once with a reply being written")
	}
	if scr := h.screen(); !strings.Contains(scr, "not sent or saved") {
		t.Fatalf("no question:\n%s", scr)
	}
	h.press("esc")
	if h.m.compose.ta.Value() != "half a reply" {
		t.Fatalf("the reply was lost: %q", h.m.compose.ta.Value())
	}
	if !quits(h.press("ctrl+c", "ctrl+c")) {
		t.Fatal("ctrl+c twice did not quit")
	}

	h = newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	if !quits(h.press("ctrl+c")) {
		t.Fatal("ctrl+c in an empty reply box did not quit")
	}
}

// TestQuitAsksWithUnsentTextKept: a reply closed with esc is kept for its
// chat in memory only, so q asks before quitting (it quit at once and the
// text was gone on the next start); a second q at the question quits.
func TestQuitAsksWithUnsentTextKept(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("half a reply")
	h.press("esc", "esc")
	if quits(h.press("q")) {
		t.Fatal("q quit at once with a reply kept unsent")
	}
	if scr := h.screen(); !strings.Contains(scr, "Unsent text in 1 chat") {
		t.Fatalf("no question:\n%s", scr)
	}
	h.press("esc")
	if !h.m.compose.hasKept("c1") {
		t.Fatal("the kept reply went when the question was cancelled")
	}
	if !quits(h.press("q", "ctrl+c")) {
		t.Fatal("asking again and confirming did not quit")
	}
}

// TestTypingReachesTheCustomer: writing a reply tells the server the agent
// is typing (the web chat shows it) at most every few seconds; a note
// never does.
func TestTypingReachesTheCustomer(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.be.do = func(string, any, any) error { return nil }
	h.press("r")
	h.typeText("Hello")
	got := h.be.find("do:" + protocol.ReqTyping)
	if len(got) != 1 || got[0].arg.(protocol.TypingReq).ConversationID != "c1" {
		t.Fatalf("typing requests %v, want one for c1", got)
	}
	h.m.now = h.m.now.Add(typingEvery)
	h.typeText(" again")
	if n := len(h.be.find("do:" + protocol.ReqTyping)); n != 2 {
		t.Fatalf("%d typing requests after a pause, want 2", n)
	}
	h.press("esc")
	h.be.reset()
	h.m.now = h.m.now.Add(typingEvery)
	h.press("i")
	h.typeText("internal only")
	if h.m.focus != focusCompose || h.m.compose.mode != composeNote {
		t.Fatalf("i: focus %v mode %v, want a note", h.m.focus, h.m.compose.mode)
	}
	if n := len(h.be.find("do:" + protocol.ReqTyping)); n != 0 {
		t.Fatalf("a note said the agent was typing (%d requests)", n)
	}
}

// message.created carries only what the message changed on its
// conversation: the desk applies it to what it knows (name, priority,
// flags stay), updates the queue row, and ignores the conversation part
// for a conversation it does not know (the message still counts nowhere).
func TestLeanMessageEventKeepsWhatTheDeskKnows(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	before := conv(h, "c2")
	after := before
	after.Version, after.LastSeq, after.LastCustomer, after.UpdatedAt = before.Version+1, before.LastSeq+1, before.LastSeq+1, ms(0)
	h.send(UpdatesMsg{Updates: []client.Update{event(40, protocol.EvMessage, &protocol.MessageEvent{
		Message:      protocol.Message{ID: "m9", ConversationID: "c2", Seq: after.LastSeq, Author: protocol.AuthorCustomer, Text: "还在吗", CreatedAt: ms(0)},
		Conversation: protocol.ChangeOf(after)})}})
	got := conv(h, "c2")
	if got.CustomerName != before.CustomerName || got.Priority != before.Priority || got.VIP != before.VIP || got.Status != before.Status {
		t.Fatalf("the lean event lost what the desk knew: %+v", got)
	}
	if got.Version != after.Version || got.LastCustomer != after.LastCustomer {
		t.Fatalf("the lean event was not applied: %+v", got)
	}
	if !strings.Contains(h.screen(), "Zoë") {
		t.Fatalf("the queue row lost its customer:\n%s", h.screen())
	}
	// An older change (the desk has a newer version) changes nothing.
	stale := protocol.ChangeOf(before)
	h.send(UpdatesMsg{Updates: []client.Update{event(41, protocol.EvMessage, &protocol.MessageEvent{
		Message: protocol.Message{ID: "m8", ConversationID: "c2", Seq: before.LastSeq, Author: protocol.AuthorCustomer}, Conversation: stale})}})
	if conv(h, "c2").Version != after.Version {
		t.Fatal("an older change was applied")
	}
	// A conversation the desk does not know stays unknown.
	h.send(UpdatesMsg{Updates: []client.Update{event(42, protocol.EvMessage, &protocol.MessageEvent{
		Message:      protocol.Message{ID: "m1", ConversationID: "c_gone", Seq: 7, Author: protocol.AuthorAgent, Text: "note"},
		Conversation: protocol.ConversationChange{ID: "c_gone", Version: 12, Status: protocol.ConvResolved, LastSeq: 7}})}})
	if _, ok := h.m.desk.Conversation("c_gone"); ok {
		t.Fatal("a partial conversation was added to the desk")
	}
	if strings.Contains(h.screen(), "c_gone") {
		t.Fatal("the unknown conversation shows in the queue")
	}
}

// A Chinese desk words a server refusal by its code; the server's English
// message and the ids in it stay in the log.
func TestServerErrorsInTheDesksLanguage(t *testing.T) {
	h := newHarness(t, lang.ZhCN, 160, 48)
	h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: "o-1", Type: protocol.ReqSend,
		Err: protocol.Errorf(protocol.CodeConflict, "conversation c_06h54fkz2qytyrzj is assigned to lena")}}})
	n := h.notice()
	if !h.m.notice.err || strings.Contains(n, "c_06h") || strings.Contains(n, "assigned") ||
		!strings.Contains(n, i18n.For(lang.ZhCN).ErrorWords[protocol.CodeConflict]) {
		t.Fatalf("notice %q", n)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: "o-2", Type: protocol.ReqResolve,
		Err: protocol.Errorf(protocol.CodeForbidden, "only leads and admins can resolve c_1 for another agent")}}})
	if n := h.notice(); strings.Contains(n, "only leads") || !strings.Contains(n, "无权") {
		t.Fatalf("notice %q", n)
	}
	// An English desk keeps the server's words.
	en := newHarness(t, lang.EN, 160, 48)
	en.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: "o-1", Type: protocol.ReqResolve,
		Err: protocol.Errorf(protocol.CodeForbidden, "only leads and admins can do that")}}})
	if n := en.notice(); !strings.Contains(n, "only leads and admins can do that") {
		t.Fatalf("en notice %q", n)
	}
}

// G (newest) in the copilot pane shows the end of the copilot's lines at
// 80×24, and scrolling down past the end does not pile up (k comes back at
// once).
func TestCopilotPaneScrollsToTheEnd(t *testing.T) {
	h := newHarness(t, lang.EN, 80, 24)
	openC1(h)
	h.m.focus = focusCopilot
	h.m.Render()
	lines := h.m.copilotLines(h.m.lay.copilot.w)
	rows := h.m.lay.copilot.h - 1
	if len(lines) <= rows {
		t.Fatalf("%d copilot lines fit %d rows; the test needs more", len(lines), rows)
	}
	last := strings.TrimSpace(stripANSI(lines[len(lines)-1]))
	h.press("G")
	if !strings.Contains(h.screen(), last) {
		t.Fatalf("after G the copilot pane lacks its last line %q:\n%s", last, h.screen())
	}
	for range 20 {
		h.press("j")
	}
	h.press("k")
	first := strings.TrimSpace(stripANSI(lines[len(lines)-rows-1]))
	if !strings.Contains(h.screen(), first) {
		t.Fatalf("one k after the end does not scroll back one line (want %q):\n%s", first, h.screen())
	}
}

// A conversation opened while offline loads its transcript once the desk is
// back online (it said "No messages yet." until the agent opened it again).
func TestTranscriptOpenedOfflineLoadsOnReconnect(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline, RetryAt: now.Add(4 * time.Second)}}})
	h.be.err = protocol.Errorf(protocol.CodeUnavailable, "offline")
	h.m.queue.SelectID("c1")
	h.press("enter")
	if h.m.Open() != "c1" || strings.Contains(h.screen(), "我的订单三天了还没发货") {
		t.Fatalf("offline open: open %q, screen:\n%s", h.m.Open(), h.screen())
	}
	h.be.err = nil
	h.be.reset()
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOnline}}})
	if len(h.be.find("get")) != 1 || !strings.Contains(h.screen(), "我的订单三天了还没发货") {
		t.Fatalf("after reconnecting: %d loads, screen:\n%s", len(h.be.find("get")), h.screen())
	}
}

// TestChineseLineBreakingEverywhere: cards, labels and dialogs wrap Chinese
// with the transcript's rules — no pane line starts with closing
// punctuation (，。；、）” …) nor ends with an opening one (issue 14: the
// empty copilot pane ended a line with "领取下一个（").
func TestChineseLineBreakingEverywhere(t *testing.T) {
	const closing, opening = "，。、；：？！）」》”…", "（「《“"
	for _, sz := range [][2]int{{160, 48}, {80, 24}, {120, 40}} {
		h := newHarness(t, lang.ZhCN, sz[0], sz[1])
		screens := []string{h.screen()}
		openC1(h)
		screens = append(screens, h.screen())
		h.press("t")
		screens = append(screens, h.screen())
		for _, scr := range screens {
			for _, line := range strings.Split(scr, "\n") {
				for _, seg := range strings.Split(line, "│") {
					seg = strings.TrimSpace(seg)
					if seg == "" {
						continue
					}
					r := []rune(seg)
					if strings.ContainsRune(closing, r[0]) || strings.ContainsRune(opening, r[len(r)-1]) {
						t.Fatalf("%dx%d: a line breaks against the rules: %q\n%s", sz[0], sz[1], seg, scr)
					}
				}
			}
		}
	}
}
