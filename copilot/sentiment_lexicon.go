package copilot

import (
	"math"
	"strings"
	"sync"
	"unicode/utf8"
)

// The offline sentiment lexicon: its entries, phrase lists and anger cues.

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
