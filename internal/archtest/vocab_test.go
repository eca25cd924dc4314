package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// vocabulary is every word protocol owns that a bare string must not
// stand in for: the draft states, the flags and the escalation reasons
// that are not also everyday words.
func vocabulary() map[string]string {
	words := map[string]string{}
	for _, s := range []protocol.DraftStatus{protocol.DraftOpen, protocol.DraftAccepted, protocol.DraftEdited,
		protocol.DraftRejected, protocol.DraftSuperseded} {
		words[string(s)] = "protocol.DraftStatus"
	}
	for _, f := range protocol.Flags {
		words[string(f)] = "protocol.Flag"
	}
	for _, r := range []protocol.Reason{protocol.ReasonAsksForHuman, protocol.ReasonNegativeSentiment, protocol.ReasonLegalThreat,
		protocol.ReasonChurnRisk, protocol.ReasonBotFailure, protocol.ReasonLowConfidence} {
		words[string(r)] = "protocol.Reason"
	}
	return words
}

// vocabExempt are the places where one of the words is meant as something
// else, keyed by file (relative to the module root) and word.
var vocabExempt = map[[2]string]string{
	{"keymap/actions.go", "open"}:    "the help label of the open key",
	{"tui/files.go", "open"}:         "the macOS open command",
	{"copilot/flags.go", "urgent"}:   "an English cue word of the urgent flag",
	{"copilot/negation.go", "open"}:  "the verb of a negated case (未拆封, unopened), not a draft state",
	{"copilot/insight.go", "angry"}:  "English display text of the summary's cue list",
	{"copilot/insight.go", "urgent"}: "English display text of the summary's cue list",
	{"sim/scripts.go", "angry"}:      "a demo customer's mood",
	{"sim/world.go", "angry"}:        "a demo customer's mood",
}

// vocabExemptDirs hold display text keyed by the constants (the desk's
// catalogs), or the copilot's own copy of the words (it knows no wire
// type; server/vocab_test.go checks the copy against protocol).
var vocabExemptDirs = []string{"protocol", "tui/i18n"}

// TestNoBareVocabulary fails when a non-test file outside protocol spells a
// draft state, a flag or an escalation reason as a string literal instead
// of through protocol's constants. The copilot may declare its own copies
// as constants (copilot must not import protocol); it may not use the bare
// words anywhere else.
func TestNoBareVocabulary(t *testing.T) {
	words := vocabulary()
	root := "../.."
	fset := token.NewFileSet()
	checked := 0
	err := walkSources(root, vocabExemptDirs, func(rel, path string) error {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		for _, hit := range bareWords(f, words, strings.HasPrefix(rel, "copilot/")) {
			if _, ok := vocabExempt[[2]string{rel, hit.word}]; ok {
				continue
			}
			t.Errorf("%s:%d: bare %q; use the %s constant", rel, fset.Position(hit.pos).Line, hit.word, words[hit.word])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files; is the walk rooted at the module?", checked)
	}
}

type wordHit struct {
	word string
	pos  token.Pos
}

// bareWords lists the string literals of f that are vocabulary words,
// outside struct tags, and (when constsAllowed) outside const declarations.
func bareWords(f *ast.File, words map[string]string, constsAllowed bool) []wordHit {
	var hits []wordHit
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			// A struct tag names a JSON field, not a value (a tagged
			// field's type holds no string literal worth checking).
			return n.Tag == nil
		case *ast.GenDecl:
			if constsAllowed && n.Tok == token.CONST {
				return false
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err == nil && words[s] != "" {
				hits = append(hits, wordHit{s, n.Pos()})
			}
		}
		return true
	})
	return hits
}

// TestBareWordsFinds checks the check: it finds a bare word in a
// comparison, a case, a call and a map key, and passes constants, tags and
// other strings.
func TestBareWordsFinds(t *testing.T) {
	src := `package p
type D struct{ Status string ` + "`json:\"open\"`" + ` }
const mine = "angry"
func f(d D, m map[string]int) {
	if d.Status == "open" {}
	switch d.Status { case "superseded": }
	g("bot_failure")
	m["legal_threat"]++
	_ = "opened"
}
func g(string) {}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range bareWords(f, vocabulary(), true) {
		got = append(got, h.word)
	}
	want := []string{"open", "superseded", "bot_failure", "legal_threat"}
	if !slices.Equal(got, want) {
		t.Fatalf("bare words = %v, want %v", got, want)
	}
	got = got[:0]
	for _, h := range bareWords(f, vocabulary(), false) {
		got = append(got, h.word)
	}
	if !slices.Contains(got, "angry") {
		t.Fatalf("a const outside the copilot should count: %v", got)
	}
}
