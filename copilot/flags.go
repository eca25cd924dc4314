package copilot

import (
	"strings"
)

// Risk-flag cue lists. Chinese cues match as substrings; English cues match
// whole words or phrases (so "sue" does not fire inside "issue").
var (
	legalZH = []string{"律师", "起诉", "告你们", "法院", "诉讼", "仲裁", "12315", "12345", "消协", "消费者协会", "工商局", "市场监管",
		"监管部门", "银保监", "报警", "媒体曝光", "曝光你们", "投诉到", "去投诉", "我要投诉", "黑猫投诉", "法律", "维权", "索赔"}
	legalEN = []string{"lawyer", "lawyers", "attorney", "attorneys", "sue", "suing", "sued", "lawsuit", "legal action",
		"court", "small claims", "regulator", "regulators", "ombudsman", "bbb", "better business bureau", "ftc", "cfpb",
		"trading standards", "consumer protection", "report you", "reporting you", "file a complaint", "chargeback",
		"class action", "solicitor", "legal"}

	humanZH = []string{"转人工", "人工客服", "人工服务", "找人工", "要人工", "真人", "活人", "客服经理", "你们主管", "你们领导", "找领导",
		"找主管", "接人工", "人工！", "人工!", "人工呢", "不要机器人", "别用机器人", "机器人听不懂"}
	humanEN = []string{"human", "real person", "a person", "live agent", "an agent", "agent please", "representative",
		"speak to someone", "talk to someone", "speak to a", "talk to a", "supervisor", "manager", "operator",
		"not a bot", "stop the bot", "actual person", "live person", "customer service rep"}

	churnZH = []string{"销户", "注销", "不再用", "再也不买", "再也不会买", "再也不来", "不会再买", "卸载", "换一家", "换别家", "去别家",
		"取消会员", "退会员", "退订", "最后一次", "拉黑", "不买了", "不用了", "别家"}
	churnEN = []string{"cancel my account", "close my account", "cancel my subscription", "cancel subscription",
		"unsubscribe", "switch to", "switching to", "going elsewhere", "take my business", "never again",
		"never use", "never fly", "never buy", "last time", "leaving", "terminate my", "delete my account",
		"done with you", "find another", "competitor", "lost a customer", "lost my business"}

	urgentZH = []string{"紧急", "急用", "着急", "很急", "急死", "马上", "立刻", "立即", "尽快", "赶紧", "快点", "今天必须", "今天之内",
		"救命", "来不及", "等着用", "十万火急", "加急"}
	urgentEN = []string{"urgent", "urgently", "asap", "immediately", "emergency", "right now", "right away",
		"as soon as possible", "today", "tonight", "time sensitive", "time-sensitive", "hurry", "deadline"}
)

// messageFlags raises the risk flags for one customer message.
func messageFlags(text string, ms messageSentiment) Flags {
	var f Flags
	lower := strings.ToLower(text)
	words := " " + strings.Join(strings.FieldsFunc(lower, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r == '-')
	}), " ") + " "
	hit := func(zh, en []string) string {
		for _, w := range zh {
			if strings.Contains(lower, w) {
				return w
			}
		}
		for _, w := range en {
			if strings.Contains(words, " "+w+" ") {
				return w
			}
		}
		return ""
	}
	if w := hit(legalZH, legalEN); w != "" {
		f.LegalThreat = true
		f.Evidence = append(f.Evidence, w)
	}
	if w := hit(humanZH, humanEN); w != "" {
		f.AsksForHuman = true
		f.Evidence = append(f.Evidence, w)
	}
	if w := hit(churnZH, churnEN); w != "" {
		f.ChurnRisk = true
		f.Evidence = append(f.Evidence, w)
	}
	if w := hit(urgentZH, urgentEN); w != "" && !strings.Contains(lower, "不急") && !strings.Contains(words, " no rush ") {
		f.Urgent = true
		f.Evidence = append(f.Evidence, w)
	}
	// Anger is displeasure plus heat: an anger word, shouting or a pile of
	// exclamation marks, on a clearly negative message.
	heat := ms.anger > 0 || ms.shout || strings.Count(text, "!")+strings.Count(text, "！") >= 3
	if heat && ms.score < -0.3 || ms.anger >= 2 && ms.score < 0 {
		f.Angry = true
		if len(ms.cues) > 0 {
			f.Evidence = append(f.Evidence, ms.cues[0])
		}
	}
	return f
}

// SentimentFlags is the offline sentiment plus risk flags for one message:
// the per-message unit the server can call on each customer message.
func SentimentFlags(text string) (Label, float64, Flags) {
	ms := analyzeSentiment(text)
	return ms.label, ms.score, messageFlags(text, ms)
}
