package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
)

// A long paste arrives whole (it was cut at 8,192 characters and sent
// mid-word); a text over what the server takes is refused before send,
// with the reason on screen, and stays in the box.
func TestLongPasteIsKeptAndOverLimitIsSaidBeforeSend(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	para := strings.Repeat("您好，您的订单已经发出，请注意查收。\n", 400) // 400 lines, ~22 KiB
	h.send(tea.PasteMsg{Content: para})
	if got := h.m.compose.ta.Value(); got != para {
		t.Fatalf("paste of %d bytes / %d lines kept %d bytes", len(para), strings.Count(para, "\n"), len(got))
	}
	h.press("ctrl+s")
	sent := h.enqueued(protocol.ReqSend)
	if len(sent) != 1 || len(sent[0].(protocol.TextReq).Text) != len(para) {
		t.Fatalf("sent %d replies; want the whole paste once", len(sent))
	}

	h.press("r")
	over := strings.Repeat("x", protocol.MaxTextBytes+100)
	h.send(tea.PasteMsg{Content: over})
	if !strings.Contains(h.screen(), "100 over the 32 KiB") {
		t.Errorf("no over-limit warning while composing:\n%s", h.screen())
	}
	h.press("ctrl+s")
	if n := len(h.enqueued(protocol.ReqSend)); n != 1 {
		t.Errorf("an over-limit reply was sent (%d sends)", n)
	}
	if h.m.focus != focusCompose || len(h.m.compose.ta.Value()) != len(over) {
		t.Errorf("the over-limit text left the box (focus %v, %d bytes)", h.m.focus, len(h.m.compose.ta.Value()))
	}
	if !strings.Contains(h.notice(), "Not sent") {
		t.Errorf("notice = %q", h.notice())
	}
}

// At 160×48 the queue shows its assignee column while it has the focus,
// and the reply box gets a third of the pane, not 4 lines.
func TestWideLayoutGivesQueueAndComposerRoom(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	if !strings.Contains(paneText(h.m.queuePane()), "Assignee") {
		t.Errorf("queue at 160 columns has no assignee column:\n%s", h.screen())
	}
	openC1(h)
	h.press("r")
	if rows := h.m.compose.ta.Height(); rows < 10 {
		t.Errorf("reply box has %d rows on a 48-row screen", rows)
	}
}
