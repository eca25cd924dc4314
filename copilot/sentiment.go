package copilot

import (
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Lexicon item kinds.
const (
	kWord = iota + 1
	kNeg
	kInt
	kContrast
	kNeutral
	kFrame // sets how much the rest of the sentence counts (总体, 美中不足的是)
)

type lexItem struct {
	kind    int
	weight  float64 // sentiment weight for kWord, multiplier for kInt
	alsoInt float64 // a word that is also an intensifier ("好" in "好慢")
}

type lexicon struct {
	zh         map[string]lexItem
	en         map[string]lexItem
	zhMax      int // longest Chinese entry, in runes
	enMax      int // longest English entry, in words
	angerZHSet map[string]bool
	angerEN    map[string]bool
}

var (
	lexOnce sync.Once
	lex     *lexicon
)

func theLexicon() *lexicon {
	lexOnce.Do(func() { lex = buildLexicon() })
	return lex
}

func buildLexicon() *lexicon {
	l := &lexicon{zh: map[string]lexItem{}, en: map[string]lexItem{}, angerEN: map[string]bool{}}
	addZH := func(w string, it lexItem) {
		if n := utf8.RuneCountInString(w); n > l.zhMax {
			l.zhMax = n
		}
		if old, ok := l.zh[w]; ok && old.kind == kNeutral {
			return
		}
		if old, ok := l.zh[w]; ok && old.kind == kWord && it.kind == kWord {
			// A word in both lists is ambiguous; the stronger reading wins.
			if math.Abs(old.weight) >= math.Abs(it.weight) {
				return
			}
		}
		l.zh[w] = it
	}
	addEN := func(w string, it lexItem) {
		if n := len(strings.Fields(w)); n > l.enMax {
			l.enMax = n
		}
		if old, ok := l.en[w]; ok && old.kind == kNeg && it.kind == kWord {
			// "isn't great": a negator that is also listed as a negative
			// word acts as a negator.
			return
		}
		if old, ok := l.en[w]; ok && old.kind == kWord && it.kind == kWord {
			if math.Abs(old.weight) >= math.Abs(it.weight) {
				return
			}
		}
		l.en[w] = it
	}
	for _, w := range strings.Fields(zhNegators) {
		addZH(w, lexItem{kind: kNeg})
	}
	for _, w := range strings.Fields(zhNeutral) {
		addZH(w, lexItem{kind: kNeutral})
	}
	for _, w := range strings.Fields(zhContrast) {
		addZH(w, lexItem{kind: kContrast})
	}
	for w, m := range zhFrames {
		addZH(w, lexItem{kind: kFrame, weight: m})
	}
	for w, m := range zhIntensifiers {
		addZH(w, lexItem{kind: kInt, weight: m})
	}
	for wt, list := range zhPositive {
		for _, w := range strings.Fields(list) {
			addZH(w, lexItem{kind: kWord, weight: float64(wt)})
		}
	}
	for wt, list := range zhNegative {
		for _, w := range strings.Fields(list) {
			addZH(w, lexItem{kind: kWord, weight: -float64(wt)})
		}
	}
	for w, m := range zhIntensifiers {
		if it := l.zh[w]; it.kind == kWord {
			it.alsoInt = m
			l.zh[w] = it
		}
	}
	for _, w := range strings.Fields(enNegators) {
		addEN(w, lexItem{kind: kNeg})
	}
	for _, w := range strings.Fields(enContrast) {
		addEN(w, lexItem{kind: kContrast})
	}
	for w, m := range enIntensifiers {
		addEN(w, lexItem{kind: kInt, weight: m})
	}
	for w, m := range enFrames {
		addEN(w, lexItem{kind: kFrame, weight: m})
	}
	for wt, list := range enPositive {
		for _, line := range phraseList(list) {
			addEN(line, lexItem{kind: kWord, weight: float64(wt)})
		}
	}
	for wt, list := range enNegative {
		for _, line := range phraseList(list) {
			addEN(line, lexItem{kind: kWord, weight: -float64(wt)})
		}
	}
	for w, m := range enIntensifiers {
		if it := l.en[w]; it.kind == kWord {
			it.alsoInt = m
			l.en[w] = it
		}
	}
	l.angerZHSet = map[string]bool{}
	for _, w := range strings.Fields(zhAnger) {
		l.angerZHSet[w] = true
		if _, ok := l.zh[w]; !ok && !strings.HasPrefix(w, "[") {
			// Anger words must be matchable in the walk; ones the sentiment
			// lists lack come in as clear negatives.
			l.zh[w] = lexItem{kind: kWord, weight: -2}
			if n := utf8.RuneCountInString(w); n > l.zhMax {
				l.zhMax = n
			}
		}
	}
	// A longer entry holding an anger word ("气死我了", "骗子公司") is
	// matched as one unit by the walk; it carries the anger too.
	var angerWords []string
	for w := range l.angerZHSet {
		if !strings.HasPrefix(w, "[") && utf8.RuneCountInString(w) >= 2 {
			angerWords = append(angerWords, w)
		}
	}
	for key, it := range l.zh {
		if it.kind != kWord || it.weight >= 0 || l.angerZHSet[key] {
			continue
		}
		for _, w := range angerWords {
			if strings.Contains(key, w) {
				l.angerZHSet[key] = true
				break
			}
		}
	}
	for _, w := range strings.Fields(enAnger) {
		l.angerEN[w] = true
	}
	return l
}

// phraseList splits a lexicon block into entries. Single words are separated
// by spaces; multi-word phrases are recognised because the block lists them
// as known phrases in enPhrases.
func phraseList(block string) []string {
	words := strings.Fields(block)
	var out []string
	for i := 0; i < len(words); {
		matched := false
		for n := 4; n >= 2; n-- {
			if i+n > len(words) {
				continue
			}
			p := strings.Join(words[i:i+n], " ")
			if enPhrases[p] {
				out = append(out, p)
				i += n
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, words[i])
			i++
		}
	}
	return out
}

// enPhrases are the multi-word entries of the English lists.
var enPhrases = toBoolSet(`thank you|thanks so much|much appreciated|well done|nice job|good job|great job|shout out|
appreciate it|love it|loved it|glad to hear|thank you so much|thanks a lot|thanks a million|love you|best ever|
the best|absolutely love|highly recommend|exceeded expectations|above and beyond|went above and beyond|amazing job|
outstanding service|so happy|so grateful|so thankful|very happy|very grateful|over the moon|ripped off|on hold|
no response|no reply|no answer|no one|never again|never received|never arrived|not received|not arrived|
not working|doesn't work|does not work|didn't work|did not work|still waiting|still no|still not|expected better|could be better|should be better|be a better|do better|
customer service fail|hung up|hang up|left stranded|lost luggage|lost bag|missed connection|missed my flight|
delayed again|cancelled again|not happy|not impressed|not good|waste of time|waste of money|sick of|tired of|
fed up|had enough|worst ever|worst airline|worst service|the worst|absolutely terrible|absolutely horrible|
damn you|screw you|go to hell|hate you|so disappointed|very disappointed|extremely disappointed|
completely unacceptable|totally unacceptable|beyond frustrated|charged twice|double charged|kind of|sort of|a bit|a little|
gave up|give up|giving up|never heard back|never heard|no agents|no agent|no one answers|can't get through|can't get anyone|
cannot get through|can't find|no clue|no idea|come on|fix this|fix it|won't fly|will not fly|never fly|never flying|never use|
never using|not flying|other airlines|another airline|deserve better|switching to|top notch|looking forward|can't wait|cant wait|
can not wait|cannot wait|worked like a charm|all in all|on the whole|all things considered|in general|only complaint|only issue|only problem|minor issue|minor complaint|good morning|good afternoon|good evening|good night|good luck|haven't heard back|have not heard back|not heard back|still haven't|no word|thanks for|thank you for|thanks so much for|would love|would like|i'd like|like to|looks like|look like|feel like|like this|like that`)

// politeCues are courtesy words whose weight depends on the rest of the
// message; "thanks for …" phrases are gratitude and are not among them.
var politeCues = toBoolSet(`thanks|thank|thank you|thx|ty|tks|tx|congrats|congratulations|cheers`)

func toBoolSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			m[p] = true
		}
	}
	return m
}

