package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/agentdesk/agentdesk/"

// pkg is one package of the module as `go list` describes it.
type pkg struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every package it depends on, transitively
}

// listPackages runs `go list -deps` over the module (its non-test
// packages) and returns the module's own, with paths relative to the
// module root ("tui/queue").
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("the go command is not available to list packages")
		}
	}
	cmd := exec.Command(gobin, "list", "-deps", "-json=ImportPath,Imports,Deps", module+"...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if !strings.HasPrefix(p.ImportPath, module) {
			continue
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		p.Imports = own(p.Imports)
		p.Deps = own(p.Deps)
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of the module", len(pkgs))
	}
	return pkgs
}

// own keeps the module's packages, relative to the module root.
func own(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rest, ok := strings.CutPrefix(p, module); ok {
			out = append(out, rest)
		}
	}
	return out
}

// under reports whether path is root or inside it ("tui" holds "tui/queue").
func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// rule forbids packages under from to depend on any package under one of
// the roots in never (transitively: going through a third package does
// not make an upward import right).
type rule struct {
	from  string
	never []string
	why   string
	allow []string // exceptions to never: leaf helpers anyone may use
}

// leaves are helpers with no module imports of their own that any layer,
// the bottom included, may use.
var leaves = []string{"internal/textcut"}

// rules are the arrows of docs/architecture.md, written as what each
// part must never reach. The bottom (lang, protocol) reaches nothing of
// the module but the leaves.
var rules = []rule{
	{"lang", []string{""}, "the bottom of the graph: languages only", nil},
	{"protocol", []string{""}, "wire types only; no I/O, no other package", leaves},
	{"internal/textcut", []string{""}, "a leaf", nil},
	{"client", []string{"tui", "server", "copilot", "config", "keymap", "themes", "sim", "cmd"}, "the websocket client knows only the protocol", nil},
	{"keymap", []string{"tui", "client", "server", "copilot", "config", "cmd"}, "key bindings sit below the desk", nil},
	{"themes", []string{"tui", "client", "server", "copilot", "config", "keymap", "cmd"}, "palettes sit below the desk", nil},
	{"config", []string{"tui", "client", "server", "copilot", "cmd"}, "config is read by cmd and handed down", nil},
	{"copilot", []string{"protocol", "server", "client", "tui", "cmd", "sim"}, "the copilot knows neither the wire nor the server", nil},
	{"tui", []string{"server", "copilot", "sim", "cmd", "config", "internal/loadgen"}, "the desk talks to the backend only through client", nil},
	{"server", []string{"tui", "client", "sim", "cmd", "config", "keymap", "themes"}, "the backend has no desk in it", nil},
	{"sim", []string{"server", "tui", "copilot", "cmd"}, "the demo world drives the public APIs only", nil},
	{"dataset", []string{"server", "tui", "client", "copilot", "cmd"}, "datasets are written from protocol types", nil},
	{"internal/textdiff", []string{"server", "tui", "client", "copilot", "protocol", "cmd"}, "a text algorithm", nil},
	{"internal/suggest", []string{""}, "a text algorithm", nil},
	{"internal/kbtitle", []string{""}, "a text algorithm", nil},
}

// TestImportsPointDown checks every package of the module against rules,
// over its transitive dependencies: no package imports upwards.
func TestImportsPointDown(t *testing.T) {
	pkgs := listPackages(t)
	for path, p := range pkgs {
		if strings.HasPrefix(path, "cmd/") || path == "cmd" {
			continue
		}
		for _, dep := range p.Deps {
			if under(dep, "cmd") {
				t.Errorf("%s depends on %s: nothing imports the command", path, dep)
			}
		}
		for _, r := range rules {
			if !under(path, r.from) {
				continue
			}
			for _, dep := range p.Deps {
				if slices.ContainsFunc(r.allow, func(a string) bool { return under(dep, a) }) {
					continue
				}
				for _, bad := range r.never {
					if bad == "" || under(dep, bad) {
						t.Errorf("%s depends on %s (%s)", path, dep, r.why)
					}
				}
			}
		}
	}
}

// TestRulesNameRealPackages keeps the rules honest: a rule about a package
// that no longer exists checks nothing.
func TestRulesNameRealPackages(t *testing.T) {
	pkgs := listPackages(t)
	for _, r := range rules {
		found := false
		for path := range pkgs {
			if under(path, r.from) {
				found = true
			}
		}
		if !found {
			t.Errorf("rule for %q matches no package", r.from)
		}
	}
}
