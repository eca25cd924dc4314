package tui

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

type composeMode int

const (
	composeReply composeMode = iota
	composeNote
	composeEdit // editing an AI draft; sending records an outcome
)

// composeBox is the text box under the transcript for replies, notes and
// draft edits.
type composeBox struct {
	mode    composeMode
	convID  string
	draft   protocol.Draft // composeEdit only
	ta      textarea.Model
	kept    map[string]keptText   // unsent text by conversation (unsent.go)
	files   []protocol.Attachment // uploaded, going with the reply or note (files.go)
	typedAt time.Time             // when the customer's chat was last told the agent is typing
}

func newComposeBox() composeBox {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "┃ "
	// The server takes MaxTextBytes of UTF-8; the box holds more (so a long
	// paste arrives whole and the agent is told it is over, instead of it
	// being cut mid-word) and never fewer lines than the text has.
	ta.CharLimit = 2 * protocol.MaxTextBytes
	ta.MaxHeight = 0
	ta.SetHeight(4)
	return composeBox{ta: ta}
}

// composeRows is how many text rows the compose box gets in a
// conversation pane h rows high: a third of it, between 4 and 14.
func composeRows(h int) int { return min(max((h-2)/3, 4), 14) }

// typingEvery is how often, at most, the desk tells the server that the
// agent is writing a reply (the customer's web chat shows "… is typing").
const typingEvery = 3 * time.Second

// updateCompose hands an input to the reply box and, when a reply to the
// customer (not a note) changed, says the agent is typing.
func (m *Model) updateCompose(msg tea.Msg) tea.Cmd {
	before := m.compose.ta.Value()
	var cmd tea.Cmd
	m.compose.ta, cmd = m.compose.ta.Update(msg)
	c := &m.compose
	if c.mode == composeNote || c.convID == "" || c.ta.Value() == before || m.conn.State != client.StateOnline ||
		m.now.Sub(c.typedAt) < typingEvery {
		return cmd
	}
	c.typedAt = m.now
	be, base, conv := m.be, m.ctx, c.convID
	return tea.Batch(cmd, func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, 5*time.Second)
		defer cancel()
		be.Do(ctx, protocol.ReqTyping, protocol.TypingReq{ConversationID: conv}, nil) // best effort: a hint, not a record
		return nil
	})
}

// composeHeight is the rows the compose box takes: title, text, hint.
func (m *Model) composeHeight() int { return composeRows(m.lay.conv.h) + 2 }

// composeOver is how many bytes the box's text is over what the server
// accepts (0 when it fits).
func (m *Model) composeOver() int { return max(len(m.compose.ta.Value())-protocol.MaxTextBytes, 0) }

func (m *Model) startCompose(mode composeMode, convID string, d protocol.Draft, text string) tea.Cmd {
	m.compose.mode, m.compose.convID, m.compose.draft = mode, convID, d
	if kept, ok := m.compose.restore(convID, mode, d); ok {
		text = kept
		m.say(m.cat.NoticeRestored, false)
	}
	m.compose.ta.Reset()
	m.compose.ta.SetValue(text)
	m.setFocus(focusCompose)
	return m.compose.ta.Focus()
}

// cancelCompose closes the box and keeps its text for the conversation
// (esc must not throw away a written reply).
func (m *Model) cancelCompose() {
	if m.compose.keep() {
		m.say(m.cat.NoticeKept, false)
	}
	m.endCompose()
}

func (m *Model) endCompose() {
	m.compose.ta.Blur()
	m.compose.ta.Reset()
	m.compose.convID = ""
	m.compose.files = nil
	m.setFocus(m.paneFocus)
}

// sendCompose sends what the box holds. A lone /shortcut is expanded in
// place first, so the agent sees the canned text before it goes out.
func (m *Model) sendCompose() tea.Cmd {
	if m.focus != focusCompose {
		m.say(m.cat.NoticeNothingToSend, true)
		return nil
	}
	text := m.compose.ta.Value()
	if exp, ok := m.expandCanned(strings.TrimSpace(text)); ok {
		m.compose.ta.SetValue(exp)
		return nil
	}
	if strings.TrimSpace(text) == "" && (len(m.compose.files) == 0 || m.compose.mode == composeEdit) {
		m.say(m.cat.NoticeNothingToSend, true)
		return nil
	}
	if over := m.composeOver(); over > 0 {
		m.say(m.cat.NoticeTooLong(len(text), protocol.MaxTextBytes), true)
		return nil // the text stays in the box to be shortened
	}
	c := m.compose
	var cmd tea.Cmd
	switch c.mode {
	case composeReply:
		cmd = m.enqueueText(protocol.ReqSend, protocol.TextReq{ConversationID: c.convID, Text: text, Attachments: fileIDs(c.files)})
	case composeNote:
		cmd = m.enqueueText(protocol.ReqNote, protocol.TextReq{ConversationID: c.convID, Text: text, Attachments: fileIDs(c.files)})
	case composeEdit:
		if _, done := m.desk.Outcome(c.draft.ID); done {
			m.say(m.cat.NoticeNoDraft, true)
			return nil
		}
		if text == c.draft.Text {
			// Unchanged text is an accept: the trainer data must say so.
			cmd = m.recordOutcome(c.draft, protocol.ActionAccept, "", "", "")
		} else {
			cmd = m.recordOutcome(c.draft, protocol.ActionEdit, text, "", "")
		}
	}
	m.endCompose()
	return cmd
}

