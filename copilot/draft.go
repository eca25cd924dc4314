package copilot

import (
	"regexp"
	"sort"
	"strings"
)

// Offline drafting: retrieve, then fill a template in the customer's
// language whose tone follows the sentiment.

// instruction is a parsed regeneration request ("shorter", "更正式", "in English").
type instruction struct {
	shorter, formal, warmer bool
	lang                    string
	extra                   string // anything else: used as extra retrieval words
}

func parseInstruction(s string) instruction {
	var in instruction
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "" {
		return in
	}
	rest := l
	take := func(cues ...string) bool {
		found := false
		for _, c := range cues {
			if strings.Contains(rest, c) {
				rest = strings.ReplaceAll(rest, c, " ")
				found = true
			}
		}
		return found
	}
	in.shorter = take("shorter", "short", "brief", "concise", "简短", "短一点", "短一些", "简洁", "精简")
	in.formal = take("more formal", "formal", "正式", "书面")
	in.warmer = take("warmer", "friendlier", "friendly", "more empathetic", "empathetic", "亲切", "温和", "热情", "委婉")
	switch {
	case take("in english", "english", "英文", "英语"):
		in.lang = LangEN
	case take("in chinese", "chinese", "中文", "汉语", "普通话"):
		in.lang = LangZH
	}
	in.extra = strings.TrimSpace(rest)
	return in
}

// draftPlan is the chosen content of a reply before it is worded.
type draftPlan struct {
	lang     string
	name     string
	angry    bool
	negative bool
	legal    bool
	human    bool
	urgent   bool
	order    string
	body     string
	// fromExemplar: the body is a reply an agent sent; it already has the
	// team's own greeting and sign-off, so the template adds neither.
	fromExemplar bool
	// exemplarGreeted: the reused reply opened with a greeting (naming the
	// customer it was written for); it was cut and the current customer is
	// greeted instead.
	exemplarGreeted bool
	citations       []Source
	kbUsed          []KBEntry
	// Candidates retrieval found, in the reply language: the sources a
	// remote model is shown.
	candKB []KBEntry
	candEx []Exemplar
}

// Thresholds for reuse: an exemplar answers the new question when the
// questions overlap this much; a KB entry is cited when its confidence is
// at least this.
const (
	exemplarReuse = 0.3
	kbCite        = 0.08
)

