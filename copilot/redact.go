package copilot

import (
	"regexp"
	"strconv"
	"strings"
)

// PII kinds the redactor masks. The placeholder names are plain ASCII in
// square brackets because models copy those through reliably.
const (
	PIIEmail = "EMAIL"
	PIIID    = "ID"
	PIICard  = "CARD"
	PIIPhone = "PHONE"
)

// Redactor masks personal data before text leaves the process and restores
// it in what comes back. One Redactor is used per conversation so the same
// phone number gets the same placeholder in every message. Not safe for
// concurrent use.
type Redactor struct {
	byValue map[string]string // original → placeholder
	byPH    map[string]string // placeholder → original
	counts  map[string]int
	// seen holds all text redacted so far, so a new placeholder never
	// collides with text the customer literally typed.
	seen strings.Builder
}

// NewRedactor returns an empty redactor.
func NewRedactor() *Redactor {
	return &Redactor{byValue: map[string]string{}, byPH: map[string]string{}, counts: map[string]int{}}
}

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// A run of digits with single spaces or dashes between groups, optionally
	// led by + or (; the kind is decided by validating the digits.
	reDigits = regexp.MustCompile(`\+?\(?\d[\d\s\-().]*\d[Xx]?|\d{17}[Xx]`)
)

// Redact returns text with personal data replaced by placeholders such as
// [PHONE_1]. Detection: e-mail addresses; 18-digit resident ID numbers whose
// checksum is valid; bank card numbers (13–19 digits) that pass Luhn;
// mainland mobile numbers (11 digits starting 13–19, optional +86); other
// phone numbers written in international (+44 20 7946 0958) or North
// American ((415) 555-0134, 415-555-0134) form.
func (r *Redactor) Redact(text string) string {
	r.seen.WriteString(text)
	text = reEmail.ReplaceAllStringFunc(text, func(m string) string { return r.placeholder(PIIEmail, m) })
	return reDigits.ReplaceAllStringFunc(text, r.redactDigits)
}

// redactDigits classifies one digit run. A run can hold several numbers
// separated by spaces ("13812345678 13987654321"), so when the whole run is
// not one number it is split at spaces and each piece tried alone.
func (r *Redactor) redactDigits(m string) string {
	if kind, ok := classifyNumber(m); ok {
		return r.keepEdges(m, kind)
	}
	if !strings.ContainsAny(m, " \t\n") {
		return m
	}
	parts := strings.FieldsFunc(m, func(c rune) bool { return c == ' ' || c == '\t' || c == '\n' })
	if len(parts) < 2 {
		return m
	}
	var b strings.Builder
	rest := m
	for _, p := range parts {
		i := strings.Index(rest, p)
		b.WriteString(rest[:i])
		if kind, ok := classifyNumber(p); ok {
			b.WriteString(r.keepEdges(p, kind))
		} else {
			b.WriteString(p)
		}
		rest = rest[i+len(p):]
	}
	b.WriteString(rest)
	return b.String()
}

// keepEdges replaces the number but keeps trailing separators the pattern
// swallowed (a trailing ")" of a sentence, for instance) outside the mask.
func (r *Redactor) keepEdges(m, kind string) string {
	core := strings.TrimRight(m, " -.()\t\n")
	tail := m[len(core):]
	return r.placeholder(kind, core) + tail
}

func digitsOf(s string) (string, bool) {
	var b strings.Builder
	x := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case (c == 'X' || c == 'x') && i == len(s)-1:
			b.WriteByte('X')
			x = true
		}
	}
	return b.String(), x
}

// classifyNumber decides whether a digit run is PII and of which kind.
func classifyNumber(m string) (string, bool) {
	d, hasX := digitsOf(m)
	plus := strings.HasPrefix(m, "+")
	compact := !strings.ContainsAny(strings.TrimRight(m, " -.()"), " -().")
	switch {
	case len(d) == 18 && validResidentID(d):
		return PIIID, true
	case hasX:
		return "", false
	case len(d) == 11 && isCNMobile(d):
		return PIIPhone, true
	case len(d) == 13 && strings.HasPrefix(d, "86") && isCNMobile(d[2:]):
		return PIIPhone, true
	case len(d) >= 13 && len(d) <= 19 && luhn(d) && !plus:
		return PIICard, true
	case plus && len(d) >= 8 && len(d) <= 15:
		return PIIPhone, true
	case len(d) == 10 && !compact && isNANP(m):
		return PIIPhone, true
	}
	return "", false
}

func isCNMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

var reNANP = regexp.MustCompile(`^\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}[\s.\-()]*$`)

func isNANP(m string) bool { return reNANP.MatchString(m) }

// validResidentID checks a mainland resident identity number: 17 digits, a
// plausible birth date, and the ISO 7064 MOD 11-2 check character.
func validResidentID(d string) bool {
	if len(d) != 18 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
		sum += int(d[i]-'0') * weights[i]
	}
	check := "10X98765432"[sum%11]
	if d[17] != check {
		return false
	}
	year, _ := strconv.Atoi(d[6:10])
	month, _ := strconv.Atoi(d[10:12])
	day, _ := strconv.Atoi(d[12:14])
	return year >= 1900 && year <= 2100 && month >= 1 && month <= 12 && day >= 1 && day <= 31
}

func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		n := int(c - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

func (r *Redactor) placeholder(kind, value string) string {
	if ph, ok := r.byValue[value]; ok {
		return ph
	}
	for {
		r.counts[kind]++
		ph := "[" + kind + "_" + strconv.Itoa(r.counts[kind]) + "]"
		if strings.Contains(r.seen.String(), ph) {
			continue // the customer typed this literally; pick another
		}
		r.byValue[value] = ph
		r.byPH[ph] = value
		return ph
	}
}

// Restore puts the original values back in place of placeholders. Unknown
// placeholders (a model inventing [PHONE_9]) are left as they are, visible
// to the agent.
func (r *Redactor) Restore(text string) string {
	if len(r.byPH) == 0 || !strings.Contains(text, "[") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '[')
		if i < 0 {
			b.WriteString(text)
			break
		}
		j := strings.IndexByte(text[i:], ']')
		if j < 0 {
			b.WriteString(text)
			break
		}
		ph := text[i : i+j+1]
		if v, ok := r.byPH[ph]; ok {
			b.WriteString(text[:i])
			b.WriteString(v)
		} else {
			b.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		text = text[i+j+1:]
	}
	return b.String()
}

// Count returns how many distinct values were masked.
func (r *Redactor) Count() int { return len(r.byValue) }
