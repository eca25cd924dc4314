package team

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	if got := Sparkline([]float64{0, 1, 2, 4, 8, nan, 8}); got != "▁▂▃▅█ █" {
		t.Fatalf("Sparkline = %q", got)
	}
	if got := Sparkline([]float64{0, 0, nan}); got != "▁▁ " {
		t.Fatalf("all zero = %q", got)
	}
}

func benchBoard(b *testing.B) *Board {
	bd, _ := benchDesk()
	return bd
}

// benchDesk is a board over 20 agents and 10,000 open chats, and the desk
// state it reads.
func benchDesk() (*Board, *deskstate.State) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	desk := deskstate.New(0)
	bd := New(themes.New(themes.Dark, false), i18n.For(lang.EN), desk)
	for i := range 20 {
		id := fmt.Sprintf("a%02d", i)
		desk.PutAgent(protocol.Agent{ID: id, Name: "坐席 " + id, Role: protocol.RoleAgent, Status: protocol.StatusOnline, Capacity: 5, Load: i % 6})
	}
	for i := range 10000 {
		c := protocol.Conversation{ID: fmt.Sprintf("c%05d", i), CustomerName: "客户 " + strconv.Itoa(i), Channel: "wechat",
			Status: protocol.ConvQueued, Priority: i % 50, EscalatedAt: now.Add(-time.Duration(i) * time.Second).UnixMilli(),
			SLADueAt: now.Add(time.Duration(i%600) * time.Second).UnixMilli()}
		if i%10 == 0 {
			c.Flags = []protocol.Flag{"angry"}
		}
		if i%3 == 0 {
			c.Status, c.Assignee = protocol.ConvAssigned, fmt.Sprintf("a%02d", i%20)
		}
		desk.Upsert(c)
	}
	bd.SetNow(now)
	bd.SetSize(160, 46)
	return bd, desk
}

// BenchmarkBoard10kSteady renders the board over 10,000 open chats when
// nothing changed since the last frame.
func BenchmarkBoard10kSteady(b *testing.B) {
	bd := benchBoard(b)
	bd.Render()
	b.ResetTimer()
	for b.Loop() {
		bd.Render()
	}
}

// BenchmarkBoard10kChanged renders it after an event batch (lists re-sorted).
func BenchmarkBoard10kChanged(b *testing.B) {
	bd, desk := benchDesk()
	b.ResetTimer()
	for b.Loop() {
		desk.SetPresence(protocol.Presence{ConversationID: "c00001", Viewers: []string{"a01"}})
		bd.Render()
	}
}

// TestPagingThroughChats: pgdown/pgup move a page of the chats list, G and
// g go to its ends (a lead with dozens of chats was left with j/k).
func TestPagingThroughChats(t *testing.T) {
	bd := benchBoard(nil)
	km := keymap.New(lang.EN)
	bd.Render()
	bd.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyRight}) // the chats list
	first, _ := bd.SelectedChat()
	bd.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyPgDown})
	if bd.chatCur != bd.chatPage || bd.chatPage < 5 {
		t.Fatalf("pgdown: cursor %d, page %d", bd.chatCur, bd.chatPage)
	}
	bd.HandleKey(km, tea.KeyPressMsg{Code: 'G', Text: "G"})
	if bd.chatCur != len(bd.chatRows)-1 {
		t.Fatalf("G: cursor %d of %d", bd.chatCur, len(bd.chatRows))
	}
	bd.HandleKey(km, tea.KeyPressMsg{Code: tea.KeyPgUp})
	if bd.chatCur != len(bd.chatRows)-1-bd.chatPage {
		t.Fatalf("pgup: cursor %d", bd.chatCur)
	}
	bd.HandleKey(km, tea.KeyPressMsg{Code: 'g', Text: "g"})
	if c, _ := bd.SelectedChat(); c.ID != first.ID {
		t.Fatalf("g: on %s, want the top %s", c.ID, first.ID)
	}
}

// TestArrowsGoWhereTheyPoint: ← and h always land on the agents list, → and
// l on the chats list (they used to toggle, so ← from the agents went to
// the chats and enter then opened a chat instead of filtering an agent).
func TestArrowsGoWhereTheyPoint(t *testing.T) {
	bd := benchBoard(nil)
	km := keymap.New(lang.EN)
	for _, step := range []struct {
		key  tea.KeyPressMsg
		want Pane
	}{
		{tea.KeyPressMsg{Code: tea.KeyLeft}, PaneAgents},
		{tea.KeyPressMsg{Code: 'h', Text: "h"}, PaneAgents},
		{tea.KeyPressMsg{Code: tea.KeyRight}, PaneChats},
		{tea.KeyPressMsg{Code: 'l', Text: "l"}, PaneChats},
		{tea.KeyPressMsg{Code: 'h', Text: "h"}, PaneAgents},
	} {
		bd.HandleKey(km, step.key)
		if bd.Pane() != step.want {
			t.Fatalf("after %s: pane %v, want %v", step.key, bd.Pane(), step.want)
		}
	}
}

