package copilot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Wording a draft plan: a template in the customer's language around the
// chosen passages (or an agent's reused reply), at most maxSentences long,
// never pointing the customer to a regulator or a lawyer.

// reHandle matches @mentions, links and a "Dear X:" salutation, which an
// acknowledgement does not quote back.
var reHandle = regexp.MustCompile(`(?i)@\w+|https?://\S+|^\s*(?:dear|hi|hello|hey)\b[^,:]{0,30}[,:]`)

// maxSentences bounds a draft: a reply to one question, not an article.
const maxSentences = 5

// reExemplarGreeting matches the opening salutation of a reply an agent
// wrote for another customer: "您好，朱琳！", "亲，", "Hi Sarah,", "Dear Mr
// Smith,". A greeting followed by a real sentence keeps the sentence.
var reExemplarGreeting = regexp.MustCompile(`(?i)^\s*(?:@\w+\s*)*(?:(?:您好|你好|亲爱的|亲)(?:[，,]?\s*[^，,。！!？?\s]{1,8})?\s*[，,！!。]\s*|(?:您好|你好)\s*|(?:hi|hello|hey|dear)\b[^,.!?\n]{0,30}[,.!]\s*)`)

var reGreeting = regexp.MustCompile(`(?i)^\s*(?:@\w+\s*)*(?:(?:hi|hello|hey|dear)\b[^,.!\n]{0,30}[,.!]?\s*|您好[，,！!。]?\s*|你好[，,！!。]?\s*|亲[，,！!]?\s*)`)

var (
	reLeadHandles = regexp.MustCompile(`^\s*(?:@\w+[\s,:]*)+`)
	reSignature   = regexp.MustCompile(`\s*\^\s?[A-Za-z]{1,3}\s*$|\s[-–—]\s?[A-Z][a-z]{1,15}\s*$|([.!?])\s+[A-Z]{1,2}\s*$`)
)

// adaptExemplar makes another conversation's reply fit this one. A
// greeting is cut wherever it stands in the opening sentences (an agent's
// edit often puts "很抱歉让您久等了！" before "您好，孙悦！") and the caller
// greets the current customer instead; the name of the customer the reply
// was written for (oldName, when known) is replaced by the current one
// everywhere else; order numbers it quoted become this conversation's
// order, or a placeholder the agent must fill. So one customer's name or
// order never reaches another.
func adaptExemplar(reply, order, oldName, newName string) (string, bool) {
	greeted := false
	// The @handle it was addressed to and the sending agent's signature
	// ("^CB", "- Jordan") belong to that conversation.
	reply = reSignature.ReplaceAllString(reLeadHandles.ReplaceAllString(reply, ""), "$1")
	sents := splitSentences(reply)
	var kept []string
	for i, s := range sents {
		if i < 3 {
			if loc := reExemplarGreeting.FindStringIndex(s); loc != nil {
				greeted = true
				if rest := strings.TrimSpace(s[loc[1]:]); rest != "" {
					kept = append(kept, rest)
				}
				continue
			}
			if oldName != "" && isNameGreeting(s, oldName) {
				greeted = true
				continue
			}
		}
		kept = append(kept, s)
	}
	body := joinSentences(kept)
	if old := baseName(oldName); old != "" {
		repl := baseName(newName)
		if repl == "" {
			repl = "您"
			if DetectLanguage(reply) == LangEN {
				repl = "there"
			}
		}
		body = replaceName(body, oldName, old, repl)
	}
	body = reOrder.ReplaceAllStringFunc(body, func(m string) string {
		sub := reOrder.FindStringSubmatchIndex(m)
		if sub == nil || sub[2] < 0 {
			return m
		}
		num := m[sub[2]:sub[3]]
		switch {
		case num == order:
			return m
		case order != "":
			return m[:sub[2]] + order + m[sub[3]:]
		case strings.IndexFunc(m, isHan) >= 0:
			return m[:sub[2]] + "[订单号]" + m[sub[3]:]
		default:
			return m[:sub[2]] + "[order number]" + m[sub[3]:]
		}
	})
	return body, greeted
}