func (e *Engine) planDraft(c Conversation, ins Insight, in instruction) draftPlan {
	turns := customerTurns(c)
	p := draftPlan{lang: ins.Language, name: c.CustomerName}
	if in.lang != "" {
		p.lang = in.lang
	}
	p.angry = ins.Flags.Angry
	p.negative = ins.Sentiment.Label == Negative
	p.legal = ins.Flags.LegalThreat
	p.human = ins.Flags.AsksForHuman
	p.urgent = ins.Flags.Urgent
	var all strings.Builder
	for _, m := range turns {
		all.WriteString(limitText(m.Text))
		all.WriteByte('\n')
	}
	if m := reOrder.FindStringSubmatch(all.String()); m != nil && m[1] != "" {
		p.order = m[1]
	}
	q := retrievalQuery(turns)
	if in.extra != "" {
		q = appendTokens(q, in.extra)
	}
	// Exemplars first: what agents actually sent for this kind of question.
	exHits := e.mem.searchTokens(q, lastTurnQuery(turns), p.lang, 3)
	for _, h := range exHits {
		if h.Similarity < exemplarReuse/2 || e.mem.rejectedReply(q, h.Exemplar.Reply) {
			continue
		}
		if len(p.candEx) < 2 {
			p.candEx = append(p.candEx, h.Exemplar)
		}
		if p.body != "" || h.Similarity < exemplarReuse {
			continue
		}
		p.body, p.exemplarGreeted = adaptExemplar(h.Exemplar.Reply, p.order)
		p.fromExemplar = true
		p.citations = append(p.citations, Source{Kind: SourceExemplar, ID: h.Exemplar.ID, Score: round2(h.Similarity)})
		for _, id := range h.Exemplar.Sources {
			if kbe, ok := e.kb.Get(id); ok {
				p.kbUsed = append(p.kbUsed, kbe)
				p.citations = append(p.citations, Source{Kind: SourceKB, ID: kbe.ID, Title: kbe.Title})
			}
		}
	}
	hits := e.kb.searchTokens(q, p.lang, 4)
	demote := e.mem.rejectedSources(q)
	for i := range hits {
		hits[i].Score *= 1 - 0.6*demote[hits[i].Entry.ID]
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	for _, h := range hits {
		if h.Confidence < kbCite {
			break
		}
		// A reply quotes an entry in its own language; the paired
		// translation is found by intent.
		ent := h.Entry
		if ent.Language != p.lang {
			alt, ok := e.sameIntent(ent, p.lang)
			if !ok {
				continue
			}
			ent = alt
		}
		if len(p.candKB) < 3 && !containsEntry(p.candKB, ent.ID) {
			p.candKB = append(p.candKB, ent)
		}
		if p.body != "" {
			continue
		}
		sent := bestSentences(ent.Body, q, in.shorter)
		if sent == "" {
			continue
		}
		p.body = sent
		p.kbUsed = append(p.kbUsed, ent)
		p.citations = append(p.citations, Source{Kind: SourceKB, ID: ent.ID, Title: ent.Title, Score: round2(h.Score)})
	}
	return p
}

func containsEntry(xs []KBEntry, id string) bool {
	for _, x := range xs {
		if x.ID == id {
			return true
		}
	}
	return false
}

// sameIntent finds the entry about the same topic in another language.
func (e *Engine) sameIntent(ent KBEntry, lang string) (KBEntry, bool) {
	if ent.Intent == "" {
		return KBEntry{}, false
	}
	for _, x := range e.kb.snap.Load().entries {
		if x.Intent == ent.Intent && x.Language == lang {
			return x, true
		}
	}
	return KBEntry{}, false
}

// bestSentences picks the lines of a KB body that overlap the question most,
// in their original order: bullets are the unit of policy text.
func bestSentences(body string, q []string, shorter bool) string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "-*#>"))
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	qs := map[string]bool{}
	for _, t := range q {
		qs[t] = true
	}
	// Score each line by overlap with the question, then take the best
	// window of consecutive lines: policy text often states the rule in an
	// intro line ("退款原路退回：") and the figures in the bullets after it.
	scores := make([]float64, len(lines))
	for i, l := range lines {
		if i == 0 && len(lines) > 1 && !strings.ContainsAny(l, "。.：:") {
			scores[i] = -1 // a heading
			continue
		}
		n := 0
		toks := Tokens(l)
		for _, t := range toks {
			if qs[t] {
				n++
			}
		}
		scores[i] = float64(n) / (1 + float64(len(toks))/30)
	}
	w := 3
	if shorter {
		w = 1
	}
	w = min(w, len(lines))
	bestAt, best := -1, -1.0
	for i := 0; i+w <= len(lines); i++ {
		s := 0.0
		for j := i; j < i+w; j++ {
			s += scores[j]
		}
		if s > best {
			bestAt, best = i, s
		}
	}
	if bestAt < 0 {
		return ""
	}
	pick := make([]int, 0, w)
	for j := bestAt; j < bestAt+w; j++ {
		if scores[j] >= 0 {
			pick = append(pick, j)
		}
	}
	var out []string
	for _, i := range pick {
		out = append(out, lines[i])
	}
	return strings.Join(out, "\n")
}

// reExemplarGreeting matches the opening salutation of a reply an agent
// wrote for another customer: "您好，朱琳！", "亲，", "Hi Sarah,", "Dear Mr
// Smith,". A greeting followed by a real sentence keeps the sentence.
var reExemplarGreeting = regexp.MustCompile(`(?i)^\s*(?:@\w+\s*)*(?:(?:您好|你好|亲爱的|亲)(?:[，,]?\s*[^，,。！!？?\s]{1,8})?\s*[，,！!。]\s*|(?:您好|你好)\s*|(?:hi|hello|hey|dear)\b[^,.!?\n]{0,30}[,.!]\s*)`)

