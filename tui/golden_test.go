package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
)

// TestGolden renders every view of the desk at 80×24 and 160×48, colour
// stripped, in both languages where the words differ. The fixture has
// Chinese names, emoji and escape-sequence attacks in names, summaries and
// messages; checkFrame also fails if any ESC or BEL survived.
func TestGolden(t *testing.T) {
	views := []goldenView{
		{"queue", func(h *harness) {}},
		{"conversation", func(h *harness) { openC1(h) }},
		{"copilot", func(h *harness) { openC1(h); h.press("tab", "p", "s") }},
		{"edit", func(h *harness) { openC1(h); h.press("e") }},
		{"reject", func(h *harness) { openC1(h); h.press("x") }},
		{"transfer", func(h *harness) { openC1(h); h.press("t") }},
		{"help", func(h *harness) { h.press("?") }},
		{"palette", func(h *harness) { h.press("ctrl+p"); h.typeText("draft") }},
		{"filter", func(h *harness) { h.press("/"); h.typeText("佐藤") }},
		{"offline", func(h *harness) {
			h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline, RetryAt: now.Add(12 * time.Second)}}})
			openC1(h)
			h.press("a", "2") // c1 is angry: confirm
		}},
		{"attack", func(h *harness) { h.m.queue.SelectID("c3"); h.press("enter") }},
		{"streaming", func(h *harness) {
			openC1(h)
			h.press("R", "1")
			h.send(UpdatesMsg{Updates: []client.Update{
				client.DraftDelta{ConversationID: "c1", JobID: "g_1", Text: "王先生您好，订单 #88231 "},
				client.DraftDelta{ConversationID: "c1", JobID: "g_1", Text: "已加急\x1b[2J，今天发出。"},
			}})
		}},
	}
	runGoldens(t, newHarness, views)
}

// TestNoColorStillShowsFocusAndSelection: without colour, the focused pane
// and selected row are still visible (glyph and reverse video).
func TestNoColorStillShowsFocus(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	*h.m.st = *themes.New(themes.Dark, true)
	h.m.invalidate()
	out := h.m.Render()
	if !strings.Contains(out, "▌Queue") || !strings.Contains(out, "\x1b[7") && !strings.Contains(out, ";7m") {
		t.Fatalf("no focus glyph or reverse video without colour")
	}
}

// bigWorld is a desk with n queued escalations and one open conversation
// of msgs messages.
func bigWorld(b testing.TB, n, msgs int) *harness {
	t, ok := b.(*testing.T)
	if !ok {
		t = &testing.T{}
	}
	h := newHarness(t, lang.EN, 160, 48)
	convs := make([]protocol.Conversation, n)
	for i := range convs {
		convs[i] = protocol.Conversation{ID: fmt.Sprintf("q%05d", i), CustomerName: fmt.Sprintf("客户 %d 🙂", i), Channel: "wechat",
			Status: protocol.ConvQueued, Priority: i % 100, Version: 1, Summary: "退款没有到账，要求尽快处理 refund not received",
			Sentiment: "negative", Flags: []protocol.Flag{"angry"}, EscalatedAt: ms(-time.Duration(i%120) * time.Minute), SLADueAt: ms(10 * time.Minute)}
	}
	convs = append(convs, conv(h, "c1"))
	h.send(UpdatesMsg{Updates: []client.Update{client.Welcomed{Welcome: protocol.Welcome{Agent: h.m.desk.Me(), Seq: 100,
		Resume: protocol.ResumeSnapshot, Snapshot: &protocol.Snapshot{Conversations: convs, Agents: []protocol.Agent{h.m.desk.Me()}}}}}})
	long := make([]protocol.Message, msgs)
	for i := range long {
		author := protocol.AuthorCustomer
		if i%3 == 1 {
			author = protocol.AuthorAgent
		}
		long[i] = protocol.Message{ID: fmt.Sprintf("m%d", i), ConversationID: "c1", Seq: i + 1, Author: author,
			Text: strings.Repeat("您好，我的订单还没有发货，请帮我查一下。Where is my parcel? ", 1+i%3), CreatedAt: ms(-time.Hour)}
	}
	h.be.detail["c1"] = protocol.ConversationDetail{Conversation: conv(h, "c1"), Messages: long}
	return h
}

func BenchmarkFrame10kQueue(b *testing.B) {
	h := bigWorld(b, 10000, 0)
	h.m.Render()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Move the cursor so every frame differs, as when an agent scrolls.
		if i%2 == 0 {
			h.m.queue.Move(1)
		} else {
			h.m.queue.Move(-1)
		}
		_ = h.m.Render()
	}
}

func BenchmarkFrameConversation5000(b *testing.B) {
	h := bigWorld(b, 100, 5000)
	openC1(h)
	h.m.Render()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%200 < 100 {
			h.m.transcript.ScrollUp(3)
		} else {
			h.m.transcript.ScrollDown(3)
		}
		_ = h.m.Render()
	}
}

func BenchmarkApplyBurst1000(b *testing.B) {
	h := bigWorld(b, 10000, 0)
	ups := make([]client.Update, 1000)
	for i := range ups {
		c := protocol.Conversation{ID: fmt.Sprintf("q%05d", i*7), CustomerName: "客户", Channel: "web", Status: protocol.ConvQueued,
			Priority: 50, Version: 2, EscalatedAt: ms(-time.Minute)}
		ups[i] = client.Event{Seq: int64(i), Kind: protocol.EvConversation, Payload: &protocol.ConversationEvent{Cause: protocol.CauseEnriched, Conversation: c}}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range ups {
			ups[j].(client.Event).Payload.(*protocol.ConversationEvent).Conversation.Version = int64(i + 2)
		}
		h.m.Update(UpdatesMsg{Updates: ups})
		_ = h.m.Render()
	}
}

// BenchmarkFirstFrame: build the desk, take the welcome snapshot of 10,000
// conversations, draw the first frame.
func BenchmarkFirstFrame(b *testing.B) {
	me, agents, _, _, _ := world()
	convs := make([]protocol.Conversation, 10000)
	for i := range convs {
		convs[i] = protocol.Conversation{ID: fmt.Sprintf("q%05d", i), CustomerName: fmt.Sprintf("客户 %d", i), Channel: "wechat",
			Status: protocol.ConvQueued, Priority: i % 100, Version: 1, Summary: "退款没有到账", EscalatedAt: ms(-time.Minute)}
	}
	for b.Loop() {
		m := New(Deps{Backend: &fakeBackend{}, Now: func() time.Time { return now }, Location: time.UTC})
		m.Update(teaSize(160, 48))
		m.Update(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOnline},
			client.Welcomed{Welcome: protocol.Welcome{Agent: me, Seq: 1, Resume: protocol.ResumeSnapshot,
				Snapshot: &protocol.Snapshot{Conversations: convs, Agents: agents}}}}})
		_ = m.Render()
	}
}
