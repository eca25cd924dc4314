package media

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name string
		env  func(string) string
		want Protocol
	}{
		{"kitty by TERM", env("TERM", "xterm-kitty"), Kitty},
		{"kitty by window id", env("TERM", "xterm-256color", "KITTY_WINDOW_ID", "3"), Kitty},
		{"ghostty", env("TERM", "xterm-ghostty", "TERM_PROGRAM", "ghostty"), Kitty},
		{"xterm", env("TERM", "xterm-256color"), None},
		{"wezterm (no placeholders)", env("TERM", "xterm-256color", "TERM_PROGRAM", "WezTerm"), None},
		{"iTerm2", env("TERM_PROGRAM", "iTerm.app"), None},
		{"tmux inside kitty", env("TERM", "tmux-256color", "KITTY_WINDOW_ID", "3", "TMUX", "/tmp/tmux-0/default,1,0"), None},
		{"screen", env("TERM", "screen-256color"), None},
		{"NO_COLOR", env("TERM", "xterm-kitty", "NO_COLOR", "1"), None},
		{"forced off", env("TERM", "xterm-kitty", "AGENTDESK_IMAGES", "off"), None},
		{"forced on", env("TERM", "xterm-256color", "AGENTDESK_IMAGES", "kitty"), Kitty},
		{"nothing", env(), None},
	} {
		if got, why := Detect(c.env); got != c.want || why == "" {
			t.Errorf("%s: %s (%q), want %s", c.name, got, why, c.want)
		}
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMakeThumbFormats(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 400, 300))
	var jp, gf bytes.Buffer
	jpeg.Encode(&jp, src, nil)
	gif.Encode(&gf, src, nil)
	for name, data := range map[string][]byte{"png": pngBytes(t, 400, 300), "jpeg": jp.Bytes(), "gif": gf.Bytes()} {
		th, err := MakeThumb(data, 5, 30)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// 4:3 at 5 rows of cells twice as high as wide: 13 columns.
		if th.Rows != 5 || th.Cols != 13 || th.Image.Bounds().Dy() != 5*pxPerRow || th.Image.Bounds().Dx() != 213 {
			t.Errorf("%s: %d×%d cells, %v pixels", name, th.Cols, th.Rows, th.Image.Bounds())
		}
	}
	// A wide banner keeps within maxCols with fewer rows; a tiny icon is not blown up.
	if th, _ := MakeThumb(pngBytes(t, 1000, 100), 5, 24); th.Cols != 24 || th.Rows != 1 {
		t.Errorf("banner: %d×%d", th.Cols, th.Rows)
	}
	if th, _ := MakeThumb(pngBytes(t, 8, 8), 5, 24); th.Image.Bounds().Dx() != 8 || th.Image.Bounds().Dy() != 8 {
		t.Errorf("icon scaled to %v", th.Image.Bounds())
	}
}

// Bytes that are not an image the desk decodes never become one.
func TestMakeThumbRefuses(t *testing.T) {
	full := pngBytes(t, 40, 30)
	// A PNG header claiming 60000×60000 pixels: refused from its header.
	bomb := append([]byte(nil), full[:33]...)
	copy(bomb[16:24], []byte{0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60})
	webp, _ := base64.StdEncoding.DecodeString("UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=")
	for name, data := range map[string][]byte{
		"html":      []byte("<!doctype html><script>alert(1)</script>"),
		"svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"escapes":   []byte("\x1b_Ga=T,f=100;AAAA\x1b\\\x1b]52;c;cm0gLXJm\x07"),
		"truncated": full[:len(full)/2],
		"bomb":      bomb,
		"webp":      webp,
		"empty":     nil,
	} {
		if th, err := MakeThumb(data, 5, 30); err == nil {
			t.Errorf("%s became a %d×%d thumbnail", name, th.Cols, th.Rows)
		}
	}
}

func TestTransmitGolden(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(3, 1, color.RGBA{0, 0, 255, 255})
	seq, err := Transmit(17, img, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(seq, "\x1b_Gq=2,i=17,d=I,a=d\x1b\\\x1b_Gf=100,q=2,i=17,U=1,c=2,r=1,a=T;") || !strings.HasSuffix(seq, "\x1b\\") {
		t.Errorf("transmit %q", seq)
	}
	golden.RequireEqual(t, []byte(strings.ReplaceAll(seq, "\x1b", "<ESC>")+"\n"))
	if _, err := Transmit(3, img, 2, 1); err == nil {
		t.Error("an id under 16 was accepted")
	}
}

func TestPlaceholdersGolden(t *testing.T) {
	rows := Placeholders(200, 3, 2)
	for _, r := range rows {
		if w := ansi.StringWidth(r); w != 3 {
			t.Errorf("row is %d cells wide, want 3: %q", w, r)
		}
	}
	golden.RequireEqual(t, []byte(strings.ReplaceAll(strings.Join(rows, "\n"), "\x1b", "<ESC>")+"\n"))
}

// The cell renderer passes the placeholders through as cells, colour and
// diacritics intact, with text after them where it belongs; the same
// frame with a graphics escape in the view would lose the escape.
func TestPlaceholdersThroughTheRenderer(t *testing.T) {
	rows := Placeholders(77, 3, 2)
	for _, prof := range []colorprofile.Profile{colorprofile.TrueColor, colorprofile.ANSI256} {
		view := "top\n" + rows[0] + " after\n" + rows[1] + "\n\x1b_Ga=T;AAAA\x1b\\end"
		var out bytes.Buffer
		p := tea.NewProgram(frame{view}, tea.WithOutput(&out), tea.WithInput(nil), tea.WithWindowSize(40, 6), tea.WithColorProfile(prof))
		if _, err := p.Run(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		cell := func(r, c int) string { return string([]rune(rows[r][len("\x1b[38;5;77m"):])[c*3 : c*3+3]) }
		if !strings.Contains(got, "\x1b[38;5;77m"+cell(0, 0)+cell(0, 1)+cell(0, 2)) || !strings.Contains(got, cell(1, 2)) ||
			!strings.Contains(got, " after") || strings.Contains(got, "\x1b_G") {
			t.Errorf("%v: renderer output %q", prof, got)
		}
	}
}

type frame struct{ s string }

func (f frame) Init() tea.Cmd {
	return tea.Tick(50*time.Millisecond, func(time.Time) tea.Msg { return tea.QuitMsg{} })
}
func (f frame) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.QuitMsg); ok {
		return f, tea.Quit
	}
	return f, nil
}
func (f frame) View() tea.View { v := tea.NewView(f.s); v.AltScreen = true; return v }
