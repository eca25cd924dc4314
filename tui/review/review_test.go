package review

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func at(d time.Duration) int64 { return now.Add(-d).UnixMilli() }

// fakeServer answers the review requests from memory and records them.
type fakeServer struct {
	mu     sync.Mutex
	items  []protocol.ReviewItem
	calls  []string
	reqs   []any
	labels map[string]protocol.Label
	// pageCap, when set, is how many items a page holds at most (the
	// server cuts pages by size); otherwise pages honour the request's limit.
	pageCap int
}

func newFake() *fakeServer {
	return &fakeServer{labels: map[string]protocol.Label{}, items: []protocol.ReviewItem{
		{Outcome: protocol.Outcome{ID: "o1", ConversationID: "c1", DraftID: "d1", AgentID: "mei", Action: protocol.ActionReject,
			Reason: "wrong_facts", Note: "policy is 7 days", DraftText: "您好，退货需在30天内申请，运费由您承担。",
			Provider: "offline", Model: "templates", PromptVersion: "offline-2025.1", CreatedAt: at(5 * time.Minute),
			Sources: []protocol.Source{{Kind: "kb", ID: "returns-zh"}}},
			AgentName: "林美 Mei", Intent: "returns", Language: "zh", Change: 1},
		{Outcome: protocol.Outcome{ID: "o2", ConversationID: "c2", DraftID: "d2", AgentID: "jun", Action: protocol.ActionEdit,
			DraftText: "您好，退款将在7天内到账。", FinalText: "您好，退款将在3个工作日内原路退回，请留意银行通知。",
			Provider: "offline", Model: "templates", PromptVersion: "offline-2025.1", CreatedAt: at(12 * time.Minute)},
			AgentName: "陈俊 Jun", Intent: "refunds", Language: "zh", Change: 0.55},
		{Outcome: protocol.Outcome{ID: "o3", ConversationID: "c3", DraftID: "d3", AgentID: "omar", Action: protocol.ActionAccept,
			DraftText: "Hi Emma, your parcel left our warehouse today.", FinalText: "Hi Emma, your parcel left our warehouse today.",
			Provider: "offline", Model: "templates", PromptVersion: "offline-2025.1", CreatedAt: at(30 * time.Minute)},
			AgentName: "Omar Haddad", Intent: "shipping", Language: "en"},
	}}
}

