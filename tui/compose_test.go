package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
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

// TestQueuedReplyShowsAtOnceWithItsWritingTime: a reply written while the
// desk is offline shows in the transcript at once, marked queued (then
// sending… once online), with the time it was written; it goes out with
// that time (written_at), and once the server has it, it shows once, at
// the time written and the time sent (issue 14: queued replies did not
// show until delivered, and then at the delivery time).
func TestQueuedReplyShowsAtOnceWithItsWritingTime(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline}}})
	h.press("r")
	h.typeText("Your refund is on its way")
	h.press("ctrl+s")
	sent := h.enqueued(protocol.ReqSend)
	if len(sent) != 1 || sent[0].(protocol.TextReq).WrittenAt != now.UnixMilli() {
		t.Fatalf("sent %+v; want one reply written at %d", sent, now.UnixMilli())
	}
	line := func() string {
		for _, l := range strings.Split(h.screen(), "\n") {
			if strings.Contains(l, "Agent · Alice") && strings.Contains(l, "10:30") {
				return l
			}
		}
		return ""
	}
	if s := h.screen(); strings.Count(s, "Your refund is on its way") != 1 || !strings.Contains(line(), "queued") {
		t.Fatalf("the queued reply is not in the transcript, marked queued at 10:30:\n%s", s)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOnline}}})
	if !strings.Contains(line(), "sending…") {
		t.Fatalf("online, the reply does not say sending…:\n%s", h.screen())
	}
	// The server takes it 17 minutes later; its event can come before the ack.
	c := conv(h, "c1")
	c.LastSeq, c.Version = 4, c.Version+1
	reply := protocol.Message{ID: "m4", ConversationID: "c1", Seq: 4, Author: protocol.AuthorAgent, AuthorID: "alice",
		AuthorName: "Alice 客服", Text: "Your refund is on its way", Delivery: "pending", CreatedAt: ms(17 * time.Minute), WrittenAt: now.UnixMilli()}
	h.send(UpdatesMsg{Updates: []client.Update{event(50, protocol.EvMessage, &protocol.MessageEvent{Message: reply, Conversation: protocol.ChangeOf(c)})}})
	if s := h.screen(); strings.Count(s, "Your refund is on its way") != 1 {
		t.Fatalf("the reply shows %d times once the server has it:\n%s", strings.Count(s, "Your refund is on its way"), s)
	}
	h.send(UpdatesMsg{Updates: []client.Update{client.OutboxResult{ID: "o-1", Type: protocol.ReqSend}}})
	if s := h.screen(); strings.Count(s, "Your refund is on its way") != 1 || !strings.Contains(s, "10:30 (sent 10:47)") {
		t.Fatalf("after the ack: the reply once, written 10:30 and sent 10:47:\n%s", s)
	}
}
