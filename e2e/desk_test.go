package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui"
)

// deskLoop drives the real desk model the way Bubble Tea does: one
// goroutine (the test) applies messages; commands run on their own
// goroutines and send their results back.
type deskLoop struct {
	t    *testing.T
	m    *tui.Model
	msgs chan tea.Msg
}

func (l *deskLoop) apply(msg tea.Msg) {
	_, cmd := l.m.Update(msg)
	l.exec(cmd)
}

func (l *deskLoop) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				l.exec(c)
			}
			return
		}
		if msg != nil {
			l.msgs <- msg
		}
	}()
}

// until applies messages until cond holds.
func (l *deskLoop) until(what string, cond func() bool) {
	l.t.Helper()
	l.untilWithin(15*time.Second, what, cond)
}

// untilWithin is until with a longer wait, for work that takes real time
// (a real model server's generation on a loaded machine).
func (l *deskLoop) untilWithin(wait time.Duration, what string, cond func() bool) {
	l.t.Helper()
	deadline := time.After(wait)
	for !cond() {
		select {
		case msg := <-l.msgs:
			l.apply(msg)
		case <-deadline:
			l.t.Fatalf("timed out waiting for %s; screen:\n%s", what, ansi.Strip(l.m.Render()))
		}
	}
}

func (l *deskLoop) press(keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch {
		case k == "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case strings.HasPrefix(k, "ctrl+"):
			msg = tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		l.apply(msg)
	}
}

func (l *deskLoop) typeText(s string) {
	for _, r := range s {
		l.apply(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// startDeskModel runs the desk model over a real client signed in with
// token, sized 160×48, and waits for the welcome.
func startDeskModel(t *testing.T, b *backend, token string) *deskLoop {
	t.Helper()
	return startDeskModelWith(t, b, token, nil)
}

// startDeskModelWith is startDeskModel with the desk's Deps adjusted by
// set (an opener for attachments, …).
func startDeskModelWith(t *testing.T, b *backend, token string, set func(*tui.Deps)) *deskLoop {
	t.Helper()
	c, err := client.New(client.Options{URL: b.url(), Token: token, OutboxPath: filepath.Join(t.TempDir(), "outbox.jsonl"),
		BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran; c.Close() })
	deps := tui.Deps{Backend: c, Context: ctx}
	if set != nil {
		set(&deps)
	}
	m := tui.New(deps)
	l := &deskLoop{t: t, m: m, msgs: make(chan tea.Msg, 64)}
	go tui.Subscribe(ctx, c.Updates(), func(msg tea.Msg) {
		select {
		case l.msgs <- msg:
		case <-ctx.Done():
		}
	})
	l.apply(tea.WindowSizeMsg{Width: 160, Height: 48})
	l.until("the welcome", func() bool { return m.Me().ID != "" })
	return l
}

// TestDeskWorksAnEscalation runs the desk model over the real client
// against a real server and works one escalation with keys only: claim,
// edit the AI draft, send, resolve. The stored outcome is checked in the
// database.
func TestDeskWorksAnEscalation(t *testing.T) {
	b := newBackend(t)
	token := b.account("alice", protocol.RoleAgent)
	conv := b.escalated("我要人工，订单三天没发货")
	dr := b.draft(conv.ID, "您好，非常抱歉让您久等。")

	l := startDeskModel(t, b, token)
	m := l.m
	l.until("the welcome with the escalation", func() bool {
		_, ok := m.Conversation(conv.ID)
		return m.Me().ID == "alice" && ok
	})

	// Claim: c on the queue's selection.
	l.press("c")
	l.until("the claim and the draft", func() bool {
		got, _ := m.Conversation(conv.ID)
		d, _, _, ok := m.Draft(conv.ID)
		return m.Open() == conv.ID && got.Assignee == "alice" && ok && d.ID == dr.ID
	})
	if !strings.Contains(ansi.Strip(m.Render()), "非常抱歉让您久等") {
		t.Fatal("the draft is not on screen after claiming")
	}

	// Edit the draft inline and send it.
	l.press("e")
	l.typeText("已为您加急处理。")
	l.press("ctrl+s")
	l.until("the outcome to be delivered", func() bool {
		_, action, queued, _ := m.Draft(conv.ID)
		return action == protocol.ActionEdit && !queued && m.Pending() == 0
	})

	// Resolve with the first disposition.
	l.press("d", "1")
	l.until("the conversation to be resolved", func() bool {
		got, _ := m.Conversation(conv.ID)
		return got.Status == protocol.ConvResolved && m.Pending() == 0
	})

	bg := context.Background()
	outs, err := b.st.Outcomes(bg, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 {
		t.Fatalf("%d outcomes stored, want 1", len(outs))
	}
	o := outs[0]
	want := dr.Text + "已为您加急处理。"
	if o.Action != protocol.ActionEdit || o.FinalText != want || o.DraftText != dr.Text || o.AgentID != "alice" ||
		o.IdempotencyKey != "o-"+dr.ID || o.DraftShownAt == 0 || o.MessageID == "" {
		t.Fatalf("stored outcome = %+v", o)
	}
	detail, err := b.st.ConversationDetail(bg, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if detail.Conversation.Status != protocol.ConvResolved || detail.Conversation.Disposition != "resolved" {
		t.Fatalf("conversation = %+v", detail.Conversation)
	}
	last := detail.Messages[len(detail.Messages)-1]
	if last.Author != protocol.AuthorAgent || last.Text != want || last.DraftID != dr.ID {
		t.Fatalf("last message = %+v", last)
	}
}
