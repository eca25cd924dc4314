package archtest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxFileLines is where a source file stops being one job (issue #18
// split board.go, dialogs.go, api.go, loadgen.go and the rest under it).
const maxFileLines = 650

// sizeExempt would name generated or data files allowed over
// maxFileLines, relative to the module root, with why. There are none:
// the i18n catalogs are split by job (lookup.go) like any other file.
var sizeExempt = map[string]string{}

// walkSources calls fn on every non-test .go file of the module at root,
// with its path relative to root in slash form, skipping hidden
// directories, testdata, vendor and the directories in skip.
func walkSources(root string, skip []string, fn func(rel, path string) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if slices.Contains(skip, rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		return fn(rel, path)
	})
}

// oversized walks the module at root and lists its non-test .go files
// over limit lines (skipping hidden directories, testdata and vendor),
// as "path: N lines".
func oversized(root string, limit int) ([]string, int, error) {
	var over []string
	checked := 0
	err := walkSources(root, nil, func(rel, path string) error {
		if _, ok := sizeExempt[rel]; ok {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		if n := bytes.Count(b, []byte("\n")); n > limit {
			over = append(over, fmt.Sprintf("%s: %d lines", rel, n))
		}
		return nil
	})
	return over, checked, err
}

// TestFilesStaySmall: no non-test source file of the module is over
// maxFileLines lines.
func TestFilesStaySmall(t *testing.T) {
	over, checked, err := oversized("../..", maxFileLines)
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files; is the walk rooted at the module?", checked)
	}
	for _, o := range over {
		t.Errorf("%s (at most %d): split it by job", o, maxFileLines)
	}
}

// TestOversizedFinds checks the check on a module of its own: a file one
// line over the limit is reported; one at the limit, a test file and a
// file under testdata are not.
func TestOversizedFinds(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, lines int) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte("//\n"), lines), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/big.go", 11)
	write("a/fits.go", 10)
	write("a/big_test.go", 50)
	write("a/testdata/big.go", 50)
	write(".hidden/big.go", 50)
	over, checked, err := oversized(root, 10)
	if err != nil {
		t.Fatal(err)
	}
	if checked != 2 || len(over) != 1 || over[0] != "a/big.go: 11 lines" {
		t.Fatalf("oversized = %v (checked %d), want [a/big.go: 11 lines] of 2", over, checked)
	}
}