// isNameGreeting: a sentence that is only a greeting of name ("孙悦您好，",
// "孙悦女士您好！", "Emma, hi!").
func isNameGreeting(s, name string) bool {
	base := baseName(name)
	if base == "" || !strings.Contains(s, base) {
		return false
	}
	rest := strings.ReplaceAll(s, base, "")
	rest = strings.TrimFunc(rest, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	for _, g := range []string{"您好", "你好", "女士您好", "先生您好", "hi", "hello", "dear"} {
		if strings.EqualFold(rest, g) {
			return true
		}
	}
	return false
}

// baseName is a name without decoration (emoji, spaces around it) and
// without words that hold digits: "Visitor e8a6" and "user_1042" are
// handles a channel made up, and their digits are not part of a name.
func baseName(name string) string {
	words := strings.Fields(name)
	kept := words[:0]
	for _, w := range words {
		if strings.IndexFunc(w, unicode.IsDigit) < 0 {
			kept = append(kept, w)
		}
	}
	return strings.TrimFunc(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsSpace(r) || r == '\'' || r == '-' || r == '.' {
			return r
		}
		return -1
	}, strings.Join(kept, " ")), unicode.IsSpace)
}

// placeholderNames are what channels call customers they do not know;
// a greeting with one ("Hi Visitor,", "您好，访客！") is worse than none.
var placeholderNames = wordSet("visitor guest customer user anonymous 访客 游客 顾客 用户 客户 匿名")

// greetingName is the name to greet with, or "" when the customer's name is
// only a channel's placeholder.
func greetingName(name string) string {
	n := baseName(name)
	if placeholderNames[strings.ToLower(n)] {
		return ""
	}
	return n
}

// replaceName replaces a customer's full name and, for names of several
// words, the first word alone ("Emma Johnson", "Emma").
func replaceName(text, full, base, repl string) string {
	text = strings.ReplaceAll(text, base, repl)
	if f := strings.Fields(base); len(f) > 1 {
		first := f[0]
		if r := strings.Fields(repl); len(r) > 0 {
			repl = r[0]
		}
		text = regexp.MustCompile(`\b`+regexp.QuoteMeta(first)+`\b`).ReplaceAllString(text, repl)
	}
	_ = full
	return text
}

// adviceCues are what a draft never tells the customer: go to a regulator,
// a court or a lawyer. The KB may say customers have that right (contact-zh
// does), for agents to know; offering it in a reply to an upset customer
// escalates the dispute the agent is there to settle.
var adviceCues = []string{"12315", "12345", "消协", "消费者协会", "市场监管", "工商局", "律师", "法院", "起诉", "仲裁", "诉讼",
	"lawyer", "attorney", "regulator", "ombudsman", "small claims", "court", "ftc", "bbb", "better business bureau", "consumer protection"}

func mentionsAdvice(text string) bool {
	t := newCueText(text)
	return len(t.hitsOf(adviceCues)) > 0
}

// hitsOf matches one mixed list: ASCII cues as whole words, others anywhere.
func (t cueText) hitsOf(cues []string) []string {
	var out []string
	for _, c := range cues {
		if isASCII(c) && strings.Contains(t.words, " "+c+" ") || !isASCII(c) && strings.Contains(t.lower, c) {
			out = append(out, c)
		}
	}
	return out
}

// dropAdvice removes the sentences of text that point to a regulator,
// court or lawyer.
func dropAdvice(text string) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		var kept []string
		for _, s := range splitSentences(line) {
			if !mentionsAdvice(s) {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			lines = append(lines, joinSentences(kept))
		}
	}
	return strings.Join(lines, "\n")
}

