package copilot

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

//go:embed kb/demo/*.md
var demoKB embed.FS

// KBEntry is one knowledge-base article.
type KBEntry struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Tags     []string `json:"tags,omitempty"`
	Language string   `json:"language"`
	// Intent is the intent label customers asking about this entry have; it
	// defaults to the first tag.
	Intent string `json:"intent,omitempty"`
	// Questions and Aliases from the front matter: how customers ask for
	// this article ("怎么关闭自动续费") and other names for its subject
	// ("连续包月"). They are indexed with the title, never quoted.
	Questions []string `json:"questions,omitempty"`
	Aliases   []string `json:"aliases,omitempty"`
	Body      string   `json:"body"`
	// Passages are the body cut into bullets and paragraphs (passage.go).
	Passages []Passage `json:"passages,omitempty"`
	// Path is the file the entry came from, for error messages and editors.
	Path string `json:"path,omitempty"`
	// Status from the front matter: "pending-review" keeps a file (a
	// trainer's promoted reply) out of the KB until a reviewer changes it
	// to "approved" (StatusApproved; promoted files need it).
	Status string `json:"status,omitempty"`
}

// StatusPendingReview marks a KB file that is not loaded yet.
const StatusPendingReview = "pending-review"

// StatusApproved is what a reviewer writes into a promoted file
// (promoted/…) to let it join the KB: such files need it, so a broken or
// forged front matter that loses the status line never makes an entry live.
const StatusApproved = "approved"

// PromotedDir is the KB subfolder trainers' promoted replies are written to.
const PromotedDir = "promoted/"

// live reports whether a parsed KB file joins the KB: any file whose status
// is empty or approved, but a promoted one only when approved.
func (e KBEntry) live(path string) bool {
	if strings.HasPrefix(path, PromotedDir) || strings.Contains(path, "/"+PromotedDir) {
		return e.Status == StatusApproved
	}
	return e.Status == "" || e.Status == StatusApproved
}

// KBHit is a retrieval result.
type KBHit struct {
	Entry KBEntry
	Score float64
	// Confidence is the score relative to a perfect match of the query, 0..1.
	Confidence float64
	// Passages are the entry's passages that match the query, best first
	// (at most five).
	Passages []PassageHit
}

// PassageHit is a matching passage of an entry.
type PassageHit struct {
	N     int // index in Entry.Passages
	Score float64
}

// KB is a knowledge base: Markdown files with front matter, indexed with BM25.
// Reads are lock-free; Reload builds a new index and swaps it in, so drafts
// in flight keep the snapshot they started with.
type KB struct {
	layers []kbLayer // later layers replace earlier entries with the same id
	name   string
	mu     sync.Mutex // serialises Reload
	snap   atomic.Pointer[kbSnapshot]
	static bool
}

type kbLayer struct {
	fsys fs.FS
	name string
}

type kbSnapshot struct {
	entries []KBEntry
	pending []string // files marked pending review, not loaded
	index   *bm25    // body
	head    *bm25    // title, tags, questions, aliases and headings
	// passages: one document per passage (its text and heading); pOwner
	// and pNum map a passage document to its entry and its number there.
	passages *bm25
	pOwner   []int32
	pNum     []int32
	lead     *bm25  // first sentence of the body
	pairs    *bm25  // adjacent content-word pairs of title and body
	yesNo    []bool // the body opens with a bare yes/no
}

// headWeight: a question resembling an entry's title or tags is worth more
// than the same words somewhere in a long policy text.
const headWeight = 1.5

// passageWeight: how much an entry's best passage adds to its score.
const passageWeight = 0.5

// DemoKB returns the embedded demo knowledge base of a small online shop
// (returns, shipping, refunds, warranty, payment, account, order changes,
// invoices, coupons, after-sales contact), each topic in Chinese and English.
func DemoKB() (*KB, error) {
	sub, err := fs.Sub(demoKB, "kb/demo")
	if err != nil {
		return nil, fmt.Errorf("copilot: demo kb: %w", err)
	}
	return loadKB(kbLayer{sub, "embedded demo kb"})
}

