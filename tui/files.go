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
	"strings"
	"sync"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/cell"
	"github.com/agentdesk/agentdesk/tui/dialog"
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
	d := &dialog.List[protocol.Attachment]{Title: m.cat.Files.Title, OnPick: m.fetchAndOpen}
	for _, f := range files {
		d.Items = append(d.Items, dialog.Item[protocol.Attachment]{Label: sanitize.Line(f.Name),
			Hint: sanitize.Line(f.ContentType) + " · " + transcript.Size(f.Size), Value: f})
	}
	m.push(d)
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
	convID := m.compose.convID
	d := dialog.NewAttach(func(path string) tea.Cmd { return m.attach(convID, path) })
	m.push(d)
	return d.Focus()
}

// attach uploads the chosen file; it joins the compose box's files when
// it is stored.
func (m *Model) attach(convID, typed string) tea.Cmd {
	fs := m.be.(Files)
	base, timeout := m.ctx, m.timeout
	return func() tea.Msg {
		path := dialog.ExpandHome(typed)
		res := fileMsg{convID: convID, name: filepath.Base(path), attach: true}
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

// filesLine is the compose box's list of files going with the reply.
func (m *Model) filesLine(w int) string {
	var names []string
	for _, f := range m.compose.files {
		names = append(names, "📎 "+sanitize.Line(f.Name)+" ("+transcript.Size(f.Size)+")")
	}
	return m.st.Muted.Render(cell.Fit(strings.Join(names, "  "), w))
}
