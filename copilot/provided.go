package copilot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// A turn that gives what the agent asked for. After "请把新的收货地址发给我"
// the customer's "新地址是 上海市浦东新区张江路 88 号，麻烦了" is the answer to
// that question, not a new problem: the draft confirms it with what was
// given ("收到，新地址 … 我这边马上为您处理") and quotes no article. The same
// for an order number ("订单号是 20318699", "my order number is 5531") and
// a photo ("here is the photo").

// Things an agent asks a customer to send.
const (
	giveAddress = "address"
	giveOrder   = "order"
	givePhoto   = "photo"
)

var (
	// What the agent's message asks for, by item.
	reAsksAddress = regexp.MustCompile(`(?i)地址|\baddress\b`)
	reAsksOrder   = regexp.MustCompile(`(?i)订单号|订单编号|单号|\border\s*(?:no\.?|number|num|#|id)\b`)
	reAsksPhoto   = regexp.MustCompile(`(?i)照片|图片|截图|拍[一个张下]|\b(?:photos?|pictures?|pics?|screenshots?|images?)\b`)
	// What the customer's turn holds.
	reAddressZH = regexp.MustCompile(`[省市区县镇村路街道巷弄号栋幢楼室]`)
	reAddressEN = regexp.MustCompile(`(?i)\d+\s+\w+(?:\s+\w+)?\s+(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|way|boulevard|blvd|close|court|place)\b`)
	reGivenNum  = regexp.MustCompile(`[A-Za-z]{0,4}\d[A-Za-z0-9\-]{2,23}`)
	rePhotoSent = regexp.MustCompile(`(?i)照片|图片|截图|拍了|\b(?:photos?|pictures?|pics?|screenshots?|images?|attached)\b`)
	// The lead-in before an address ("新地址是", "my new address is") and the
	// courtesy after it ("麻烦了", "thanks").
	reAddressLead = regexp.MustCompile(`(?i)^(?:我的|我)?(?:新的?|收货)?(?:收货)?地址(?:改成|改为|是|为)?[:：]?\s*|^(?:my |the )?(?:new )?(?:delivery |shipping )?address (?:is|should be)[:\s]*|^(?:my |the )?(?:new )?address:\s*`)
	reCourtesy    = regexp.MustCompile(`(?i)^(?:麻烦了|麻烦您了|麻烦你了|谢谢|谢谢了|多谢|辛苦了|thanks|thank you|cheers|please)$`)
)

// lastAgentText is what the agent last wrote before the customer's open
// turns ("" when no agent has written).
func lastAgentText(c Conversation) string {
	last := ""
	for _, m := range c.Messages {
		if m.Role == RoleAgent {
			last = m.Text
		}
	}
	return limitText(last)
}

// givenItem reports which item the agent asked for the open text gives,
// and its value (the address, the order number; "" for a photo). The turn
// must be short, ask nothing and raise nothing new ("but", "还是没").
func givenItem(agent, open string) (item, value string) {
	t := strings.TrimSpace(open)
	if agent == "" || t == "" || utf8.RuneCountInString(t) > 80 || strings.ContainsAny(t, "?？") {
		return "", ""
	}
	l := strings.ToLower(t)
	for _, n := range []string{"但", "还是没", "不对", "but ", "still", "wrong"} {
		if strings.Contains(l, n) {
			return "", ""
		}
	}
	switch {
	case reAsksAddress.MatchString(agent) && (len(reAddressZH.FindAllString(t, -1)) >= 2 || reAddressEN.MatchString(t)):
		return giveAddress, addressOf(t)
	case reAsksOrder.MatchString(agent) && reGivenNum.MatchString(t):
		return giveOrder, reGivenNum.FindString(t)
	case reAsksPhoto.MatchString(agent) && rePhotoSent.MatchString(t):
		return givePhoto, ""
	}
	return "", ""
}

// addressOf is the address in a turn: its clause with most address marks,
// without the lead-in and the courtesy around it.
func addressOf(t string) string {
	clauses := regexp.MustCompile(`[，,。；;！!\n]+`).Split(t, -1)
	best, most := "", 0
	for _, c := range clauses {
		c = strings.TrimSpace(c)
		if c == "" || reCourtesy.MatchString(c) {
			continue
		}
		n := len(reAddressZH.FindAllString(c, -1))
		if reAddressEN.MatchString(c) {
			n += 3
		}
		if n > most {
			best, most = c, n
		}
	}
	return strings.TrimSpace(reAddressLead.ReplaceAllString(best, ""))
}

// givenReply is the short confirmation of what the customer sent, in
// lang; "" when the turn gives nothing the agent asked for.
func givenReply(agent, open, lang string) string {
	item, value := givenItem(agent, open)
	value = cutAtWord(value, 60)
	zh := lang == LangZH
	switch {
	case item == giveAddress && zh:
		what := "地址"
		if strings.Contains(open, "新") || strings.Contains(agent, "新") {
			what = "新地址"
		}
		return "收到，" + what + " " + value + " 我这边马上为您处理，有结果第一时间告诉您。"
	case item == giveAddress:
		return "Thanks — I've got the new address (" + value + ") and I'm updating it now."
	case item == giveOrder && zh:
		return "收到，订单 " + value + " 我这边马上为您查询，有结果第一时间告诉您。"
	case item == giveOrder:
		return "Thanks — I've got order " + value + " and I'm checking it now."
	case item == givePhoto && zh:
		return "收到照片了，我这边马上为您核实处理，有结果第一时间告诉您。"
	case item == givePhoto:
		return "Thanks — I've got the photo and I'm checking it now."
	}
	return ""
}

// joinTexts is the messages' texts, one a line.
func joinTexts(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(limitText(m.Text))
		b.WriteByte('\n')
	}
	return b.String()
}

// reCourtesyIn is the courtesy a turn may carry ("麻烦了", "辛苦了"): the
// lexicon reads 麻烦 as a complaint.
var reCourtesyIn = regexp.MustCompile(`麻烦(?:您|你)?了|辛苦(?:您|你)?了`)

// upsetBeyondCourtesy: an open turn is negative once its courtesy is set
// aside.
func (e *Engine) upsetBeyondCourtesy(open []Message) bool {
	for _, m := range open {
		if e.Analyze(reCourtesyIn.ReplaceAllString(m.Text, "")).Label == Negative {
			return true
		}
	}
	return false
}

// reHopeSorted is a customer's hope that it works out this time, which
// closes a turn like an agreement: "希望这次能处理好。", "I hope it gets
// sorted this time."
var reHopeSorted = regexp.MustCompile(`(?i)^\s*(?:那|好吧?，?)?希望(?:这次|这回|这一次)?(?:你们)?(?:能|可以)?(?:尽快|早点|顺利)?(?:处理好|解决好?|搞定|弄好|顺利)(?:吧|了)?[。.!！~～]*\s*$|^\s*(?:ok,? |okay,? )?(?:i|we) (?:really )?hope (?:it|this|that) (?:gets|is|will be|can be|will get) (?:sorted|fixed|resolved|solved|sorted out)(?: (?:this time|now|soon))?[.!]*\s*$`)
