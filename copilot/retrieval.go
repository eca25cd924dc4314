package copilot

import (
	"strings"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Retrieval refinements over plain BM25 on the body (used by the KB):
//
//   - a lead field: the first sentence of an entry usually restates what it
//     is about ("You can check the balance on … with NetBanking");
//   - a phrase field of adjacent content-word pairs ("fixed deposit",
//     "business loan"), so entries that keep the query's phrases together
//     beat ones that merely mention the same words apart;
//   - query expansion with a small thesaurus of customer-service and banking
//     paraphrases (top up ↔ load, close ↔ cancel, fee ↔ charge) at a reduced
//     weight, and answer-type cues ("how long" → days, months, years; "how
//     much" → amount, rs, fee), since answers say the thing asked for, not
//     the question's words.
//
// The weights were chosen on one half of the bank FAQ dev file and checked
// on the other; each is worth only about a point of hit@3 there.
const (
	leadWeight   = 0.5
	pairWeight   = 0.5
	expandWeight = 0.35
)

// pairTokens are the adjacent pairs of a token list, as single tokens.
func pairTokens(toks []string) []string {
	if len(toks) < 2 {
		return nil
	}
	out := make([]string, 0, len(toks)-1)
	for i := 0; i+1 < len(toks); i++ {
		out = append(out, toks[i]+"_"+toks[i+1])
	}
	return out
}

// leadText is the first sentence of a body (at most 300 bytes).
func leadText(body string) string {
	ss := splitSentences(textcut.Bytes(body, 600))
	if len(ss) == 0 {
		return ""
	}
	return textcut.Bytes(ss[0], 300)
}

// thesaurus groups stems that customers and knowledge bases use for the same
// thing. Each line is one group; a query stem in a group brings in the others.
var thesaurusGroups = `top load reload recharge add fund
cancel close terminate stop discontinu deactivat
foreclos preclos prepay close repay
fee charg cost price rate commission
tenur period term duration month year
document proof paper kyc id identity
contact call phone phonebank helplin customer care branch write email
lost stolen misplac theft
block hotlist freez lock
pin password ipin passcod
apply application avail open register enrol
eligib criteria qualify age income
withdraw withdrawal cash atm
transfer remit send neft rtgs imps
balanc statement passbook
interest rate return yield
limit maximum minimum cap
refund reversal revers credit back
delay late pending wait
claim settlement reimburs
insur cover policy protection
loan credit borrow finance emi
deposit fd rd saving
card debit credit forex prepaid
account saving current salary
address residence resident
nominee beneficiary
premium payment pay
benefit feature advantage reward point
activat enabl start
update chang modify
time long day hour week
error fail declin reject unsuccessful
melt fire smoke spark burn overheat shock defect broken fault
扣款 扣钱 扣费 扣了 多扣 重复扣款 两次
退款 退钱 退回 到账
会员 会员费 续费 自动续费
地址 收货地址 修改地址
破损 损坏 压坏 压碎 摔坏 碎了 破了 裂了 裂开
damag crush crack shatter smash dent broken
换货 换一个 换个 调换
漏水 漏电 坏了 故障 质量 维修 保修
起火 着火 冒烟 烧焦 漏电 坏了 故障 质量`

// answerCues map question words to what answers to them usually contain.
var answerCues = map[string][]string{
	"how long":      {"day", "month", "year", "hour", "week", "within", "upto"},
	"how much":      {"rs", "amount", "fee", "charg", "limit", "upto", "maximum"},
	"how many":      {"number", "maximum", "upto", "limit"},
	"when":          {"day", "date", "within", "after", "month", "time"},
	"where":         {"branch", "website", "online", "atm", "visit", "location"},
	"whom":          {"call", "phonebank", "branch", "contact", "write"},
	"who":           {"individual", "eligib", "resident", "person", "customer"},
	"documents":     {"proof", "copy", "form", "id"},
	"age":           {"year", "minimum", "maximum"},
	"charges":       {"rs", "fee", "free", "nil"},
	"fees":          {"rs", "charg", "free", "nil"},
	"催一下":           {"查询", "核实", "催件"}, // a chase is answered by who follows it up
	"帮我催":           {"查询", "核实", "催件"},
	"can you check": {"trace", "chase"},
	"多久":            {"工作日", "小时", "天内", "分钟"},
	"多长时间":          {"工作日", "小时", "天内", "分钟"},
	"几天":            {"工作日", "天内"},
	"什么时候":          {"工作日", "小时", "天内"},
	"多少钱":           {"元", "费用", "免费"},
	"怎么":            {"步骤", "点击", "进入", "设置"},
	"如何":            {"步骤", "点击", "进入", "设置"},
}

var thesaurus = func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(thesaurusGroups, "\n") {
		ws := strings.Fields(line)
		for i, w := range ws {
			for j, o := range ws {
				if i != j {
					m[w] = append(m[w], o)
				}
			}
		}
	}
	return m
}()