// Anger cues: words that mark anger rather than mere displeasure.
var zhAnger = `气死 生气 愤怒 火大 恼火 气人 抓狂 垃圾 骗子 骗人 坑人 黑心 无良 滚 妈的 他妈 操 傻逼 去死 混蛋 王八蛋
受不了 忍无可忍 欺人太甚 岂有此理 太过分 过分 什么态度 搞什么 凭什么 投诉 举报 曝光 怒 [怒] [怒骂] [抓狂] [生气] [怒吼]`

var enAnger = `angry furious livid mad pissed outraged outrageous ridiculous unacceptable pathetic disgusting disgrace
disgraceful hate wtf fuck fucking fucked shit bullshit bs asshole idiot idiots stupid incompetent rude liar liars
scam fraud ripoff worst screw damn dammit infuriating infuriated enraged appalling insulting disrespectful`

// messageSentiment is the analysis of one text.
type messageSentiment struct {
	raw   float64 // unnormalised sum of cues
	score float64 // raw squashed into [-1, 1]
	label Label
	anger int // number of anger cues
	shout bool
	cues  []string
	negs  int // English negations in the current sentence
	used  int // … of them that negated an evaluative word
}

// Neutral band on the squashed score: weaker evidence than one mild cue
// stays neutral.
const neutralBand = 0.2

