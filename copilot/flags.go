package copilot

import (
	"strings"
	"unicode"
)

// Flag names, as the server stores them on a conversation and the desk
// shows them. One word per idea: the server and the queue use these.
const (
	FlagAngry        = "angry"
	FlagChurnRisk    = "churn_risk"
	FlagLegalThreat  = "legal_threat"
	FlagUrgent       = "urgent"
	FlagAsksForHuman = "asks_for_human"
)

// Risk-flag cue lists. Chinese cues match as substrings; English cues match
// whole words or phrases (so "sue" does not fire inside "issue"). Matching
// folds case and full-width forms (ｈｕｍａｎ, ！).
var (
	legalZH = []string{"律师", "起诉", "告你们", "法院", "诉讼", "仲裁", "打12345", "拨打12345", "12345投诉", "12345热线", "消协", "消费者协会", "工商局", "工商部门", "市场监管",
		"监管部门", "银保监", "报警", "媒体曝光", "曝光你们", "投诉到", "去投诉", "我要投诉", "黑猫投诉", "法律", "维权", "索赔"}
	// Hotline numbers are whole words: "12315" is a threat, "order 123150" is not.
	legalEN = []string{"12315", "lawyer", "lawyers", "attorney", "attorneys", "sue", "suing", "sued", "lawsuit", "legal action",
		"court", "small claims", "regulator", "regulators", "ombudsman", "bbb", "better business bureau", "ftc", "cfpb",
		"trading standards", "consumer protection", "report you", "reporting you", "file a complaint", "filing a complaint",
		"chargeback", "charge back", "dispute the charge", "class action", "solicitor", "legal"}
	// notLegal are phrases containing a legal cue that are no threat.
	notLegal = []string{"工商银行", "工商管理", "food court", "basketball court", "tennis court"}

	humanZH = []string{"转人工", "人工客服", "人工服务", "找人工", "要人工", "人工", "真人", "活人", "接线员", "客服经理", "你们主管", "你们领导", "找领导",
		"找主管", "不要机器人", "别用机器人", "机器人听不懂"}
	humanEN = []string{"human", "real person", "a person", "live agent", "agent", "representative", "speak to someone",
		"talk to someone", "someone real", "supervisor", "manager", "operator", "not a bot", "stop the bot", "actual person",
		"live person", "customer service rep"}
	// notHuman are phrases containing a human cue that ask for no one:
	// 人工智能 is "artificial intelligence", 不用转人工 declines a person.
	notHuman = []string{"人工智能", "人工费", "人工成本", "不需要人工", "不用人工", "不要人工", "不用转人工", "不需要转人工", "别转人工",
		"human resources", "human error", "don't need a human", "do not need a human", "no need for a human",
		"don't need an agent", "do not need an agent", "no need for an agent", "don't need a person",
		"travel agent", "delivery agent", "shipping agent", "customs agent", "user agent", "agent fee", "estate agent",
		"a person who", "per person", "in person", "manager's special"}

	churnZH = []string{"销户", "注销", "不再用", "再也不买", "再也不会买", "再也不来", "再也不在", "再也不用", "不会再买", "卸载", "换一家", "换别家", "去别家",
		"取消会员", "退会员", "退出会员", "退订", "最后一次", "拉黑", "不买了", "不用你们", "不在你们家买", "别家买", "不续了"}
	churnEN = []string{"cancel my account", "close my account", "cancel my subscription", "cancel subscription",
		"cancel my membership", "cancel the membership", "cancel membership", "end my membership", "cancel my plan",
		"unsubscribe", "switching to", "going elsewhere", "shop elsewhere", "take my business", "never again",
		"never use", "never fly", "never buy", "never order", "terminate my", "delete my account",
		"done with you", "find another", "competitor", "lost a customer", "lost my business", "won't be back", "not coming back"}

	urgentZH = []string{"紧急", "急用", "着急", "很急", "急死", "马上", "立刻", "立即", "尽快", "赶紧", "快点", "今天必须", "今天之内",
		"救命", "来不及", "等着用", "十万火急", "加急"}
	urgentEN = []string{"urgent", "urgently", "asap", "immediately", "emergency", "right now", "right away",
		"as soon as possible", "by today", "by tonight", "handled today", "today please", "time sensitive", "time-sensitive", "hurry", "deadline"}
	// Safety: a product that burns, smokes or shocks is urgent whatever
	// the words of the complaint, and never a neutral message.
	safetyZH = []string{"起火", "着火", "冒烟", "爆炸", "漏电", "触电", "烧焦", "烫伤", "自燃", "烧起来", "炸了"}
	safetyEN = []string{"caught fire", "catch fire", "started a fire", "start a fire", "on fire", "melted", "smoke", "smoking",
		"burned", "burnt", "exploded", "explode", "electric shock", "shocked me", "sparks", "overheated", "overheating", "fire hazard"}
)

