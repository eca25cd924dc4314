package copilot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PII kinds the redactor masks. The placeholder names are plain ASCII in
// square brackets because models copy those through reliably.
const (
	PIIEmail = "EMAIL"
	PIIID    = "ID"
	PIICard  = "CARD"
	PIIPhone = "PHONE"
	PIIAddr  = "ADDR"
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

	// Chinese postal addresses, conservatively: a road or street with a
	// house number (…路88号, …街3号院2号楼501室), optionally led by
	// province / city / district / county / town, or a residential compound
	// with a building number (…小区3栋2单元501室). A bare "北京市" or
	// "朝阳区" is not masked: a place name alone identifies no one.
	reAddrZH = regexp.MustCompile(`(?:\p{Han}{1,8}(?:省|自治区|特别行政区))?(?:\p{Han}{1,8}(?:市|州|盟))?(?:\p{Han}{1,8}(?:区|县|旗))?(?:\p{Han}{1,8}(?:镇|乡|街道))?` +
		`(?:\p{Han}{1,12}(?:路|街|大道|大街|巷|弄|胡同)\s*[0-9０-９一二三四五六七八九十百零〇]+(?:[-－][0-9０-９]+)?\s*号` +
		`|\p{Han}{1,10}(?:小区|花园|公寓|大厦|家园|新村|苑)\s*[0-9０-９]+\s*(?:号楼|栋|幢|座))` +
		`(?:\s*[0-9０-９A-Za-z一二三四五六七八九十]+\s*(?:号院|号楼|院|栋|幢|座|单元|层|楼|室|号|房))*`)
	// English street addresses, conservatively: a house number, one to four
	// capitalised name words and a street type (221B Baker Street, 1600
	// Pennsylvania Ave NW, 12 N. Main St., Apt 4B), so "3 kids in the way"
	// is left alone.
	reAddrEN = regexp.MustCompile(`\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][A-Za-z'\-]*\.?\s+){1,4}` +
		`(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Square|Sq)\b\.?` +
		`(?:\s+(?:NW|NE|SW|SE)\b)?(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room)\.?\s*#?\s*[0-9]+[A-Za-z]?\b|,?\s+#\s*[0-9]+[A-Za-z]?\b)?`)
)

// zhAddrLead are characters a Chinese address match may have swallowed from
// the sentence before it ("我住在北京市…", "地址是…"); they stay outside
// the mask.
const zhAddrLead = "我你他她您好住在是的到寄送往改为地址收货请帮"

// replaceAddresses masks every match of re in text, except a number that
// names a line, bus or gate rather than a house ("地铁2号线", "5号门").
func (r *Redactor) replaceAddresses(re *regexp.Regexp, text string) string {
	locs := re.FindAllStringIndex(text, -1)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		next, _ := utf8.DecodeRuneInString(text[l[1]:])
		if strings.ContainsRune("线车门口站机窗台", next) {
			continue
		}
		b.WriteString(text[last:l[0]])
		b.WriteString(r.redactAddress(text[l[0]:l[1]]))
		last = l[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// redactAddress masks one address match, keeping lead-in words outside.
func (r *Redactor) redactAddress(m string) string {
	core := strings.TrimLeft(m, zhAddrLead)
	if core == "" || strings.HasPrefix(core, "[") {
		return m
	}
	return m[:len(m)-len(core)] + r.placeholder(PIIAddr, core)
}

// Redact returns text with personal data replaced by placeholders such as
// [PHONE_1]. Detection: e-mail addresses; 18-digit resident ID numbers whose
// checksum is valid; bank card numbers (13–19 digits) that pass Luhn;
// mainland mobile numbers (11 digits starting 13–19, optional +86); other
// phone numbers written in international (+44 20 7946 0958) or North
// American ((415) 555-0134, 415-555-0134) form; postal addresses (Chinese
// road + house number or compound + building, English house number + street
// name + street type).
func (r *Redactor) Redact(text string) string {
	r.seen.WriteString(text)
	text = reEmail.ReplaceAllStringFunc(text, func(m string) string { return r.placeholder(PIIEmail, m) })
	text = r.replaceAddresses(reAddrZH, text)
	text = r.replaceAddresses(reAddrEN, text)
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
