package copilot

import (
	"math"
	"slices"
	"sort"
)

// bm25 is an append-only inverted index scored with Okapi BM25. It is not
// safe for concurrent writes; owners guard it (the KB swaps whole indexes,
// the exemplar memory holds a lock).
type bm25 struct {
	postings map[string][]posting
	lengths  []int
	total    int
}

type posting struct {
	doc int32
	tf  int32
}

type hit struct {
	doc   int
	score float64
}

// BM25 parameters: the usual defaults; b a little lower than 0.75 because KB
// answers vary a lot in length and long ones should not be punished hard.
const (
	bm25K1 = 1.2
	bm25B  = 0.6
)

func newBM25() *bm25 { return &bm25{postings: map[string][]posting{}} }

// add indexes a document and returns its number.
func (ix *bm25) add(tokens []string) int {
	doc := len(ix.lengths)
	tf := make(map[string]int32, len(tokens))
	for _, t := range tokens {
		tf[t]++
	}
	for t, n := range tf {
		ix.postings[t] = append(ix.postings[t], posting{doc: int32(doc), tf: n})
	}
	ix.lengths = append(ix.lengths, len(tokens))
	ix.total += len(tokens)
	return doc
}

func (ix *bm25) len() int { return len(ix.lengths) }

// search returns the k best documents for the query tokens, best first.
// Repeated query tokens count once: a customer repeating "refund" five times
// is angrier, not more about refunds.
func (ix *bm25) search(query []string, k int) []hit {
	n := len(ix.lengths)
	if n == 0 || k <= 0 {
		return nil
	}
	scores := make([]float64, n)
	ix.scoreDense(query, scores, 1)
	hits := make([]hit, 0, 32)
	for d, s := range scores {
		if s > 0 {
			hits = append(hits, hit{doc: d, score: s})
		}
	}
	sortHits(hits)
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

func sortHits(hits []hit) {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].doc < hits[j].doc
	})
}

// scoreDense adds weight × the BM25 score of every matching document to
// scores[doc] (len(scores) is the number of documents).
func (ix *bm25) scoreDense(query []string, scores []float64, weight float64) {
	n := len(ix.lengths)
	if n == 0 {
		return
	}
	avg := float64(ix.total) / float64(n)
	if avg == 0 {
		avg = 1
	}
	for qi, t := range query {
		if slices.Contains(query[:qi], t) {
			continue
		}
		ps := ix.postings[t]
		if len(ps) == 0 {
			continue
		}
		idf := math.Log(1 + (float64(n)-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
		for _, p := range ps {
			tf := float64(p.tf)
			dl := float64(ix.lengths[p.doc])
			scores[p.doc] += weight * idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/avg))
		}
	}
}

// maxScore is the score a document consisting of exactly the query would get
// against itself, roughly: used to turn raw BM25 into a 0..1 confidence.
func (ix *bm25) maxScore(query []string) float64 {
	n := len(ix.lengths)
	if n == 0 {
		return 0
	}
	seen := map[string]bool{}
	var s float64
	for _, t := range query {
		if seen[t] {
			continue
		}
		seen[t] = true
		df := len(ix.postings[t])
		if df == 0 {
			// Words the index has never seen cannot be matched by any
			// document; counting them would make every long question look
			// like a poor match.
			continue
		}
		idf := math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
		s += idf
	}
	return s
}
