package tui

import (
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
)

// A failed connection says its real cause on screen, what to do, and where
// the log is — not "offline — retry" for every one of them.
func TestConnectionProblemIsExplained(t *testing.T) {
	refused := fmt.Errorf("connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	cases := []struct {
		name  string
		state client.StateChanged
		want  []string
	}{
		{"wrong token", client.StateChanged{State: client.StateAuthFailed, Err: fmt.Errorf("connect: HTTP 401: %w", client.ErrAuthFailed)},
			[]string{"refused this token", "token create", "Not retrying"}},
		{"nothing listening", client.StateChanged{State: client.StateOffline, Err: refused, RetryAt: now.Add(4 * time.Second)},
			[]string{"Nothing accepts connections", "Retrying in 4s"}},
		{"frame too large", client.StateChanged{State: client.StateFailed, Err: fmt.Errorf("%w: over 64 MiB", client.ErrFrameTooLarge)},
			[]string{"frame too large", "Not retrying"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, lang.EN, 120, 30)
			h.m.link = link{server: "ws://127.0.0.1:9", logPath: "/data/agentdesk/desk.log"}
			h.send(UpdatesMsg{Updates: []client.Update{tc.state}})
			pane := h.m.convPane()
			for i, l := range pane {
				// A blank line the width of nothing let the next pane's
				// border slide left ("││" on screen).
				if got := ansi.StringWidth(l); got != h.m.lay.conv.w {
					t.Errorf("line %d is %d cells wide, the pane %d: %q", i, got, h.m.lay.conv.w, ansi.Strip(l))
				}
			}
			scr := paneText(pane)
			for _, w := range append(tc.want, "Not connected to ws://127.0.0.1:9", "/data/agentdesk/desk.log") {
				if !strings.Contains(scr, w) {
					t.Errorf("screen lacks %q:\n%s", w, h.screen())
				}
			}
		})
	}
}

// An agent connected but not online gets no chats; a first-run hint says
// to press S.
func TestFirstRunHintWhileNotOnline(t *testing.T) {
	h := newHarness(t, lang.EN, 120, 30)
	me := h.m.desk.Me()
	me.Status = protocol.StatusOffline
	h.send(UpdatesMsg{Updates: []client.Update{event(20, protocol.EvAgent, &protocol.AgentEvent{Cause: "status", Agent: me})}})
	if scr := paneText(h.m.convPane()); !strings.Contains(scr, "Press S to set your status to online") {
		t.Errorf("no first-run hint:\n%s", h.screen())
	}
	me.Status = protocol.StatusOnline
	h.send(UpdatesMsg{Updates: []client.Update{event(21, protocol.EvAgent, &protocol.AgentEvent{Cause: "status", Agent: me})}})
	if strings.Contains(h.screen(), "Press S") {
		t.Errorf("hint stays once online")
	}
}

// paneText is a pane's lines, colour stripped, as one space-separated run.
func paneText(lines []string) string {
	return strings.Join(strings.Fields(ansi.Strip(strings.Join(lines, "\n"))), " ")
}

// With no delivery for the chat's channel, a pending reply says so.
func TestPendingReplyOnAChannelWithoutDeliverySaysSo(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	me := h.m.desk.Me()
	h.send(UpdatesMsg{Updates: []client.Update{client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: me, Seq: 40,
		Resume: protocol.ResumeReplay, Delivery: &protocol.Delivery{Channels: []string{"email"}}}}}})
	d := h.be.detail["c1"]
	d.Messages = append(d.Messages, protocol.Message{ID: "m9", ConversationID: "c1", Seq: 4, Author: protocol.AuthorAgent,
		AuthorName: "Alice", Text: "On its way", Delivery: "pending", CreatedAt: ms(-time.Minute)})
	h.be.detail["c1"] = d
	openC1(h)
	if scr := paneText(h.m.convPane()); !strings.Contains(scr, "no delivery configured for channel wechat") || strings.Contains(scr, "sending…") {
		t.Errorf("pending reply on an undelivered channel:\n%s", h.screen())
	}
}
