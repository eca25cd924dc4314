package copilot

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Outcome of a draft, as the agent decided it.
type Outcome string

// Outcomes the exemplar memory understands.
const (
	Accepted Outcome = "accepted" // sent as drafted
	Edited   Outcome = "edited"   // sent after changes: the sent text is the example
	Rejected Outcome = "rejected" // not sent: kept as a negative
	// Gold is a trainer's corrected reply, promoted from review: preferred
	// over agents' replies to an equally similar question.
	Gold Outcome = "gold"
)

// goldBonus ranks a gold exemplar above an agent's reply to an equally
// similar question.
const goldBonus = 0.3

// Exemplar is one answered customer turn: what the customer asked and what
// the agent actually sent (or, for a rejection, the draft that was refused).
type Exemplar struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Reply    string  `json:"reply"`
	Outcome  Outcome `json:"outcome"`
	Intent   string  `json:"intent,omitempty"`
	Language string  `json:"language,omitempty"`
	// Sources are the KB entry ids the draft cited; for rejections they are
	// demoted when a similar question comes again.
	Sources []string  `json:"sources,omitempty"`
	At      time.Time `json:"at,omitzero"`
	// CustomerName is who the reply was written for: reusing it for someone
	// else replaces that name (a greeting anywhere in the reply included).
	CustomerName string `json:"customer_name,omitempty"`
	// Context is the agent's message the question followed ("" when the
	// question opened the conversation): what state the conversation was
	// in. The same words after "请问是之前的问题吗？" and after a
	// greeting want different replies.
	Context string `json:"context,omitempty"`
}

// ExemplarHit is a retrieved exemplar.
type ExemplarHit struct {
	Exemplar Exemplar
	Score    float64
	// Similarity of the stored question to the query, 0..1 (token overlap).
	Similarity float64
	// Context is how alike the agent messages both questions followed
	// are, 0..1 (both opened their conversation: 1).
	Context float64
}

// ExemplarMemory holds accepted and edited replies as retrievable examples
// and rejected drafts as negatives. It is in memory only: the server persists
// outcomes in its own store and feeds them in with Load at start and Add as
// they arrive. Safe for concurrent use.
type ExemplarMemory struct {
	mu        sync.RWMutex
	positives []Exemplar
	qtoks     [][]string
	ctoks     [][]string // the positives' Context tokens
	index     *bm25
	negatives []Exemplar
	negIndex  *bm25
	negToks   [][]string
	ids       map[string]bool
	// openers index the positives whose question said nothing about a
	// topic ("在吗", "转人工", a bare order number), by language and
	// whether it gave a reference: what the team writes to such turns.
	openers map[openerKey][]int
	typical map[openerKey]int // cached typicalOpener result; -1 none
}

type openerKey struct {
	lang string
	ref  bool
}

// NewExemplarMemory returns an empty memory.
func NewExemplarMemory() *ExemplarMemory {
	return &ExemplarMemory{index: newBM25(), negIndex: newBM25(), ids: map[string]bool{},
		openers: map[openerKey][]int{}, typical: map[openerKey]int{}}
}

// Add stores one outcome. An exemplar whose id was already added is ignored,
// so replaying the server's outcome log is safe.
func (m *ExemplarMemory) Add(x Exemplar) error {
	if x.ID == "" {
		return errors.New("copilot: exemplar without id")
	}
	if x.Question == "" || x.Reply == "" {
		return fmt.Errorf("copilot: exemplar %s: question and reply are required", x.ID)
	}
	switch x.Outcome {
	case Accepted, Edited, Rejected, Gold:
	default:
		return fmt.Errorf("copilot: exemplar %s: unknown outcome %q", x.ID, x.Outcome)
	}
	if x.Language == "" {
		x.Language = DetectLanguage(x.Question)
	}
	toks := Tokens(x.Question)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids[x.ID] {
		return nil
	}
	m.ids[x.ID] = true
	if x.Outcome == Rejected {
		m.negatives = append(m.negatives, x)
		m.negToks = append(m.negToks, toks)
		m.negIndex.add(toks)
		return nil
	}
	if contentFree(x.Question) {
		k := openerKey{x.Language, hasReference(x.Question)}
		m.openers[k] = append(m.openers[k], len(m.positives))
		delete(m.typical, k)
	}
	m.positives = append(m.positives, x)
	m.qtoks = append(m.qtoks, toks)
	m.ctoks = append(m.ctoks, Tokens(x.Context))
	m.index.add(toks)
	return nil
}

