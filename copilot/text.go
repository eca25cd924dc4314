package copilot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// Languages the offline engine knows. Anything else is reported as "en" when
// Latin letters dominate, because the English rules are the closer fit.
const (
	LangZH = "zh"
	LangEN = "en"
)

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// DetectLanguage returns "zh" or "en" for a text by counting Han characters
// against Latin letters. A Han character carries about a word's worth of
// meaning, so each one counts as much as three Latin letters. Empty or
// letterless text (only emoji, digits) returns "".
func DetectLanguage(text string) string {
	var han, latin int
	for _, r := range text {
		switch {
		case isHan(r):
			han++
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case han == 0 && latin == 0:
		return ""
	case han*3 >= latin:
		return LangZH
	default:
		return LangEN
	}
}

// conversationLanguage picks the language of the customer's turns, falling
// back to the whole conversation and then to "en".
func conversationLanguage(c Conversation) string {
	var b strings.Builder
	for _, m := range c.Messages {
		if m.Role == RoleCustomer {
			b.WriteString(m.Text)
			b.WriteByte('\n')
		}
	}
	if l := DetectLanguage(b.String()); l != "" {
		return l
	}
	for _, m := range c.Messages {
		b.WriteString(m.Text)
	}
	if l := DetectLanguage(b.String()); l != "" {
		return l
	}
	return LangEN
}

// englishStop are function words that carry no topic; dropping them keeps
// BM25 from matching questions on "how do I".
var englishStop = toSet(strings.Fields(`a an the and or but if of to in on at for from by with about as into
is are was were be been being am do does did doing have has had having i me my we our you your he she it its
they them their this that these those there here what which who whom whose when where why how can could would
should will shall may might must just so than too very s t not no yes please thanks thank hi hello dear
get got any some all also up out more most such only own same then once again further off over under
until while during before after above below between through both each few other nor let us im ive id dont`))

func toSet(words []string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

// Tokens splits text for retrieval: lower-cased, stemmed English words without
// stop words, Chinese words (segment.go), and digit runs as whole tokens.
// Mixed-language text gets both kinds of token.
func Tokens(text string) []string {
	return appendTokens(nil, text)
}

func appendTokens(out []string, text string) []string {
	return appendTokensHan(out, text, appendHanTokens, retrievalStem)
}

// retrievalStem is the Porter2 (Snowball) English stemmer: "loading" and
// "reloading" meet "load", "eligibility" meets "eligible", "renewal" meets
// "renew". It replaced the light stem for retrieval (bank FAQ hit@3
// 0.680 → 0.692, both halves up); the similarity metric keeps the light one.
func retrievalStem(w string) string {
	if len(w) <= 2 || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	return english.Stem(w, false)
}

// metricTokens are the tokens `agentdesk eval` measures draft similarity
// with: the same English words, and plain character bigrams for Chinese.
// They stay fixed while retrieval's tokens improve, so figures from
// different rounds compare.
func metricTokens(text string) []string {
	return appendTokensHan(nil, text, appendHanBigrams, stem)
}

func appendHanBigrams(out []string, han []rune) []string {
	if len(han) == 1 {
		return append(out, string(han))
	}
	for i := 0; i+1 < len(han); i++ {
		out = append(out, string(han[i:i+2]))
	}
	return out
}

func appendTokensHan(out []string, text string, appendHanTokens func([]string, []rune) []string, stem func(string) string) []string {
	var word []rune
	var han []rune
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		word = word[:0]
		if _, stop := englishStop[w]; stop {
			return
		}
		if len(w) == 1 && !unicode.IsDigit(rune(w[0])) {
			return
		}
		out = append(out, stem(w))
	}
	flushHan := func() {
		if len(han) > 0 {
			out = appendHanTokens(out, han)
		}
		han = han[:0]
	}
	for _, r := range text {
		switch {
		case isHan(r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, unicode.ToLower(r))
		case r == '\'' || r == '’':
			// "don't" → "dont": apostrophes join, they do not split.
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// stem is a light English suffix stripper: enough to let "refunds",
// "refunded" and "refunding" meet, without a full Porter stemmer's surprises.
func stem(w string) string {
	if len(w) <= 3 || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") || strings.HasSuffix(w, "ied"):
		if len(w) > 4 {
			w = w[:len(w)-3] + "y"
		}
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	for _, suf := range []string{"ing", "ed"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			base := w[:len(w)-len(suf)]
			n := len(base)
			if base[n-1] == base[n-2] && !strings.ContainsRune("lsz", rune(base[n-1])) {
				base = base[:n-1] // "stopped" → "stop"
			}
			w = base
			break
		}
	}
	if strings.HasSuffix(w, "ly") && len(w) > 5 {
		w = w[:len(w)-2]
	}
	// A few derivational endings, so "eligible" meets "eligibility" and
	// "withdraw" meets "withdrawal" (what an answer says vs. what was asked).
	if derivStem {
		for _, suf := range []string{"ibility", "ability", "ible", "able", "ation", "ment", "al"} {
			if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 4 {
				w = w[:len(w)-len(suf)]
				break
			}
		}
	}
	return stemE(w)
}

// stemE drops a final silent "e" so "charge" meets "charged" ("charg").
func stemE(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		return w[:len(w)-1]
	}
	return w
}

// splitSentences splits text at sentence punctuation of either language and
// at newlines, keeping the punctuation with its sentence.
func splitSentences(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		s := strings.TrimSpace(b.String())
		if s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	rs := []rune(text)
	for i, r := range rs {
		if r == '\n' {
			flush()
			continue
		}
		b.WriteRune(r)
		switch r {
		case '。', '！', '？', '；', '!', '?', ';':
			flush()
		case '.':
			// "3.5" and "e.g." are not sentence ends; a period followed by a
			// space or the end is.
			if i+1 == len(rs) || rs[i+1] == ' ' {
				flush()
			}
		}
	}
	flush()
	return out
}