// cannedReply is one /shortcut.
type cannedReply struct{ name, text string }

// builtinCanned is the set used when the config has none: the replies
// every CS team writes a hundred times a day, in both languages.
var builtinCanned = map[lang.Lang]map[string]string{
	lang.EN: {
		"hi":     "Hello, thanks for reaching out — I'm looking into this for you now.",
		"wait":   "Thanks for your patience. I'm checking this and will get back to you in a few minutes.",
		"sorry":  "I'm sorry for the trouble this has caused.",
		"refund": "I've started the refund. It usually reaches your original payment method within 3–5 business days.",
		"order":  "Could you share your order number so I can look this up?",
		"bye":    "Is there anything else I can help with? Have a great day.",
	},
	lang.ZhCN: {
		"hi":     "您好，感谢您的耐心等待，我马上为您处理。",
		"wait":   "感谢您的耐心，我正在为您核实，几分钟内回复您。",
		"sorry":  "非常抱歉给您带来不便。",
		"refund": "已为您发起退款，一般 3–5 个工作日内原路退回。",
		"order":  "麻烦提供一下您的订单号，我帮您查询。",
		"bye":    "请问还有其他可以帮您的吗？祝您生活愉快。",
	},
}

// cannedList is the config's set, sorted; nil when it has none.
func cannedList(src map[string]string) []cannedReply {
	if len(src) == 0 {
		return nil
	}
	out := make([]cannedReply, 0, len(src))
	for name, text := range src {
		out = append(out, cannedReply{name: name, text: text})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// cannedReplies is the set for the conversation being answered: the
// config's, or the built-in one in the customer's language (a Chinese
// customer gets Chinese canned replies on an English desk), else the UI's.
func (m *Model) cannedReplies() []cannedReply {
	if m.canned != nil {
		return m.canned
	}
	l := m.lang
	if c, ok := m.desk.Conversation(m.compose.convID); ok {
		switch {
		case strings.HasPrefix(c.Language, "zh"):
			l = lang.ZhCN
		case strings.HasPrefix(c.Language, "en"):
			l = lang.EN
		}
	}
	out := cannedList(builtinCanned[l])
	return out
}

// insertCanned puts a canned reply where the cursor is, replacing the
// "/shortcut" the agent had begun typing before choosing from the list.
func (m *Model) insertCanned(text string) {
	v := m.compose.ta.Value()
	if i := strings.LastIndexAny(v, " \n"); strings.HasPrefix(v[i+1:], "/") {
		m.compose.ta.SetValue(v[:i+1] + text)
		return
	}
	m.compose.ta.InsertString(text)
}

func (m *Model) expandCanned(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, "/")
	if !ok || name == "" || strings.ContainsAny(name, " \n") {
		return "", false
	}
	for _, c := range m.cannedReplies() {
		if c.name == name {
			return c.text, true
		}
	}
	return "", false
}

// External editor: write the text to a temp file (a command: I/O), run the
// editor with tea.ExecProcess, read the file back (a command again).
type (
	editorReadyMsg struct {
		path string
		err  error
	}
	editorDoneMsg struct {
		path string
		err  error
	}
	editorTextMsg struct {
		text string
		err  error
	}
)

func (m *Model) openEditor(text string) tea.Cmd {
	dir := m.tempDir
	return func() tea.Msg {
		f, err := os.CreateTemp(dir, "agentdesk-*.txt")
		if err != nil {
			return editorReadyMsg{err: err}
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return editorReadyMsg{path: f.Name(), err: err}
	}
}

func (m *Model) runEditor(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		m.say(m.cat.NoticeEditorFailed(msg.err.Error()), true)
		return nil
	}
	args := strings.Fields(m.editor)
	if len(args) == 0 {
		args = []string{"vi"}
	}
	cmd := exec.Command(args[0], append(args[1:], msg.path)...)
	path := msg.path
	return tea.ExecProcess(cmd, func(err error) tea.Msg { return editorDoneMsg{path: path, err: err} })
}

func readEditorFile(msg editorDoneMsg) tea.Cmd {
	return func() tea.Msg {
		defer os.Remove(msg.path)
		if msg.err != nil {
			return editorTextMsg{err: msg.err}
		}
		b, err := os.ReadFile(msg.path)
		return editorTextMsg{text: strings.TrimRight(string(b), "\n"), err: err}
	}
}

func (m *Model) applyEditorText(msg editorTextMsg) {
	if msg.err != nil {
		m.say(m.cat.NoticeEditorFailed(sanitize.Line(msg.err.Error())), true)
		return
	}
	if m.focus != focusCompose {
		return // the agent cancelled the box meanwhile
	}
	m.compose.ta.SetValue(msg.text)
}
