package copilot

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PII kinds the redactor masks. The placeholder names are plain ASCII in
// square brackets because models copy those through reliably.
const (
	PIIEmail  = "EMAIL"
	PIIID     = "ID"
	PIICard   = "CARD"
	PIIPhone  = "PHONE"
	PIIAddr   = "ADDR"
	PIIName   = "NAME"
	PIINumber = "NUMBER" // any other run of 7+ digits: the fail-safe
)

// Redactor masks personal data before text leaves the process and restores
// it in what comes back. One Redactor is used per conversation so the same
// phone number gets the same placeholder in every message. Not safe for
// concurrent use.
//
// Matching runs on a normalised view of the text (normalize.go: NFKC, so
// full-width digits and ＠ become ASCII; format characters such as
// zero-width spaces dropped; every Unicode space a plain space; CJK
// punctuation its ASCII twin; runs of Chinese numerals digits) and every
// match is mapped back to the original bytes, so Restore gives back exactly
// what was typed.
type Redactor struct {
	byValue map[string]string // original → placeholder
	byPH    map[string]string // placeholder → original
	counts  map[string]int
	names   nameSet    // AddNames
	shared  []*nameSet // UseNames, read only
	// seen holds all text redacted so far, so a new placeholder never
	// collides with text the customer literally typed.
	seen strings.Builder
}

// NewRedactor returns an empty redactor.
func NewRedactor() *Redactor {
	return &Redactor{byValue: map[string]string{}, byPH: map[string]string{}, counts: map[string]int{}}
}

// AddNames tells the redactor names it must mask wherever they appear: the
// conversation's customer, other customers, people the store knows. Chinese
// names of two characters or more match anywhere; Latin-script names match
// as whole words (case-sensitive, at least three letters).
func (r *Redactor) AddNames(names ...string) {
	for _, n := range names {
		r.names.add(n)
	}
}

// Names is a set of names to mask, built once (a store's customers and
// agents) and shared read-only by many redactors, which may run
// concurrently.
type Names struct{ set nameSet }

// NewNames builds a name set; see AddNames for what matches.
func NewNames(names ...string) *Names {
	n := &Names{}
	for _, s := range names {
		n.set.add(s)
	}
	return n
}

// Len is how many names the set holds.
func (n *Names) Len() int { return len(n.set.han) + len(n.set.latin) }

// UseNames adds a shared name set to mask, as AddNames does.
func (r *Redactor) UseNames(n *Names) {
	if n != nil {
		r.shared = append(r.shared, &n.set)
	}
}