// joinSentences puts sentences back together: Chinese without spaces,
// others with one.
func joinSentences(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(ss[i-1])
			next, _ := utf8.DecodeRuneInString(s)
			if !(isHan(prev) || isHan(next) || strings.ContainsRune("。！？；，：", prev)) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// part is one line of a draft with how readily it is dropped to fit.
type part struct {
	text string
	keep int // higher stays longer: 0 sign-offs … 9 the answer
}

// render words the plan. Angry customers hear an apology and a commitment
// before any policy; "shorter" is always shorter than the plain draft.
func (p draftPlan) render(in instruction) string {
	full := p.compose(instruction{formal: in.formal, warmer: in.warmer, lang: in.lang})
	if !in.shorter {
		return full
	}
	short := p.compose(in)
	for utf8.RuneCountInString(short) >= utf8.RuneCountInString(full) {
		cut := cutLastSentence(short)
		if cut == short || cut == "" {
			break
		}
		short = cut
	}
	return short
}

// kind is what the composed draft is: a closing or a holding reply (the
// templated bodies of compose, which state no facts), else an answer.
func (p draftPlan) kind() string {
	switch {
	case p.closing:
		return DraftKindClosing
	case p.body == "" && (p.lookup || p.opener || p.given != ""):
		return DraftKindHolding
	}
	return ""
}

func (p draftPlan) compose(in instruction) string {
	ph := templatePhrases[LangEN]
	if p.lang == LangZH {
		ph = templatePhrases[LangZH]
	}
	body := p.body
	switch {
	case p.given != "" && body == "":
		body = p.given
	case p.closing && thanks(p.openText):
		body = ph.welcome
	case p.closing:
		body = ph.confirm
	case p.lookup && body == "":
		body = ph.lookup
	case p.opener && p.followUp && body == "":
		body = ph.stillHere
	case p.opener && body == "":
		body = ph.howHelp
	case body == "":
		body = p.honest(ph)
	}
	var parts []part
	// add appends a stock sentence unless the body already says it: a
	// reused reply was often drafted from these same templates.
	add := func(s string, keep int) {
		if !strings.Contains(body, s) {
			parts = append(parts, part{s, keep})
		}
	}
	if !p.followUp && (!in.shorter || p.exemplarGreeted) {
		parts = append(parts, part{ph.greet(p.name, in.formal), 8})
	}
	if p.human && !p.followUp && !in.shorter {
		add(ph.human, 2)
	}
	switch {
	case (p.angry || p.legal) && in.shorter:
		add(ph.apology, 7)
	case p.angry || p.legal:
		add(ph.apologyAngry, 7)
	case p.negative && !p.fromExemplar:
		add(ph.apology, 5)
	case in.warmer:
		add(ph.thanks, 4)
	}
	brief := p.closing || p.opener || p.lookup || p.given != "" || p.body == "" // a short turn, or the honest draft that asks
	if p.order != "" && !p.fromExemplar && !brief && !strings.Contains(body, p.order) {
		parts = append(parts, part{ph.orderPrefix + p.order + ph.orderSuffix, 6})
	}
	if p.order == "" && p.amount != "" && p.body != "" && !p.fromExemplar && !strings.Contains(body, p.amount) {
		parts = append(parts, part{strings.Replace(ph.amountLine, "%s", p.amount, 1), 6})
	}
	if p.body != "" && hazard(p.openText) {
		add(ph.safety, 7) // an article answers; the customer hears the safety advice first
	}
	b := body
	if in.shorter {
		b = firstSentences(b, 1)
	}
	parts = append(parts, part{b, 9})
	if p.urgent && !in.shorter && !brief {
		add(ph.urgent, 3)
	}
	// No "anything else?" after a question: the customer has one to answer.
	if !in.shorter && !p.fromExemplar && !brief && !endsInQuestion(b) {
		if in.formal {
			add(ph.closeFormal, 1)
		} else {
			add(ph.closeCasual, 0)
		}
	}
	return fitSentences(onceEach(parts), maxSentences)
}

func thanks(s string) bool {
	l := FoldText(s)
	for _, c := range []string{"谢", "感谢", "thank", "thx", "appreciate"} {
		if strings.Contains(l, c) {
			return true
		}
	}
	return false
}

func endsInQuestion(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？")
}

// honest is the body when nothing in the KB answers: name the customer's
// problem (its gist, not the whole message), say it will be checked, and
// ask only for what is really missing — what the problem is when the
// customer has not said ("有问题", "help"), the order number of an order
// question without one.
func (p draftPlan) honest(ph phrases) string {
	ask := strings.TrimSpace(reHandle.ReplaceAllString(p.ask, ""))
	ask = strings.TrimRight(ask, "？?。.!！ ")
	vague := ask == "" || nudge(ask)
	var b []string
	pre, suf, check := ph.ackPrefix, ph.ackSuffix, ph.willCheck
	if p.negative || p.angry || p.legal {
		// No "thanks for reaching out" to a complaint; its acknowledgement
		// may say the checking already.
		pre, suf, check = ph.ackUpsetPrefix, ph.ackUpsetSuffix, ph.willCheckUpset
	}
	if gist := problemGist(ask, p.lang == LangZH); gist != "" && !vague {
		b = append(b, pre+gist+suf)
	}
	switch {
	case hazard(p.openText):
		b = append(b, ph.safety, ph.askPhoto)
	case p.order == "" && p.amount != "":
		b = append(b, strings.Replace(ph.askCharge, "%s", p.amount, 1))
	case p.order == "" && aboutAnOrder(p.openText):
		b = append(b, ph.askDetails)
	case vague:
		b = append(b, ph.askWhat)
	default:
		b = append(b, check) // the customer said what is wrong: nothing to ask
	}
	return joinSentences(b)
}

// hazard: the customer reports a product that burns, smokes or shocks.
func hazard(text string) bool {
	return len(newCueText(text).hitsOf(safetyZH)) > 0 || len(newCueText(text).hitsOf(safetyEN)) > 0
}

// cutAtWord shortens s to about n characters, at a word boundary when
// the text has spaces, marking the cut with an ellipsis.
func cutAtWord(s string, n int) string {
	c := textcut.Runes(s, n)
	if c == s || !strings.Contains(s, " ") {
		return c
	}
	c = strings.TrimSuffix(c, "…")
	if i := strings.LastIndexByte(c, ' '); i > len(c)/2 {
		c = c[:i]
	}
	return strings.TrimRight(c, " ,;:") + "…"
}

// aboutAnOrder: the ask concerns something bought, so its order number
// is the one thing to ask for.
func aboutAnOrder(ask string) bool {
	t := newCueText(ask)
	return len(t.hitsOf([]string{"订单", "包裹", "快递", "物流", "退款", "退货", "发货", "收到", "买的", "order", "parcel", "package",
		"delivery", "delivered", "refund", "return", "shipped", "shipping", "bought", "purchase", "item"})) > 0
}

// fitSentences joins the parts within limit sentences: first the
// dispensable lines go (sign-off, priority note, introduction), then the
// answer is trimmed to what is left after the greeting, apology and facts
// (two sentences at least), then those go by importance.
func fitSentences(parts []part, limit int) string {
	count := func() int {
		n := 0
		for _, pt := range parts {
			n += len(splitSentences(pt.text))
		}
		return n
	}
	drop := func(below int) bool {
		low := -1
		for i, pt := range parts {
			if pt.keep < below && (low < 0 || pt.keep < parts[low].keep) {
				low = i
			}
		}
		if low < 0 {
			return false
		}
		parts = append(parts[:low], parts[low+1:]...)
		return true
	}
	for count() > limit && drop(5) {
	}
	if n := count(); n > limit {
		for i := range parts {
			if parts[i].keep == 9 {
				have := len(splitSentences(parts[i].text))
				parts[i].text = firstSentences(parts[i].text, max(2, have-(n-limit)))
			}
		}
	}
	for count() > limit && drop(9) {
	}
	var out []string
	for _, pt := range parts {
		if strings.TrimSpace(pt.text) != "" {
			out = append(out, pt.text)
		}
	}
	return strings.Join(out, "\n")
}

// firstSentences keeps the first n sentences of text (at least one),
// keeping its line breaks between them.
func firstSentences(text string, n int) string {
	n = max(n, 1)
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		ss := splitSentences(line)
		if len(ss) == 0 {
			continue
		}
		if len(ss) >= n {
			lines = append(lines, endSentence(joinSentences(ss[:n])))
			break
		}
		lines = append(lines, joinSentences(ss))
		n -= len(ss)
	}
	return strings.Join(lines, "\n")
}