// Load adds many outcomes; it stops at the first invalid one.
func (m *ExemplarMemory) Load(xs []Exemplar) error {
	for _, x := range xs {
		if err := m.Add(x); err != nil {
			return err
		}
	}
	return nil
}

// Len reports how many positive and negative exemplars are held.
func (m *ExemplarMemory) Len() (positives, negatives int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.positives), len(m.negatives)
}

// Search returns up to k positive exemplars whose questions resemble the
// query, best first. Exemplars in another language are skipped: an answer in
// the wrong language is no example.
func (m *ExemplarMemory) Search(query, lang string, k int) []ExemplarHit {
	q := Tokens(query)
	return m.searchTokens(q, q, nil, lang, k)
}

// convContext is the state a question is asked in: the agent's last
// message before it (known: false when the caller cannot tell).
type convContext struct {
	known bool
	toks  []string
}

// similarity of a stored exemplar's context tokens to c: 1 when both
// questions opened their conversation, else their token F1 (0 unknown).
func (c *convContext) similarity(stored []string) float64 {
	switch {
	case c == nil || !c.known:
		return 0
	case len(c.toks) == 0 && len(stored) == 0:
		return 1
	}
	return tokenF1(c.toks, stored)
}

// searchTokens retrieves with q (the conversation's recent turns) and judges
// similarity on the better of q and last (the newest turn alone); ctx, when
// known, ranks questions asked in the same state higher.
func (m *ExemplarMemory) searchTokens(q, last []string, ctx *convContext, lang string, k int) []ExemplarHit {
	m.mu.RLock()
	defer m.mu.RUnlock()
	raw := m.index.search(q, k*3+3)
	out := make([]ExemplarHit, 0, k)
	for _, h := range raw {
		x := m.positives[h.doc]
		if lang != "" && x.Language != "" && x.Language != lang {
			continue
		}
		sim := max(tokenF1(q, m.qtoks[h.doc]), tokenF1(last, m.qtoks[h.doc]))
		out = append(out, ExemplarHit{Exemplar: x, Score: h.score, Similarity: sim, Context: ctx.similarity(m.ctoks[h.doc])})
	}
	// Rank by question similarity first: BM25 favours short stored questions
	// that share one rare word, while agents want the same question.
	rank := func(h ExemplarHit) float64 {
		r := h.Similarity*2 + h.Score/10 + h.Context
		if h.Exemplar.Outcome == Gold {
			r += goldBonus
		}
		return r
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) > rank(out[j]) })
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// rejectedSources returns, for KB ids cited by rejected drafts of questions
// similar to the query, how strongly to demote them (0..1 similarity).
func (m *ExemplarMemory) rejectedSources(q []string) map[string]float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[string]float64{}
	for _, h := range m.negIndex.search(q, 5) {
		sim := tokenF1(q, m.negToks[h.doc])
		if sim < 0.5 {
			continue
		}
		for _, id := range m.negatives[h.doc].Sources {
			out[id] = max(out[id], sim)
		}
	}
	return out
}

// rejectedReply reports whether a reply very like text was rejected for a
// question like q: a draft should not offer it again.
func (m *ExemplarMemory) rejectedReply(q []string, text string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	tt := Tokens(text)
	for _, h := range m.negIndex.search(q, 5) {
		if tokenF1(q, m.negToks[h.doc]) >= 0.5 && tokenF1(tt, Tokens(m.negatives[h.doc].Reply)) >= 0.8 {
			return true
		}
	}
	return false
}