func (f *fakeServer) Do(_ context.Context, typ string, data, out any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, typ)
	f.reqs = append(f.reqs, data)
	var v any
	switch typ {
	case protocol.ReqReviewList:
		req := data.(protocol.ReviewListReq)
		ack := protocol.ReviewListAck{Items: []protocol.ReviewItem{}}
		for _, it := range f.items {
			if len(req.Filter.Actions) > 0 && req.Filter.Actions[0] != string(it.Outcome.Action) {
				continue
			}
			if l, ok := f.labels[it.Outcome.ID]; ok {
				lc := l
				it.Label = &lc
			}
			ack.Items = append(ack.Items, it)
		}
		ack.Total = len(ack.Items)
		limit := req.Limit
		if limit == 0 {
			limit = 50
		}
		if f.pageCap > 0 {
			limit = min(limit, f.pageCap)
		}
		ack.Offset = req.Offset
		ack.Items = ack.Items[min(req.Offset, len(ack.Items)):min(req.Offset+limit, len(ack.Items))]
		v = ack
	case protocol.ReqReviewGet:
		id := data.(protocol.OutcomeRef).OutcomeID
		for _, it := range f.items {
			if it.Outcome.ID != id {
				continue
			}
			if l, ok := f.labels[id]; ok {
				lc := l
				it.Label = &lc
			}
			d := protocol.ReviewDetail{Item: it, Customer: "王芳", Channel: "wechat", Context: []protocol.Message{
				{Seq: 1, Author: protocol.AuthorCustomer, Text: "我想退货，收到的杯子有裂缝\x1b[31m", CreatedAt: at(6 * time.Minute)},
				{Seq: 2, Author: protocol.AuthorBot, Text: "您可以在订单页申请退货。", CreatedAt: at(6 * time.Minute)},
			}}
			if id == "o3" {
				d.Context = []protocol.Message{{Seq: 1, Author: protocol.AuthorCustomer, Text: "Where is my parcel? 📦"}}
			}
			v = d
		}
	case protocol.ReqLabel:
		r := data.(protocol.LabelReq)
		l := protocol.Label{OutcomeID: r.OutcomeID, Reason: r.Reason, Severity: r.Severity, Comment: r.Comment, GoldReply: r.GoldReply,
			Golden: r.Golden, LabelledBy: "tina", LabelledAt: now.UnixMilli(), Version: f.labels[r.OutcomeID].Version + 1}
		f.labels[r.OutcomeID] = l
		v = protocol.LabelAck{Label: l}
	case protocol.ReqPromote:
		r := data.(protocol.PromoteReq)
		v = protocol.PromoteAck{Promotion: protocol.Promotion{ID: "p1", OutcomeID: r.OutcomeID, Target: r.Target, Ref: "gold_p1", Status: protocol.PromotionActive}}
	case protocol.ReqReviewMetrics:
		v = protocol.ReviewMetrics{
			Overall:         protocol.OutcomeStats{Total: 3, Accepted: 1, Edited: 1, Rejected: 1, AcceptRate: 0.333, EditRate: 0.333, RejectRate: 0.333, MeanEditDistance: 0.275},
			Reasons:         map[string]int{"wrong_facts": 1},
			Days:            []protocol.OutcomeStats{{Key: "2026-03-02", Total: 3, Accepted: 1, Edited: 1, Rejected: 1, AcceptRate: 0.333, EditRate: 0.333, RejectRate: 0.333, MeanEditDistance: 0.275}},
			ByPromptVersion: []protocol.OutcomeStats{{Key: "offline-2025.1", Total: 3, AcceptRate: 0.333, EditRate: 0.333, RejectRate: 0.333}},
		}
	case protocol.ReqExport:
		r := data.(protocol.ExportReq)
		line, _ := json.Marshal(protocol.SFTRecord{Messages: []protocol.ChatMessage{{Role: "user", Content: "q"}, {Role: "assistant", Content: "a"}}})
		v = protocol.ExportAck{Format: r.Format, Records: []json.RawMessage{line}, Actions: map[string]int{"edit": 1}}
	case protocol.ReqKBReload:
		v = protocol.KBReloadAck{Entries: 21, Pending: []string{"promoted/p1.md"}}
	default:
		return protocol.Errorf(protocol.CodeInvalid, "unknown %s", typ)
	}
	b, _ := json.Marshal(v)
	return json.Unmarshal(b, out)
}

func (f *fakeServer) last(typ string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i] == typ {
			return f.reqs[i]
		}
	}
	return nil
}

type harness struct {
	t  *testing.T
	m  *Model
	fs *fakeServer
}

func newHarness(t *testing.T, lg lang.Lang, w, h int) *harness {
	fs := newFake()
	m := New(Options{Styles: themes.New(themes.Dark, false), Cat: i18n.For(lg), Keys: keymap.New(lg), Do: fs,
		Now: func() time.Time { return now }, Location: time.UTC, ExportDir: filepath.Join(t.TempDir(), "exports")})
	m.SetSize(w, h)
	hs := &harness{t: t, m: m, fs: fs}
	hs.run(m.Init())
	return hs
}

// run executes a command and feeds its messages back, like the runtime.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	var msg tea.Msg
	done := make(chan struct{})
	go func() { msg = cmd(); close(done) }()
	select {
	case <-done:
	case <-time.After(400 * time.Millisecond):
		return // a cursor blink timer: not ours to wait for
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case listMsg, detailMsg, metricsMsg, labelMsg, promoteMsg, exportMsg, reloadMsg:
		next, _ := h.m.Update(msg)
		h.run(next)
	}
}

func (h *harness) press(keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		case "ctrl+s":
			msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		cmd, act := h.m.HandleKey(msg)
		if act != "" {
			h.t.Fatalf("key %q fell through to %s", k, act)
		}
		h.run(cmd)
	}
}

