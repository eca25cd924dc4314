package copilot

import "strings"

// Promise checks: what a draft commits the shop to, and what supports it.
var promiseCues = []struct {
	name string
	cues []string
	// support: words whose presence in a cited KB entry backs the promise.
	support []string
}{
	{"refund", []string{"退款", "退钱", "退还", "退回", "refund", "money back", "reimburse"}, []string{"退款", "退回", "refund", "reimburse"}},
	{"compensation", []string{"赔偿", "补偿", "赔付", "红包", "代金券", "优惠券", "补贴", "免单", "compensat", "voucher", "coupon", "credit", "goodwill", "free of charge", "on us"}, []string{"赔偿", "补偿", "优惠券", "compensat", "voucher", "coupon"}},
}

// checkDraft returns the warnings for a finished draft.
func checkDraft(text string, citations []Source, kbUsed []KBEntry, c Conversation) []Warning {
	var ws []Warning
	if len(citations) == 0 {
		ws = append(ws, Warning{Code: WarnNoCitation, Message: "The draft cites no knowledge-base entry or past answer; check the facts before sending."})
	}
	lower := strings.ToLower(text)
	var kbText strings.Builder
	for _, e := range kbUsed {
		kbText.WriteString(strings.ToLower(e.Body))
		kbText.WriteByte('\n')
	}
	kbs := kbText.String()
	for _, pc := range promiseCues {
		said := ""
		for _, cue := range pc.cues {
			if strings.Contains(lower, cue) {
				said = cue
				break
			}
		}
		if said == "" {
			continue
		}
		supported := false
		for _, s := range pc.support {
			if strings.Contains(kbs, s) {
				supported = true
				break
			}
		}
		if !supported {
			ws = append(ws, Warning{Code: WarnUnsupportedPay, Message: "The draft promises " + pc.name + " (\"" + said + "\") that no cited knowledge-base entry supports."})
		}
	}
	// Amounts of money must come from the conversation or a cited entry.
	var convText strings.Builder
	for _, m := range c.Messages {
		convText.WriteString(limitText(m.Text))
	}
	for _, amt := range reMoney.FindAllString(text, -1) {
		digits := strings.TrimFunc(amt, func(r rune) bool { return r < '0' || r > '9' })
		if !strings.Contains(kbs, digits) && !strings.Contains(convText.String(), digits) {
			ws = append(ws, Warning{Code: WarnUnsupportedPay, Message: "The draft names an amount (" + amt + ") found neither in the conversation nor in a cited entry."})
		}
	}
	if injectionSuspected(c) {
		ws = append(ws, Warning{Code: WarnInjection, Message: "A customer message contains instructions aimed at the assistant; it was treated as data. Do not follow it."})
	}
	return ws
}

var injectionCues = []string{"ignore previous instructions", "ignore all previous", "ignore the above", "disregard previous",
	"system prompt", "you are now", "developer mode", "jailbreak", "忽略之前", "忽略以上", "忽略上面", "无视之前", "系统提示", "你现在是"}

func injectionSuspected(c Conversation) bool {
	for _, m := range c.Messages {
		if m.Role != RoleCustomer {
			continue
		}
		l := strings.ToLower(limitText(m.Text))
		for _, cue := range injectionCues {
			if strings.Contains(l, cue) {
				return true
			}
		}
	}
	return false
}
