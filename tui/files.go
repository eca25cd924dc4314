package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/sanitize"
	"github.com/agentdesk/agentdesk/tui/transcript"
)

// Files is what attachments need from the backend beyond Backend.
// *client.Client implements it; without it the desk says files are
// unavailable.
type Files interface {
	UploadAttachment(ctx context.Context, name string, r io.Reader) (protocol.Attachment, error)
	DownloadAttachment(ctx context.Context, id string) ([]byte, error)
}

var _ Files = (*client.Client)(nil)

// maxAttachBytes refuses a file before it is read whole; the server's
// limit (10 MiB by default) decides the rest.
const maxAttachBytes = 64 << 20

// fileMsg is the result of an open or an attach.
type fileMsg struct {
	convID string
	name   string
	path   string              // open: where the file was saved
	att    protocol.Attachment // attach: the upload
	attach bool
	err    error // the whole thing failed
	opener error // open: saved, but the viewer did not start
}

// attachResult is what the attach dialog returns; openResult the pick of
// the open dialog.
type (
	attachResult struct{ convID, path string }
	openResult   struct{ id string }
)

// openFile is the open key: the conversation's only file, or a list.
func (m *Model) openFile() tea.Cmd {
	if _, ok := m.openConversation(); !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	files := m.transcript.Files()
	switch len(files) {
	case 0:
		m.say(m.cat.Files.None, true)
		return nil
	case 1:
		return m.fetchAndOpen(files[0])
	}
	d := &listDialog{title: m.cat.Files.Title, pick: func(v string) any { return openResult{id: v} }}
	for _, f := range files {
		d.items = append(d.items, listItem{label: sanitize.Line(f.Name), hint: sanitize.Line(f.ContentType) + " · " + transcript.Size(f.Size), value: f.ID})
	}
	m.push(d)
	return nil
}

func (m *Model) applyOpenResult(r openResult) tea.Cmd {
	for _, f := range m.transcript.Files() {
		if f.ID == r.id {
			return m.fetchAndOpen(f)
		}
	}
	return nil
}

// fetchAndOpen downloads a file into a private temporary folder (0700, the
// file 0600, named by the server's cleaned name whose extension matches the
// sniffed type) and hands it to the system viewer.
func (m *Model) fetchAndOpen(a protocol.Attachment) tea.Cmd {
	fs, ok := m.be.(Files)
	if !ok {
		m.say(m.cat.Files.Unavailable, true)
		return nil
	}
	base, timeout, opener, convID, filesDir := m.ctx, m.timeout, m.opener, m.open, m.filesDir
	return func() tea.Msg {
		res := fileMsg{convID: convID, name: a.Name}
		ctx, cancel := context.WithTimeout(base, 6*timeout)
		defer cancel()
		data, err := fs.DownloadAttachment(ctx, a.ID)
		if err != nil {
			res.err = err
			return res
		}
		if res.path, err = savePrivate(filesDir, a, data); err != nil {
			res.err = err
			return res
		}
		res.opener = openWith(opener, res.path)
		return res
	}
}

var (
	privateOnce sync.Once
	privateDir  string
	privateErr  error
)

// savePrivate writes data to <dir>/<attachment id>/<name>; dir is the
// desk's private folder (Deps.FilesDir), or one made in the temp dir.
func savePrivate(dir string, a protocol.Attachment, data []byte) (string, error) {
	if dir == "" {
		privateOnce.Do(func() { privateDir, privateErr = os.MkdirTemp("", "agentdesk-files-") }) // 0700
		if privateErr != nil {
			return "", privateErr
		}
		dir = privateDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	dir = filepath.Join(dir, safeName(a.ID))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, safeName(a.Name))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// safeName keeps a file name to one harmless path element.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '_'
		}
		return r
	}, filepath.Base(s))
	s = strings.TrimLeft(s, ".")
	if s == "" {
		return "attachment"
	}
	return s
}

// openerGrace is how long the viewer command may take to fail: xdg-open
// with no viewer for the type exits at once, a viewer that opened stays.
const openerGrace = 3 * time.Second

// openWith starts the viewer without the desk's terminal and reports its
// failure if it fails within openerGrace; one still running then is taken
// as open (it may stay for as long as the agent looks).
func openWith(opener, path string) error {
	args := strings.Fields(opener)
	if len(args) == 0 {
		args = []string{"xdg-open"}
		if runtime.GOOS == "darwin" {
			args = []string{"open"}
		}
	}
	cmd := exec.Command(args[0], append(args[1:], path)...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
			if name := filepath.Base(args[0]); !strings.HasPrefix(last, name) {
				last = name + ": " + last
			}
			return errors.New(last)
		}
		return fmt.Errorf("%s: %w", args[0], err)
	case <-time.After(openerGrace):
		return nil
	}
}

// attachFile is the attach key in the compose box.
func (m *Model) attachFile() tea.Cmd {
	if m.focus != focusCompose {
		m.say(m.cat.NoticeNothingToSend, true)
		return nil
	}
	if m.compose.mode == composeEdit {
		m.say(m.cat.Files.EditNoFiles, true)
		return nil
	}
	if _, ok := m.be.(Files); !ok {
		m.say(m.cat.Files.Unavailable, true)
		return nil
	}
	d := newAttachDialog(m, m.compose.convID)
	m.push(d)
	return d.text.Focus()
}