// typeText types into the focused input; typing only moves the cursor
// (blink commands), so its commands are not run.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.m.HandleKey(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) screen() string { return ansi.Strip(h.m.Render()) }

func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, ansi.StringWidth(l), w, l)
		}
	}
	if strings.ContainsAny(out, "\x1b\a") {
		t.Fatal("escape or bell reached the screen")
	}
}

// TestGolden renders the review view at 80×24 and 160×48 in both
// languages: the stream with a rejected draft, a Chinese edit's word-level
// diff (unified and side by side), the label form and the metrics.
func TestGolden(t *testing.T) {
	views := []struct {
		name  string
		setup func(h *harness)
	}{
		{"rejected", func(h *harness) {}},
		{"chinese_diff", func(h *harness) { h.press("j") }},
		{"side_by_side", func(h *harness) { h.press("j", "d") }},
		{"label_form", func(h *harness) { h.press("l", "tab", "right", "right") }},
		{"metrics", func(h *harness) { h.press("m") }},
	}
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		for _, v := range views {
			for _, sz := range [][2]int{{80, 24}, {160, 48}} {
				t.Run(fmt.Sprintf("%s_%s_%dx%d", lg, v.name, sz[0], sz[1]), func(t *testing.T) {
					h := newHarness(t, lg, sz[0], sz[1])
					v.setup(h)
					out := h.screen()
					checkFrame(t, out, sz[0], sz[1])
					golden.RequireEqual(t, []byte(out))
				})
			}
		}
	}
}

func TestListSortsAndLoadsDetail(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	if h.m.Selected() != "o1" || h.m.Detail() == nil || h.m.Detail().Item.Outcome.ID != "o1" {
		t.Fatalf("first item and its detail: %q %+v", h.m.Selected(), h.m.Detail())
	}
	h.press("j")
	if h.m.Selected() != "o2" || h.fs.last(protocol.ReqReviewGet).(protocol.OutcomeRef).OutcomeID != "o2" {
		t.Fatalf("after j: %q", h.m.Selected())
	}
	out := h.screen()
	// The word-level diff of the Chinese edit: 7天内到账 replaced, greeting kept.
	if !strings.Contains(out, "[-7天内到账-]") && !strings.Contains(out, "[-7-]") {
		t.Fatalf("no deletion marker in the diff:\n%s", out)
	}
	if !strings.Contains(out, "{+") || !strings.Contains(out, "您好，退款将在") {
		t.Fatalf("no insertion marker or shared prefix:\n%s", out)
	}
	// The customer's escape sequence never reaches the screen.
	h.press("k")
	if strings.Contains(h.m.Render(), "\x1b[31m") {
		t.Fatal("raw escape sequence rendered")
	}
}

func TestFilterKeys(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 30)
	h.press("f")
	req := h.fs.last(protocol.ReqReviewList).(protocol.ReviewListReq)
	if len(req.Filter.Actions) != 1 || req.Filter.Actions[0] != "reject" || len(h.m.Items()) != 1 {
		t.Fatalf("f: filter %+v, %d items", req.Filter, len(h.m.Items()))
	}
	h.press("/")
	if !h.m.Editing() {
		t.Fatal("/ does not open the filter input")
	}
	// Typed letters go to the input, not to shortcuts (l would label).
	h.typeText(" lang:zh intent:refunds,returns since:2026-03-01 golden")
	h.press("enter")
	req = h.fs.last(protocol.ReqReviewList).(protocol.ReviewListReq)
	f := req.Filter
	if f.Actions[0] != "reject" || f.Languages[0] != "zh" || len(f.Intents) != 2 || f.Since == 0 || !f.Golden || h.m.Editing() {
		t.Fatalf("parsed filter %+v", f)
	}
	h.press("/")
	h.typeText(" colour:red")
	h.press("enter")
	if n, isErr := h.m.Notice(); !isErr || !strings.Contains(n, "colour") || !h.m.Editing() {
		t.Fatalf("bad filter: notice %q err %v editing %v", n, isErr, h.m.Editing())
	}
	h.press("esc", "esc")
	if req := h.fs.last(protocol.ReqReviewList).(protocol.ReviewListReq); len(req.Filter.Actions) != 0 {
		t.Fatalf("esc did not clear the filter: %+v", req.Filter)
	}
}

