package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/review"
)

// The Review view (tui/review) for trainers, leads and admins: the root
// owns which view is on screen and hands the review component its area,
// keys and messages.

// viewReview follows the views of teamview.go.
const viewReview = viewTeam + 1

// mayReview reports whether the signed-in role may open the review view
// (the server authorises every request again).
func (m *Model) mayReview() bool { return m.may(protocol.ReqReviewList) }

// openReview switches to the review view, building it on first use.
func (m *Model) openReview() tea.Cmd {
	if !m.mayReview() {
		m.say(m.cat.Review.Forbidden, true)
		return nil
	}
	m.lead.view = viewReview
	viewing := m.sendViewing("") // no chat on screen now
	if m.review == nil {
		m.review = review.New(review.Options{Styles: m.st, Cat: m.cat, Keys: m.km, Do: m.be, Context: m.ctx,
			Timeout: m.timeout, ExportDir: m.exportDir, Now: m.clock, Location: m.loc,
			ReadOnly: m.desk.Me().Role == protocol.RoleLead, Name: m.agentName})
		m.review.SetSize(m.width, max(m.height-2, 0))
		return tea.Batch(viewing, m.review.Init())
	}
	m.review.SetSize(m.width, max(m.height-2, 0))
	cmd, _ := m.review.Perform(keymap.ReviewRefresh)
	return tea.Batch(viewing, cmd)
}

// reviewKey routes a key press to the review view; keys it does not use
// come back as global actions.
func (m *Model) reviewKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, act := m.review.HandleKey(msg)
	if act != "" {
		return tea.Batch(cmd, m.perform(act))
	}
	return cmd
}

// reviewFrame renders the review view's body rows.
func (m *Model) reviewFrame() []string {
	m.review.SetSize(m.width, max(m.height-2, 0))
	body := m.review.Render()
	if body == "" {
		return nil
	}
	return strings.Split(body, "\n")
}

// reviewHelp is the form's own hint while the label form is open.
func (m *Model) reviewHelp() (string, bool) {
	if m.lead.view != viewReview || m.review == nil || len(m.dialogs) > 0 {
		return "", false
	}
	h := m.review.Help()
	if h == "" {
		return "", false
	}
	return m.st.Help.ShortDesc.Render(cell.Fit(" "+h, m.width)), true
}
