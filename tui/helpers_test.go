package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
)

var now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func ms(d time.Duration) int64 { return now.Add(d).UnixMilli() }

// call is one request the fake backend received.
type call struct {
	method string
	arg    any
}

// fakeBackend records requests and answers them from canned values; the
// end-to-end test runs the same model against the real client and server.
type fakeBackend struct {
	mu      sync.Mutex
	calls   []call
	err     error // returned by direct requests when set
	detail  map[string]protocol.ConversationDetail
	convs   map[string]protocol.Conversation
	me      protocol.Agent
	pending []client.OutboxItem
	nextID  int
	// do answers Do (the review view's requests); nil refuses them.
	do func(typ string, data, out any) error
}

func (f *fakeBackend) Do(_ context.Context, typ string, data, out any) error {
	f.record("do:"+typ, data)
	f.mu.Lock()
	do := f.do
	f.mu.Unlock()
	if do == nil {
		return protocol.Errorf(protocol.CodeUnavailable, "fake backend: %s not supported", typ)
	}
	return do(typ, data, out)
}

func (f *fakeBackend) record(method string, arg any) {
	f.mu.Lock()
	f.calls = append(f.calls, call{method, arg})
	f.mu.Unlock()
}

func (f *fakeBackend) Claim(_ context.Context, id string, version int64) (protocol.Conversation, error) {
	f.record("claim", fmt.Sprintf("%s@%d", id, version))
	if f.err != nil {
		return protocol.Conversation{}, f.err
	}
	c := f.convs[id]
	c.Assignee, c.Status, c.Version = f.me.ID, protocol.ConvAssigned, c.Version+1
	return c, nil
}

func (f *fakeBackend) Next(_ context.Context, team string) (protocol.Conversation, error) {
	f.record("next", team)
	if f.err != nil {
		return protocol.Conversation{}, f.err
	}
	c := f.convs["c1"]
	c.Assignee, c.Status, c.Version = f.me.ID, protocol.ConvAssigned, c.Version+1
	return c, nil
}

func (f *fakeBackend) SetStatus(_ context.Context, agentID, status string) (protocol.Agent, error) {
	f.record("set_status", status)
	if f.err != nil {
		return protocol.Agent{}, f.err
	}
	a := f.me
	a.Status = status
	return a, nil
}

func (f *fakeBackend) Reassign(_ context.Context, req protocol.ReassignReq) (protocol.ReassignAck, error) {
	f.record("reassign", req)
	var ack protocol.ReassignAck
	for _, id := range req.ConversationIDs {
		c := f.convs[id]
		c.Assignee = req.ToAgent
		c.Version++
		ack.Results = append(ack.Results, protocol.ReassignResult{ConversationID: id, OK: true, Conversation: &c})
	}
	return ack, f.err
}

func (f *fakeBackend) GetConversation(_ context.Context, id string) (protocol.ConversationDetail, error) {
	f.record("get", id)
	if f.err != nil {
		return protocol.ConversationDetail{}, f.err
	}
	d, ok := f.detail[id]
	if !ok {
		return protocol.ConversationDetail{Conversation: f.convs[id]}, nil
	}
	return d, nil
}

func (f *fakeBackend) Regenerate(_ context.Context, id, instruction string) (protocol.RegenerateAck, error) {
	f.record("regenerate", protocol.RegenerateReq{ConversationID: id, Instruction: instruction})
	if f.err != nil {
		return protocol.RegenerateAck{}, f.err
	}
	return protocol.RegenerateAck{Queued: true}, nil
}

func (f *fakeBackend) Enqueue(typ string, data any) (string, error) {
	f.record("enqueue:"+typ, data)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	return fmt.Sprintf("o-%d", f.nextID), nil
}

func (f *fakeBackend) EnqueueOutcome(req protocol.OutcomeReq) (string, error) {
	return f.Enqueue(protocol.ReqOutcome, req)
}

func (f *fakeBackend) Pending() []client.OutboxItem { return f.pending }