// questionDamp scales the evaluative words of a sentence that ends in a
// single question mark: "is my flight delayed?" asks, it does not complain.
const questionDamp = 0.3

type unit struct {
	text       string
	kind       int  // uHan, uWord, uPunct, uEmoji
	tag        bool // a #hashtag word
	r          rune
	start, end int // byte offsets in the analysed text
}

const (
	uHan = iota
	uWord
	uPunct
	uEmoji
)

// scanUnits splits text into Han characters, Latin words (with apostrophes
// and inner hyphens), emoji and punctuation; whitespace is dropped.
func scanUnits(text string, dst []unit) []unit {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case (r == 'h' || r == 'H') && hasURLPrefix(text[i:]):
			j := i
			for j < len(text) && text[j] != ' ' && text[j] != '\n' && text[j] != '\t' {
				j++
			}
			i = j
		case isHan(r):
			dst = append(dst, unit{text: text[i : i+size], kind: uHan, r: r, start: i, end: i + size})
			i += size
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isHan(r2) {
					break
				}
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) || ((r2 == '\'' || r2 == '’' || r2 == '-') && j+s2 < len(text) && isWordByte(text[j+s2])) {
					j += s2
					continue
				}
				break
			}
			dst = append(dst, unit{text: text[i:j], kind: uWord, r: r, start: i, end: j})
			i = j
		case unicode.IsSpace(r):
			i += size
		case r == '@':
			// @mentions and links name things, they do not evaluate them
			// ("@SouthwestAir", "Love Field"): skip to the next space.
			j := i + size
			for j < len(text) && (isWordByte(text[j]) || text[j] == '_') {
				j++
			}
			i = j
		case r == '#' && i+1 < len(text) && isWordByte(text[i+1]):
			j := i + 1
			for j < len(text) && (isWordByte(text[j]) || text[j] == '_') {
				j++
			}
			dst = append(dst, unit{text: text[i+1 : j], kind: uWord, r: rune(text[i+1]), start: i + 1, end: j, tag: true})
			i = j
		case (r == ':' || r == ';' || r == '<' || r == '&') && emoticonAt(text[i:]) != "":
			e := emoticonAt(text[i:])
			dst = append(dst, unit{text: e, kind: uEmoji, r: ':', start: i, end: i + len(e)})
			i += len(e)
		case r == '[':
			// Chat stickers like [怒] are one unit.
			if end := strings.IndexByte(text[i:], ']'); end > 0 && end <= 16 {
				dst = append(dst, unit{text: text[i : i+end+1], kind: uEmoji, r: r})
				i += end + 1
				continue
			}
			dst = append(dst, unit{text: "[", kind: uPunct, r: r})
			i += size
		case emojiWeights[r] != 0 || r >= 0x1F300:
			dst = append(dst, unit{text: text[i : i+size], kind: uEmoji, r: r})
			i += size
		default:
			dst = append(dst, unit{text: text[i : i+size], kind: uPunct, r: r})
			i += size
		}
	}
	return dst
}

