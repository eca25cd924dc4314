package queue

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

func ms(d time.Duration) int64 { return now.Add(d).UnixMilli() }

// sample is a small queue with the data agents really see: Chinese and
// mixed-script names, emoji, flags, and a customer name carrying an
// escape-sequence attack (OSC 52 clipboard write and a screen clear).
func sample() []protocol.Conversation {
	cs := []protocol.Conversation{
		{ID: "c1", CustomerName: "王小明", Channel: "wechat", Status: "queued", Priority: 80, Version: 1,
			Summary: "订单 #88231 三天未发货，要求退款", Sentiment: "negative", Flags: []protocol.Flag{"angry"},
			EscalatedAt: ms(-12 * time.Minute), SLADueAt: ms(3 * time.Minute)},
		{ID: "c2", CustomerName: "Alice Johnson", Channel: "web", Status: "assigned", Assignee: "a1", Priority: 50, Version: 3,
			Summary: "Wants to change the delivery address before shipping", EscalatedAt: ms(-40 * time.Minute),
			SLADueAt: ms(-5 * time.Minute)},
		{ID: "c3", CustomerName: "Evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2JCorp", Channel: "email", Status: "queued", Priority: 50, Version: 1,
			Summary: "Please \x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ here", EscalatedAt: ms(-5 * time.Minute),
			SLADueAt: ms(55 * time.Minute)},
		{ID: "c4", CustomerName: "🎉 Zoë 佐藤", Channel: "app", Status: "assigned", Assignee: "a2", Priority: 90, Version: 2, VIP: true,
			Summary: "VIP：会员积分没有到账 😡", Flags: []protocol.Flag{"legal_threat", "churn_risk"}, EscalatedAt: ms(-2 * time.Minute),
			SLADueAt: ms(8 * time.Minute)},
		{ID: "c5", CustomerName: "李", Channel: "telegram", Status: "queued", Priority: 10, Version: 1,
			Summary: "转人工", Flags: []protocol.Flag{"asks_for_human"}, EscalatedAt: ms(-3 * time.Hour)},
		{ID: "c6", CustomerName: "Resolved Person", Channel: "web", Status: "resolved", Priority: 99, Version: 1},
	}
	for i := range cs {
		cs[i].WaitingSince = cs[i].EscalatedAt // no agent has replied in any of them
	}
	return cs
}

func newModel(lg lang.Lang, w, h int) *Model {
	m := New(themes.New(themes.Dark, false), i18n.For(lg), "a1")
	m.SetNow(now)
	m.SetAgentNames(map[string]string{"a1": "Alice 客服", "a2": "张伟"})
	m.SetConversations(sample())
	m.SetTab(TabAll)
	m.SetSize(w, h)
	m.Top()
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
	if strings.Contains(ansi.Strip(out), "\x1b") || strings.Contains(out, "]52;") || strings.Contains(out, "[2J") {
		t.Error("escape sequence from customer data reached the frame")
	}
}

func TestGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 10}, {160, 10}} {
		for _, lg := range lang.All {
			t.Run(fmt.Sprintf("%s_%d", lg, size.w), func(t *testing.T) {
				m := newModel(lg, size.w, size.h)
				m.Move(1)
				out := m.Render()
				checkFrame(t, out, size.w, size.h)
				golden.RequireEqual(t, ansi.Strip(out))
			})
		}
	}
}

// TestNarrowPanesKeepTheirWidth: the queue pane beside the conversation on
// a 120-column terminal is about 40 cells, narrower than the fixed columns;
// every row — flagged or not, selected or not — is exactly the pane wide.
func TestNarrowPanesKeepTheirWidth(t *testing.T) {
	for _, w := range []int{30, 40, 47, 53, 60} {
		for _, lg := range lang.All {
			m := newModel(lg, w, 10)
			m.Move(1)
			checkFrame(t, m.Render(), w, 10)
		}
	}
}

func TestSortedByPriorityThenWait(t *testing.T) {
	m := newModel(lang.EN, 80, 20)
	var ids []string
	for range m.Len() {
		c, _ := m.Selected()
		ids = append(ids, c.ID)
		m.Move(1)
	}
	// c2 and c3 share priority 50: c2 waited longer.
	if got := strings.Join(ids, ","); got != "c4,c1,c2,c3,c5" {
		t.Errorf("order = %s", got)
	}
}

