package cell

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFit(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 4, "abc…"},
		{"王芳客户", 5, "王芳…"},
		{"王芳", 5, "王芳 "},
		{"x", 0, ""},
		{"x", -1, ""},
	}
	for _, c := range cases {
		got := Fit(c.in, c.w)
		if got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if c.w > 0 && ansi.StringWidth(got) != c.w {
			t.Errorf("Fit(%q, %d) is %d cells wide", c.in, c.w, ansi.StringWidth(got))
		}
	}
	if got := Fit("\x1b[1m红\x1b[0m", 3); ansi.StringWidth(got) != 3 {
		t.Errorf("styled text: %q is %d cells", got, ansi.StringWidth(got))
	}
}