func hasURLPrefix(s string) bool {
	return len(s) > 8 && (strings.EqualFold(s[:7], "http://") || strings.EqualFold(s[:8], "https://"))
}

// asciiEmoticons are the text faces of tweets and chats.
var asciiEmoticons = map[string]float64{
	":)": 1.5, ":-)": 1.5, ":D": 2, ":-D": 2, ";)": 1, ";-)": 1, ":P": 1, ":p": 1, "<3": 2, "&lt;3": 2,
	":(": -2, ":-(": -2, ":/": -1, ":-/": -1, ":'(": -2, ">:(": -2.5, "&gt;:(": -2.5, ":|": -0.5,
}

func emoticonAt(s string) string {
	for n := min(6, len(s)); n >= 2; n-- {
		if _, ok := asciiEmoticons[s[:n]]; ok {
			// ":D" must not be the start of a word (":Done").
			if n < len(s) && isWordByte(s[n]) && isWordByte(s[n-1]) {
				continue
			}
			return s[:n]
		}
	}
	return ""
}

// hashtagCue reads an unsegmented hashtag (#worstcustomerservice,
// #unitedfail, #welldone) by the evaluative word it starts or ends with
// (inner substrings are too often accidents: "flyingitforward").
func hashtagCue(l *lexicon, tag string) (float64, string) {
	t := strings.ToLower(tag)
	if x, ok := l.en[t]; ok && x.kind == kWord {
		return x.weight, t
	}
	best, cue := 0.0, ""
	for i := 0; i < len(t); i++ {
		for j := min(len(t), i+14); j >= i+3; j-- {
			w := t[i:j]
			x, ok := l.en[w]
			if !ok || x.kind != kWord {
				continue
			}
			if i != 0 && j != len(t) {
				continue
			}
			if math.Abs(x.weight) > math.Abs(best) {
				best, cue = x.weight, w
			}
			break
		}
	}
	if best != 0 && (strings.HasPrefix(t, "no") || strings.HasPrefix(t, "never") || strings.HasPrefix(t, "not")) && !strings.HasPrefix(cue, "no") {
		best = -math.Abs(best)
	}
	return best, cue
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

var unitPool = sync.Pool{New: func() any { s := make([]unit, 0, 256); return &s }}

// analyzeSentiment scores one message. It walks the units once, matching the
// longest lexicon entry at each position, and keeps a little state per
// clause: a pending negation (flips the next evaluative word within a few
// units) and a pending intensifier. A contrast word ("但是", "but") halves
// what came before in the sentence and strengthens what follows. Exclamation
// marks amplify the sentence, repeated question marks read as exasperation,
// and emoji / stickers add their own weight.
func analyzeSentiment(text string) messageSentiment {
	l := theLexicon()
	text = customerVoice(text)
	up := unitPool.Get().(*[]unit)
	units := scanUnits(text, (*up)[:0])
	defer func() { *up = units[:0]; unitPool.Put(up) }()

	var ms messageSentiment
	var total, sentence float64
	sentStart, nextUnit := 0, 0 // first unit of the current sentence, of the next
	negLeft := 0                // units left in which a negation applies
	negCount := 0               // negations seen (double negation cancels)
	intMul := 1.0               // pending intensifier
	after := 1.0                // weight after a contrast word
	exclaim := 0                // exclamation marks in the sentence
	capsWords, words := 0, 0
	asked := false
	endSentence := func() {
		if bare := ms.negs - ms.used; bare > 0 && !asked {
			// "They didn't call back", "there are no trains", "still
			// hasn't moved": a statement that something did not happen
			// is a complaint in service talk even without an evaluative
			// word. Questions ("can't I change it?") only ask.
			sentence -= bareNegWeight * float64(min(bare, 2))
		}
		ms.negs, ms.used, asked = 0, 0, false
		if exclaim > 0 && sentence != 0 {
			sentence *= 1 + 0.15*float64(min(exclaim, 3))
		}
		total += sentence
		sentence, exclaim, after = 0, 0, 1
		sentStart = nextUnit
		negLeft, negCount, intMul = 0, 0, 1
	}
	polite := 0.0 // bare thanks / congrats, judged at the end
	addWord := func(w float64, cue string) {
		if politeCues[cue] && w > 0 && (negLeft == 0 || negCount%2 == 0) {
			polite += w * intMul
			negLeft, negCount, intMul = 0, 0, 1
			return
		}
		if negLeft > 0 && negCount%2 == 1 {
			ms.used++
			if w > 0 {
				w = -w * 0.9
			} else {
				// "not bad" is mildly positive, not glowing.
				w = -w * 0.6
			}
		}
		sentence += w * intMul * after
		negLeft, negCount, intMul = 0, 0, 1
		if len(ms.cues) < 8 {
			ms.cues = append(ms.cues, cue)
		}
	}
	for i := 0; i < len(units); {
		u := units[i]
		nextUnit = i + 1
		switch u.kind {
		case uHan:
			n, it := l.matchHan(text, units, i)
			if n == 0 {
				if negLeft > 0 {
					negLeft--
				}
				i++
				continue
			}
			key := text[units[i].start:units[i+n-1].end]
			if l.angerZHSet[key] {
				ms.anger++
			}
			ms.handle(l, text, key, it, units, i+n, &negLeft, &negCount, &intMul, &after, &sentence, addWord, true)
			i += n
		case uWord:
			if u.tag {
				if w, cue := hashtagCue(l, u.text); w != 0 {
					addWord(w, "#"+cue)
				}
				i++
				continue
			}
			words++
			if len(u.text) >= 3 && isAllUpper(u.text) {
				capsWords++
			}
			n := 0
			var it lexItem
			for L := min(l.enMax, len(units)-i); L >= 1; L-- {
				if !allWords(units[i : i+L]) {
					continue
				}
				key := strings.ToLower(joinUnits(units[i:i+L], " "))
				key = strings.ReplaceAll(key, "’", "'")
				if x, ok := l.en[key]; ok {
					n, it = L, x
					break
				}
			}
			if n == 0 {
				// "sooo goood" → "so good": collapse letters repeated for
				// emphasis and count the word as intensified.
				if w := squeeze(strings.ToLower(u.text)); w != "" {
					if x, ok := l.en[w]; ok && x.kind == kWord {
						ms.handle(l, text, w, lexItem{kind: kWord, weight: x.weight * 1.3}, units, i+1, &negLeft, &negCount, &intMul, &after, &sentence, addWord, false)
						i++
						continue
					}
				}
				if w, wt := l.derived(strings.ToLower(u.text)); w != "" {
					ms.handle(l, text, w, lexItem{kind: kWord, weight: wt}, units, i+1, &negLeft, &negCount, &intMul, &after, &sentence, addWord, false)
					i++
					continue
				}
				if negLeft > 0 {
					negLeft--
				}
				i++
				continue
			}
			key := strings.ToLower(joinUnits(units[i:i+n], " "))
			if (key == "like" || key == "likes") && !likeIsVerb(units, i) {
				// "like last night", "like @SouthwestAir": a preposition.
				i++
				continue
			}
			if l.angerEN[key] {
				ms.anger++
			}
			if it.kind == kWord && isAllUpper(u.text) && len(u.text) >= 3 {
				it.weight *= 1.5 // SHOUTED evaluative words count more
			}
			ms.handle(l, text, key, it, units, i+n, &negLeft, &negCount, &intMul, &after, &sentence, addWord, false)
			i += n
		case uEmoji:
			rep := 1.0
			if i > 0 && units[i-1].kind == uEmoji && units[i-1].text == u.text {
				// 😭😭😭 is one feeling, emphasised, not three.
				rep = emojiRepeat
			}
			sentence0 := sentence
			if w, ok := asciiEmoticons[u.text]; ok && u.r == ':' {
				sentence += w
			} else if w, ok := zhEmoticons[u.text]; ok {
				sentence += w
				if l.angerZHSet[u.text] {
					ms.anger++
				}
			} else if w := emojiWeights[u.r]; w != 0 {
				sentence += w
				if u.r == '😡' || u.r == '🤬' || u.r == '😠' || u.r == '🖕' {
					ms.anger++
				}
			}
			sentence = sentence0 + (sentence-sentence0)*rep
			i++
		default:
			switch u.r {
			case '!', '！':
				exclaim++
			case '?', '？':
				// "??" and "？？？" read as exasperation in service chats; a
				// "why …?" / "凭什么…?" question complains rather than asks.
				asked = true
				if rhetorical(text, units, sentStart, i) {
					sentence -= rhetoricalWeight
				} else if i+1 >= len(units) || !(units[i+1].r == '?' || units[i+1].r == '？') {
					sentence *= questionDamp
				}
				if i+1 < len(units) && (units[i+1].r == '?' || units[i+1].r == '？') {
					sentence -= 0.5
					for i+1 < len(units) && (units[i+1].r == '?' || units[i+1].r == '？' || units[i+1].r == '!' || units[i+1].r == '！') {
						i++
					}
				}
				endSentence()
			case '。', '.', '；', ';', '\n', '~', '～':
				endSentence()
			case ',', '，', '、', ':', '：':
				// A clause boundary ends negation scope but not the sentence.
				negLeft, negCount, intMul = 0, 0, 1
			}
			i++
		}
	}
	endSentence()
	if polite > 0 {
		// A bare "thanks" closes a question or request politely and after
		// a complaint it is usually sarcastic ("Cancelled my flight.
		// Thanks AA!"); only on its own, or with praise, is it gratitude.
		switch {
		case total < 0:
			total += polite * 0.2
		case total < 1 && (strings.ContainsAny(text, "?？") || strings.Contains(strings.ToLower(text), "please")):
			total += polite * 0.25
		default:
			total += polite
		}
	}
	if words >= 3 && capsWords*2 >= words {
		ms.shout = true
	}
	if d := waitedFor(units); d > 0 {
		total -= durationWeight * float64(min(d, 2))
	}
	ms.raw = total
	ms.score = total / math.Sqrt(total*total+6)
	switch {
	case ms.score >= neutralBand:
		ms.label = Positive
	case ms.score <= -neutralBand:
		ms.label = Negative
	default:
		ms.label = Neutral
	}
	return ms
}

// replyMarkers introduce the business's answer that review sites append to
// a customer's review ("宾馆反馈2008年4月5日：尊敬的宾客您好…"); it is
// polite by design and not the customer's opinion.
var replyMarkers = []string{"宾馆反馈", "酒店反馈", "酒店回复", "宾馆回复", "商家回复", "卖家回复", "店家回复", "掌柜回复",
	"商家反馈", "官方回复", "管理员回复", "Response from the owner", "Response from the management", "Management response", "Seller's reply", "Seller response"}

// customerVoice cuts text at a business-reply marker followed by a colon
// (after an optional date) that is not at the very start.
func customerVoice(text string) string {
	if len(text) < 12 {
		return text
	}
	for _, m := range replyMarkers {
		i := strings.Index(text, m)
		if i <= 0 {
			continue
		}
		rest := text[i+len(m):]
		if j := strings.IndexAny(textcut.Bytes(rest, 40), ":："); j >= 0 {
			return text[:i]
		}
	}
	// A retweet's quoted part ("… RT @airline …") and a quoted reply
	// ("“@airline: We hope…” done thx") are someone else's words.
	if i := strings.Index(text, "RT @"); i > 0 {
		text = text[:i]
	}
	if i := strings.Index(text, "“@"); i >= 0 {
		if j := strings.Index(text[i:], "”"); j > 0 && i+j+len("”") < len(text) {
			text = text[:i] + " " + text[i+j+len("”"):]
		}
	}
	return text
}

// bareNegWeight is what an English negation that negates no evaluative word
// adds to a statement.
const bareNegWeight = 0.5

// durationWeight is what one measured wait adds (at most two count).
const durationWeight = 0.7

var durationLead = toBoolSet(`for|after|over|took|take|takes|taking|waited|waiting|wait|been|spent|lost|wasted`)
var durationCount = toBoolSet(`a|an|few|several|many|two|three|four|five|six|seven|eight|nine|ten|twelve|couple|multiple|extra|45|countless`)
var durationUnit = toBoolSet(`minutes|mins|min|hours|hrs|hr|hour|days|day|weeks|week|months|month|years`)

// waitedFor counts English phrases that put a length of time on something
// the customer went through ("on hold for 2 hours", "took 45 mins",
// "trying for 3 days now", "spent three extra days"): in service talk a
// duration measured like that is a complaint. "leaving in a few hours" is
// not led by one of these words and does not count.
func waitedFor(units []unit) int {
	n := 0
	for i := 0; i+2 < len(units); i++ {
		if units[i].kind != uWord || !durationLead[strings.ToLower(units[i].text)] {
			continue
		}
		j := i + 1
		for k := 0; k < 3 && j < len(units) && units[j].kind == uWord; k++ {
			w := strings.ToLower(units[j].text)
			if durationUnit[w] {
				if j > i+1 {
					n++
				}
				break
			}
			if !(durationCount[w] || isDigits(w)) {
				break
			}
			j++
		}
	}
	return n
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// emojiRepeat is what a repeated emoji adds after the first.
const emojiRepeat = 0.3

// likeVerbBefore are the words after which "like" is the verb ("I like",
// "really like", "don't like"); elsewhere it is mostly the preposition
// ("like last night", "have customer service like @JetBlue").
var likeVerbBefore = toBoolSet(`i|we|you|they|he|she|u|ya|people|who|really|truly|do|does|did|also|just|totally|definitely|so|still|would|i'd|we'd|dont|don't|didn't|doesn't|didnt|doesnt|to|and|always|actually|kinda|gonna`)

func likeIsVerb(units []unit, i int) bool {
	if i == 0 {
		return true // "Like the new seats"
	}
	p := units[i-1]
	return p.kind == uWord && likeVerbBefore[strings.ReplaceAll(strings.ToLower(p.text), "’", "'")]
}

// derived reads a word the lexicon lacks through its base: superlatives and
// adverbs of evaluative words ("smoothest", "finest", "horribly") carry the
// base's weight, and a negative prefix on a positive word ("unfriendly",
// "inefficient", "impolite", "dislike") turns it negative. Bases that are
// evaluative only in other senses ("late" in "latest", "like" in "likely")
// are left out.
func (l *lexicon) derived(w string) (string, float64) {
	if len(w) < 5 {
		return "", 0
	}
	base := func(b string) (float64, bool) {
		if len(b) < 3 || derivedSkip[b] {
			return 0, false
		}
		x, ok := l.en[b]
		if !ok || x.kind != kWord || x.weight == 0 {
			return 0, false
		}
		return x.weight, true
	}
	for _, r := range [][2]string{{"iest", "y"}, {"est", ""}, {"est", "e"}, {"ily", "y"}, {"ably", "able"}, {"ibly", "ible"}, {"ly", ""}, {"ly", "e"}} {
		if !strings.HasSuffix(w, r[0]) {
			continue
		}
		b := w[:len(w)-len(r[0])] + r[1]
		if wt, ok := base(b); ok {
			return b, wt
		}
		if r[0] == "est" && r[1] == "" && len(b) >= 4 && b[len(b)-1] == b[len(b)-2] { // "hottest"
			if wt, ok := base(b[:len(b)-1]); ok {
				return b[:len(b)-1], wt
			}
		}
	}
	for _, p := range []string{"un", "dis", "in", "im"} {
		if !strings.HasPrefix(w, p) {
			continue
		}
		b := w[len(p):]
		if len(b) < 4 || (p == "in" || p == "im") && len(b) < 5 {
			continue
		}
		if wt, ok := base(b); ok && wt > 0 {
			return w, -0.9 * wt
		}
	}
	return "", 0
}

var derivedSkip = toBoolSet(`late|like|fair|well|kind|hard|sweet|warm|still|cold|hold|wait|lol`)

// rhetoricalWeight is what a complaining question ("why did you…?") adds.
const rhetoricalWeight = 0.4

// rhetorical reports whether the sentence units[from:to] is a complaining
// question: it contains "why", "how come", or Chinese 凭什么/为什么/难道/怎么回事.
func rhetorical(text string, units []unit, from, to int) bool {
	for j := from; j < to && j < len(units); j++ {
		u := units[j]
		switch u.kind {
		case uWord:
			if strings.EqualFold(u.text, "why") || strings.EqualFold(u.text, "come") && j > from && strings.EqualFold(units[j-1].text, "how") {
				return true
			}
		case uHan:
			if j+1 < to && units[j+1].kind == uHan {
				switch text[u.start:units[j+1].end] {
				case "凭什", "难道", "为何":
					return true
				}
			}
		}
	}
	return false
}

func (ms *messageSentiment) handle(l *lexicon, text, key string, it lexItem, units []unit, next int,
	negLeft, negCount *int, intMul, after, sentence *float64, addWord func(float64, string), han bool) {
	switch it.kind {
	case kNeg:
		*negCount++
		if han {
			*negLeft = 4
		} else {
			*negLeft = 3
			ms.negs++
		}
	case kInt:
		*intMul *= it.weight
	case kFrame:
		*after = it.weight
	case kContrast:
		*sentence *= 0.5
		*after = 1.5
		*negLeft, *negCount, *intMul = 0, 0, 1
	case kWord:
		// "好" before an evaluative word is an intensifier ("好慢"), alone it
		// is praise.
		if it.alsoInt != 0 && next < len(units) && nextIsWord(l, text, units, next, han) {
			*intMul *= it.alsoInt
			return
		}
		addWord(it.weight, key)
	}
}

func nextIsWord(l *lexicon, text string, units []unit, i int, han bool) bool {
	if han {
		n, it := l.matchHan(text, units, i)
		return n > 0 && it.kind == kWord
	}
	if units[i].kind != uWord {
		return false
	}
	x, ok := l.en[strings.ToLower(units[i].text)]
	return ok && x.kind == kWord
}

// matchHan finds the longest Chinese lexicon entry starting at unit i, using
// substrings of the text so matching does not allocate.
func (l *lexicon) matchHan(text string, units []unit, i int) (int, lexItem) {
	run := 1
	for i+run < len(units) && run < l.zhMax && units[i+run].kind == uHan && units[i+run].start == units[i+run-1].end {
		run++
	}
	for L := run; L >= 1; L-- {
		if x, ok := l.zh[text[units[i].start:units[i+L-1].end]]; ok {
			return L, x
		}
	}
	return 0, lexItem{}
}

func allHan(us []unit) bool {
	for _, u := range us {
		if u.kind != uHan {
			return false
		}
	}
	return true
}

func allWords(us []unit) bool {
	for _, u := range us {
		if u.kind != uWord {
			return false
		}
	}
	return true
}

func joinUnits(us []unit, sep string) string {
	if len(us) == 1 {
		return us[0].text
	}
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(u.text)
	}
	return b.String()
}

// squeeze collapses runs of three or more identical letters to one (and
// returns "" when there are none): "soooo" → "so", "goooood" → "god"… so
// it also tries two ("good") first via the caller's lexicon lookup order.
func squeeze(w string) string {
	b := []byte(w)
	out := make([]byte, 0, len(b))
	changed := false
	for i := 0; i < len(b); i++ {
		j := i
		for j+1 < len(b) && b[j+1] == b[i] {
			j++
		}
		if j-i >= 2 {
			changed = true
			out = append(out, b[i], b[i])
		} else {
			out = append(out, b[i:j+1]...)
		}
		i = j
	}
	if !changed {
		return ""
	}
	if _, ok := theLexicon().en[string(out)]; ok {
		return string(out)
	}
	// Try the single-letter form of each doubled run: "soo" → "so".
	single := make([]byte, 0, len(out))
	for i := 0; i < len(out); i++ {
		single = append(single, out[i])
		if i+1 < len(out) && out[i+1] == out[i] {
			i++
		}
	}
	return string(single)
}

func isAllUpper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters > 0
}

// ScoreText is the offline sentiment of one text: a label and a score in
// [-1, 1]. It is what `agentdesk eval sentiment` measures.
func ScoreText(text string) (Label, float64) {
	ms := analyzeSentiment(text)
	return ms.label, ms.score
}