func TestTabs(t *testing.T) {
	m := newModel(lang.EN, 80, 20)
	km := keymap.New(lang.EN)
	press(m, km, 'm')
	if m.Len() != 1 {
		t.Errorf("mine = %d rows, want 1 (c2)", m.Len())
	}
	press(m, km, 'u')
	if m.Len() != 3 {
		t.Errorf("unassigned = %d rows, want 3", m.Len())
	}
	press(m, km, ']')
	if m.CurrentTab() != TabAll || m.Len() != 5 {
		t.Errorf("next tab = %v with %d rows", m.CurrentTab(), m.Len())
	}
	press(m, km, ']')
	if m.CurrentTab() != TabMine {
		t.Errorf("tab did not wrap: %v", m.CurrentTab())
	}
}

func press(m *Model, km *keymap.KeyMap, r rune) (keymap.Action, bool) {
	return m.HandleKey(km, tea.KeyPressMsg{Code: r, Text: string(r)})
}

func TestKeys(t *testing.T) {
	km := keymap.New(lang.EN)
	m := newModel(lang.EN, 80, 5) // three rows visible
	sel := func() string { c, _ := m.Selected(); return c.ID }
	if sel() != "c4" {
		t.Fatalf("cursor starts on %s", sel())
	}
	press(m, km, 'j')
	m.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyDown})
	if sel() != "c2" {
		t.Errorf("after j, down: %s", sel())
	}
	press(m, km, 'k')
	if sel() != "c1" {
		t.Errorf("after k: %s", sel())
	}
	press(m, km, 'G')
	if sel() != "c5" || !strings.Contains(ansi.Strip(m.Render()), "> ") {
		t.Errorf("after G: %s", sel())
	}
	press(m, km, 'g')
	if sel() != "c4" {
		t.Errorf("after g: %s", sel())
	}
	m.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyPgDown})
	if sel() != "c2" { // page = rows-1 = 2
		t.Errorf("after pgdown: %s", sel())
	}
	press(m, km, ' ')
	if got := m.Marked(); len(got) != 1 || got[0] != "c2" || sel() != "c3" {
		t.Errorf("space marks and moves on: %v, %s", got, sel())
	}
	// Actions needing the network or focus go back to the root.
	for r, want := range map[rune]keymap.Action{'c': keymap.QueueClaim, 'n': keymap.QueueNext, '/': keymap.QueueFilter} {
		act, handled := press(m, km, r)
		if act != want || handled {
			t.Errorf("%c = %s handled=%v, want %s unhandled", r, act, handled, want)
		}
	}
	if act, handled := m.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyEnter}); act != keymap.QueueOpen || handled {
		t.Errorf("enter = %s %v", act, handled)
	}
	if _, handled := press(m, km, 'Z'); handled {
		t.Error("unbound key handled")
	}
}

func TestFilter(t *testing.T) {
	m := newModel(lang.EN, 80, 20)
	m.SetFilter("订")
	if m.Len() != 1 {
		t.Fatalf("filter 订 = %d rows", m.Len())
	}
	m.SetFilter("订单 #8")
	if c, _ := m.Selected(); m.Len() != 1 || c.ID != "c1" {
		t.Errorf("narrowed filter = %d rows", m.Len())
	}
	m.SetFilter("ALICE")
	if c, _ := m.Selected(); m.Len() != 1 || c.ID != "c2" {
		t.Errorf("case-insensitive filter failed: %d", m.Len())
	}
	m.SetFilter("wechat") // channel, as label or raw
	if m.Len() != 1 {
		t.Errorf("channel filter = %d", m.Len())
	}
	m.SetFilter("evilcorp") // matches the sanitized name, not the attack bytes
	if m.Len() != 1 {
		t.Errorf("sanitized-name filter = %d", m.Len())
	}
	m.SetFilter("52;c")
	if m.Len() != 0 || !strings.Contains(m.Render(), "Nothing matches") {
		t.Errorf("filter matched escape payload: %d", m.Len())
	}
	km := keymap.New(lang.EN)
	m.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.Filter() != "" || m.Len() != 5 {
		t.Errorf("esc did not clear the filter: %q %d", m.Filter(), m.Len())
	}
}

func TestUpsertKeepsCursor(t *testing.T) {
	m := newModel(lang.EN, 80, 20)
	m.Move(2) // c2
	c := sample()[0]
	c.Priority, c.Version = 100, 2 // c1 jumps to the top
	m.Upsert(c)
	if got, _ := m.Selected(); got.ID != "c2" {
		t.Errorf("cursor moved to %s", got.ID)
	}
	c.Status = protocol.ConvResolved
	c.Version = 3
	m.Upsert(c)
	if m.Len() != 4 {
		t.Errorf("resolved conversation still listed: %d", m.Len())
	}
}