func TestLabelFormSavesAndPromote(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	// A rejection without a gold reply cannot be promoted.
	h.press("x")
	if n, isErr := h.m.Notice(); !isErr || h.fs.last(protocol.ReqPromote) != nil {
		t.Fatalf("promote without gold: %q", n)
	}
	// e opens the form on the gold reply, empty for a rejection.
	h.press("e")
	if !h.m.Editing() || h.m.form.gold.Value() != "" {
		t.Fatal("e does not open the label form on an empty gold reply")
	}
	h.typeText("退货在7天内申请，质量问题运费由我们承担。")
	h.press("tab")            // → reason (wraps)
	h.press("right")          // wrong_facts → wrong_tone
	h.press("tab")            // severity
	h.press("right", "right") // major
	h.press("tab", "right")   // the customer's mood: negative
	h.press("tab", "space")   // golden on
	h.press("tab")
	h.typeText("quotes the old 30-day policy")
	h.press("ctrl+s")
	req, ok := h.fs.last(protocol.ReqLabel).(protocol.LabelReq)
	if !ok || req.OutcomeID != "o1" || req.Reason != "wrong_tone" || req.Severity != "major" || req.Mood != "negative" || !req.Golden ||
		req.Comment != "quotes the old 30-day policy" || req.GoldReply != "退货在7天内申请，质量问题运费由我们承担。" {
		t.Fatalf("label request %+v", req)
	}
	if h.m.Editing() || h.m.Items()[0].Label == nil || h.m.Detail() == nil || h.m.Detail().Item.Label == nil {
		t.Fatal("label not applied to the list and detail")
	}
	// Who labelled it is shown by name when the desk knows the account
	// ("labelled by you-trainer" was the demo trainer's id).
	if scr := h.screen(); !strings.Contains(scr, "labelled by tina,") {
		t.Fatalf("no labeller:\n%s", scr)
	}
	h.m.o.Name = func(id string) string { return map[string]string{"tina": "Tina Trainer"}[id] }
	if scr := h.screen(); !strings.Contains(scr, "labelled by Tina Trainer,") {
		t.Fatalf("the labeller by id, not name:\n%s", scr)
	}
	h.press("x")
	if p, ok := h.fs.last(protocol.ReqPromote).(protocol.PromoteReq); !ok || p.Target != protocol.PromoteExemplar || p.OutcomeID != "o1" {
		t.Fatalf("promote: %+v", p)
	}
	h.press("P") // golden off again, keeping the rest of the label
	if r := h.fs.last(protocol.ReqLabel).(protocol.LabelReq); r.Golden || r.GoldReply == "" || r.Version != 1 {
		t.Fatalf("golden toggle: %+v", r)
	}
	// esc leaves the form without saving.
	n := len(h.fs.calls)
	h.press("l", "esc")
	if h.m.Editing() || len(h.fs.calls) != n {
		t.Fatal("esc saved or left the form open")
	}
}

func TestExportWritesBothDatasets(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 30)
	h.press("X")
	n, isErr := h.m.Notice()
	if isErr || !strings.Contains(n, h.m.o.ExportDir) {
		t.Fatalf("export notice %q", n)
	}
	files, _ := filepath.Glob(filepath.Join(h.m.o.ExportDir, "*"))
	if len(files) != 4 {
		t.Fatalf("files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if len(b) == 0 {
		t.Fatal("empty export file")
	}
	h.press("R")
	if n, _ := h.m.Notice(); !strings.Contains(n, "21 entries, 1 pending") {
		t.Fatalf("reload notice %q", n)
	}
}

func TestParseFilterRoundTrip(t *testing.T) {
	in := "action:reject,edit reason:wrong_tone intent:refunds lang:zh model:gpt-4o prompt:v2 agent:mei labelled:no golden"
	f, err := ParseFilter(in)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseFilter(FormatFilter(f))
	if err != nil || FormatFilter(g) != FormatFilter(f) {
		t.Fatalf("round trip: %q vs %q (%v)", FormatFilter(g), FormatFilter(f), err)
	}
	if _, err := ParseFilter("action:shout"); err == nil {
		t.Fatal("bad action accepted")
	}
}

