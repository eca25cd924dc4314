// Package textcut shortens text without splitting a character: to a number
// of bytes (what storage and wire limits count) or of characters (what a
// reader sees). It is the one place the module cuts a string short, so a
// cut never leaves half of a Chinese character or an emoji behind.
package textcut

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis marks where text was cut.
const Ellipsis = "…"

// Bytes returns the longest prefix of s that is at most n bytes and does
// not end inside a UTF-8 sequence.
func Bytes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// BytesWithEllipsis is Bytes with an Ellipsis added when it cut (the
// ellipsis is not counted in n).
func BytesWithEllipsis(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return Bytes(s, n) + Ellipsis
}

// Runes cuts s to at most n characters (runes), trimming the space at the
// cut and adding an Ellipsis, when it is longer.
func Runes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max(n, 0)])) + Ellipsis
}
