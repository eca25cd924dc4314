package tui

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
)

// hostile is appended to every untrusted string: an OSC 52 clipboard
// write, a screen clear, a title change, an OSC 8 link, a C1 CSI, a cursor
// move, and the bidi overrides and isolates that reorder what an agent
// reads (a "Trojan Source" reply).
const hostile = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;pwned\x07\u202eevil\u202c\u2066iso\u2069\u200f" +
	"\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\\u009b31m\x1b[10;10H\r\b\x00"

// sgr is the only escape sequence the desk itself writes: colours and
// text attributes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// TestHostileTextInEveryField puts the attack into every string the desk
// renders from the server — customer and agent names, summaries, evidence,
// what the bot tried, messages and notes, author names, identities,
// history, draft text, warnings, source titles, teams — and checks the raw
// frames (before any stripping) in every view: nothing but SGR escapes,
// no control characters, no bidi controls.
func TestHostileTextInEveryField(t *testing.T) {
	me, agents, convs, detail, drafts := world()
	h := func(s string) string { return s + hostile }
	for i := range agents {
		if agents[i].ID != me.ID {
			agents[i].Name, agents[i].Team = h(agents[i].Name), h(agents[i].Team)
		}
	}
	for i := range convs {
		c := &convs[i]
		c.CustomerName, c.Summary = h(c.CustomerName), h(c.Summary)
		for j := range c.Flags {
			c.Flags[j] = protocol.Flag(h(string(c.Flags[j])))
		}
		if c.Escalation != nil {
			e := *c.Escalation
			e.Evidence, e.Reason = h(e.Evidence), protocol.Reason(h(string(e.Reason)))
			e.Facts = &protocol.EvidenceFacts{Kind: protocol.EvidenceAngry, Score: -0.8, Cues: []string{h("骗子")}, Excerpt: h("太差了")}
			e.BotTried = append([]string(nil), e.BotTried...)
			for j := range e.BotTried {
				e.BotTried[j] = h(e.BotTried[j])
			}
			e.BotSources = append([]protocol.Source(nil), e.BotSources...)
			for j := range e.BotSources {
				e.BotSources[j].ID, e.BotSources[j].Title = h(e.BotSources[j].ID), h(e.BotSources[j].Title)
			}
			c.Escalation = &e
		}
	}
	d := detail["c1"]
	d.Conversation = convs[0]
	msgs := append([]protocol.Message(nil), d.Messages...)
	for i := range msgs {
		msgs[i].Text, msgs[i].AuthorName = h(msgs[i].Text), h(msgs[i].AuthorName)
	}
	msgs = append(msgs, protocol.Message{ID: "m9", ConversationID: "c1", Seq: 4, Author: protocol.AuthorNote, AuthorID: "bob",
		AuthorName: h("张伟"), Text: h("internal note"), CreatedAt: ms(-1)})
	d.Messages = msgs
	cust := *d.Customer
	cust.Name = h(cust.Name)
	cust.Identities = append([]protocol.ChannelIdentity(nil), cust.Identities...)
	for i := range cust.Identities {
		cust.Identities[i].ExternalID = h(cust.Identities[i].ExternalID)
	}
	d.Customer = &cust
	d.History = append([]protocol.PastConversation(nil), d.History...)
	for i := range d.History {
		d.History[i].Summary, d.History[i].Disposition = h(d.History[i].Summary), h(d.History[i].Disposition)
	}
	detail["c1"] = d
	for i := range drafts {
		drafts[i].Text = h(drafts[i].Text)
		drafts[i].Warnings = []string{h("promises a refund")}
		for j := range drafts[i].Sources {
			drafts[i].Sources[j].Title = h(drafts[i].Sources[j].Title)
		}
	}

	for _, role := range []string{protocol.RoleAgent, protocol.RoleLead} {
		for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
			be := &fakeBackend{detail: detail, convs: map[string]protocol.Conversation{}, me: me}
			for _, c := range convs {
				be.convs[c.ID] = c
			}
			who := me
			who.Role = role
			hs := &harness{t: t, be: be, m: New(Deps{Backend: be, Styles: themes.New(themes.Dark, false), Lang: lg, Demo: true, TempDir: t.TempDir(),
				Now: func() time.Time { return now }, Location: time.UTC, Editor: "true"})}
			hs.send(tea.WindowSizeMsg{Width: 160, Height: 48})
			ups := []client.Update{client.StateChanged{State: client.StateOnline},
				client.Welcomed{Welcome: protocol.Welcome{Protocol: 1, Agent: who, Seq: 10, Resume: protocol.ResumeSnapshot,
					Snapshot: &protocol.Snapshot{Conversations: convs, Agents: agents}}}}
			for i, dr := range drafts {
				ups = append(ups, event(int64(11+i), protocol.EvDraft, &protocol.DraftEvent{Draft: dr}))
			}
			hs.send(UpdatesMsg{Updates: ups})
			check := func(view string) {
				t.Helper()
				raw := hs.m.Render()
				rest := sgr.ReplaceAllString(raw, "")
				// The fields are on screen (their text survives, neutralised),
				// so the check below looks at them; the help covers the panes
				// but for a few cells at its edges.
				if !strings.Contains(rest, "evil") && view != "help" {
					t.Fatalf("%s/%s/%s: no hostile field on screen:\n%s", role, lg, view, rest)
				}
				for _, r := range rest {
					bad := r == 0x1b || r == 0x07 || r == 0 || r == '\r' || r == '\b' || (r >= 0x80 && r <= 0x9f) ||
						(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
					if bad {
						i := strings.IndexRune(rest, r)
						t.Fatalf("%s/%s/%s: %U reached the terminal near %q", role, lg, view, r, rest[max(0, i-40):min(len(rest), i+20)])
					}
				}
			}
			check("queue")
			for _, id := range []string{"c1", "c2", "c3", "c4"} {
				hs.m.queue.SelectID(id)
				check("queue row " + id)
			}
			hs.m.queue.SelectID("c1")
			hs.press("enter")
			check("conversation")
			hs.press("s")
			check("profile")
			hs.press("tab", "s")
			check("sources")
			hs.press("esc", "t")
			check("transfer picker")
			hs.press("esc", "?")
			check("help")
			hs.press("esc", "ctrl+p")
			hs.typeText("evil")
			check("palette")
		}
	}
}