var (
	// E-mail addresses, on the normalised text: ASCII or Latin local part,
	// a domain of Latin or Han labels (IDN), a Latin or two-character Han
	// top-level domain.
	reEmail = regexp.MustCompile(`[\p{Latin}0-9._%+\-]+ ?@ ?(?:[\p{Latin}0-9\-]+|\p{Han}+)(?: ?\. ?(?:[\p{Latin}0-9\-]+|\p{Han}+))*? ?\. ?(?:[A-Za-z]{2,}|\p{Han}{2})`)
	// E-mail addresses spelled out to dodge filters: "li.lei at example dot
	// com", "lilei(at)example(dot)com", "lilei 艾特 qq 点 com". Only with a
	// known top-level domain, so "look at this dot com bubble" stays.
	reEmailWords = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+ ?(?:\(at\)|\[at\]|\{at\}| at |艾特|at) ?[a-z0-9\-]+(?: ?(?:\.|\(dot\)|\[dot\]|\{dot\}| dot |点) ?[a-z0-9\-]+)*? ?(?:\.|\(dot\)|\[dot\]|\{dot\}| dot |点) ?(?:com|net|org|edu|gov|cn|hk|tw|jp|uk|de|fr|io|co|me|info|biz)\b`)
	// A run of digit groups with at most three separators between groups
	// (spaces, dashes, dots, brackets, commas, slashes, underscores),
	// optionally led by + or (; the kind is decided by validating the digits.
	reDigits = regexp.MustCompile(`\+?\(?\d+(?:[ \-().,/_]{1,3}\d+)*[Xx]?`)

	// Chinese postal addresses: a road or street with a house number
	// (…路88号, 体育西路191, …街3号院2号楼501室), a village with a group
	// (张家村3组), optionally led by province / city / district / county /
	// town, or a residential compound with a building number
	// (…小区3栋2单元501室). A bare "北京市" or "朝阳区" is not masked: a
	// place name alone identifies no one.
	reAddrZH = regexp.MustCompile(`(?:\p{Han}{1,8}(?:省|自治区|特别行政区))?(?:\p{Han}{1,8}(?:市|州|盟))?(?:\p{Han}{1,8}(?:区|县|旗))?(?:\p{Han}{1,8}(?:镇|乡|街道))?` +
		`(?:\p{Han}{1,12}(?:路|街|大道|大街|巷|弄|胡同) ?[0-9一二三四五六七八九十百零〇]+(?:-[0-9]+)? ?号?` +
		`|\p{Han}{1,8}(?:村|屯|庄) ?[0-9一二三四五六七八九十]+ ?(?:组|队|社|号)` +
		`|\p{Han}{1,10}(?:小区|花园|公寓|大厦|家园|新村|苑) ?[0-9]+ ?(?:号楼|栋|幢|座))` +
		`(?: ?[0-9A-Za-z一二三四五六七八九十]+ ?(?:号院|号楼|院|栋|幢|座|单元|层|楼|室|号|房))*`)
	// English street addresses: a house number, one to four name words and
	// a street type (221B Baker Street, 1600 Pennsylvania Ave NW, 12 N.
	// Main St., Apt 4B). Lower-case ones ("12 main street") are checked
	// further by plausibleStreet, so "3 kids in the way" is left alone.
	reAddrEN = regexp.MustCompile(`(?i)\b\d{1,6}[a-z]?\s+(?:[nsew]\.?\s+)?(?:[a-z][a-z'\-]*\.?\s+){1,4}` +
		`(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|parkway|pkwy|highway|hwy|circle|square|sq)\b\.?` +
		`(?:\s+(?:nw|ne|sw|se)\b)?(?:,?\s+(?:apt|apartment|suite|ste|unit|flat|room)\.?\s*#?\s*[0-9]+[a-z]?\b|,?\s+#\s*[0-9]+[a-z]?\b)?`)
)

// zhAddrLead are characters a Chinese address match may have swallowed from
// the sentence before it ("我住在北京市…", "地址是…"); they stay outside
// the mask.
const zhAddrLead = "我你他她您好住在是的到寄送往改为地址收货请帮家已"

// span is a match on the normalised text: [start, end) and its kind.
type span struct {
	start, end int
	kind       string
}

// Redact returns text with personal data replaced by placeholders such as
// [PHONE_1]. Detection, on the normalised text: e-mail addresses (also IDN
// and spelled out with at/dot); postal addresses (Chinese road + house
// number, village + group or compound + building; English house number +
// street name + street type); names (AddNames, and names after a greeting,
// a title or words such as 我叫 / 收件人 / 老婆); 18-digit resident ID
// numbers whose checksum is valid; bank card numbers (13–19 digits) that
// pass Luhn; mainland mobile numbers (11 digits starting 13–19, optional
// +86); other phone numbers in international (+44 20 7946 0958) or North
// American ((415) 555-0134) form; and, as a fail-safe, any other run of
// seven digits or more.
func (r *Redactor) Redact(text string) string {
	r.seen.WriteString(text)
	v := normalize(text)
	var spans []span
	add := func(s span) {
		for _, o := range spans {
			if s.start < o.end && o.start < s.end {
				return // an earlier, more specific detector has it
			}
		}
		spans = append(spans, s)
	}
	for _, l := range reEmail.FindAllStringIndex(v.s, -1) {
		add(span{l[0], l[1], PIIEmail})
	}
	for _, l := range reEmailWords.FindAllStringIndex(v.s, -1) {
		add(span{l[0], l[1], PIIEmail})
	}
	addressSpans(v.s, add)
	r.nameSpans(v.s, add)
	for _, l := range reDigits.FindAllStringIndex(v.s, -1) {
		digitSpans(v.s, l[0], l[1], add)
	}
	if len(spans) == 0 {
		return r.maskTruncated(text)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		os, oe := v.orig(s.start, s.end)
		if os < last || strings.HasPrefix(text[os:oe], "[") {
			continue
		}
		b.WriteString(text[last:os])
		b.WriteString(r.placeholder(s.kind, text[os:oe]))
		last = oe
	}
	b.WriteString(text[last:])
	return r.maskTruncated(b.String())
}

// maskTruncated masks the start of a value already masked that a quote cut
// short with an ellipsis ("邮箱 wang.fa…", a draft echoing the customer):
// the cut value no longer matches any pattern, but it is still theirs.
func (r *Redactor) maskTruncated(text string) string {
	if len(r.byValue) == 0 || !strings.Contains(text, "…") && !strings.Contains(text, "...") {
		return text
	}
	for _, cut := range []string{"…", "..."} {
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], cut)
			if j < 0 {
				break
			}
			end := i + j
			best := ""
			for value := range r.byValue {
				// the longest proper prefix of value (4+ runes) ending at the ellipsis
				for k := len(value) - 1; k > 0; k-- {
					if !utf8.RuneStart(value[k]) || utf8.RuneCountInString(value[:k]) < 4 || k <= len(best) {
						continue
					}
					if strings.HasSuffix(text[:end], value[:k]) {
						best = value[:k]
						break
					}
				}
			}
			if best != "" && !strings.HasSuffix(text[:end-len(best)], "[") {
				ph := r.byValue[r.findValue(best)]
				kind := strings.TrimPrefix(ph[:strings.LastIndexByte(ph, '_')], "[")
				rep := r.placeholder(kind, best)
				text = text[:end-len(best)] + rep + text[end:]
				end = end - len(best) + len(rep)
			}
			i = end + len(cut)
		}
	}
	return text
}