// applyAttachResult uploads the chosen file; it joins the compose box's
// files when it is stored.
func (m *Model) applyAttachResult(r attachResult) tea.Cmd {
	fs := m.be.(Files)
	base, timeout := m.ctx, m.timeout
	return func() tea.Msg {
		path := expandHome(r.path)
		res := fileMsg{convID: r.convID, name: filepath.Base(path), attach: true}
		st, err := os.Stat(path)
		switch {
		case err != nil:
			res.err = err
		case !st.Mode().IsRegular():
			res.err = errors.New("not a regular file")
		case st.Size() > maxAttachBytes:
			res.err = fmt.Errorf("%s is too large", transcript.Size(st.Size()))
		}
		if res.err != nil {
			return res
		}
		f, err := os.Open(path)
		if err != nil {
			res.err = err
			return res
		}
		defer f.Close()
		ctx, cancel := context.WithTimeout(base, 6*timeout)
		defer cancel()
		res.att, res.err = fs.UploadAttachment(ctx, res.name, f)
		return res
	}
}

func (m *Model) applyFileMsg(r fileMsg) {
	name := sanitize.Line(r.name)
	switch {
	case r.err != nil:
		m.say(m.cat.Files.Failed(name, sanitize.Line(r.err.Error())), true)
	case r.attach:
		if m.focus != focusCompose || m.compose.convID != r.convID {
			return // the reply was sent or dropped meanwhile; the upload expires unsent
		}
		m.compose.files = append(m.compose.files, r.att)
		m.say(m.cat.Files.Attached(sanitize.Line(r.att.Name), transcript.Size(r.att.Size)), false)
	case r.opener != nil:
		m.say(m.cat.Files.Saved(name, sanitize.Line(r.path+": "+r.opener.Error())), true)
	default:
		m.say(m.cat.Files.Opened(name, sanitize.Line(r.path)), false)
	}
}

// fileIDs are the ids of the compose box's files.
func fileIDs(files []protocol.Attachment) []string {
	var ids []string
	for _, f := range files {
		ids = append(ids, f.ID)
	}
	return ids
}

// attachDialog asks for a path; tab completes it from the file system.
type attachDialog struct {
	convID string
	text   textinput.Model
	hint   string // the candidates of an ambiguous completion
}

func newAttachDialog(m *Model, convID string) *attachDialog {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "~/Downloads/invoice.pdf"
	ti.CharLimit = 4096
	return &attachDialog{convID: convID, text: ti}
}

func (d *attachDialog) scope() keymap.Scope { return keymap.ScopeDialog }

func (d *attachDialog) input(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return cmd
}

func (d *attachDialog) key(m *Model, msg tea.KeyPressMsg) (any, bool, tea.Cmd) {
	if msg.String() == "tab" {
		d.complete()
		return nil, false, nil
	}
	if act, ok := m.km.Lookup(keymap.ScopeDialog, msg.String()); ok {
		switch act {
		case keymap.DialogCancel:
			return nil, true, nil
		case keymap.DialogConfirm:
			p := strings.TrimSpace(d.text.Value())
			if p == "" {
				return nil, false, nil
			}
			return attachResult{convID: d.convID, path: p}, true, nil
		}
	}
	d.hint = ""
	var cmd tea.Cmd
	d.text, cmd = d.text.Update(msg)
	return nil, false, cmd
}

// complete extends the path to the longest prefix its matches share.
func (d *attachDialog) complete() {
	typed := d.text.Value()
	dir, prefix := filepath.Split(expandHome(typed))
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.hint = err.Error()
		return
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && (strings.HasPrefix(prefix, ".") || !strings.HasPrefix(e.Name(), ".")) {
			n := e.Name()
			if e.IsDir() {
				n += string(filepath.Separator)
			}
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		d.hint = "—"
		return
	}
	sort.Strings(names)
	common := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	head := typed[:len(typed)-len(prefix)]
	d.text.SetValue(head + common)
	d.text.CursorEnd()
	d.hint = ""
	if len(names) > 1 {
		d.hint = strings.Join(names[:min(len(names), 8)], "  ")
	}
}

func (d *attachDialog) view(m *Model, maxW, maxH int) string {
	lines := []string{m.st.Draft.Title.Render(cell.Fit(m.cat.Files.AttachTitle, maxW)), d.text.View()}
	if d.hint != "" {
		lines = append(lines, m.st.Muted.Render(cell.Fit(sanitize.Line(d.hint), maxW)))
	}
	lines = append(lines, m.st.Muted.Render(cell.Fit(m.cat.Files.AttachHint, maxW)))
	return strings.Join(lines, "\n")
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~"+string(filepath.Separator)); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// filesLine is the compose box's list of files going with the reply.
func (m *Model) filesLine(w int) string {
	var names []string
	for _, f := range m.compose.files {
		names = append(names, "📎 "+sanitize.Line(f.Name)+" ("+transcript.Size(f.Size)+")")
	}
	return m.st.Muted.Render(cell.Fit(strings.Join(names, "  "), w))
}
