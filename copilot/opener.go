package copilot

import (
	"regexp"
	"strings"
	"unicode"
)

// Turns that say nothing about a topic yet. A customer who opens with "在吗",
// "你好", "转人工", a bare order number or a product link has not asked
// anything: the agent greets and asks how to help, it does not quote an
// article that happens to share the word 手机 or 订单. A customer who, after
// the agent's question, sends only the order number is answered with "one
// moment, I'm looking it up".

// reNoTopic matches what carries no topic: links, masked values
// ("[订单编号]"), ids and numbers, greetings, presence checks, requests for a
// person and the filler chat widgets prepend ("咨询订单号:", "商品ID:").
var reNoTopic = regexp.MustCompile(`(?i)https?://\S+|www\.\S+|\[[^\]]{1,12}\]|[A-Za-z]*\d[\w\-./]*|` +
	`咨询订单号|订单业务咨询|订单编号|订单号|商品id|商品编号|订单|单号|咨询一下|咨询|` +
	`在吗|在不在|在么|在嘛|有人吗|有人在吗|你好|您好|哈喽|嗨|亲|客服|人工服务|转人工|找人工|要人工|人工|真人|我要|请问|问一下|麻烦|谢谢|` +
	`\b(?:hi|hello|hey|there|anyone|is|are|you|i|need|want|help|please|a|an|the|human|agent|person|real|someone|talk|speak|to|with|customer|service|support|order|number|hiya|good|morning|afternoon|evening)\b`)

// contentFree reports whether text holds no topic word: only what
// reNoTopic matches, @handles, punctuation and space.
func contentFree(text string) bool {
	t := reHandle.ReplaceAllString(FoldText(limitText(text)), " ")
	t = reNoTopic.ReplaceAllString(t, " ")
	return strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) }) < 0
}

// allContentFree: every message of ms is content-free (false when ms is empty).
func allContentFree(ms []Message) bool {
	for _, m := range ms {
		if !contentFree(m.Text) {
			return false
		}
	}
	return len(ms) > 0
}

// hasReference: the text gives an order number or a masked identifier
// the agent can look up.
func hasReference(text string) bool {
	return reOrder.MatchString(text) || strings.Contains(text, "[订单编号") || regexp.MustCompile(`\d{6,}`).MatchString(text)
}

// openerPool is how many of the latest replies to content-free turns are
// weighed for the team's usual one.
const openerPool = 40

// typicalOpener is the reply the team usually sends to a turn that says
// nothing about a topic yet (in lang; ref: the turn gave an order number):
// among the latest such replies, the one agreeing most with the others,
// when at least three are held and they agree (typicalAgree). The result
// is cached until another such exemplar is added.
func (m *ExemplarMemory) typicalOpener(lang string, ref bool) (Exemplar, bool) {
	k := openerKey{lang, ref}
	m.mu.RLock()
	best, cached := m.typical[k]
	m.mu.RUnlock()
	if !cached {
		m.mu.Lock()
		best = m.computeTypical(k)
		m.typical[k] = best
		m.mu.Unlock()
	}
	if best < 0 {
		return Exemplar{}, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.positives[best], true
}

// computeTypical is typicalOpener's search; m.mu is held.
func (m *ExemplarMemory) computeTypical(k openerKey) int {
	idx := m.openers[k]
	if len(idx) > openerPool {
		idx = idx[len(idx)-openerPool:]
	}
	if len(idx) < 3 {
		return -1
	}
	toks := make([][]string, len(idx))
	for i, n := range idx {
		toks[i] = metricTokens(m.positives[n].Reply)
	}
	best, bestAgree := -1, typicalAgree
	for i := range idx {
		var agree float64
		for j := range idx {
			if i != j {
				agree += tokenF1(toks[i], toks[j])
			}
		}
		agree /= float64(len(idx) - 1)
		if agree > bestAgree {
			best, bestAgree = idx[i], agree
		}
	}
	return best
}

// withoutThreats drops from the customer's text the sentences that only
// threaten to leave or to go to a lawyer, when the rest still says what
// the problem is: "Third late delivery this month. I'm about to cancel my
// membership" is about the late deliveries, not about how to cancel. A
// text that is only the request ("How do I cancel my membership?") stays.
func withoutThreats(text string) string {
	cues := append(append(append(append([]string{}, churnZH...), churnEN...), legalZH...), legalEN...)
	var kept []string
	dropped := false
	for _, line := range strings.Split(text, "\n") {
		for _, s := range splitSentences(line) {
			if len(newCueText(s).hitsOf(cues)) > 0 && !strings.ContainsAny(s, "?？") {
				dropped = true
				continue
			}
			kept = append(kept, s)
		}
	}
	rest := joinSentences(kept)
	if !dropped || len(Tokens(rest)) < 2 {
		return text
	}
	return rest
}