// findValue is the masked value that prefix starts.
func (r *Redactor) findValue(prefix string) string {
	for v := range r.byValue {
		if strings.HasPrefix(v, prefix) && v != prefix {
			return v
		}
	}
	return prefix
}

// addressSpans finds postal addresses, except a number that names a line,
// bus or gate rather than a house ("地铁2号线", "5号门").
func addressSpans(s string, add func(span)) {
	for _, l := range reAddrZH.FindAllStringIndex(s, -1) {
		next, _ := utf8.DecodeRuneInString(s[l[1]:])
		if strings.ContainsRune("线车门口站机窗台次路分点个元块岁天年月日", next) {
			continue
		}
		m := s[l[0]:l[1]]
		core := strings.TrimLeft(m, zhAddrLead)
		if core == "" || !strings.ContainsFunc(core, func(c rune) bool {
			return c == '号' || unicode.IsDigit(c) || strings.ContainsRune("一二三四五六七八九十", c)
		}) {
			continue
		}
		// Without 号 a road needs a real house number, not "路1".
		if !strings.ContainsAny(core, "号组队社栋幢座室") && countDigits(core) < 2 {
			continue
		}
		add(span{l[1] - len(core), l[1], PIIAddr})
	}
	for _, l := range reAddrEN.FindAllStringIndex(s, -1) {
		if plausibleStreet(s[l[0]:l[1]]) {
			add(span{l[0], l[1], PIIAddr})
		}
	}
}

// strongStreet are street types that rarely end ordinary prose, so a
// lower-case address with one of them is believed.
var strongStreet = map[string]bool{"street": true, "st": true, "avenue": true, "ave": true, "road": true, "rd": true,
	"boulevard": true, "blvd": true, "lane": true, "ln": true, "drive": true, "parkway": true, "pkwy": true, "highway": true, "hwy": true}

