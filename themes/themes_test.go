package themes

import (
	"image/color"
	"math"
	"reflect"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

// eachStyle calls fn for every lipgloss.Style reachable in s.
func eachStyle(t *testing.T, s *Styles, fn func(name string, st lipgloss.Style)) {
	t.Helper()
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		if st, ok := v.Interface().(lipgloss.Style); ok {
			fn(prefix, st)
			return
		}
		if v.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walk(prefix+"."+v.Type().Field(i).Name, v.Field(i))
			}
		}
	}
	walk("Styles", reflect.ValueOf(*s))
}

func TestNoColor(t *testing.T) {
	for _, name := range Names() {
		p, _ := ByName(name)
		s := New(p, true)
		n := 0
		eachStyle(t, s, func(field string, st lipgloss.Style) {
			n++
			out := st.Render("x")
			if strings.Contains(out, "38;") || strings.Contains(out, "48;") || hasColorSGR(out) {
				t.Errorf("%s %s renders colour: %q", name, field, out)
			}
		})
		if n < 50 {
			t.Fatalf("walked only %d styles; the walker is broken", n)
		}
		if out := s.Queue.Selected.Render("row"); !hasSGR(out, "7") || !hasSGR(out, "1") {
			t.Errorf("%s: NO_COLOR selection lost reverse/bold: %q", name, out)
		}
	}
}

// hasSGR reports whether some SGR sequence in s carries parameter p.
func hasSGR(s, p string) bool {
	for _, seq := range strings.Split(s, "\x1b[")[1:] {
		end := strings.IndexByte(seq, 'm')
		if end < 0 {
			continue
		}
		for _, q := range strings.Split(seq[:end], ";") {
			if q == p {
				return true
			}
		}
	}
	return false
}

// hasColorSGR reports whether an SGR sequence sets a 16-colour foreground or
// background (30–37, 40–47, 90–97, 100–107).
func hasColorSGR(s string) bool {
	for _, seq := range strings.Split(s, "\x1b[") {
		end := strings.IndexByte(seq, 'm')
		if end < 0 {
			continue
		}
		for _, p := range strings.Split(seq[:end], ";") {
			if len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] >= '0' && p[1] <= '7' {
				return true
			}
			if len(p) == 3 && p[:2] == "10" {
				return true
			}
		}
	}
	return false
}

func TestColourThemesUseColour(t *testing.T) {
	s := New(Dark, false)
	if out := s.Queue.SLABreached.Render("-3m"); !strings.Contains(out, "38;2;") {
		t.Errorf("dark SLA breached has no truecolour foreground: %q", out)
	}
	if out := s.Queue.Selected.Render("row"); !strings.Contains(out, "48;2;") {
		t.Errorf("dark selection has no background: %q", out)
	}
}

func TestByName(t *testing.T) {
	for _, n := range []string{"dark", "light", "high-contrast", "DARK"} {
		if _, err := ByName(n); err != nil {
			t.Errorf("ByName(%q): %v", n, err)
		}
	}
	_, err := ByName("solarized")
	if err == nil || !strings.Contains(err.Error(), "high-contrast") {
		t.Errorf("unknown theme error should list the choices: %v", err)
	}
	if ForBackground(true).Name != "dark" || ForBackground(false).Name != "light" {
		t.Error("ForBackground picked the wrong palette")
	}
	if !NoColorRequested(func(string) string { return "1" }) || NoColorRequested(func(string) string { return "" }) {
		t.Error("NO_COLOR handling wrong")
	}
}

// TestContrast keeps body text readable: WCAG AA (4.5:1) for the normal
// themes, AAA (7:1) for high contrast, on the surface and selection.
func TestContrast(t *testing.T) {
	for _, p := range []Palette{Dark, Light, HighContrast} {
		want := 4.5
		if p.Name == "high-contrast" {
			want = 7
		}
		pairs := []struct {
			name   string
			fg, bg color.Color
		}{
			{"text/surface", p.Text, p.Surface},
			{"selection", p.SelectionText, p.Selection},
			{"danger/surface", p.Danger, p.Surface},
		}
		for _, pr := range pairs {
			if r := contrast(pr.fg, pr.bg); r < want-1.5*boolf(pr.name == "danger/surface") {
				t.Errorf("%s %s contrast %.2f < %.1f", p.Name, pr.name, r, want)
			}
		}
	}
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
