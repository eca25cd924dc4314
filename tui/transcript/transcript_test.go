package transcript

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

var now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func at(d time.Duration) int64 { return now.Add(d).UnixMilli() }

func sample() []protocol.Message {
	return []protocol.Message{
		{ID: "m1", Seq: 1, Author: "customer", AuthorName: "王小明", Text: "你好，我的订单 #88231 已经三天没有发货了，请问什么时候能到？我很着急，明天要用。", CreatedAt: at(-26 * time.Hour)},
		{ID: "m2", Seq: 2, Author: "bot", AuthorName: "小助手", Text: "您好！订单预计 2–3 个工作日内发货。\nIs there anything else? 🙂", CreatedAt: at(-20 * time.Minute)},
		{ID: "m3", Seq: 3, Author: "customer", AuthorName: "王小明\x1b]0;pwned\x07", Text: "转人工！\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J \u202eevil\u202c 😡😡", CreatedAt: at(-18 * time.Minute),
			Attachments: []protocol.Attachment{{ID: "a1", Name: "破损照片\x1b[2J\u202egnp.exe.png", ContentType: "image/png", Size: 482_133}}},
		{ID: "m4", Seq: 4, Author: "system", Text: "Escalated: asks_for_human (bot confidence 0.31)", CreatedAt: at(-18 * time.Minute)},
		{ID: "m5", Seq: 5, Author: "note", AuthorName: "Lead 张伟", Text: "VIP customer — offer express shipping if stock allows.", CreatedAt: at(-10 * time.Minute)},
		{ID: "m6", Seq: 6, Author: "agent", AuthorName: "Alice", Text: "您好王先生，非常抱歉让您久等了。我已为您加急处理，今天下午会安排顺丰发出。", Delivery: "delivered", CreatedAt: at(-5 * time.Minute),
			Attachments: []protocol.Attachment{{ID: "a2", Name: "invoice-88231.pdf", ContentType: "application/pdf", Size: 812}}},
		{ID: "m7", Seq: 7, Author: "agent", AuthorName: "Alice", Text: "Tracking number to follow.", Delivery: "failed", CreatedAt: at(-1 * time.Minute)},
	}
}

func newModel(lg lang.Lang, w, h int) *Model {
	m := New(themes.New(themes.Dark, false), i18n.For(lg), time.UTC)
	m.SetNow(now)
	m.SetSize(w, h)
	m.SetMessages(sample())
	return m
}

func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Errorf("line %d is %d cells wide, want %d: %q", i, got, w, ansi.Strip(l))
		}
	}
	plain := ansi.Strip(out)
	if strings.Contains(plain, "\x1b") || strings.Contains(out, "]52;") || strings.Contains(out, "[2J") ||
		strings.Contains(out, "\u202e") || strings.Contains(out, "pwned\x07") {
		t.Error("attack bytes reached the frame")
	}
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 20}} {
		for _, lg := range lang.All {
			t.Run(fmt.Sprintf("%s_%d", lg, size.w), func(t *testing.T) {
				m := newModel(lg, size.w, size.h)
				out := m.Render()
				checkFrame(t, out, size.w, size.h)
				golden.RequireEqual(t, ansi.Strip(out))
			})
		}
	}
}

func TestAuthorsDistinctWithoutColour(t *testing.T) {
	m := New(themes.New(themes.Dark, true), i18n.For(lang.EN), time.UTC)
	m.SetNow(now)
	m.SetSize(80, 40)
	m.SetMessages(sample())
	plain := ansi.Strip(m.Render())
	for _, want := range []string{"Customer · 王小明", "Bot · 小助手", "System", "┃ Internal note · Lead 张伟", "┃ VIP customer", "Agent · Alice", "✓ delivered", "✗ not delivered", "03-01 08:30"} {
		if !strings.Contains(plain, want) {
			t.Errorf("frame lacks %q:\n%s", want, plain)
		}
	}
}