// endSentence ends a text cut after a semicolon with a full stop.
func endSentence(s string) string {
	// A cut inside brackets ends before them: "…a return with refund; we
	// pay shipping both ways (contact us first…" loses the open aside.
	for _, br := range [][2]string{{"(", ")"}, {"（", "）"}} {
		if strings.Count(s, br[0]) > strings.Count(s, br[1]) {
			s = strings.TrimRight(strings.TrimSpace(s[:strings.LastIndex(s, br[0])]), ",，;；:：") + map[bool]string{true: "。", false: "."}[br[0] == "（"]
		}
	}
	switch {
	case strings.HasSuffix(s, "；"):
		return strings.TrimSuffix(s, "；") + "。"
	case strings.HasSuffix(s, ";"):
		return strings.TrimSuffix(s, ";") + "."
	}
	return s
}

// cutLastSentence drops the final sentence of text.
func cutLastSentence(text string) string {
	var all int
	for _, line := range strings.Split(text, "\n") {
		all += len(splitSentences(line))
	}
	if all <= 1 {
		// One sentence left: cut its last clause instead.
		if i := strings.LastIndexAny(text, "，,；;"); i > 0 {
			return strings.TrimSpace(text[:i]) + map[bool]string{true: "。", false: "."}[DetectLanguage(text) == LangZH]
		}
		return text
	}
	return firstSentences(text, all-1)
}

// phrases are the fixed pieces of a templated reply in one language.
type phrases struct {
	greet                     func(name string, formal bool) string
	human                     string
	apologyAngry, apology     string
	thanks                    string
	orderPrefix, orderSuffix  string
	askDetails, urgent        string
	askCharge, askWhat        string
	willCheck, willCheckUpset string
	amountLine                string
	welcome, confirm          string
	howHelp, stillHere        string
	lookup                    string
	ackPrefix, ackSuffix      string
	ackUpsetPrefix            string
	ackUpsetSuffix            string
	safety, askPhoto          string
	closeFormal, closeCasual  string
}

