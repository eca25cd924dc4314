package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// pick presses the digit of the dialog row whose label contains label.
func (l *deskLoop) pick(label string) {
	l.t.Helper()
	re := regexp.MustCompile(`(\d) ` + regexp.QuoteMeta(label))
	m := re.FindStringSubmatch(ansi.Strip(l.m.Render()))
	if m == nil {
		l.t.Fatalf("no dialog row %q:\n%s", label, ansi.Strip(l.m.Render()))
	}
	l.press(m[1])
}

// TestLeadBoardReassignsAndDrainsLive runs two real desks — an agent and a
// lead — over real clients against a real server. The lead's board shows
// the agent's chat with the agent viewing it (collision indicator), the
// lead reassigns it to bob and the agent's desk sees it leave at once;
// then the lead drains bob back into the queue and sets him offline.
// Priority is kept throughout and the store agrees.
func TestLeadBoardReassignsAndDrainsLive(t *testing.T) {
	b := newServedBackend(t, server.Config{})
	aliceTok := b.account("alice", protocol.RoleAgent)
	b.account("bob", protocol.RoleAgent)
	leadTok := b.account("lena", protocol.RoleLead)
	conv := b.escalated("你们再不处理我就去12315投诉！")

	alice := startDeskModel(t, b, aliceTok)
	alice.until("the escalation", func() bool { _, ok := alice.m.Conversation(conv.ID); return ok })
	alice.press("c") // claim and open it
	alice.until("the claim", func() bool {
		c, _ := alice.m.Conversation(conv.ID)
		return c.Assignee == "alice" && alice.m.Open() == conv.ID
	})

	lead := startDeskModel(t, b, leadTok)
	lead.press("2")
	lead.until("the board with its figures and alice viewing the chat", func() bool {
		s := ansi.Strip(lead.m.Render())
		return lead.m.TeamView() && lead.m.Board().Loaded() && strings.Contains(s, "👁 alice")
	})
	lead.press("l")
	if c, ok := lead.m.Board().SelectedChat(); !ok || c.ID != conv.ID {
		t.Fatalf("selected chat %q", c.ID)
	}
	lead.press("r")
	lead.pick("bob")
	alice.until("alice's desk to see the chat leave", func() bool { c, _ := alice.m.Conversation(conv.ID); return c.Assignee == "bob" })
	got, err := b.st.Conversation(context.Background(), conv.ID)
	if err != nil || got.Assignee != "bob" || got.Priority != conv.Priority {
		t.Fatalf("after reassign: %+v, %v", got, err)
	}

	lead.press("h")
	if !lead.m.Board().SelectAgent("bob") {
		t.Fatal("bob not on the board")
	}
	lead.press("d")
	lead.pick("back to the queue")
	lead.pick("offline")
	lead.until("the drain", func() bool { return strings.Contains(lead.m.Notice(), "Drained bob: 1 moved.") })
	got, _ = b.st.Conversation(context.Background(), conv.ID)
	bob, _ := b.st.Agent(context.Background(), "bob")
	if got.Status != protocol.ConvQueued || got.Assignee != "" || got.Priority != conv.Priority || bob.Status != protocol.StatusOffline || bob.Load != 0 {
		t.Fatalf("after drain: chat %+v, bob %+v", got, bob)
	}
	alice.until("alice's desk to see it back in the queue", func() bool {
		c, _ := alice.m.Conversation(conv.ID)
		return c.Status == protocol.ConvQueued
	})
}