// calls of a method.
func (f *fakeBackend) find(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeBackend) reset() {
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
}

// world is the fixture: the data agents really see — Chinese and mixed
// script names, emoji, flags, a stale draft, and a customer whose name
// and message carry escape-sequence attacks (OSC 52 clipboard write, a
// screen clear, an OSC 8 link, a title change).
func world() (protocol.Agent, []protocol.Agent, []protocol.Conversation, map[string]protocol.ConversationDetail, []protocol.Draft) {
	me := protocol.Agent{ID: "alice", Name: "Alice 客服", Role: protocol.RoleAgent, Team: "support", Status: protocol.StatusOnline, Capacity: 5, Load: 1, Version: 1}
	agents := []protocol.Agent{me,
		{ID: "bob", Name: "张伟", Role: protocol.RoleAgent, Team: "billing", Status: protocol.StatusOnline, Capacity: 5, Load: 2},
		{ID: "lee", Name: "Lee", Role: protocol.RoleLead, Team: "support", Status: protocol.StatusAway, Capacity: 3},
	}
	esc := &protocol.Escalation{Reason: "asks_for_human", Evidence: "我要人工！！", BotConfidence: 0.42,
		BotTried: []string{"发送了退款政策链接", "Promised a reply within 24h"}, BotTurns: 2,
		BotSources: []protocol.Source{{Kind: "kb", ID: "refunds-zh", Title: "退款时效"}}, At: ms(-12 * time.Minute)}
	convs := []protocol.Conversation{
		{ID: "c1", CustomerID: "u1", CustomerName: "王小明", Channel: "wechat", Status: protocol.ConvAssigned, Assignee: "alice",
			Priority: 80, Version: 3, Summary: "订单 #88231 三天未发货，要求退款", Sentiment: "negative", Flags: []protocol.Flag{"angry"},
			Escalation: esc, Language: "zh", LastSeq: 3, LastCustomer: 3, EscalatedAt: ms(-12 * time.Minute), SLADueAt: ms(3 * time.Minute),
			WaitingSince: ms(-12 * time.Minute)},
		{ID: "c2", CustomerID: "u2", CustomerName: "🎉 Zoë 佐藤", Channel: "app", Status: protocol.ConvQueued, Priority: 90, Version: 2, VIP: true,
			Summary: "VIP：会员积分没有到账 😡", Flags: []protocol.Flag{"legal_threat"}, LastSeq: 2, LastCustomer: 2,
			EscalatedAt: ms(-2 * time.Minute), SLADueAt: ms(8 * time.Minute), WaitingSince: ms(-2 * time.Minute)},
		{ID: "c3", CustomerID: "u3", CustomerName: "Evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2JCorp", Channel: "email", Status: protocol.ConvQueued,
			Priority: 50, Version: 1, Summary: "Please \x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ here\x1b]0;pwned\x07",
			LastSeq: 1, LastCustomer: 1, EscalatedAt: ms(-5 * time.Minute), SLADueAt: ms(55 * time.Minute), WaitingSince: ms(-5 * time.Minute)},
		{ID: "c4", CustomerID: "u4", CustomerName: "Alice Johnson", Channel: "web", Status: protocol.ConvAssigned, Assignee: "bob",
			Priority: 40, Version: 5, Summary: "Wants to change the delivery address", LastSeq: 4, LastCustomer: 4,
			EscalatedAt: ms(-40 * time.Minute), SLADueAt: ms(-5 * time.Minute), WaitingSince: ms(-3 * time.Minute)},
	}
	msgs := []protocol.Message{
		{ID: "m1", ConversationID: "c1", Seq: 1, Author: protocol.AuthorCustomer, AuthorName: "王小明", Text: "我的订单三天了还没发货", CreatedAt: ms(-15 * time.Minute)},
		{ID: "m2", ConversationID: "c1", Seq: 2, Author: protocol.AuthorBot, Text: "您好，这是我们的退款政策：https://example.com/refund", CreatedAt: ms(-14 * time.Minute)},
		{ID: "m3", ConversationID: "c1", Seq: 3, Author: protocol.AuthorCustomer, AuthorName: "王小明", Text: "我要人工！！\x1b[2J\x1b]52;c;ZXZpbA==\x07 😡", CreatedAt: ms(-12 * time.Minute)},
	}
	customer := &protocol.Customer{ID: "u1", Name: "王小明", Language: "zh", Identities: []protocol.ChannelIdentity{
		{Channel: "email", ExternalID: "xiaoming@example.com"}, {Channel: "wechat", ExternalID: "wx_王小明_🐼"},
	}}
	history := []protocol.PastConversation{
		{ID: "c0", Channel: "email", Status: protocol.ConvResolved, CreatedAt: ms(-72 * time.Hour), ResolvedAt: ms(-70 * time.Hour),
			Disposition: "refund_issued", Summary: "退款未到账，已重新发起 💸"},
		{ID: "c-1", Channel: "web", Status: protocol.ConvResolved, CreatedAt: ms(-400 * 24 * time.Hour), ResolvedAt: ms(-399 * 24 * time.Hour),
			Disposition: "answered", Summary: "Asked \x1b]52;c;ZXZpbA==\x07about the \x1b[31mwarranty\u202e"},
	}
	detail := map[string]protocol.ConversationDetail{
		"c1": {Conversation: convs[0], Messages: msgs, Customer: customer, History: history},
	}
	drafts := []protocol.Draft{
		{ID: "d1", ConversationID: "c1", Text: "王先生您好，非常抱歉让您久等。您的订单 #88231 已加急处理，预计今天发出；如需退款我可以马上为您办理。",
			BasedOnSeq: 3, Provider: "offline", Model: "offline-1", PromptVersion: "draft-v1",
			Sources: []protocol.Source{{Kind: "kb", ID: "shipping-delay-zh", Title: "发货延迟处理", Score: 0.82}},
			Status:  "open", CreatedAt: ms(-11 * time.Minute)},
	}
	return me, agents, convs, detail, drafts
}

