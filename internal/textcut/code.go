package textcut

// IsCode reports whether a token (letters and digits, no spaces) is an id
// or a code rather than a word: an order number, a tax id, a tracking
// code — mostly digits, or letters mixed with three digits or more.
// "20324283", "91310115MA1K4XXXX" and "SF1234567" are codes; "mp3",
// "iphone15", "4k" and "2024年" are not. Where text is cut for a reader (quoted,
// paraphrased, counted as a topic), codes are left out.
func IsCode(token string) bool {
	digits, n := 0, 0
	for _, r := range token {
		n++
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-':
		default:
			return false // a word of another script, or not one token
		}
	}
	return n >= 5 && (digits >= 3 || 2*digits >= n)
}