// LoadKBLayers loads the embedded demo KB (base "") or the folder base, then
// the overlay folder on top: an overlay entry replaces a base entry with the
// same id. The embedded demo keeps trainers' promoted entries in an overlay
// under the data folder. A missing overlay folder is created.
func LoadKBLayers(base, overlay string) (*KB, error) {
	var layers []kbLayer
	if base == "" {
		sub, err := fs.Sub(demoKB, "kb/demo")
		if err != nil {
			return nil, fmt.Errorf("copilot: demo kb: %w", err)
		}
		layers = append(layers, kbLayer{sub, "embedded demo kb"})
	} else {
		if _, err := os.Stat(base); err != nil {
			return nil, fmt.Errorf("copilot: kb dir: %w", err)
		}
		layers = append(layers, kbLayer{os.DirFS(base), base})
	}
	if overlay != "" {
		if err := os.MkdirAll(overlay, 0o755); err != nil {
			return nil, fmt.Errorf("copilot: kb overlay: %w", err)
		}
		layers = append(layers, kbLayer{os.DirFS(overlay), overlay})
	}
	return loadKB(layers...)
}

// LoadKB loads every *.md file under dir (recursively). Call Reload to pick up
// edits later.
func LoadKB(dir string) (*KB, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("copilot: kb dir: %w", err)
	}
	return loadKB(kbLayer{os.DirFS(dir), dir})
}

// NewKB builds a knowledge base from entries already in memory (an FAQ file,
// a test). Reload on it is a no-op.
func NewKB(entries []KBEntry) *KB {
	kb := &KB{name: "in-memory kb", static: true}
	kb.snap.Store(buildSnapshot(entries))
	return kb
}

func loadKB(layers ...kbLayer) (*KB, error) {
	kb := &KB{layers: layers, name: layers[0].name}
	if err := kb.Reload(); err != nil {
		return nil, err
	}
	return kb, nil
}