// TestEmptyQueueHasNoLongestWait: with nobody queued the summary says
// "longest —", not "longest 0s".
func TestEmptyQueueHasNoLongestWait(t *testing.T) {
	desk := deskstate.New(0)
	bd := New(themes.New(themes.Dark, false), i18n.For(lang.EN), desk)
	bd.SetNow(time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC))
	desk.PutAgent(protocol.Agent{ID: "a", Name: "A", Role: protocol.RoleAgent, Status: protocol.StatusOnline, Capacity: 3})
	bd.SetSize(160, 30)
	if s := bd.summary(); !strings.Contains(s, "queued 0 · longest — ·") {
		t.Fatalf("summary %q", s)
	}
}

// TestBotPanel: the board shows the front-line bot's day — answers,
// requests for detail, its own resolutions, handoffs with their reasons in
// the desk's words (an integration's own reason code as it is, sanitised).
func TestBotPanel(t *testing.T) {
	desk := deskstate.New(0)
	bd := New(themes.New(themes.Dark, false), i18n.For(lang.ZhCN), desk)
	bd.SetNow(time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC))
	bd.SetSize(160, 40)
	desk.SetStats(protocol.TeamStats{Bot: protocol.BotDay{Answers: 12, Fallbacks: 3, Resolved: 4, Handoffs: 6,
		Reasons: []protocol.ReasonCount{{Reason: "asks_for_human", Count: 3}, {Reason: "low_confidence", Count: 2}, {Reason: "refund\x1b[31m", Count: 1}}}})
	out := bd.Render()
	for _, want := range []string{"前台机器人 · 今天", "回答 12 · 追问 3 · 自助解决 4 · 转人工 6", "原因: 客户要求人工 3 · 机器人没有把握 2 · refund"} {
		if !strings.Contains(out, want) {
			t.Errorf("board lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[31m") {
		t.Error("an escape sequence from a reason code reached the terminal")
	}
}

// TestLongDurationsFitTheBoard: a chat waiting 1h45m, 1h35m over its SLA,
// reads "1时" / "超1时" in the chats table, never "1时4…" / "超1时…".
func TestLongDurationsFitTheBoard(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	desk := deskstate.New(0)
	bd := New(themes.New(themes.Dark, false), i18n.For(lang.ZhCN), desk)
	bd.SetNow(now)
	desk.PutAgent(protocol.Agent{ID: "a", Name: "A", Role: protocol.RoleAgent, Status: protocol.StatusOnline, Capacity: 3})
	desk.Upsert(protocol.Conversation{ID: "c1", CustomerName: "王小明", Channel: "web", Status: protocol.ConvQueued,
		Priority: 50, Version: 1, EscalatedAt: at(-105 * time.Minute), WaitingSince: at(-105 * time.Minute),
		SLADueAt: at(-95 * time.Minute)})
	for _, w := range []int{90, 160} {
		bd.SetSize(w, 30)
		out := ansi.Strip(bd.Render())
		var row string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "王小明") {
				row = l
			}
		}
		if !strings.Contains(row, "超1时") || strings.Contains(row, "…") {
			t.Fatalf("width %d: chat row %q", w, row)
		}
	}
}

// TestAgentsTableListsOnlyPeopleWhoTakeChats: the demo's "Floor watcher" (a
// lead who takes no chats) is not an agent at 0/0 on the board; a lead with
// room for chats, or holding one they took over, is.
func TestAgentsTableListsOnlyPeopleWhoTakeChats(t *testing.T) {
	desk := deskstate.New(0)
	bd := New(themes.New(themes.Dark, false), i18n.For(lang.EN), desk)
	bd.SetNow(time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC))
	desk.PutAgent(protocol.Agent{ID: "mei", Name: "Mei", Role: protocol.RoleAgent, Status: protocol.StatusOnline, Capacity: 4})
	desk.PutAgent(protocol.Agent{ID: "floor", Name: "Floor watcher", Role: protocol.RoleLead, Status: protocol.StatusOnline})
	desk.PutAgent(protocol.Agent{ID: "lena", Name: "Lena lead", Role: protocol.RoleLead, Status: protocol.StatusOnline, Capacity: 2})
	desk.PutAgent(protocol.Agent{ID: "tom", Name: "Tom takeover", Role: protocol.RoleLead, Status: protocol.StatusOnline, Load: 1})
	desk.PutAgent(protocol.Agent{ID: "tina", Name: "Tina trainer", Role: protocol.RoleTrainer, Status: protocol.StatusOnline})
	desk.PutAgent(protocol.Agent{ID: "bob", Name: "Bob at zero", Role: protocol.RoleAgent, Status: protocol.StatusOnline})
	bd.SetSize(160, 30)
	out := ansi.Strip(bd.Render())
	for _, name := range []string{"Floor watcher", "Tina trainer"} {
		if strings.Contains(out, name) {
			t.Errorf("the agents table lists %s:\n%s", name, out)
		}
	}
	// An agent a lead set to take nothing stays: the board is where that is undone.
	for _, name := range []string{"Mei", "Lena lead", "Tom takeover", "Bob at zero"} {
		if !strings.Contains(out, name) {
			t.Errorf("the agents table lacks %s:\n%s", name, out)
		}
	}
}
