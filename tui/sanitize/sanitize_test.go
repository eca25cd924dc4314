package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"clean ascii", "Alice Smith", "Alice Smith"},
		{"clean cjk and emoji", "王小明 👨‍👩‍👧 ok", "王小明 👨‍👩‍👧 ok"},
		{"osc52 clipboard bel", "Bob\x1b]52;c;cm0gLXJmIH4=\x07 Jones", "Bob Jones"},
		{"osc52 clipboard st", "Bob\x1b]52;c;cm0gLXJmIH4=\x1b\\ Jones", "Bob Jones"},
		{"osc8 hyperlink keeps text", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"window title", "\x1b]0;pwned\x07hi", "hi"},
		{"window title 2", "\x1b]2;pwned\x1b\\hi", "hi"},
		{"clear screen", "a\x1b[2Jb", "ab"},
		{"sgr colour", "\x1b[31;1mred\x1b[0m", "red"},
		{"csi private mode", "\x1b[?1049hx", "x"},
		{"cursor up overwrite", "ok\x1b[1A\x1b[2Kfake", "okfake"},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"apc", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"pm and sos", "a\x1b^pm\x1b\\b\x1bXsos\x1b\\c", "abc"},
		{"lone esc end", "abc\x1b", "abc"},
		{"esc esc", "a\x1b\x1bb", "a"},
		{"two byte esc reset", "a\x1bcb", "ab"},
		{"nF charset", "a\x1b(0lqk\x1b(Bb", "alqkb"},
		{"8-bit csi", "a\u009b2Jb", "ab"},
		{"8-bit osc with 8-bit st", "a\u009d52;c;eA==\u009cb", "ab"},
		{"other c1 dropped", "a\u0085\u0084b", "ab"},
		{"osc aborted by csi", "a\x1b]0;t\x1b[2Jb", "ab"},
		{"osc aborted by can", "a\x1b]0;t\x18b", "ab"},
		{"unterminated osc keeps text", "a\x1b]52;c;secret", "a52;c;secret"},
		{"unterminated csi", "a\x1b[12", "a"},
		{"csi aborted by cjk", "\x1b[1;中", "中"},
		{"bell backspace nul del", "a\x07\x08\x00\x7fb", "ab"},
		{"carriage return overwrite", "paid\rrefund", "paid refund"},
		{"crlf one space", "a\r\nb", "a b"},
		{"newline and tab", "a\nb\tc", "a b c"},
		{"trojan source", "admin\u202e\u2066 // check\u2069\u2066if", "admin // checkif"},
		{"lrm rlm", "a\u200eb\u200fc", "abc"},
		{"zero width", "pa\u200bypal\ufeff\u2060", "paypal"},
		{"zwj kept", "👩\u200d💻", "👩\u200d💻"},
		{"tag smuggling", "hi\U000E0049\U000E0047\U000E004E", "hi"},
		{"line separator", "a\u2028b", "a b"},
		{"invalid utf8", "a\xffb\xc3", "a\ufffdb\ufffd"},
		{"surrogate bytes", "\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Line(c.in); got != c.want {
				t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"keeps newlines", "line 1\nline 2", "line 1\nline 2"},
		{"crlf", "a\r\nb\rc", "a\nb\nc"},
		{"tab", "a\tb", "a    b"},
		{"paragraph separator", "a\u2029b", "a\nb"},
		{"attack across lines", "hi\n\x1b]52;c;ZWNobw==\x07\x1b[2Jthere", "hi\nthere"},
		{"chinese", "您好，\n我的订单还没到。", "您好，\n我的订单还没到。"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Text(c.in); got != c.want {
				t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestCleanInputIsNotCopied(t *testing.T) {
	in := "王小明 asks: where is order #1234? 🙏"
	allocs := testing.AllocsPerRun(100, func() {
		if Line(in) != in || Text(in) != in {
			t.Fatal("clean input changed")
		}
	})
	if allocs != 0 {
		t.Errorf("clean input allocated %v times per call", allocs)
	}
}

// checkInvariants is shared by the fuzz target and the table tests so the
// properties the renderer relies on are stated once.
func checkInvariants(t *testing.T, in string) {
	t.Helper()
	for _, f := range []struct {
		name      string
		fn        func(string) string
		multiline bool
	}{{"Line", Line, false}, {"Text", Text, true}} {
		out := f.fn(in)
		if !utf8.ValidString(out) {
			t.Fatalf("%s(%q) = %q: invalid UTF-8", f.name, in, out)
		}
		for _, r := range out {
			if r == '\n' && f.multiline {
				continue
			}
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("%s(%q) = %q: contains control %U", f.name, in, out, r)
			}
			if invisible(r) || r == 0x2028 || r == 0x2029 {
				t.Fatalf("%s(%q) = %q: contains %U", f.name, in, out, r)
			}
		}
		if again := f.fn(out); again != out {
			t.Fatalf("%s not idempotent on %q: %q then %q", f.name, in, out, again)
		}
		// Growth only comes from tabs and U+FFFD (3 bytes for 1 invalid
		// byte); anything more means the sanitizer invents content.
		if len(out) > TabWidth*len(in) {
			t.Fatalf("%s(%q) grew to %d bytes", f.name, in, len(out))
		}
	}
}

func TestInvariantsOnAttacks(t *testing.T) {
	for _, in := range attackSeeds {
		checkInvariants(t, in)
	}
}

var attackSeeds = []string{
	"",
	"plain",
	"王小明",
	"\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",
	"\x1b]8;;http://evil\x1b\\text\x1b]8;;\x1b\\",
	"\x1b[2J\x1b[H",
	"\x1b]0;title\x07",
	"\x1bP+q544e\x1b\\",
	"\u009b6n",
	"\u202eevil\u202c",
	"\x1b",
	"\x1b[",
	"\x1b]",
	"\xc2",
	"\x1b\xc2\x9b1m",
	"a\tb\r\nc\rd\u2028e",
	"\U000E0041\U000E0042",
}

func FuzzSanitize(f *testing.F) {
	for _, s := range attackSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkInvariants(t, in)
	})
}

func BenchmarkLineClean(b *testing.B) {
	s := "王小明 (VIP) — 订单 #88231 还没到，已经等了三天 🙏 please help"
	b.ReportAllocs()
	for b.Loop() {
		_ = Line(s)
	}
}

func BenchmarkTextAttack(b *testing.B) {
	s := strings.Repeat("hello \x1b]52;c;ZXZpbA==\x07世界\x1b[2J\u202e\n", 20)
	b.ReportAllocs()
	for b.Loop() {
		_ = Text(s)
	}
}
