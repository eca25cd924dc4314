package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Chinese names take two cells a character: the next column still lines up.
func TestWriteTableAlignsWideNames(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, [][]string{{"ID", "NAME", "ROLE"}, {"alice", "Alice", "agent"}, {"bo", "波 Bo", "agent"}, {"x", "张伟伟\x1b[31m", "lead"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	col := -1
	for _, l := range lines {
		i := strings.Index(l, "ROLE")
		if i < 0 {
			i = strings.LastIndex(l, "agent")
		}
		if i < 0 {
			i = strings.Index(l, "lead")
		}
		at := ansi.StringWidth(l[:i])
		if col >= 0 && at != col {
			t.Errorf("ROLE column at cell %d, want %d:\n%s", at, col, b.String())
		}
		col = at
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("escape sequence printed")
	}
}