func TestPromoteToKBAsksForATitle(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	h.press("j") // the edit: its sent reply can be promoted
	h.press("p")
	if !h.m.Editing() || !strings.Contains(h.screen(), "我想退货，收到的杯子有裂缝") {
		t.Fatalf("no title prompt with the customer's question:\n%s", h.screen())
	}
	h.m.input.SetValue("退货运费谁承担")
	h.press("enter")
	p, ok := h.fs.last(protocol.ReqPromote).(protocol.PromoteReq)
	if !ok || p.Target != protocol.PromoteKB || p.Title != "退货运费谁承担" || p.OutcomeID != "o2" {
		t.Fatalf("promote %+v", p)
	}
}

// TestPromoteTitleIsTheFirstRealQuestion: the KB title offered is the
// customer's first substantive message, not "在吗", and without its order
// number (issue 14: "我的订单 1042 的…" as a title).
func TestPromoteTitleIsTheFirstRealQuestion(t *testing.T) {
	h := newHarness(t, lang.ZhCN, 160, 48)
	h.press("j")
	d := *h.m.detail
	d.Context = []protocol.Message{
		{Seq: 1, Author: protocol.AuthorCustomer, Text: "在吗？"},
		{Seq: 2, Author: protocol.AuthorBot, Text: "在的，请问有什么可以帮您？"},
		{Seq: 3, Author: protocol.AuthorCustomer, Text: "我的订单 1042 的耳机右耳没声音了，保修期是多久？还能修吗"},
	}
	h.m.detail = &d
	h.press("p")
	if got := h.m.input.Value(); got != "我的订单的耳机右耳没声音了，保修期是多久？" {
		t.Fatalf("title offered %q", got)
	}
	// A short outburst is not the topic either (seen on the demo).
	h.press("esc")
	d.Context = []protocol.Message{{Seq: 1, Author: protocol.AuthorCustomer,
		Text: "This is ridiculous!!! Order 20320720 says delivered but there's NOTHING here"}}
	h.press("p")
	if got := h.m.input.Value(); got != "Order says delivered but there's NOTHING here" {
		t.Fatalf("title offered %q", got)
	}
}

func TestWrapKeepsWordsAndFillsCJKLines(t *testing.T) {
	lines := wrapRuns([]run{{text: "Agent: 非常抱歉给您带来这么不好的体验，您的心情我完全理解，这件事我会负责跟进到底。"}}, 30)
	if !strings.HasPrefix(lines[0], "Agent: 非常") {
		t.Fatalf("the label was left alone on its line: %q", lines)
	}
	lines = wrapRuns([]run{{text: "Your refund goes back to the original payment method"}}, 20)
	for _, l := range lines {
		if strings.HasPrefix(l, " ") || ansi.StringWidth(l) > 20 {
			t.Fatalf("bad English wrap: %q", lines)
		}
	}
	if lines[0] != "Your refund goes" {
		t.Fatalf("words split: %q", lines)
	}
}

// TestEmptyFilterSaysSo: an empty list under a filter points at the filter
// (esc clears it), not at agents who have not decided anything yet.
func TestEmptyFilterSaysSo(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 30)
	var edits []protocol.ReviewItem
	for _, it := range h.fs.items {
		if it.Outcome.Action == protocol.ActionEdit {
			edits = append(edits, it)
		}
	}
	h.fs.items = edits
	h.press("f") // rejected: none left
	if scr := h.screen(); !strings.Contains(scr, "esc clears it") || strings.Contains(scr, "Drafts appear here") {
		t.Fatalf("empty filtered list:\n%s", scr)
	}
	h.fs.items = nil
	h.press("esc")
	if scr := h.screen(); !strings.Contains(scr, "Drafts appear here") {
		t.Fatalf("empty unfiltered list:\n%s", scr)
	}
}