// streetStop are words no street name is made of: "3 miles down the road".
var streetStop = map[string]bool{"the": true, "a": true, "an": true, "in": true, "on": true, "of": true, "to": true, "down": true,
	"up": true, "my": true, "your": true, "our": true, "this": true, "that": true, "and": true, "or": true, "for": true, "at": true,
	"by": true, "from": true, "with": true, "miles": true, "mile": true, "km": true, "blocks": true, "block": true, "minutes": true,
	"hours": true, "days": true, "times": true, "kids": true, "cars": true, "people": true, "is": true, "was": true, "are": true}

// plausibleStreet checks an English address match: capitalised name words
// are believed as they were before; otherwise the street type must be a
// strong one and no name word a stop word.
func plausibleStreet(m string) bool {
	words := strings.Fields(m)
	if len(words) < 3 {
		return false
	}
	typeAt := len(words) - 1
	for i := 1; i < len(words); i++ {
		w := strings.ToLower(strings.Trim(words[i], ".,#"))
		if _, ok := streetTypes[w]; ok && i >= 2 {
			typeAt = i
			break
		}
	}
	capital := true
	for _, w := range words[1:typeAt] {
		if c, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(c) {
			capital = false
		}
	}
	tw := words[typeAt]
	if c, _ := utf8.DecodeRuneInString(tw); capital && unicode.IsUpper(c) {
		return true
	}
	if !strongStreet[strings.ToLower(strings.Trim(tw, ".,"))] {
		return false
	}
	for _, w := range words[1:typeAt] {
		if streetStop[strings.ToLower(strings.Trim(w, ".,"))] {
			return false
		}
	}
	return true
}

var streetTypes = map[string]struct{}{"street": {}, "st": {}, "avenue": {}, "ave": {}, "road": {}, "rd": {}, "boulevard": {}, "blvd": {},
	"lane": {}, "ln": {}, "drive": {}, "dr": {}, "court": {}, "ct": {}, "place": {}, "pl": {}, "way": {}, "terrace": {}, "parkway": {},
	"pkwy": {}, "highway": {}, "hwy": {}, "circle": {}, "square": {}, "sq": {}}

func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// digitSpans classifies one digit run [start, end) of s. A run can hold
// several numbers ("13812345678 13987654321", "买了3件,13812345678"), so its
// digit groups are tried in windows, longest first; a group of seven digits
// or more that is nothing known is masked anyway.
func digitSpans(s string, start, end int, add func(span)) {
	run := s[start:end]
	if kind, ok := classifyNumber(run); ok {
		core := strings.TrimRight(run, " -.(),/_")
		add(span{start, start + len(core), kind})
		return
	}
	type group struct{ start, end int } // byte offsets in s
	var groups []group
	for i := 0; i < len(run); {
		if run[i] < '0' || run[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(run) && (run[j] >= '0' && run[j] <= '9' || (run[j] == 'X' || run[j] == 'x') && j == len(run)-1) {
			j++
		}
		groups = append(groups, group{start + i, start + j})
		i = j
	}
	for i := 0; i < len(groups); {
		best := -1
		kind := ""
		digits := 0
		for j := i; j < len(groups); j++ {
			digits += groups[j].end - groups[j].start
			if digits > 19 {
				break
			}
			lead := groups[i].start
			if i == 0 {
				lead = start // keep a leading + or (
			}
			if k, ok := classifyNumber(s[lead:groups[j].end]); ok {
				best, kind = j, k
			}
		}
		if best >= 0 {
			lead := groups[i].start
			if i == 0 {
				lead = start
			}
			add(span{lead, groups[best].end, kind})
			i = best + 1
			continue
		}
		if groups[i].end-groups[i].start >= 7 {
			add(span{groups[i].start, groups[i].end, PIINumber})
		}
		i++
	}
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
	compact := !strings.ContainsAny(strings.TrimRight(m, " -.()"), " -().,/_")
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

var reNANP = regexp.MustCompile(`^\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}[ .\-()]*$`)

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
