package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// A viewer command that fails at once (xdg-open with no viewer for the
// type) is reported with its last words, not taken as opened.
func TestOpenWithReportsAFailingViewer(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "viewer.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho 'warming up' >&2\necho \"xdg-open: no method available for opening '$1'\" >&2\nexit 3\n"), 0o700)
	err := openWith(script, "/tmp/x.png")
	if err == nil || !strings.Contains(err.Error(), "no method available for opening '/tmp/x.png'") || strings.Contains(err.Error(), "warming") {
		t.Fatalf("err = %v", err)
	}
	if err := openWith(filepath.Join(dir, "missing"), "/tmp/x.png"); err == nil {
		t.Fatal("a missing viewer must fail")
	}
	if err := openWith("true", "/tmp/x.png"); err != nil {
		t.Fatalf("a viewer that exits 0: %v", err)
	}
}

func TestSavePrivateKeepsToOneFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	for _, name := range []string{"../../etc/passwd", ".bashrc", "a\x1b[2Jb\u202e.png", ""} {
		p, err := savePrivate(dir, protocol.Attachment{ID: "../a_1", Name: name}, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 || strings.ContainsAny(rel, "\x1b\u202e") {
			t.Fatalf("%q saved as %s", name, p)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v", p, st.Mode().Perm())
		}
	}
}
