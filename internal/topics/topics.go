// Package topics finds what customers are writing about more than usual:
// the keywords of a message (Latin words, Chinese bigrams that do not
// cross a word boundary), and the topics — intents and keywords — whose
// count in a recent window is clearly above their rate in the week
// before, with Chinese bigrams joined back into the phrases customers
// wrote. The store reads the messages; the team board shows the result
// (protocol.TeamStats.HotHour / HotDay).
package topics

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
)

const (
	hourMs = int64(60 * 60 * 1000)
	dayMs  = 24 * hourMs
	weekMs = 7 * dayMs
)

// Message is a customer message read for the keyword trends.
type Message struct {
	Conv, Text string
	At         int64
}

// KeywordTimes maps each keyword to when conversations mentioned it: once
// per conversation (at its newest mention, msgs being newest first), so a
// customer repeating a word does not make it a trend.
func KeywordTimes(msgs []Message) map[string][]int64 {
	words := map[string][]int64{}
	seen := map[[2]string]bool{}
	for _, m := range msgs {
		for w := range Keywords(m.Text) {
			if k := [2]string{m.Conv, w}; !seen[k] {
				seen[k] = true
				words[w] = append(words[w], m.At)
			}
		}
	}
	return words
}

// mentions counts the conversations whose customer messages in
// [from, to] contain phrase.
func mentions(msgs []Message, phrase string, from, to int64) int {
	convs := map[string]bool{}
	for _, m := range msgs {
		if m.At >= from && m.At <= to && strings.Contains(m.Text, phrase) {
			convs[m.Conv] = true
		}
	}
	return len(convs)
}