// cueText is a message prepared for cue matching: lower-cased and folded
// (lower), and its Latin words joined by single spaces between sentinels
// (words), for whole-word matching.
type cueText struct {
	lower, words string
}

func newCueText(text string) cueText {
	lower := FoldText(text)
	words := " " + strings.Join(strings.FieldsFunc(lower, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r == '-')
	}), " ") + " "
	return cueText{lower: lower, words: words}
}

// without blanks out phrases (false friends) before cues are matched.
func (t cueText) without(phrases []string) cueText {
	for _, p := range phrases {
		if isASCII(p) {
			t.words = strings.ReplaceAll(t.words, " "+p+" ", " _ ")
		} else {
			t.lower = strings.ReplaceAll(t.lower, p, "　")
		}
	}
	return t
}

// hits returns up to three cues found, in list order.
func (t cueText) hits(zh, en []string) []string {
	var out []string
	for _, w := range zh {
		if len(out) < 3 && strings.Contains(t.lower, w) {
			out = append(out, w)
		}
	}
	for _, w := range en {
		if len(out) < 3 && strings.Contains(t.words, " "+w+" ") {
			out = append(out, w)
		}
	}
	return out
}

// FoldText lower-cases text and folds full-width ASCII (ｈｕｍａｎ, ！) and
// typographic apostrophes to their plain forms, so cues match however an
// input method typed them.
func FoldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r == '’' || r == '‘':
			r = '\''
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// messageFlags raises the risk flags for one customer message whose
// sentiment score is score (the lexicon's, or a trained model's); ms gives
// the lexicon's heat cues (anger words, shouting). Cues holds the words
// behind each flag.
func messageFlags(text string, ms messageSentiment, score float64) (Flags, map[string][]string) {
	var f Flags
	cues := map[string][]string{}
	t := newCueText(text)
	raise := func(flag string, on *bool, ws []string) {
		if len(ws) == 0 {
			return
		}
		*on = true
		cues[flag] = append(cues[flag], ws...)
		for _, w := range ws {
			if len(f.Evidence) < 6 && !contains(f.Evidence, w) {
				f.Evidence = append(f.Evidence, w)
			}
		}
	}
	raise(FlagLegalThreat, &f.LegalThreat, t.without(notLegal).hits(legalZH, legalEN))
	raise(FlagAsksForHuman, &f.AsksForHuman, t.without(notHuman).hits(humanZH, humanEN))
	raise(FlagChurnRisk, &f.ChurnRisk, t.withoutNegated(churnZH, churnEN).hits(churnZH, churnEN))
	if !strings.Contains(t.lower, "不急") && !strings.Contains(t.words, " no rush ") {
		raise(FlagUrgent, &f.Urgent, t.hits(urgentZH, urgentEN))
	}
	raise(FlagUrgent, &f.Urgent, t.hits(safetyZH, safetyEN))
	// Anger is displeasure plus heat: an anger word, shouting or a pile of
	// exclamation marks, on a clearly negative message.
	heat := ms.anger > 0 || ms.shout || strings.Count(text, "!")+strings.Count(text, "！") >= 3
	if heat && score < -0.3 || ms.anger >= 2 && score < 0 {
		f.Angry = true
		var ws []string
		if len(ms.cues) > 0 {
			ws = ms.cues[:1]
		}
		cues[FlagAngry] = ws
		for _, w := range ws {
			if len(f.Evidence) < 6 && !contains(f.Evidence, w) {
				f.Evidence = append(f.Evidence, w)
			}
		}
	}
	return f, cues
}

// Names lists the raised flags by name, most severe first.
func (f Flags) Names() []string {
	var out []string
	add := func(on bool, name string) {
		if on {
			out = append(out, name)
		}
	}
	add(f.LegalThreat, FlagLegalThreat)
	add(f.Angry, FlagAngry)
	add(f.Urgent, FlagUrgent)
	add(f.ChurnRisk, FlagChurnRisk)
	add(f.AsksForHuman, FlagAsksForHuman)
	return out
}

// merge adds g's flags and evidence to f.
func (f *Flags) merge(g Flags) {
	f.Angry = f.Angry || g.Angry
	f.ChurnRisk = f.ChurnRisk || g.ChurnRisk
	f.LegalThreat = f.LegalThreat || g.LegalThreat
	f.Urgent = f.Urgent || g.Urgent
	f.AsksForHuman = f.AsksForHuman || g.AsksForHuman
	for _, ev := range g.Evidence {
		if len(f.Evidence) < 6 && !contains(f.Evidence, ev) {
			f.Evidence = append(f.Evidence, ev)
		}
	}
}
