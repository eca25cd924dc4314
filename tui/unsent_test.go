package tui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
)

func TestEscKeepsTheReplyForTheChat(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("您好，我查一下")
	h.press("esc")
	if h.m.focus == focusCompose {
		t.Fatal("esc left the box open")
	}
	if !strings.Contains(h.screen(), "unsent text") {
		t.Errorf("header does not show the kept text:\n%s", h.screen())
	}
	h.press("r")
	if got := h.m.compose.ta.Value(); got != "您好，我查一下" {
		t.Errorf("r brought back %q", got)
	}
}

// A send the server refuses (the chat went to someone else) keeps the
// text; the note key posts it as an internal note.
func TestRefusedSendIsKeptAndCanBecomeANote(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("Refund is on its way")
	msgs := h.press("ctrl+s")
	var id string
	for _, msg := range msgs {
		if e, ok := msg.(enqueuedMsg); ok {
			id = e.id
		}
	}
	if id == "" {
		t.Fatal("reply not enqueued")
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: id, Type: protocol.ReqSend,
		Err: &protocol.Error{Code: protocol.CodeForbidden, Message: "conversation c1 is assigned to lena"}}}})
	if !strings.Contains(h.notice(), "i to post it as an internal note") {
		t.Errorf("notice = %q", h.notice())
	}
	h.press("i")
	if h.m.compose.mode != composeNote || h.m.compose.ta.Value() != "Refund is on its way" {
		t.Errorf("note box: mode %v text %q", h.m.compose.mode, h.m.compose.ta.Value())
	}
}

// A reply or note refused after a restart (queued in the outbox file by
// the desk's previous run, so this run never saw it go) is kept too: its
// text comes back from the request, and the agent is told which it was.
func TestRefusedSendFromAnEarlierRunIsKept(t *testing.T) {
	for _, tc := range []struct {
		kind, text, notice string
		mode               composeMode
	}{
		{protocol.ReqSend, "您的退款已经在路上了", "Your reply is kept", composeReply},
		{protocol.ReqNote, "Customer called twice about this", "Your note is kept", composeNote},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			h := newHarness(t, lang.EN, 160, 48)
			openC1(h)
			req, _ := json.Marshal(protocol.TextReq{ConversationID: "c1", Text: tc.text})
			h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: "from-before", Type: tc.kind, Stuck: true, Request: req,
				Err: &protocol.Error{Code: protocol.CodeInternal, Message: "the server failed 8 times on this " + tc.kind}}}})
			if n := h.notice(); !strings.Contains(n, tc.notice) || !strings.Contains(n, "failed 8 times") {
				t.Errorf("notice = %q", n)
			}
			key := "r"
			if tc.mode == composeNote {
				key = "i"
			}
			h.press(key)
			if h.m.compose.mode != tc.mode || h.m.compose.ta.Value() != tc.text {
				t.Errorf("box: mode %v text %q", h.m.compose.mode, h.m.compose.ta.Value())
			}
		})
	}
}

// A lead taking the chat while the agent writes closes the box, says so
// and keeps the text; a lead changing the agent's status says who did.
func TestTakeoverAndLeadChangesAreToldAndTextKept(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.typeText("Almost done")
	c := conv(h, "c1")
	c.Assignee, c.Version = "lee", c.Version+1
	h.send(UpdatesMsg{Updates: []client.Update{event(30, protocol.EvConversation, &protocol.ConversationEvent{
		Cause: protocol.CauseReassigned, By: "lee", Conversation: c})}})
	if h.m.focus == focusCompose {
		t.Error("box still open on a chat that is no longer the agent's")
	}
	if n := h.notice(); !strings.Contains(n, "Lee now has your chat with 王小明") || !strings.Contains(n, "kept") {
		t.Errorf("notice = %q", n)
	}
	h.press("i")
	if h.m.compose.ta.Value() != "Almost done" {
		t.Errorf("note box has %q", h.m.compose.ta.Value())
	}
	h.press("esc")

	me := h.m.desk.Me()
	me.Status, me.Version = protocol.StatusAway, me.Version+1
	h.send(UpdatesMsg{Updates: []client.Update{event(31, protocol.EvAgent, &protocol.AgentEvent{Cause: "status", By: "lee", Agent: me})}})
	if n := h.notice(); !strings.Contains(n, "Lee set your status to away") {
		t.Errorf("notice = %q", n)
	}
}

// What the agent types in the regenerate dialog is the instruction: it was
// dropped and ⏎ then sent the first preset ("shorter").
func TestRegenerateTakesTypedInstruction(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("R")
	h.typeText("mention the tracking number")
	h.press("enter")
	got := h.be.find("regenerate")
	if len(got) != 1 || got[0].arg.(protocol.RegenerateReq).Instruction != "mention the tracking number" {
		t.Fatalf("regenerate calls %+v", got)
	}
	h.press("R", "2")
	if got := h.be.find("regenerate"); len(got) != 2 || got[1].arg.(protocol.RegenerateReq).Instruction != "more formal" {
		t.Fatalf("digit pick: %+v", got)
	}
}

// `a` on a flagged chat asks first; resolving or snoozing while the
// customer waits says so in the dialog.
func TestAcceptOnFlaggedChatAndResolveWhileWaitingAsk(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h) // angry
	h.press("a")
	if len(h.m.dialogs) != 1 || len(h.enqueued(protocol.ReqOutcome)) != 0 {
		t.Fatal("a on an angry chat sent at once")
	}
	if !strings.Contains(h.screen(), "flagged angry") {
		t.Errorf("no reason in the question:\n%s", h.screen())
	}
	h.press("esc")
	h.press("d")
	if !strings.Contains(h.screen(), "the customer has waited 12m for an answer") {
		t.Errorf("resolve dialog does not warn:\n%s", h.screen())
	}
}

// p and s are separate toggles (they were one, with K a third name for
// it): the profile without the source details and the other way round.
func TestProfileAndSourcesAreSeparate(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("p")
	if s := h.screen(); !strings.Contains(s, "xiaoming@example.com") || strings.Contains(s, "shipping-delay-zh 0.82") {
		t.Errorf("p: profile without source details expected:\n%s", s)
	}
	h.press("p", "s")
	if s := h.screen(); strings.Contains(s, "xiaoming@example.com") || !strings.Contains(s, "shipping-delay-zh 0.82") {
		t.Errorf("s: source details without profile expected:\n%s", s)
	}
	if _, ok := h.m.km.Lookup(keymap.ScopeConv, "K"); ok {
		t.Error("K is still bound to a feature that does not exist")
	}
}

// Notices name every request in the UI's words, never by its wire name
// ("set_capacity ✓").
func TestNoticesNeverShowWireNames(t *testing.T) {
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		h := newHarness(t, lg, 120, 30)
		for _, typ := range protocol.RequestTypes() {
			if what := h.m.what(typ, ""); strings.ContainsAny(what, "_.") || (lg == lang.ZhCN && what == typ) {
				t.Errorf("%s: %s is named %q", lg, typ, what)
			}
		}
	}
}

// n in the conversation pane takes the next chat (it did nothing); another
// queue key there says where it works.
func TestQueueKeysFromTheConversationPane(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("n")
	if len(h.be.find("next")) != 1 {
		t.Errorf("n in the conversation pane did not take the next chat")
	}
	openC1(h)
	h.press("/")
	if !strings.Contains(h.notice(), "works in the queue pane") {
		t.Errorf("/ in the conversation pane: notice %q", h.notice())
	}
}
