// Package suggest finds the known name closest to a misspelt one, for
// "did you mean …?" in error messages.
package suggest

// Closest returns the candidate within fewer than limit edits of name,
// preferring the nearest (the first among equals), or "" when none is.
func Closest(name string, candidates []string, limit int) string {
	best, bestDist := "", limit
	for _, c := range candidates {
		if d := distance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance over bytes.
func distance(a, b string) int { return Levenshtein([]byte(a), []byte(b)) }

// Levenshtein is the edit distance between two sequences: the fewest
// insertions, deletions and substitutions that turn a into b. Quadratic
// time, linear memory.
func Levenshtein[T comparable](a, b []T) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
