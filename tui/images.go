package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/media"
	"github.com/agentdesk/agentdesk/tui/transcript"
)

// Image thumbnails in the transcript (tui/media): on a terminal with kitty
// graphics and Unicode placeholders, each PNG, JPEG or GIF attachment of
// the open conversation is downloaded into the desk's private folder like
// `o` does, decoded and scaled outside Update, sent to the terminal once
// (tea.Raw) and drawn under its file line as placeholder cells. Leaving the
// conversation frees its images in the terminal; so does quitting
// (Model.ImageCleanup). Elsewhere the transcript is unchanged.

// Thumbnail size and how many one conversation shows (the newest).
const (
	thumbRows = 5
	thumbCols = 24
	maxThumbs = 12
)

// images is what the desk has put in the terminal.
type images struct {
	proto   media.Protocol
	shown   map[string]transcript.Thumb // attachment → its image, for the open conversation
	pending map[string]bool             // being fetched
	failed  map[string]bool             // not shown (not an image, too large, fetch failed)
	next    int                         // next image id to try
	more    bool                        // a message with files arrived in the open conversation
}

// thumbMsg is a thumbnail made outside Update.
type thumbMsg struct {
	convID, attID string
	thumb         media.Thumb
	err           error
}

// thumbable is whether the server's sniffed type is one the desk decodes.
func thumbable(a protocol.Attachment) bool {
	switch strings.ToLower(a.ContentType) {
	case "image/png", "image/jpeg", "image/gif":
		return a.Size > 0
	}
	return false
}

// wantThumbs fetches the thumbnails the open conversation still lacks.
func (m *Model) wantThumbs() tea.Cmd {
	fs, ok := m.be.(Files)
	if m.img.proto != media.Kitty || !ok || m.open == "" || m.loading {
		return nil
	}
	if m.img.pending == nil {
		m.img.shown, m.img.pending, m.img.failed = map[string]transcript.Thumb{}, map[string]bool{}, map[string]bool{}
	}
	var cmds []tea.Cmd
	n := 0
	for _, a := range m.transcript.Files() { // newest first
		if !thumbable(a) {
			continue
		}
		if n++; n > maxThumbs {
			break
		}
		if th, ok := m.img.shown[a.ID]; ok {
			m.transcript.SetThumb(a.ID, th) // a reload of the same conversation
			continue
		}
		if m.img.pending[a.ID] || m.img.failed[a.ID] {
			continue
		}
		m.img.pending[a.ID] = true
		cmds = append(cmds, fetchThumb(m.ctx, m.timeout, fs, m.filesDir, m.open, a))
	}
	return tea.Batch(cmds...)
}

// thumbSlot lets one thumbnail be decoded at a time: a 20-megapixel photo
// takes tens of megabytes while it is.
var thumbSlot = make(chan struct{}, 1)

// fetchThumb downloads an attachment into the private folder and makes its
// thumbnail from what was saved.
func fetchThumb(base context.Context, timeout time.Duration, fs Files, dir, convID string, a protocol.Attachment) tea.Cmd {
	return func() tea.Msg {
		res := thumbMsg{convID: convID, attID: a.ID}
		ctx, cancel := context.WithTimeout(base, 6*timeout)
		defer cancel()
		data, err := fs.DownloadAttachment(ctx, a.ID)
		if err == nil {
			_, err = savePrivate(dir, a, data)
		}
		if err != nil {
			res.err = err
			return res
		}
		select {
		case thumbSlot <- struct{}{}:
		case <-ctx.Done():
			res.err = ctx.Err()
			return res
		}
		defer func() { <-thumbSlot }()
		res.thumb, res.err = media.MakeThumb(data, thumbRows, thumbCols)
		return res
	}
}

// applyThumb sends a finished thumbnail to the terminal and shows it.
func (m *Model) applyThumb(r thumbMsg) tea.Cmd {
	if r.convID != m.open || m.img.pending == nil || !m.img.pending[r.attID] {
		return nil // the agent moved on: the next visit fetches it again
	}
	delete(m.img.pending, r.attID)
	if r.err != nil {
		m.img.failed[r.attID] = true // the file line stays; `o` still opens it
		return nil
	}
	id := m.freeImageID()
	raw, err := media.Transmit(id, r.thumb.Image, r.thumb.Cols, r.thumb.Rows)
	if err != nil {
		m.img.failed[r.attID] = true
		return nil
	}
	th := transcript.Thumb{ID: id, Cols: r.thumb.Cols, Rows: r.thumb.Rows}
	m.img.shown[r.attID] = th
	m.transcript.SetThumb(r.attID, th)
	return tea.Raw(raw)
}

// freeImageID is an image id no thumbnail of the open conversation uses.
func (m *Model) freeImageID() int {
	used := map[int]bool{}
	for _, th := range m.img.shown {
		used[th.ID] = true
	}
	for {
		if m.img.next < media.FirstID || m.img.next > media.LastID {
			m.img.next = media.FirstID
		}
		id := m.img.next
		m.img.next++
		if !used[id] {
			return id
		}
	}
}

// leaveImages frees the open conversation's images in the terminal (the
// agent opens another one).
func (m *Model) leaveImages() tea.Cmd {
	raw := m.ImageCleanup()
	m.img.shown, m.img.pending, m.img.failed = nil, nil, nil
	m.transcript.ClearThumbs()
	if raw == "" {
		return nil
	}
	return tea.Raw(raw)
}

// ImageCleanup is the escape that frees every image the desk has in the
// terminal; the desk writes it when the program ends.
func (m *Model) ImageCleanup() string {
	var b strings.Builder
	for _, th := range m.img.shown {
		b.WriteString(media.Delete(th.ID))
	}
	return b.String()
}