// expandQuery returns extra tokens for q (stems not already in q): thesaurus
// neighbours of q's stems and answer-type cues of the raw query text.
func expandQuery(raw string, q []string) []string {
	have := make(map[string]bool, len(q))
	for _, t := range q {
		have[t] = true
	}
	var out []string
	add := func(t string) {
		if !have[t] {
			have[t] = true
			out = append(out, t)
		}
	}
	for _, t := range q {
		for _, o := range thesaurus[t] {
			add(o)
		}
	}
	for _, t := range answerCueTokens(raw) {
		add(t)
	}
	return out
}

// answerCueTokens are the answer-type cues of a query text ("多久" →
// 工作日, 小时; "how much" → fee, amount): what its answer will say.
func answerCueTokens(raw string) []string {
	if raw == "" {
		return nil
	}
	var out []string
	low := strings.ToLower(raw)
	for cue, ts := range answerCues {
		if strings.Contains(low, cue) {
			out = append(out, ts...)
		}
	}
	return out
}

// derivStem enables the derivational endings in stem.
const derivStem = true

// Answer form. A polar question ("Can I …", "Is there …", "可以…吗") is
// answered with yes or no ("Yes, you can …", "不可以，…"); a wh-question
// ("How do I …", "What is …") almost never is. An entry whose first words are
// a bare yes/no therefore fits the first kind of question better and the
// second worse, whatever words they share.
const (
	polarBoost   = 0.25 // polar question, yes/no answer: × (1 + boost)
	polarPenalty = 0.6  // wh-question, yes/no answer: × (1 − penalty)
)

var polarOpeners = toBoolSet(`can|could|is|are|am|was|were|do|does|did|should|will|would|shall|may|has|have|had|must|isnt|arent|doesnt|dont|cant`)

var yesNoOpeners = toBoolSet(`yes|no|yeah|nope|yep|sure|certainly|absolutely|unfortunately`)

// questionForm is +1 for a polar question, −1 for a wh-question and 0 when
// the text is not recognisably either (a statement, or "my card is lost").
func questionForm(text string) int {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0
	}
	if DetectLanguage(t) == "zh" {
		s := strings.TrimRight(t, "？?。！! ")
		switch {
		case strings.HasSuffix(s, "吗") || strings.HasSuffix(s, "么") && !strings.HasSuffix(s, "什么") && !strings.HasSuffix(s, "怎么"):
			return 1
		case strings.ContainsAny(s, "吗") || strings.Contains(s, "是否") || strings.Contains(s, "能不能") || strings.Contains(s, "可不可以") || strings.Contains(s, "有没有"):
			return 1
		case strings.Contains(s, "什么") || strings.Contains(s, "怎么") || strings.Contains(s, "如何") || strings.Contains(s, "多久") || strings.Contains(s, "多少") || strings.Contains(s, "哪"):
			return -1
		}
		return 0
	}
	first := strings.ToLower(firstWord(t))
	switch {
	case polarOpeners[first]:
		return 1
	case first == "what" || first == "how" || first == "why" || first == "when" || first == "where" || first == "which" || first == "who" || first == "whom" || first == "whose":
		return -1
	}
	return 0
}

// answersYesNo reports whether a body opens with a bare yes or no.
func answersYesNo(body string) bool {
	t := strings.TrimSpace(body)
	for strings.HasPrefix(t, "#") { // a Markdown heading is not the answer
		_, rest, ok := strings.Cut(t, "\n")
		if !ok {
			return false
		}
		t = strings.TrimSpace(rest)
	}
	if DetectLanguage(textcut.Bytes(t, 120)) == "zh" {
		for _, p := range []string{"是的", "不是", "可以", "不可以", "能", "不能", "会", "不会", "有", "没有", "不用", "需要", "不需要", "无需", "否", "对"} {
			if strings.HasPrefix(t, p) {
				r := strings.TrimPrefix(t, p)
				return r == "" || strings.HasPrefix(r, "，") || strings.HasPrefix(r, "。") || strings.HasPrefix(r, ",") || strings.HasPrefix(r, "！")
			}
		}
		return false
	}
	return yesNoOpeners[strings.ToLower(firstWord(t))] && strings.ToLower(firstWord(t)) != "unfortunately" || strings.HasPrefix(strings.ToLower(t), "unfortunately, no")
}

func firstWord(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '\'' || r == '’')
	})
	if i < 0 {
		return strings.ReplaceAll(strings.ReplaceAll(s, "'", ""), "’", "")
	}
	return strings.ReplaceAll(strings.ReplaceAll(s[:i], "'", ""), "’", "")
}
