package archtest

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// tablePackages reads the package names out of the first column of the
// table under "## Packages" in an architecture page: every `name` in
// backticks of each row's first cell.
func tablePackages(doc string) []string {
	_, sec, ok := strings.Cut(doc, "\n## Packages\n")
	if !ok {
		return nil
	}
	if end := strings.Index(sec, "\n## "); end >= 0 {
		sec = sec[:end]
	}
	var names []string
	name := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 3 || strings.HasPrefix(cells[1], "---") {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// TestArchitectureTableListsEveryPackage: docs/architecture.md's package
// table names every package of the module and no package that is gone.
func TestArchitectureTableListsEveryPackage(t *testing.T) {
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := tablePackages(string(b))
	if len(listed) < 10 {
		t.Fatalf("found only %d packages in the table: %v", len(listed), listed)
	}
	pkgs := listPackages(t)
	for path := range pkgs {
		if !slices.Contains(listed, path) {
			t.Errorf("docs/architecture.md's package table does not list %s", path)
		}
	}
	for _, name := range listed {
		if _, ok := pkgs[name]; !ok {
			t.Errorf("docs/architecture.md's package table lists %s, which is not a package of the module", name)
		}
	}
}

// TestTablePackagesReadsRows checks the reader on a small table.
func TestTablePackagesReadsRows(t *testing.T) {
	doc := "# A\n\n## Packages\n\n| package | holds |\n|---|---|\n| `a` | x `not` |\n| `b/c`, `b/d` | y |\n\n## Next\n\n| `e` | z |\n"
	if got, want := tablePackages(doc), []string{"a", "b/c", "b/d"}; !slices.Equal(got, want) {
		t.Fatalf("tablePackages = %v, want %v", got, want)
	}
}