// TestUntrustedCertificateSaysSo: a desk that cannot verify the server's
// certificate says so (and what to do) instead of counting down retries
// that cannot succeed.
func TestUntrustedCertificateSaysSo(t *testing.T) {
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		h := newHarness(t, lg, 160, 48)
		err := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
		h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline, Err: fmt.Errorf("connect: %w", err), RetryAt: now.Add(3 * time.Second)}}})
		if s := h.screen(); !strings.Contains(s, "--ca") {
			t.Fatalf("%s: status bar does not point at --ca:\n%s", lg, s)
		}
		h.send(UpdatesMsg{Updates: []client.Update{client.StateChanged{State: client.StateOffline, Err: errors.New("connection refused"), RetryAt: now.Add(3 * time.Second)}}})
		if s := h.screen(); strings.Contains(s, "--ca") {
			t.Fatalf("%s: a refused connection blames the certificate:\n%s", lg, s)
		}
	}
}

// TestPasteIsCleaned: text pasted into the reply box (often copied from a
// customer's message) loses escape sequences, controls and bidi overrides
// before it reaches the input, and a CRLF is one line break, not two.
func TestPasteIsCleaned(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	openC1(h)
	h.press("r")
	h.send(tea.PasteMsg{Content: "Line1\x1b[31mRED\x1b[0m \x07bell \x1b]52;c;ZXZpbA==\x07end\r\nsecond \u202eevil"})
	if got, want := h.m.compose.ta.Value(), "Line1RED bell end\nsecond evil"; got != want {
		t.Fatalf("pasted text = %q, want %q", got, want)
	}
	if raw := h.m.Render(); strings.Contains(raw, "\u202e") || strings.Contains(raw, "\x07") {
		t.Fatal("the frame carries a bidi override or BEL from the paste")
	}
}