func TestCountdownColourChanges(t *testing.T) {
	m := newModel(lang.EN, 160, 10)
	st := themes.New(themes.Dark, false)
	frame := m.Render()
	// c2 is overdue, c1 is 3 of 15 minutes from breach, c3 has plenty of time.
	for _, want := range []string{st.Queue.SLABreached.Render("   -5m"), st.Queue.SLASoon.Render("    3m"), st.Queue.SLAOk.Render("   55m")} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks %q", want)
		}
	}
	m.SetNow(now.Add(4 * time.Minute)) // c1 breaches: the cached row must not be reused
	if !strings.Contains(m.Render(), st.Queue.SLABreached.Render("   -1m")) {
		t.Error("countdown did not advance with the clock")
	}
}

func bigQueue(n int) []protocol.Conversation {
	names := []string{"王小明", "Alice Johnson", "🎉 Zoë 佐藤", "Дмитрий", "김민수", "José Ñúñez"}
	cs := make([]protocol.Conversation, n)
	for i := range cs {
		cs[i] = protocol.Conversation{
			ID: fmt.Sprintf("c%05d", i), CustomerName: names[i%len(names)], Channel: []string{"web", "wechat", "email"}[i%3],
			Status: "queued", Priority: i % 7 * 10, Version: 1, Summary: "订单问题 order problem #" + fmt.Sprint(i),
			EscalatedAt: ms(-time.Duration(i%300) * time.Minute), SLADueAt: ms(time.Duration(i%40-10) * time.Minute),
			Flags: [][]protocol.Flag{nil, {"angry"}, nil, {"urgent"}}[i%4],
		}
		if i%5 == 0 {
			cs[i].Assignee = "a1"
		}
	}
	return cs
}

// BenchmarkRenderFrame10k is the frame the desk draws after a cursor move
// with 10,000 conversations loaded: two rows change, the rest are cached.
func BenchmarkRenderFrame10k(b *testing.B) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), "a1")
	m.SetNow(now)
	m.SetConversations(bigQueue(10000))
	m.SetTab(TabAll)
	m.SetSize(160, 45)
	m.Render()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%80 < 40 {
			m.Move(1)
		} else {
			m.Move(-1)
		}
		_ = m.Render()
	}
}

// BenchmarkRenderFrame10kCold renders with an empty row cache: the first
// frame, or every frame after the minute ticks over.
func BenchmarkRenderFrame10kCold(b *testing.B) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), "a1")
	m.SetNow(now)
	m.SetConversations(bigQueue(10000))
	m.SetTab(TabAll)
	m.SetSize(160, 45)
	b.ReportAllocs()
	for b.Loop() {
		clear(m.cache)
		_ = m.Render()
	}
}

// BenchmarkFilterKeystroke types a query one rune at a time over 10,000.
func BenchmarkFilterKeystroke(b *testing.B) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), "a1")
	m.SetNow(now)
	m.SetConversations(bigQueue(10000))
	m.SetTab(TabAll)
	m.SetSize(160, 45)
	q := []rune("order 12")
	b.ReportAllocs()
	for b.Loop() {
		for i := 1; i <= len(q); i++ {
			m.SetFilter(string(q[:i]))
		}
		m.SetFilter("")
	}
}

// TestUnderAMinuteReadsLessThanOneMinute: rows are redrawn once a minute, so
// a chat escalated 40 s ago (or 30 s from its SLA) reads "<1m", not "0s".
func TestUnderAMinuteReadsLessThanOneMinute(t *testing.T) {
	for _, tc := range []struct {
		lang      lang.Lang
		wait, sla string
	}{{lang.EN, "<1m", "<1m"}, {lang.ZhCN, "<1分", "<1分"}} {
		m := New(themes.New(themes.Dark, false), i18n.For(tc.lang), "a1")
		m.SetNow(now)
		m.SetConversations([]protocol.Conversation{{ID: "n1", CustomerName: "Nora", Channel: "web", Status: "queued",
			Priority: 10, Version: 1, EscalatedAt: ms(-40 * time.Second), SLADueAt: ms(30 * time.Second)}})
		m.SetTab(TabAll)
		m.SetSize(120, 5)
		out := ansi.Strip(m.Render())
		row := strings.Split(out, "\n")[2]
		if strings.Contains(row, "0s") || strings.Contains(row, "0秒") || strings.Count(row, tc.wait) != 2 {
			t.Fatalf("%s: want wait and SLA %q, got row %q", tc.lang, tc.wait, row)
		}
	}
}

