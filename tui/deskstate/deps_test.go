package deskstate

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestNoUI: what the desk knows is kept apart from how it is drawn; no
// terminal library is among this package's dependencies.
func TestNoUI(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("the go command is not available to list dependencies")
		}
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "charm.land/") || strings.HasPrefix(dep, "github.com/charmbracelet/") ||
			strings.Contains(dep, "/agentdesk/tui/") && !strings.HasSuffix(dep, "/tui/deskstate") {
			t.Errorf("deskstate depends on %s", dep)
		}
	}
}
