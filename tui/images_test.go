package tui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/media"
)

// filesBackend is the fake backend with attachments to download.
type filesBackend struct {
	*fakeBackend
	mu        sync.Mutex
	files     map[string][]byte
	downloads []string
}

func (f *filesBackend) UploadAttachment(context.Context, string, io.Reader) (protocol.Attachment, error) {
	return protocol.Attachment{}, protocol.Errorf(protocol.CodeUnavailable, "not in this test")
}

func (f *filesBackend) DownloadAttachment(_ context.Context, id string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.downloads = append(f.downloads, id)
	if b, ok := f.files[id]; ok {
		return b, nil
	}
	return nil, protocol.Errorf(protocol.CodeNotFound, "no attachment %s", id)
}

func testPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// imageHarness opens c1 with a photo, a PDF and a file that says it is a
// PNG but is HTML, on a desk whose terminal shows proto.
func imageHarness(t *testing.T, proto media.Protocol) (*harness, *filesBackend) {
	h := newHarness(t, lang.EN, 100, 40)
	be := &filesBackend{fakeBackend: h.be, files: map[string][]byte{
		"a-photo": testPNG(t), "a-pdf": []byte("%PDF-1.4\n%%EOF\n"), "a-fake": []byte("<html><script>alert(1)</script></html>")}}
	d := h.be.detail["c1"]
	d.Messages = append(append([]protocol.Message(nil), d.Messages...), protocol.Message{ID: "m4", ConversationID: "c1", Seq: 4,
		Author: protocol.AuthorCustomer, AuthorName: "王小明", Text: "盒子压坏了", CreatedAt: ms(-11 * time.Minute),
		Attachments: []protocol.Attachment{
			{ID: "a-photo", Name: "压坏的盒子.png", ContentType: "image/png", Size: int64(len(be.files["a-photo"]))},
			{ID: "a-pdf", Name: "invoice.pdf", ContentType: "application/pdf", Size: 15},
			{ID: "a-fake", Name: "fake.png", ContentType: "image/png", Size: 38},
		}})
	h.be.detail["c1"] = d
	h.m.be = be
	h.m.filesDir = t.TempDir()
	openC1(h)
	h.m.img.proto = proto
	return h, be
}

// runAll runs a command and what it returns, without a deadline (image
// work may take a while on a loaded machine), feeding results to the
// model; it returns the raw terminal writes.
func runAll(h *harness, cmd tea.Cmd) []string {
	var raws []string
	var walk func(tea.Cmd)
	walk = func(c tea.Cmd) {
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				walk(c)
			}
		case tea.RawMsg:
			raws = append(raws, msg.Msg.(string))
		case thumbMsg:
			_, next := h.m.Update(msg)
			walk(next)
		}
	}
	walk(cmd)
	return raws
}

func TestThumbnailsOnKitty(t *testing.T) {
	h, be := imageHarness(t, media.Kitty)
	raws := runAll(h, h.m.wantThumbs())
	if len(raws) != 1 || !strings.HasPrefix(raws[0], "\x1b_Gq=2,i=16,d=I,a=d\x1b\\\x1b_Gf=100,q=2,i=16,U=1,") {
		t.Fatalf("terminal writes %q", raws)
	}
	if got := strings.Join(be.downloads, ","); got != "a-fake,a-photo" {
		t.Errorf("downloaded %s; want the two image/png files only", got)
	}
	frame := h.m.Render()
	if n := strings.Count(frame, string(rune(0x10EEEE))); n == 0 {
		t.Fatalf("no placeholders in the frame:\n%s", h.screen())
	}
	if strings.Contains(frame, "\x1b_G") {
		t.Error("a graphics escape in the view: the renderer would drop it")
	}
	golden.RequireEqual(t, []byte(h.screen()))
	// Nothing more to fetch: the HTML posing as PNG failed and stays a line.
	if raws := runAll(h, h.m.wantThumbs()); len(raws) != 0 || len(be.downloads) != 2 {
		t.Errorf("a second pass wrote %q and downloaded %v", raws, be.downloads)
	}
	// Another conversation: the image is freed in the terminal.
	msgs := h.send(keyMsg("esc"))
	h.m.queue.SelectID("c2")
	msgs = append(msgs, h.send(keyMsg("enter"))...)
	var freed bool
	for _, m := range msgs {
		if r, ok := m.(tea.RawMsg); ok && r.Msg.(string) == media.Delete(16) {
			freed = true
		}
	}
	if !freed || h.m.ImageCleanup() != "" {
		t.Errorf("leaving c1 did not free image 16 (cleanup left %q)", h.m.ImageCleanup())
	}
}

// Without kitty graphics nothing is downloaded and the transcript is the
// text lines alone.
func TestNoThumbnailsWithoutSupport(t *testing.T) {
	h, be := imageHarness(t, media.None)
	before := h.screen()
	if raws := runAll(h, h.m.wantThumbs()); len(raws) != 0 || len(be.downloads) != 0 {
		t.Fatalf("wrote %q, downloaded %v", raws, be.downloads)
	}
	after := h.screen()
	if after != before || strings.ContainsRune(after, 0x10EEEE) || !strings.Contains(after, "📎 压坏的盒子.png") {
		t.Fatalf("transcript changed:\n%s", after)
	}
	golden.RequireEqual(t, []byte(after))
}