// TestSnoozedChatsAreParked: a snoozed chat sorts below the others whatever
// its priority, and its SLA cell says when it comes back ("z25m").
func TestSnoozedChatsAreParked(t *testing.T) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), "a1")
	m.SetNow(now)
	m.SetConversations([]protocol.Conversation{
		{ID: "s1", CustomerName: "Sleepy", Channel: "web", Status: protocol.ConvSnoozed, Assignee: "a1", Priority: 99, Version: 1,
			EscalatedAt: ms(-20 * time.Minute), SLADueAt: ms(2 * time.Minute), SnoozedUntil: ms(25*time.Minute + 30*time.Second)},
		{ID: "w1", CustomerName: "Waiting", Channel: "web", Status: protocol.ConvAssigned, Assignee: "a1", Priority: 10, Version: 1,
			EscalatedAt: ms(-5 * time.Minute), SLADueAt: ms(10 * time.Minute)},
	})
	m.SetTab(TabAll)
	m.SetSize(120, 6)
	m.Top()
	lines := strings.Split(ansi.Strip(m.Render()), "\n")
	if !strings.Contains(lines[2], "Waiting") || !strings.Contains(lines[3], "Sleepy") {
		t.Fatalf("snoozed chat not last:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[3], "z25m") || strings.Contains(lines[3], " 2m") {
		t.Fatalf("snoozed row: %q", lines[3])
	}
}

// TestWaitAndSLAStopAtTheReply: the chat answered an hour ago no
// longer counts down a breached SLA (-1h21m) nor waits from escalation;
// when the customer writes again the wait starts from that message.
func TestWaitAndSLAStopAtTheReply(t *testing.T) {
	m := New(themes.New(themes.Dark, false), i18n.For(lang.EN), "a1")
	m.SetNow(now)
	m.SetConversations([]protocol.Conversation{
		{ID: "a1", CustomerName: "Answered", Channel: "web", Status: protocol.ConvAssigned, Assignee: "a1", Priority: 10, Version: 1,
			EscalatedAt: ms(-96 * time.Minute), FirstReplyAt: ms(-90 * time.Minute), SLADueAt: ms(-81 * time.Minute)},
		{ID: "a2", CustomerName: "WroteAgain", Channel: "web", Status: protocol.ConvAssigned, Assignee: "a1", Priority: 10, Version: 1,
			EscalatedAt: ms(-96 * time.Minute), FirstReplyAt: ms(-90 * time.Minute), SLADueAt: ms(-81 * time.Minute),
			WaitingSince: ms(-7 * time.Minute)},
	})
	m.SetTab(TabAll)
	m.SetSize(120, 6)
	out := ansi.Strip(m.Render())
	found := 0
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), ">"))
		if len(f) < 4 {
			continue
		}
		switch f[1] {
		case "Answered", "WroteAgain":
			found++
		}
		switch f[1] {
		case "Answered":
			if f[2] != "—" || f[3] != "✓" {
				t.Errorf("answered chat: wait %q SLA %q, want — and ✓ (row %q)", f[2], f[3], l)
			}
		case "WroteAgain":
			if f[2] != "7m" || f[3] != "✓" {
				t.Errorf("chat with a new message: wait %q SLA %q, want 7m and ✓ (row %q)", f[2], f[3], l)
			}
		}
	}
	if found != 2 {
		t.Fatalf("rows not found:\n%s", out)
	}
	if strings.Contains(out, "-1h") || strings.Contains(out, "1h21m") {
		t.Errorf("breached SLA shown on an answered chat:\n%s", out)
	}
}

// Long waits and overdue SLAs fit their columns whole ("1时" / "超1时")
// instead of being cut to "1时4…" / "超1时…".
func TestLongDurationsFitTheirColumns(t *testing.T) {
	for _, tc := range []struct {
		lang      lang.Lang
		wait, sla string
	}{{lang.EN, "1h45m", "-1h35m"}, {lang.ZhCN, "1时", "超1时"}} {
		m := New(themes.New(themes.Dark, false), i18n.For(tc.lang), "a1")
		m.SetNow(now)
		m.SetConversations([]protocol.Conversation{{ID: "l1", CustomerName: "Nora", Channel: "web", Status: "queued",
			Priority: 10, Version: 1, EscalatedAt: ms(-105 * time.Minute), WaitingSince: ms(-105 * time.Minute),
			SLADueAt: ms(-95 * time.Minute)}})
		m.SetTab(TabAll)
		m.SetSize(120, 5)
		row := strings.Split(ansi.Strip(m.Render()), "\n")[2]
		if strings.Contains(row, "…") || !strings.Contains(row, " "+tc.wait+" ") || !strings.Contains(row, " "+tc.sla+" ") {
			t.Fatalf("%s: want wait %q and SLA %q whole, got row %q", tc.lang, tc.wait, tc.sla, row)
		}
	}
}