var templatePhrases = map[string]phrases{
	LangZH: {
		greet: func(name string, _ bool) string {
			if name = greetingName(name); name != "" {
				return "您好，" + name + "！"
			}
			return "您好！"
		},
		human:        "我是人工客服，接下来由我为您处理。",
		apologyAngry: "非常抱歉给您带来这么不好的体验，这件事我会负责跟进到底。",
		apology:      "抱歉给您添麻烦了。",
		thanks:       "感谢您的耐心等待。",
		orderPrefix:  "订单 ", orderSuffix: " 我这边已经在查看。",
		askDetails:     "为了尽快帮您处理，请告诉我订单号，我马上为您核实。",
		askCharge:      "麻烦提供一下这笔 %s 扣款的时间和支付记录截图，我马上为您核实。",
		askWhat:        "能具体说一下遇到了什么问题吗？我来帮您看看。",
		willCheck:      "我这边马上帮您核实，有结果第一时间在这里回复您。",
		willCheckUpset: "我这边马上帮您核实，有结果第一时间在这里回复您。",
		amountLine:     "您说的这笔 %s 扣款我这边马上核实。",
		welcome:        "不客气，很高兴能帮到您！还有其他问题随时告诉我。",
		confirm:        "好的，收到，我这边马上跟进，有进展第一时间告诉您。",
		howHelp:        "请问有什么可以帮您？",
		stillHere:      "在的，请问还有什么可以帮您？",
		lookup:         "好的，请您稍等，正在为您查询。",
		ackPrefix:      "您说的“", ackSuffix: "”这个问题我已经记下了。",
		ackUpsetPrefix: "您说的“", ackUpsetSuffix: "”这个问题我已经记下了。",
		safety:      "为了安全，请先停止使用并断开电源。",
		askPhoto:    "麻烦提供一下订单号和照片，我马上为您处理。",
		urgent:      "我会优先处理，有进展第一时间告诉您。",
		closeFormal: "如有其他疑问，敬请随时联系我们。",
		closeCasual: "还有其他问题随时告诉我。",
	},
	LangEN: {
		greet: func(name string, formal bool) string {
			name = greetingName(name)
			if f := strings.Fields(name); len(f) > 1 && !formal {
				name = f[0] // "Hi Liam," not "Hi Liam Smith,"
			}
			switch {
			case formal && name != "":
				return "Dear " + name + ","
			case formal:
				return "Dear customer,"
			case name != "":
				return "Hi " + name + ","
			}
			return "Hi,"
		},
		human:        "I'm a member of the support team and I'll take it from here.",
		apologyAngry: "I'm really sorry about this, and I'll personally see it through until it's sorted.",
		apology:      "Sorry to hear that.",
		thanks:       "Thanks so much for your patience.",
		orderPrefix:  "I'm looking at order ", orderSuffix: " now.",
		askDetails:     "So I can sort this out quickly, could you share your order number?",
		askCharge:      "Could you tell me when the charge of %s was made and send a screenshot of it, so I can check it right away?",
		askWhat:        "I'd be happy to look into this for you. Could you share a few more details?",
		willCheck:      "I'll check this now and reply here as soon as I know more.",
		willCheckUpset: "I'll reply here as soon as I know more.", // after "About …: I'm looking into it now."
		amountLine:     "I'm checking the %s charge for you now.",
		welcome:        "You're welcome, glad it's sorted! Anything else, just let me know.",
		confirm:        "Got it, I'm on it and will keep you posted.",
		howHelp:        "I'd be happy to help. What can I do for you?",
		stillHere:      "I'm here. What else can I help you with?",
		lookup:         "Thanks, give me a moment while I look into it.",
		ackPrefix:      "Thanks for reaching out about \"", ackSuffix: "\".",
		ackUpsetPrefix: "About \"", ackUpsetSuffix: "\": I'm looking into it now.",
		safety:      "For your safety, please stop using it and keep it unplugged.",
		askPhoto:    "Could you share your order number and a photo, so I can sort this out right away?",
		urgent:      "I'm treating this as a priority and will update you as soon as I know more.",
		closeFormal: "Please do not hesitate to contact us should you have any further questions.",
		closeCasual: "Anything else, just let me know.",
	},
}