// TestLongTitleAndFilterStayVisible: typing past the width of the footer
// scrolls the input, so the end of a long KB title or filter — where the
// cursor is — stays on screen.
func TestLongTitleAndFilterStayVisible(t *testing.T) {
	for _, w := range []int{80, 160} {
		h := newHarness(t, lang.EN, w, 24)
		h.press("j", "p")
		h.typeText(strings.Repeat(" and a very long title", 8) + " THE END")
		if scr := h.screen(); !strings.Contains(scr, "THE END") {
			t.Fatalf("%d columns: the end of the title is cut off:\n%s", w, scr)
		}
		h.press("esc", "/")
		h.typeText(strings.Repeat(" reason:wrong_facts", 8) + " golden")
		if scr := h.screen(); !strings.Contains(scr, "wrong_facts golden") {
			t.Fatalf("%d columns: the end of the filter is cut off:\n%s", w, scr)
		}
	}
}

// A long review stream loads page by page as the cursor nears the end of
// what is loaded, also when the server cuts a page short (by size).
func TestReviewLoadsTheNextPageNearTheEnd(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 40)
	base := h.fs.items[0]
	h.fs.mu.Lock()
	h.fs.items = nil
	for i := range 260 {
		it := base
		it.Outcome.ID = fmt.Sprintf("o%03d", i)
		h.fs.items = append(h.fs.items, it)
	}
	h.fs.pageCap = 70
	h.fs.mu.Unlock()
	h.run(h.m.reload())
	if n := len(h.m.Items()); n != 70 {
		t.Fatalf("first page has %d items, want 70", n)
	}
	for range 259 {
		h.press("j")
	}
	if n := len(h.m.Items()); n != 260 {
		t.Fatalf("after walking the list %d items are loaded, want 260", n)
	}
	if got := h.m.Selected(); got != "o259" {
		t.Errorf("cursor on %s, want o259", got)
	}
	seen := map[string]bool{}
	for _, it := range h.m.Items() {
		if seen[it.Outcome.ID] {
			t.Fatalf("%s loaded twice", it.Outcome.ID)
		}
		seen[it.Outcome.ID] = true
	}
	if !strings.Contains(ansi.Strip(h.m.Render()), "260/260") {
		t.Errorf("title does not count 260/260:\n%s", ansi.Strip(h.m.Render()))
	}
}

// TestListColumnsAlignPastAnHour: an age of 1h45m is as wide as the column
// the list gives ages, so the intent after it starts in the same cell as
// a 5-minute row's (issue 14: an age past 1h pushed its row's fields right).
func TestListColumnsAlignPastAnHour(t *testing.T) {
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		h := newHarness(t, lg, 160, 48)
		h.fs.items[1].Outcome.CreatedAt = at(105 * time.Minute)
		h.fs.items[2].Outcome.CreatedAt = at(26*time.Hour + 30*time.Minute)
		h.fs.items[1].Intent, h.fs.items[2].Intent = "returns", "returns"
		h.fs.items[0].Outcome.Reason = "" // a reason is a field before the intent
		h.m.SetSize(160, 48)
		h.run(h.m.Init())
		lines := strings.Split(h.screen(), "\n")
		col := -1
		intent := i18n.For(lg).IntentName("returns") // 退货 in Chinese
		for _, l := range lines[1:4] {
			i := strings.Index(l, intent)
			if i < 0 {
				t.Fatalf("%s: no intent in row %q", lg, l)
			}
			c := ansi.StringWidth(l[:i])
			if col >= 0 && c != col {
				t.Fatalf("%s: intent at cell %d, the row above at %d:\n%s", lg, c, col, strings.Join(lines[1:4], "\n"))
			}
			col = c
		}
	}
}

// TestWrapKeepsChineseLineBreaking: the review's detail wraps Chinese with
// the transcript's rules (no line starts with ，。；、” …).
func TestWrapKeepsChineseLineBreaking(t *testing.T) {
	got := strings.Join(wrapPlain("我已经收到，请稍等", 10, nil), "|")
	if got != "我已经收|到，请稍等" {
		t.Fatalf("wrapPlain = %q", got)
	}
	got = strings.Join(wrapRuns([]run{{text: "客户："}, {text: "好的；明白、了"}}, 8), "|")
	if got != "客户：好|的；明|白、了" {
		t.Fatalf("wrapRuns = %q", got)
	}
}
