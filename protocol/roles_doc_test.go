package protocol

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docRow matches a row of docs/protocol.md's request tables:
// | `type` | data | ack data | who |
var docRow = regexp.MustCompile("^\\| `([a-z_.]+)` \\|.*\\| ([^|]+) \\|$")

var docRoles = map[string]string{"A": RoleAgent, "L": RoleLead, "T": RoleTrainer, "D": RoleAdmin}

// whoRoles reads a "who" cell: the role letters it names, "own" and "self"
// standing for an agent (on their own conversation or themselves), a
// parenthesis being a remark ("(never T)").
func whoRoles(cell string) []string {
	cell = regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(cell, "")
	var out []string
	for _, w := range strings.FieldsFunc(cell, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == ':' }) {
		role := docRoles[w]
		if w == "own" || w == "self" {
			role = RoleAgent
		}
		if role != "" && !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	slices.Sort(out)
	return out
}

// TestDocsWhoMatchesRoles checks docs/protocol.md's "who" column against
// the request table: every request type documented, with the roles the
// server admits.
func TestDocsWhoMatchesRoles(t *testing.T) {
	b, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		m := docRow.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || !KnownRequest(m[1]) {
			continue
		}
		typ := m[1]
		seen[typ] = true
		a, _ := AccessOf(typ)
		want := slices.Sorted(slices.Values(a.Roles))
		if got := whoRoles(m[2]); !slices.Equal(got, want) {
			t.Errorf("docs/protocol.md says %s is for %v (%q); the table admits %v", typ, got, m[2], want)
		}
	}
	for _, typ := range RequestTypes() {
		if !seen[typ] {
			t.Errorf("request %s is not in docs/protocol.md's tables", typ)
		}
	}
}

func TestWhoRoles(t *testing.T) {
	for cell, want := range map[string][]string{
		"A L D":                     {RoleAdmin, RoleAgent, RoleLead},
		"own, L D (never T)":        {RoleAdmin, RoleAgent, RoleLead},
		"T L D":                     {RoleAdmin, RoleLead, RoleTrainer},
		"self: A L T D; others L D": {RoleAdmin, RoleAgent, RoleLead, RoleTrainer},
		"T D":                       {RoleAdmin, RoleTrainer},
	} {
		if got := whoRoles(cell); !slices.Equal(got, want) {
			t.Errorf("whoRoles(%q) = %v, want %v", cell, got, want)
		}
	}
}
