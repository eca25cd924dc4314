package copilot

import (
	"regexp"
	"slices"
	"strings"
)

// A follow-up turn ("已经显示已发货了，改不了啊", "Can you check?") is
// drafted in the light of what the conversation is about: the main ask's
// words join the query as background (the latest turn leads), the article
// the previous agent or bot reply came from gets a prior, and passages
// whose case the conversation has left give way (followUpState).

// onTopicPrior multiplies the score of the entry the conversation's
// previous reply was drawn from.
const onTopicPrior = 1.3

// followUpQuery is a follow-up's query: the focus without what the
// customer checked, the main ask's words as background, a faulty product
// of it kept in the focus and in topic (what an article must answer).
func followUpQuery(turns, open []Message, focus, bg, q []string, zh bool) (f, b, topic []string) {
	f, b, topic = slices.Clip(withoutDone(focus, open)), slices.Clip(bg), q
	for _, t := range contextTokens(turns, open, append(slices.Clip(f), b...), zh) {
		if defectWords[t] {
			f = append(f, t) // a faulty product stays the topic
			topic = append(slices.Clip(topic), t)
		} else {
			b = append(b, t)
		}
	}
	return f, b, topic
}

// contextTokens are the words of the conversation's main ask when it was
// made before the open turns: the topic a follow-up continues. Words the
// focus has are left out; nil when the open turns hold the main ask.
func contextTokens(turns, open []Message, focus []string, zh bool) []string {
	if len(open) == 0 || len(turns) <= len(open) {
		return nil
	}
	before := turns[:len(turns)-len(open)]
	cleaned := askTurns(before)
	i := mainAskTurn(cleaned, zh)
	if i < 0 {
		return nil
	}
	var out []string
	for _, t := range Tokens(topicText(withoutThreats(cleaned[i].Text))) {
		if !slices.Contains(focus, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// withoutDone drops the words of what the customer reports having done
// in the open turns from a follow-up's query ("我查了银行卡还是没有，能帮我
// 催一下吗？"): the check is the scene, the chase is the ask, and the
// conversation's main ask says what it is about. Two words at least stay.
func withoutDone(focus []string, open []Message) []string {
	done := doneWordsBy(open, reportsCheck)
	if len(done) == 0 {
		return focus
	}
	var kept []string
	for _, t := range focus {
		if !done[t] {
			kept = append(kept, t)
		}
	}
	if len(kept) < 2 {
		return focus
	}
	return kept
}

// reCheckCue: a clause where the customer says they checked or asked
// ("我查了银行卡", "I checked my bank"); not "已经显示已发货了", a state.
var reCheckCue = regexp.MustCompile(`(?i)\b(?:checked|asked|looked|called|contacted|searched|tried)\b|[问查看找试打](?:过|了)|联系(?:过|了)`)

func reportsCheck(clause string) bool { return reCheckCue.MatchString(clause) }

// agentLines are the lines of the agents' messages: a passage an agent
// already sent (within a longer reply) is not drafted again.
func agentLines(c Conversation) []string {
	var out []string
	for _, m := range c.Messages {
		if m.Role != RoleAgent {
			continue
		}
		for _, l := range strings.Split(limitText(m.Text), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// lastReply is the newest agent or bot message before the open turns.
func lastReply(c Conversation) string {
	var last string
	for _, m := range c.Messages {
		if (m.Role == RoleAgent || m.Role == RoleBot) && !m.Notice {
			last = m.Text
		}
	}
	return limitText(last)
}

// onTopicEntry is the entry the previous reply was drawn from: the KB
// entry with a passage the reply nearly repeats (token F1 >= 0.3 to its
// best-matching passage among the top hits for the reply's words).
func (e *Engine) onTopicEntry(reply, lang string) string {
	if strings.TrimSpace(reply) == "" {
		return ""
	}
	best, id := 0.3, ""
	for _, h := range e.kb.searchQuery("", Tokens(reply), lang, 2) {
		for _, ph := range h.Passages {
			if ph.N < len(h.Entry.Passages) {
				if s := Similarity(reply, h.Entry.Passages[ph.N].Text); s >= best {
					best, id = s, h.Entry.ID
				}
			}
		}
	}
	return id
}

// The conversation's state, as the customer states it: the item was sent
// back, or the parcel has not arrived yet.
var (
	reReturned = regexp.MustCompile(`(?i)\bi (?:have |'ve )?(?:already )?(?:returned|sent (?:it|them|the \w+) back|shipped (?:it|them) back)\b|我?(?:上周|已经|已)?退货的|已退货|已经退货|退回去了|寄回去了|寄回了`)
	reNotYet   = regexp.MustCompile(`(?i)\b(?:not (?:arrived|here) yet|hasn't arrived|has not arrived|still hasn't come|late delivery|is late|running late)\b|还没到|还没影|没影|还没送到|还没收到货|迟迟不到|说好.{0,6}到`)
	// A passage or article for a parcel shown delivered but not received.
	reDeliveredCase = regexp.MustCompile(`(?i)(?:says|shows as|shows|marked) (?:as )?delivered but|显示已签收但|已签收但您?(?:未|没有?)收到`)
	// Words without which a conversation is not about a delivery.
	reDeliveryTalk = regexp.MustCompile(`(?i)deliver|arriv|receiv|parcel|package|courier|tracking|shipp|签收|收到|包裹|快递|物流|到货|送到|派送`)
	reHowToReturn  = regexp.MustCompile(`(?i)\bhow(?: to)?:? .{0,40}\breturn\b|\byou can return\b|退货流程|申请退货|可以退货|无理由退货`)
)

// stateDemote is what a passage of that case is multiplied by.
const stateDemote = 0.4

// followUpState adjusts KB hits to the conversation's state: when the
// customer says they sent the item back, how-to-return passages and the
// delivered-but-not-received case (that delivery was theirs to us) give
// way; when the parcel has not arrived yet, or the conversation never
// speaks of a delivery (a melted charger's refund), so does the delivered
// case.
// An entry whose best passage gives way loses the same share.
func followUpState(hits []KBHit, customer string) {
	returned := reReturned.MatchString(customer)
	notYet := reNotYet.MatchString(customer) && !reDeliveredCase.MatchString(customer)
	delivery := reDeliveryTalk.MatchString(customer)
	if !returned && !notYet && delivery {
		return
	}
	left := func(t string) bool {
		return reDeliveredCase.MatchString(t) || returned && reHowToReturn.MatchString(t)
	}
	for i := range hits {
		h := &hits[i]
		ps := h.Entry.Passages
		lead := len(ps) > 0 && left(ps[0].Text)
		best := len(h.Passages) > 0 && h.Passages[0].N < len(ps) && left(ps[h.Passages[0].N].Text)
		for k := range h.Passages {
			if n := h.Passages[k].N; n < len(ps) && left(ps[n].Text) {
				h.Passages[k].Score *= stateDemote
			}
		}
		slices.SortStableFunc(h.Passages, func(a, b PassageHit) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		if lead || best {
			h.Score *= stateDemote
			h.Confidence *= stateDemote
		}
	}
}