// tokenF1 is the F1 of the multiset overlap of two token lists.
func tokenF1(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	counts := make(map[string]int, len(a))
	for _, t := range a {
		counts[t]++
	}
	common := 0
	for _, t := range b {
		if counts[t] > 0 {
			counts[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p := float64(common) / float64(len(b))
	r := float64(common) / float64(len(a))
	return 2 * p * r / (p + r)
}

// Similarity is the token-overlap F1 of two texts (English words, Chinese
// character bigrams), 0..1: how `agentdesk eval dialogues` compares a draft
// with the reply the agent really sent.
func Similarity(a, b string) float64 { return tokenF1(metricTokens(a), metricTokens(b)) }

// reQuote matches quoted words: “…”, 「…」, "…".
var reQuote = regexp.MustCompile(`“([^”]{2,120})”|「([^」]{2,120})」|"([^"]{2,120})"`)

// quotesAnotherCustomer reports whether x's reply quotes the words or an
// amount of the customer it was written for — its question, or what the copilot's
// acknowledgement named ("您说的“…”这个问题", "About \"…\":") — that the
// conversation at hand (convText, its customer's turns) does not hold.
// Such a reply belongs to that conversation; a quoted menu path from the
// KB ("设置 → 会员管理") is neither and keeps the reply reusable.
func quotesAnotherCustomer(x Exemplar, convText string) bool {
	// An amount its customer named ("又扣了我 761.38 元") is that
	// customer's fact too.
	for _, m := range reMoney.FindAllString(x.Reply, -1) {
		if m = strings.TrimSpace(m); strings.Contains(x.Question, m) && !strings.Contains(convText, m) {
			return true
		}
	}
	for _, loc := range reQuote.FindAllStringSubmatchIndex(x.Reply, -1) {
		var q string
		for g := 2; g+1 < len(loc); g += 2 {
			if loc[g] >= 0 {
				q = strings.TrimSpace(x.Reply[loc[g]:loc[g+1]])
			}
		}
		if utf8.RuneCountInString(q) < 3 || strings.Contains(convText, q) {
			continue
		}
		before := x.Reply[:loc[0]]
		if strings.Contains(x.Question, q) || strings.HasSuffix(before, "您说的") || strings.HasSuffix(before, "你说的") ||
			strings.HasSuffix(strings.ToLower(before), "about ") {
			return true
		}
	}
	return false
}

// askedAfter is the state the open question is asked in: the agent's
// last message before it ("" when no agent has written yet).
func askedAfter(c Conversation) *convContext {
	ctx := &convContext{known: true}
	var last string
	for _, m := range c.Messages {
		if m.Role == RoleAgent {
			last = m.Text
		}
	}
	ctx.toks = Tokens(limitText(last))
	return ctx
}

// sameTopic: an exemplar answered a conversation of intent a (the
// server stores the conversation's intent with the outcome) and is reused
// for one of intent b only when they are the same or either is unknown. A
// melted charger's "I want a full refund" is no membership renewal's,
// however alike the latest turns read.
// The intents are the KB's best guesses and miss now and then; a question
// asked in nearly the same words (similarity >= sameQuestion) is the
// same topic whatever they say.
func sameTopic(a, b string) bool {
	unknown := func(s string) bool { return s == "" || s == "other" }
	return unknown(a) || unknown(b) || a == b
}

// sameQuestion: questions this similar are one topic.
const sameQuestion = 0.6

// sureTopic: the conversation's intent gates reuse only at this
// confidence; below, it is a guess (on the eval dialogues, whose domains the
// demo KB does not cover, gating at any confidence refused twice as many
// reuses for little gain in topic).
const sureTopic = 0.8
