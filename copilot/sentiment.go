package copilot

import (
	"math"
	"strings"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

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

// ScoreText is the offline sentiment of one text: a label and a score in
// [-1, 1]. It is what `agentdesk eval sentiment` measures.
func ScoreText(text string) (Label, float64) {
	ms := analyzeSentiment(text)
	return ms.label, ms.score
}