func TestScrolling(t *testing.T) {
	km := keymap.New(lang.EN)
	m := newModel(lang.EN, 40, 6)
	bottom := m.Render()
	if !strings.Contains(ansi.Strip(bottom), "Tracking number") {
		t.Fatalf("following view does not show the newest message:\n%s", ansi.Strip(bottom))
	}
	m.HandleKey(km, tea.KeyPressMsg{Code: 'k', Text: "k"})
	if m.Following() || m.Render() == bottom {
		t.Error("k did not scroll up")
	}
	m.HandleKey(km, tea.KeyPressMsg{Code: 'g', Text: "g"})
	if top := ansi.Strip(m.Render()); !strings.HasPrefix(top, "Customer · 王小明") {
		t.Errorf("g did not go to the oldest message:\n%s", top)
	}
	m.Append(protocol.Message{ID: "m8", Author: "customer", Text: "hello?", CreatedAt: at(0)})
	if f := ansi.Strip(m.Render()); !strings.Contains(f, "↓ 1 new") || strings.Contains(f, "hello?") {
		t.Errorf("new message while scrolled up should be announced, not shown:\n%s", f)
	}
	m.HandleKey(km, tea.KeyPressMsg{Code: 'G', Text: "G"})
	if f := ansi.Strip(m.Render()); !m.Following() || !strings.Contains(f, "hello?") || strings.Contains(f, "new") {
		t.Errorf("G did not return to the newest message:\n%s", f)
	}
	// Scrolling down from the top must come back to following.
	m.Top()
	for range 200 {
		m.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	if !m.Following() {
		t.Error("paging down to the end did not resume following")
	}
	if act, handled := m.HandleKey(km, tea.KeyPressMsg{Code: 'a', Text: "a"}); act != keymap.DraftAccept || handled {
		t.Errorf("a = %s %v; draft actions belong to the root", act, handled)
	}
}

// TestScrollIsContinuous walks the whole transcript one line at a time and
// checks each frame is the previous one shifted by one line.
func TestScrollIsContinuous(t *testing.T) {
	m := newModel(lang.EN, 30, 5)
	m.Top()
	prev := strings.Split(ansi.Strip(m.Render()), "\n")
	for step := 0; !m.Following(); step++ {
		m.ScrollDown(1)
		cur := strings.Split(ansi.Strip(m.Render()), "\n")
		if !m.Following() && strings.Join(prev[1:], "\n") != strings.Join(cur[:len(cur)-1], "\n") {
			t.Fatalf("step %d: frame did not shift by one line:\n%s\n---\n%s", step, strings.Join(prev, "\n"), strings.Join(cur, "\n"))
		}
		prev = cur
		if step > 1000 {
			t.Fatal("never reached the bottom")
		}
	}
}

func TestDeliveryUpdateRerenders(t *testing.T) {
	m := newModel(lang.EN, 80, 10)
	m.SetDelivery("m7", "delivered")
	if f := ansi.Strip(m.Render()); strings.Contains(f, "not delivered") {
		t.Errorf("cached block kept the old delivery status:\n%s", f)
	}
}

// A bot turn sent by mail shows its delivery like an agent's reply; a chat
// turn (no delivery) shows none.
func TestBotMailDeliveryShown(t *testing.T) {
	m := newModel(lang.EN, 80, 30)
	msgs := sample()[:2]
	msgs = append(msgs, protocol.Message{ID: "m9", Seq: 9, Author: "bot", AuthorName: "Shopbot", Text: "Hello Sam,", Delivery: "pending", CreatedAt: at(-time.Minute)})
	m.SetMessages(msgs)
	m.SetDelivery("m9", "delivered")
	f := ansi.Strip(m.Render())
	if strings.Count(f, "✓ delivered") != 1 || !strings.Contains(f, "Shopbot  ") {
		t.Errorf("frame:\n%s", f)
	}
}

func longConversation(n int) []protocol.Message {
	texts := []string{
		"你好，我的订单已经三天没有发货了，请问什么时候能到？我很着急，明天要用。",
		"Hello, I was charged twice for the same order and nobody answers my emails. 😡",
		"您好！订单预计 2–3 个工作日内发货。Is there anything else I can help with?",
		"ok",
	}
	authors := []string{"customer", "agent", "bot", "note", "system"}
	msgs := make([]protocol.Message, n)
	for i := range msgs {
		msgs[i] = protocol.Message{ID: fmt.Sprint(i), Seq: i + 1, Author: authors[i%len(authors)], AuthorName: "王小明",
			Text: texts[i%len(texts)], CreatedAt: at(time.Duration(i-n) * time.Minute), Delivery: "delivered"}
	}
	return msgs
}

// BenchmarkScroll5000 scrolls a 5,000-message conversation a line per frame,
// up and down over a wide span, rendering each frame.
func BenchmarkScroll5000(b *testing.B) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), time.UTC)
	m.SetNow(now)
	m.SetSize(100, 40)
	m.SetMessages(longConversation(5000))
	m.Render()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%2000 < 1000 {
			m.ScrollUp(3)
		} else {
			m.ScrollDown(3)
		}
		_ = m.Render()
	}
}

// BenchmarkOpen5000 is the first frame after opening the conversation:
// only the messages on screen are wrapped.
func BenchmarkOpen5000(b *testing.B) {
	msgs := longConversation(5000)
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), time.UTC)
	m.SetNow(now)
	m.SetSize(100, 40)
	b.ReportAllocs()
	for b.Loop() {
		m.SetMessages(msgs)
		_ = m.Render()
	}
}