// adaptExemplar makes another conversation's reply fit this one: the
// greeting that named its customer is cut (the caller greets the current
// customer), and order numbers it quoted are replaced by this
// conversation's order, or by a placeholder the agent must fill, so one
// customer's name or order never reaches another.
func adaptExemplar(reply, order string) (string, bool) {
	body := reply
	greeted := false
	if loc := reExemplarGreeting.FindStringIndex(body); loc != nil && loc[1] < len(body) {
		body = strings.TrimLeft(body[loc[1]:], " \n")
		greeted = true
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

var reGreeting = regexp.MustCompile(`(?i)^\s*(?:@\w+\s*)*(?:(?:hi|hello|hey|dear)\b[^,.!\n]{0,30}[,.!]?\s*|您好[，,！!。]?\s*|你好[，,！!。]?\s*|亲[，,！!]?\s*)`)

// render words the plan. Angry customers hear an apology and a commitment
// before any policy; "shorter" drops the pleasantries.
func (p draftPlan) render(in instruction) string {
	if p.fromExemplar {
		// Keep the agents' wording; only an upset customer gets the
		// apology in front.
		in.shorter = true
		p.order = ""
	}
	ph := templatePhrases[LangEN]
	if p.lang == LangZH {
		ph = templatePhrases[LangZH]
	}
	var parts []string
	// add appends a stock sentence unless the body already says it: a
	// reused reply was often drafted from these same templates, and the
	// customer must not read "I'll take it from here" twice.
	add := func(s string) {
		if p.body == "" || !strings.Contains(p.body, s) {
			parts = append(parts, s)
		}
	}
	if !in.shorter || p.exemplarGreeted {
		parts = append(parts, ph.greet(p.name, in.formal))
	}
	if p.human {
		add(ph.human)
	}
	switch {
	case p.angry || p.legal:
		add(ph.apologyAngry)
	case p.negative:
		add(ph.apology)
	case in.warmer:
		add(ph.thanks)
	}
	if p.order != "" {
		parts = append(parts, ph.orderPrefix+p.order+ph.orderSuffix)
	}
	if p.body != "" {
		parts = append(parts, p.body)
	} else {
		parts = append(parts, ph.askDetails)
	}
	if p.urgent && !in.shorter {
		add(ph.urgent)
	}
	if !in.shorter {
		if in.formal {
			add(ph.closeFormal)
		} else {
			add(ph.closeCasual)
		}
	}
	return strings.Join(parts, "\n")
}

// phrases are the fixed pieces of a templated reply in one language.
type phrases struct {
	greet                    func(name string, formal bool) string
	human                    string
	apologyAngry, apology    string
	thanks                   string
	orderPrefix, orderSuffix string
	askDetails, urgent       string
	closeFormal, closeCasual string
}

var templatePhrases = map[string]phrases{
	LangZH: {
		greet: func(name string, _ bool) string {
			if name != "" {
				return "您好，" + name + "！"
			}
			return "您好！"
		},
		human:        "我是人工客服，接下来由我为您处理。",
		apologyAngry: "非常抱歉给您带来这么不好的体验，您的心情我完全理解，这件事我会负责跟进到底。",
		apology:      "抱歉给您添麻烦了。",
		thanks:       "感谢您的耐心等待。",
		orderPrefix:  "订单 ", orderSuffix: " 我这边已经在查看。",
		askDetails:  "为了尽快帮您处理，请告诉我订单号和具体情况，我马上为您核实。",
		urgent:      "我会优先处理，有进展第一时间告诉您。",
		closeFormal: "如有其他疑问，敬请随时联系我们。",
		closeCasual: "还有其他问题随时告诉我。",
	},
	LangEN: {
		greet: func(name string, formal bool) string {
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
		apologyAngry: "I'm really sorry about this experience, and I understand why you're upset. I'll personally see this through until it's sorted.",
		apology:      "Sorry for the trouble.",
		thanks:       "Thanks so much for your patience.",
		orderPrefix:  "I'm looking at order ", orderSuffix: " now.",
		askDetails:  "So I can sort this out quickly, could you share your order number and a few details of what happened?",
		urgent:      "I'm treating this as a priority and will update you as soon as I know more.",
		closeFormal: "Please do not hesitate to contact us should you have any further questions.",
		closeCasual: "Anything else, just let me know.",
	},
}

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