type harness struct {
	t  *testing.T
	m  *Model
	be *fakeBackend
}

func newHarness(t *testing.T, lg lang.Lang, w, h int) *harness {
	t.Helper()
	me, agents, convs, detail, drafts := world()
	be := &fakeBackend{detail: detail, convs: map[string]protocol.Conversation{}, me: me}
	for _, c := range convs {
		be.convs[c.ID] = c
	}
	m := New(Deps{Backend: be, Styles: themes.New(themes.Dark, false), Lang: lg, Demo: true, TempDir: t.TempDir(),
		Notify: Notify{Bell: true, OSC9: true}, Now: func() time.Time { return now }, Location: time.UTC, Editor: "true"})
	h2 := &harness{t: t, m: m, be: be}
	h2.send(tea.WindowSizeMsg{Width: w, Height: h})
	ups := []client.Update{
		client.StateChanged{State: client.StateOnline},
		client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 10, Resume: protocol.ResumeSnapshot,
			Snapshot: &protocol.Snapshot{Conversations: convs, Agents: agents}}},
	}
	for i, d := range drafts {
		ups = append(ups, event(int64(11+i), protocol.EvDraft, &protocol.DraftEvent{Draft: d}))
	}
	h2.send(UpdatesMsg{Updates: ups})
	be.reset()
	return h2
}

func event(seq int64, kind string, payload any) client.Event {
	raw, _ := json.Marshal(payload)
	return client.Event{Seq: seq, Kind: kind, At: now, Data: raw, Payload: payload}
}

