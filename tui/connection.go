package tui

import (
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// link is where the desk connects and where it logs, to name them when
// the connection fails.
type link struct {
	server  string // the server URL as the user gave it ("" for the demo)
	logPath string
}

// connWords are the short reason (status bar) and the longer advice for
// one cause of a failed connection.
func connWords(c *i18n.ConnCatalog, cause client.Cause) (reason, fix string) {
	words := map[client.Cause][2]string{
		client.CauseRefused:         {c.Refused, c.FixRefused},
		client.CauseNoHost:          {c.NoHost, c.FixNoHost},
		client.CauseTimeout:         {c.Timeout, c.FixTimeout},
		client.CauseNotDesk:         {c.NotDesk, c.FixNotDesk},
		client.CauseTLSNotSpoken:    {c.TLSNotSpoken, c.FixTLSNotSpoken},
		client.CauseTLSRequired:     {c.TLSRequired, c.FixTLSRequired},
		client.CauseCertUntrusted:   {c.CertUntrusted, c.FixCert},
		client.CauseAuth:            {c.Auth, c.FixAuth},
		client.CauseRefusedByServer: {c.RefusedByServer, c.FixServer},
		client.CauseFrameTooLarge:   {c.FrameTooLarge, c.FixFrameTooLarge},
		client.CauseLost:            {c.Lost, c.FixOther},
	}
	if cause == client.CauseNone {
		return "", ""
	}
	if w, ok := words[cause]; ok {
		return w[0], w[1]
	}
	return c.Unknown, c.FixOther
}

// connReason is the status bar's short reason for a failed connection,
// "" when there is no error to explain.
func connReason(c *i18n.ConnCatalog, err error) string {
	reason, _ := connWords(c, client.Diagnose(err).Cause)
	return reason
}

// connProblem explains a failed connection in full (what, why, what to do,
// where the log is), for the conversation pane while no chat is open.
// It returns nil while there is nothing to explain.
func (m *Model) connProblem(w int) []string {
	if m.conn.Err == nil || m.conn.State == client.StateOnline || m.conn.State == client.StateConnecting {
		return nil
	}
	c := &m.cat.Conn
	p := client.Diagnose(m.conn.Err)
	server := m.link.server
	if server == "" {
		server = "?"
	}
	var out []string
	for _, l := range wrapPlain("✗ "+sanitize.Line(c.Title(server))+" — "+connReason(c, m.conn.Err), w) {
		out = append(out, m.st.Status.Disconnected.Render(cell.Fit(l, w)))
	}
	out = append(out, strings.Repeat(" ", w))
	_, text := connWords(c, p.Cause)
	for _, l := range wrapPlain(text, w) {
		out = append(out, cell.Fit(l, w))
	}
	if p.Detail != "" {
		for _, l := range wrapPlain(c.ServerSaid+sanitize.Line(p.Detail), w) {
			out = append(out, m.st.Muted.Render(cell.Fit(l, w)))
		}
	}
	out = append(out, strings.Repeat(" ", w))
	switch {
	case m.conn.State == client.StateOffline && !m.conn.RetryAt.IsZero():
		in := max(m.conn.RetryAt.Sub(m.now), 0).Round(time.Second)
		for _, l := range wrapPlain(c.Retrying(m.cat.Duration(in)), w) {
			out = append(out, cell.Fit(l, w))
		}
	case m.conn.State == client.StateAuthFailed || m.conn.State == client.StateFailed:
		for _, l := range wrapPlain(c.NoRetry, w) {
			out = append(out, cell.Fit(l, w))
		}
	}
	if m.link.logPath != "" {
		for _, l := range wrapPlain(c.Log(m.link.logPath), w) {
			out = append(out, m.st.Muted.Render(cell.Fit(l, w)))
		}
	}
	return out
}

// firstRun reports whether the desk is connected as an agent who is not
// online: chats are not routed to them, and a new agent does not know why.
func (m *Model) firstRun() bool {
	return m.conn.State == client.StateOnline && m.desk.Me().ID != "" && m.desk.Me().Role == protocol.RoleAgent &&
		m.desk.Me().Status != protocol.StatusOnline
}

// routeTranscript tells the transcript whether the open conversation's
// channel has a delivery at all, from what the server said in its welcome.
func (m *Model) routeTranscript() {
	c, ok := m.desk.Conversation(m.open)
	if !ok || m.desk.Delivery().Covers(c.Channel) {
		m.transcript.SetNoRoute("")
		return
	}
	m.transcript.SetNoRoute(c.Channel)
}