// Reload re-reads the knowledge-base files. On error the previous snapshot
// stays in service.
func (kb *KB) Reload() error {
	if kb.static {
		return nil
	}
	kb.mu.Lock()
	defer kb.mu.Unlock()
	byID := map[string]int{}
	var entries []KBEntry
	var pending []string
	for _, l := range kb.layers {
		ids := map[string]string{}
		err := fs.WalkDir(l.fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.EqualFold(path.Ext(p), ".md") {
				return nil
			}
			data, err := fs.ReadFile(l.fsys, p)
			if err != nil {
				return err
			}
			e, err := ParseKBEntry(p, string(data))
			if err != nil {
				return err
			}
			if !e.live(p) {
				pending = append(pending, p)
				return nil
			}
			if prev, dup := ids[e.ID]; dup {
				return fmt.Errorf("%s: id %q already used by %s", p, e.ID, prev)
			}
			ids[e.ID] = p
			if i, ok := byID[e.ID]; ok {
				entries[i] = e // an overlay replaces the base entry
				return nil
			}
			byID[e.ID] = len(entries)
			entries = append(entries, e)
			return nil
		})
		if err != nil {
			return fmt.Errorf("copilot: load %s: %w", l.name, err)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	snap := buildSnapshot(entries)
	snap.pending = pending
	kb.snap.Store(snap)
	return nil
}

// Pending lists the files (relative to their folder) marked pending review
// at the last load: written, not in use.
func (kb *KB) Pending() []string { return append([]string(nil), kb.snap.Load().pending...) }

func buildSnapshot(entries []KBEntry) *kbSnapshot {
	s := &kbSnapshot{entries: entries, index: newBM25(), head: newBM25(), lead: newBM25(), pairs: newBM25(), passages: newBM25()}
	for i := range entries {
		e := &entries[i]
		e.Passages = splitPassages(e.Body)
		headings := map[string]bool{}
		for n, p := range e.Passages {
			s.passages.add(Tokens(p.Heading + " " + p.Intro + " " + p.Text))
			s.pOwner = append(s.pOwner, int32(i))
			s.pNum = append(s.pNum, int32(n))
			if p.Heading != "" && p.Heading != e.Title {
				headings[p.Heading] = true
			}
		}
		headText := e.Title + " " + strings.Join(e.Tags, " ") + " " + strings.Join(e.Questions, " ") + " " + strings.Join(e.Aliases, " ")
		for h := range headings {
			headText += " " + h
		}
		head := Tokens(headText)
		body := Tokens(e.Body)
		s.head.add(head)
		s.index.add(body)
		s.lead.add(Tokens(leadText(e.Body)))
		s.pairs.add(append(pairTokens(head), pairTokens(body)...))
		s.yesNo = append(s.yesNo, answersYesNo(e.Body))
	}
	return s
}

// Entries returns a copy of the current entries, sorted by id.
func (kb *KB) Entries() []KBEntry {
	s := kb.snap.Load()
	return append([]KBEntry(nil), s.entries...)
}

// Len is the number of entries.
func (kb *KB) Len() int { return len(kb.snap.Load().entries) }

// Get returns the entry with the id.
func (kb *KB) Get(id string) (KBEntry, bool) {
	for _, e := range kb.snap.Load().entries {
		if e.ID == id {
			return e, true
		}
	}
	return KBEntry{}, false
}

// Search returns up to k entries for the query. Entries in lang (when set)
// are preferred: another language's entry only wins on a much better match.
func (kb *KB) Search(query, lang string, k int) []KBHit {
	return kb.searchQuery(query, Tokens(query), lang, k)
}

func (kb *KB) searchTokens(q []string, lang string, k int) []KBHit {
	return kb.searchQuery("", q, lang, k)
}

// searchQuery scores the body, title/tags, lead sentence and word-pair
// fields for q, plus thesaurus and answer-type expansions (text is the query
// text, for the answer-type cues; it may be empty) at a reduced weight, and
// the answer-form prior (a polar question prefers entries opening with a
// yes/no, a wh-question avoids them).
func (kb *KB) searchQuery(text string, q []string, lang string, k int) []KBHit {
	return kb.searchFocus(text, q, nil, lang, k)
}

// backgroundWeight weighs the words of a sentence's background: what a
// customer says before 但是 / but ("包裹今天到了，但是盒子压坏了") sets the
// scene; the complaint after it is what the reply is about.
const backgroundWeight = 0.5

// searchFocus is searchQuery with q split in two: the focus words, and the
// background words (bg, not also in q) that count backgroundWeight.
func (kb *KB) searchFocus(text string, q, bg []string, lang string, k int) []KBHit {
	s := kb.snap.Load()
	n := len(s.entries)
	if n == 0 {
		return nil
	}
	// Dense score arrays: a common word touches most documents of a big
	// KB, and slices beat maps there.
	scores := make([]float64, n)
	score := func(ix *bm25, toks, bgToks []string, into []float64, w float64) {
		ix.scoreDense(toks, into, w)
		if len(bgToks) > 0 {
			ix.scoreDense(bgToks, into, w*backgroundWeight)
		}
	}
	score(s.index, q, bg, scores, 1)
	score(s.head, q, bg, scores, headWeight)
	if leadWeight > 0 {
		score(s.lead, q, bg, scores, leadWeight)
	}
	if pairWeight > 0 {
		s.pairs.scoreDense(pairTokens(q), scores, pairWeight)
	}
	x := expandQuery(text, q)
	if expandWeight > 0 && len(x) > 0 {
		s.index.scoreDense(x, scores, expandWeight)
	}
	// The best passage of an entry adds to it: an article with one bullet
	// that says what was asked beats one that mentions the words apart.
	pscores := make([]float64, len(s.pOwner))
	score(s.passages, q, bg, pscores, 1)
	if len(x) > 0 {
		s.passages.scoreDense(x, pscores, expandWeight)
	}
	if passageWeight > 0 {
		best := make([]float64, n)
		for d, sc := range pscores {
			if o := s.pOwner[d]; sc > best[o] {
				best[o] = sc
			}
		}
		for d, b := range best {
			scores[d] += passageWeight * b
		}
	}
	if form := questionForm(text); form != 0 {
		for d, sc := range scores {
			switch {
			case !s.yesNo[d] || sc == 0:
			case form > 0:
				scores[d] = sc * (1 + polarBoost)
			default:
				scores[d] = sc * (1 - polarPenalty)
			}
		}
	}
	raw := make([]hit, 0, 64)
	for d, sc := range scores {
		if sc > 0 {
			raw = append(raw, hit{doc: d, score: sc})
		}
	}
	sortHits(raw)
	if len(raw) > k*3+3 {
		raw = raw[:k*3+3]
	}
	bestScore := s.index.maxScore(q) + headWeight*s.head.maxScore(q) +
		backgroundWeight*(s.index.maxScore(bg)+headWeight*s.head.maxScore(bg))
	out := make([]KBHit, 0, len(raw))
	for _, h := range raw {
		e := s.entries[h.doc]
		score := h.score
		if lang != "" && e.Language != "" && e.Language != lang {
			score *= 0.5
		}
		conf := 0.0
		if bestScore > 0 {
			conf = min(1, score/bestScore)
		}
		out = append(out, KBHit{Entry: e, Score: score, Confidence: conf, Passages: s.passageHits(h.doc, pscores)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// passageHits are the matching passages of entry doc, best first (at most
// five). An entry's passages are contiguous in the passage index.
func (s *kbSnapshot) passageHits(doc int, pscores []float64) []PassageHit {
	lo := sort.Search(len(s.pOwner), func(i int) bool { return int(s.pOwner[i]) >= doc })
	var ps []PassageHit
	for d := lo; d < len(s.pOwner) && int(s.pOwner[d]) == doc; d++ {
		if pscores[d] > 0 {
			ps = append(ps, PassageHit{N: int(s.pNum[d]), Score: pscores[d]})
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Score > ps[j].Score })
	if len(ps) > 5 {
		ps = ps[:5]
	}
	return ps
}

// ParseKBEntry parses one Markdown file with optional front matter:
//
//	---
//	id: returns-en
//	title: Returns within 7 days
//	tags: [returns, refund]
//	language: en
//	intent: returns
//	---
//	body…
//
// Without front matter the id is the file name, the title the first heading
// and the language is detected from the body.
func ParseKBEntry(name, text string) (KBEntry, error) {
	e := KBEntry{Path: name}
	text = strings.TrimPrefix(text, "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	body := text
	if strings.HasPrefix(text, "---\n") {
		rest := text[4:]
		end := strings.Index(rest, "\n---")
		if end < 0 {
			return e, fmt.Errorf("%s: front matter has no closing ---", name)
		}
		if err := parseFrontMatter(rest[:end], &e); err != nil {
			return e, fmt.Errorf("%s: %w", name, err)
		}
		body = rest[end+4:]
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		} else {
			body = ""
		}
	}
	e.Body = strings.TrimSpace(body)
	if e.ID == "" {
		e.ID = strings.TrimSuffix(path.Base(name), path.Ext(name))
	}
	if e.Title == "" {
		for _, line := range strings.Split(e.Body, "\n") {
			if strings.HasPrefix(line, "#") {
				e.Title = strings.TrimSpace(strings.TrimLeft(line, "#"))
				break
			}
		}
	}
	if e.Language == "" {
		e.Language = DetectLanguage(e.Title + " " + e.Body)
	}
	if e.Intent == "" && len(e.Tags) > 0 {
		e.Intent = e.Tags[0]
	}
	if e.Body == "" {
		return e, errors.New(name + ": empty body")
	}
	return e, nil
}

func parseFrontMatter(fm string, e *KBEntry) error {
	sc := bufio.NewScanner(strings.NewReader(fm))
	var listKey string
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "- ") && frontList(e, listKey) != nil {
			*frontList(e, listKey) = append(*frontList(e, listKey), unquote(strings.TrimSpace(t[2:])))
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("front matter line %q is not key: value", line)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		listKey = k
		switch k {
		case "id":
			e.ID = unquote(v)
		case "title":
			e.Title = unquote(v)
		case "language", "lang":
			e.Language = strings.ToLower(unquote(v))
		case "intent":
			e.Intent = unquote(v)
		case "status":
			e.Status = strings.ToLower(unquote(v))
		case "tags", "questions", "aliases":
			v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
			sep := ","
			if k == "questions" {
				sep = "|" // questions have commas of their own; one per line, or a | b
			}
			for _, t := range strings.Split(v, sep) {
				if t = unquote(strings.TrimSpace(t)); t != "" {
					*frontList(e, k) = append(*frontList(e, k), t)
				}
			}
		default:
			// Unknown keys (author, updated…) are allowed: KB files are
			// written by people and other tools.
		}
	}
	return sc.Err()
}

// frontList is the list a front-matter key fills, nil for other keys.
func frontList(e *KBEntry, key string) *[]string {
	switch key {
	case "tags":
		return &e.Tags
	case "questions":
		return &e.Questions
	case "aliases", "alias":
		return &e.Aliases
	}
	return nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