// Rising scores each topic's count in [now-window, now) against its rate
// in the 7 days before, and returns the top ones that are clearly up.
//
// msgs are the messages the keywords came from: Chinese bigrams are merged
// into a longer phrase only where that phrase really occurs in them. names
// gives intents the words they go by (KB tags and aliases; may be nil): a
// keyword naming a listed intent is folded into its line (fold.go).
func Rising(intents, words map[string][]int64, msgs []Message, now, window, oldest int64, names map[string][]string) []protocol.Topic {
	winStart := now - window
	baseStart := max(winStart-weekMs, oldest)
	baseSpan := winStart - baseStart // how much history there really is
	var out []protocol.Topic
	consider := func(kind string, m map[string][]int64) {
		for name, ats := range m {
			count, base := 0, 0
			for _, at := range ats {
				switch {
				case at >= winStart && at < now+1:
					count++
				case at >= baseStart && at < winStart:
					base++
				}
			}
			if count < 2 {
				continue
			}
			expected := 0.0
			if baseSpan > 0 {
				expected = float64(base) * float64(window) / float64(baseSpan)
			}
			if float64(count) < 2*expected+1 {
				continue // not clearly above the usual
			}
			// Thin is about the counts: a short history makes the
			// expectation unknown (0, shown as new), not the count small.
			t := protocol.Topic{Kind: kind, Name: name, Count: count, Expected: math.Round(expected*10) / 10,
				Thin: count < thinCount}
			out = append(out, t)
		}
	}
	consider(protocol.TopicIntent, intents)
	consider(protocol.TopicKeyword, words)
	out = mergePhrases(out, func(phrase string) int { return mentions(msgs, phrase, winStart, now) })
	out = wholePhrases(out, msgs, winStart, now)
	out = foldIntoIntents(out, names)
	z := func(t protocol.Topic) float64 { return (float64(t.Count) - t.Expected) / math.Sqrt(t.Expected+1) }
	sort.Slice(out, func(i, j int) bool {
		if zi, zj := z(out[i]), z(out[j]); zi != zj {
			return zi > zj
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == protocol.TopicIntent
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

// mergePhrases joins Chinese keyword bigrams that chain ("屏幕", "幕碎",
// "碎了") and rise together (counts within a fifth) into one phrase, so a
// lead reads "屏幕碎了" once instead of three fragments. A merge must be a
// phrase customers actually wrote about as often (occurs counts the
// conversations mentioning it): bigrams that merely share a character —
// "买了" from one message and "了两" from another — stay apart.
func mergePhrases(ts []protocol.Topic, occurs func(phrase string) int) []protocol.Topic {
	han := func(t protocol.Topic) bool {
		r := []rune(t.Name)
		return t.Kind == protocol.TopicKeyword && len(r) >= 2 && unicode.Is(unicode.Han, r[0])
	}
	near := func(a, b int) bool { return abs(a-b) <= max(1, max(a, b)/5) }
	tried := map[string]bool{}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(ts) && !merged; i++ {
			if !han(ts[i]) {
				continue
			}
			a := []rune(ts[i].Name)
			for j := range ts {
				if j == i || !han(ts[j]) || !near(ts[i].Count, ts[j].Count) {
					continue
				}
				b := []rune(ts[j].Name)
				if a[len(a)-1] != b[0] {
					continue
				}
				name := string(a) + string(b[1:])
				if tried[name] {
					continue
				}
				tried[name] = true
				n := occurs(name)
				if n < 2 || !near(n, min(ts[i].Count, ts[j].Count)) {
					continue
				}
				ts[i].Name = name
				ts[i].Count = n
				ts[i].Expected = max(ts[i].Expected, ts[j].Expected)
				ts[i].Thin = ts[i].Thin || ts[j].Thin || n < 5
				ts = append(ts[:j], ts[j+1:]...)
				merged = true
				break
			}
		}
	}
	return ts
}

// thinCount is the count under which a topic is shown as thin ("few").
const thinCount = 5

// maxPhraseRunes bounds how far wholePhrases extends a keyword.
const maxPhraseRunes = 8

// wholePhrases extends each Chinese keyword to the phrase customers wrote
// around it: while one and the same Han character (not a function
// character) stands before — or after — at least four in five of its
// occurrences in [from, to], it joins the keyword. So 修期 becomes 保修期
// and 转人 becomes 转人工 even where 保修 or 人工 is also common elsewhere
// (mergePhrases joins only bigrams that rise together). Counts are then
// the conversations mentioning the phrase; two keywords that extend to the
// same phrase are shown once.
func wholePhrases(ts []protocol.Topic, msgs []Message, from, to int64) []protocol.Topic {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if r := []rune(t.Name); t.Kind == protocol.TopicKeyword && len(r) >= 2 && unicode.Is(unicode.Han, r[0]) {
			if name := extend(t.Name, msgs, from, to); name != t.Name {
				t.Name, t.Count = name, mentions(msgs, name, from, to)
				t.Thin = t.Thin || t.Count < thinCount
			}
		}
		if seen[t.Kind+"\x00"+t.Name] {
			continue
		}
		seen[t.Kind+"\x00"+t.Name] = true
		out = append(out, t)
	}
	return out
}

// extend grows phrase by the characters that almost always surround it.
func extend(phrase string, msgs []Message, from, to int64) string {
	for len([]rune(phrase)) < maxPhraseRunes {
		before, after, n := map[rune]int{}, map[rune]int{}, 0
		for _, m := range msgs {
			if m.At < from || m.At > to {
				continue
			}
			for rest := m.Text; ; {
				i := strings.Index(rest, phrase)
				if i < 0 {
					break
				}
				n++
				if r, _ := utf8.DecodeLastRuneInString(rest[:i]); i > 0 && contentHan(r) {
					before[r]++
				}
				if r, _ := utf8.DecodeRuneInString(rest[i+len(phrase):]); i+len(phrase) < len(rest) && contentHan(r) {
					after[r]++
				}
				rest = rest[i+len(phrase):]
			}
		}
		if r, ok := dominant(before, n); ok {
			phrase = string(r) + phrase
		} else if r, ok := dominant(after, n); ok {
			phrase += string(r)
		} else {
			return phrase
		}
	}
	return phrase
}

// contentHan reports whether r is a Han character that can be part of a
// topic word (not a function character).
func contentHan(r rune) bool { return unicode.Is(unicode.Han, r) && !hanStop[r] }

// dominant returns the character of counts that accounts for at least four
// in five of n occurrences (and two at least).
func dominant(counts map[rune]int, n int) (rune, bool) {
	for r, c := range counts {
		if c >= 2 && 5*c >= 4*n {
			return r, true
		}
	}
	return 0, false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// stopwords are frequent words that say nothing about a topic (订单 as
// much as "order": nearly every shop chat has it) — and the
// words of a request for a person (人工客服, 转人工, "agent please"): how
// customers ask for help, not what about.
var stopwords = map[string]bool{}

// hanStop are Chinese function characters — pronouns, particles,
// measure words, common adverbs — that sit between content words, not in
// them: a bigram containing one spans a word boundary ("们家", "了两",
// "给我", "好的") and is no topic. 地 is not one: in what customers write
// it starts 地址 and 地方 far more often than it is the adverb particle.
var hanStop = map[rune]bool{}

func init() {
	for _, w := range strings.Fields(`the and for you your are was were have has had not but with this that what when
		can cant could would will how why who where please thanks thank hello just get got any our out from there
		they them been its into about also still yet did does don dont want need order help
		all also always another anything because before being both cannot come comes day days done each either else
		even ever every few find found first fine good great hey isn aren wasn weren hasn haven hadn didn doesn won
		wouldn couldn shouldn here him her his hers how however instead its just keep know last let like look made
		make many may maybe more most much must never next nothing now off okay once one only other over perfect
		really rather right said same say says see seen send sent should since some something soon sorry sounds
		sure take than then these thing things think those three through today told tomorrow too two under until
		upon use used very way week weeks well went which while within without yes yesterday yet ago already
		again back bit call called else eye ideally hear heard hours hour minute minutes month months year years
		anyone everyone someone thanks appreciate appreciated sorting worth stay unless nearly looking
		forward help helps helped works working work expect expected listening handled handle talking talk started start
		full third check checked trying tried try wait waited waiting ordered orders
		agent agents human humans person representative operator someone`) {
		stopwords[w] = true
	}
	for _, w := range strings.Fields(`我们 你们 什么 一个 可以 怎么 没有 这个 那个 谢谢 你好 请问 就是 还是 已经 现在 为什么 时候 是不 不是 我的 我要 的话 了吗
		好的 好吧 行吧 麻烦 辛苦 明白 收到 知道 需要 能不 能给 大概 然后 因为 所以 但是 如果 一下 一直 到底
		你们家 我们家 他们家 时候 请问 今天 明天 昨天 马上 刚才 一定
		人工 客服 真人 转接 订单 单号`) {
		stopwords[w] = true
	}
	for _, r := range "的得了着过吗呢吧啊呀哦嘛么们我你您他她它这那哪谁是在有没要会想能已几次就都也还又再才很太把被给和跟与及个些一两怎咋啥" {
		hanStop[r] = true
	}
}

// Keywords returns the topic words of a customer message, each once:
// Latin words of three or more letters (lower-cased, stopwords and
// ids/codes such as order numbers dropped)
// and, for Chinese, every pair of adjacent Han characters that is not
// split by a function character, since Chinese has no spaces to split on
// and two characters is the common word length.
func Keywords(text string) map[string]struct{} {
	out := map[string]struct{}{}
	var latin []rune
	var han []rune
	flushLatin := func() {
		if len(latin) >= 3 && len(latin) <= 24 {
			w := string(latin)
			if !stopwords[w] && !textcut.IsCode(w) { // an order number or a tax id is no topic
				out[w] = struct{}{}
			}
		}
		latin = latin[:0]
	}
	var stop []bool
	flushHan := func() {
		// A character is a boundary when it is a function character or
		// part of a stopword ("时候" in "时候扣", "你们家" in "你们家买").
		stop = append(stop[:0], make([]bool, len(han))...)
		for i, r := range han {
			stop[i] = stop[i] || hanStop[r]
			for _, n := range []int{2, 3} {
				if i+n <= len(han) && stopwords[string(han[i:i+n])] {
					for k := i; k < i+n; k++ {
						stop[k] = true
					}
				}
			}
		}
		for i := 0; i+1 < len(han); i++ {
			if !stop[i] && !stop[i+1] {
				out[string(han[i:i+2])] = struct{}{}
			}
		}
		han = han[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushLatin()
			han = append(han, r)
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			flushHan()
			latin = append(latin, unicode.ToLower(r))
		default:
			flushLatin()
			flushHan()
		}
	}
	flushLatin()
	flushHan()
	return out
}