// send applies a message and runs the commands it returns, feeding their
// messages back, like the Bubble Tea loop does. Commands that do not
// finish quickly (cursor blink timers) are dropped.
func (h *harness) send(msg tea.Msg) []tea.Msg {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	return h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	for _, msg := range runCmd(cmd) {
		out = append(out, msg)
		switch msg.(type) {
		case tea.BatchMsg, tea.RawMsg, tickMsg:
			continue
		}
		if fmt.Sprintf("%T", msg) == "tea.QuitMsg" || fmt.Sprintf("%T", msg) == "tea.clearScreenMsg" {
			continue
		}
		_, next := h.m.Update(msg)
		out = append(out, h.run(next)...)
	}
	return out
}

func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil || isTimer(cmd) {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(workTimeout):
		panic(fmt.Sprintf("harness: command %s gave no message within %s", cmdName(cmd), workTimeout))
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runCmd(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// workTimeout is how long the harness waits for a command that does work
// (the fake backend's loads): long enough for a machine under any load, a
// stop for one that hangs.
const workTimeout = 20 * time.Second

// timers are the commands that only wait for a clock: bubbles' cursor
// blink and bubbletea's Tick/Every (the desk's one-second tickMsg). The
// harness skips them by what they are, not by how long they take, so a
// slow machine never drops real work (a 40 ms cut did, at load 15) and no
// test waits out a blink. TestHarnessTellsTimersFromWork fails if a
// dependency update renames them.
var timers = map[string]bool{
	"charm.land/bubbles/v2/cursor.(*Model).Blink.func1": true,
	"charm.land/bubbletea/v2.Tick.func1":                true,
	"charm.land/bubbletea/v2.Every.func1":               true,
}

func isTimer(cmd tea.Cmd) bool { return timers[cmdName(cmd)] }

func cmdName(cmd tea.Cmd) string {
	return runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
}

// press sends key presses named as in the keymap ("j", "enter", "ctrl+s").
func (h *harness) press(keys ...string) []tea.Msg {
	h.t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		out = append(out, h.send(keyMsg(k))...)
	}
	return out
}

// typeText types literal text, rune by rune.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "space": tea.KeySpace,
		"up": tea.KeyUp, "down": tea.KeyDown, "backspace": tea.KeyBackspace, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp}
	if r, ok := named[k]; ok {
		m := tea.KeyPressMsg{Code: r}
		if k == "space" {
			m.Text = " "
		}
		return m
	}
	if rest, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(rest)[0], Mod: tea.ModCtrl}
	}
	if k == "shift+tab" {
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the frame with colour stripped.
func (h *harness) screen() string { return ansi.Strip(h.m.Render()) }

func (h *harness) notice() string { return h.m.notice.text }

// enqueued returns the data of outbox requests of one type.
func (h *harness) enqueued(typ string) []any {
	var out []any
	for _, c := range h.be.find("enqueue:" + typ) {
		out = append(out, c.arg)
	}
	return out
}

func stringWidth(s string) int { return ansi.StringWidth(s) }

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// goldenView is one screen of a golden test: a name and the key presses or
// updates that lead to it.
type goldenView struct {
	name  string
	setup func(h *harness)
}

// runGoldens renders every view in both languages at 80×24 and 160×48 on a
// fresh harness from newH, checks the frame and compares it with its golden.
func runGoldens(t *testing.T, newH func(t *testing.T, lg lang.Lang, w, h int) *harness, views []goldenView) {
	t.Helper()
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		for _, v := range views {
			for _, sz := range [][2]int{{80, 24}, {160, 48}} {
				t.Run(fmt.Sprintf("%s_%s_%dx%d", lg, v.name, sz[0], sz[1]), func(t *testing.T) {
					h := newH(t, lg, sz[0], sz[1])
					v.setup(h)
					out := h.screen()
					checkFrame(t, out, sz[0], sz[1])
					golden.RequireEqual(t, []byte(out))
				})
			}
		}
	}
}

// conv is what the desk knows of a conversation (zero if nothing).
func conv(h *harness, id string) protocol.Conversation {
	c, _ := h.m.desk.Conversation(id)
	return c
}

func stripANSI(s string) string { return ansi.Strip(s) }
