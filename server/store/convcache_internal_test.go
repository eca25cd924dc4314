package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The writer's conversation cache (convcache.go) is right only while every
// change of a cached column goes through saveConversation or
// touchConversation, or forgets the entry, and nothing changes the
// customer's name or VIP mark it carries. This finds every UPDATE of
// conversations or customers in the package's code and fails for one
// elsewhere that sets a column the cache holds.
func TestConversationColumnsChangeOnlyWhereTheCacheKnows(t *testing.T) {
	cached := map[string]bool{} // table.column
	for _, col := range strings.Split(convColumns, ",") {
		col = strings.TrimSpace(col)
		if name, ok := strings.CutPrefix(col, "c."); ok {
			cached["conversations."+name] = true
		}
		if name, ok := strings.CutPrefix(col, "cu."); ok {
			cached["customers."+name] = true
		}
	}
	known := map[string]bool{"saveConversation": true, "touchConversation": true, "EscalateFlagged": true}
	update := regexp.MustCompile(`(?is)\bUPDATE\s+(conversations|customers)\s+SET\s+(.*?)(\bWHERE\b|$)`)
	assign := regexp.MustCompile(`(?i)([a-z_]+)\s*=`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				text, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, m := range update.FindAllStringSubmatch(text, -1) {
					found++
					table := strings.ToLower(m[1])
					for _, a := range assign.FindAllStringSubmatch(m[2], -1) {
						col := table + "." + strings.ToLower(a[1])
						if cached[col] && (table == "customers" || !known[fn.Name.Name]) {
							t.Errorf("%s: %s sets %s past the writer's conversation cache (convcache.go): change conversations through saveConversation or tx.forget them; customers' names and VIP marks are cached in their conversations",
								fset.Position(lit.Pos()), fn.Name.Name, col)
						}
					}
				}
				return true
			})
		}
	}
	if found < 4 {
		t.Fatalf("found %d UPDATEs of conversations or customers; the scan is broken", found)
	}
}
