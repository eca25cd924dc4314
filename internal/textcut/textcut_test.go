package textcut

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBytesNeverSplitsACharacter(t *testing.T) {
	s := "退款😀ab"
	for n := 0; n <= len(s)+1; n++ {
		got := Bytes(s, n)
		if !utf8.ValidString(got) || len(got) > n || !strings.HasPrefix(s, got) {
			t.Errorf("Bytes(%q, %d) = %q", s, n, got)
		}
	}
	if got := Bytes("退款", 4); got != "退" {
		t.Errorf("Bytes(退款, 4) = %q, want 退", got)
	}
	if got := Bytes("abc", 3); got != "abc" {
		t.Errorf("Bytes(abc, 3) = %q", got)
	}
}

func TestBytesWithEllipsis(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"longer text", 6, "longer…"},
		// The bug this package fixed: a byte cut through 款 left an
		// invalid sequence in an error message.
		{"未知类型退款", 10, "未知类…"},
	} {
		if got := BytesWithEllipsis(c.in, c.n); got != c.want {
			t.Errorf("BytesWithEllipsis(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestRunes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"我要退款", 4, "我要退款"},
		{"我要退款，马上", 4, "我要退款…"},
		{"where is my parcel", 9, "where is…"},
		{"😀😀😀", 2, "😀😀…"},
	} {
		if got := Runes(c.in, c.n); got != c.want {
			t.Errorf("Runes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func FuzzBytes(f *testing.F) {
	f.Add("退款😀ab", 5)
	f.Add("\xff\xfe", 1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 64
		got := Bytes(s, n)
		if len(got) > max(n, 0) || !strings.HasPrefix(s, got) {
			t.Fatalf("Bytes(%q, %d) = %q", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Bytes(%q, %d) = %q splits a character", s, n, got)
		}
	})
}

func TestIsCode(t *testing.T) {
	for tok, want := range map[string]bool{
		"20324283": true, "91310115MA1K4XXXX": true, "91310115ma1k4xxxx": true, "SF1234567": true, "A1B2C3": true,
		"mp3": false, "iphone15": false, "4k": false, "refund": false, "12": false, "退款": false, "2024年": false,
	} {
		if got := IsCode(tok); got != want {
			t.Errorf("IsCode(%q) = %v, want %v", tok, got, want)
		}
	}
}
