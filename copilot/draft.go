package copilot

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// followUp: an agent already answered in this conversation, so the
	// reply neither greets again nor introduces itself.
	followUp bool
	order    string
	amount   string
	// ask is the customer's open question, for the no-article draft;
	// openText all they wrote since the last agent reply.
	ask      string
	openText string
	body     string
	// noArticle: nothing in the KB answers with confidence; the body is
	// an acknowledgement and one question, and the pane says so.
	noArticle bool
	// closing: the customer only thanks or agrees; the reply confirms.
	closing bool
	// opener: the customer has only said hello, asked for a person or
	// sent a number or link; lookup: after the agent's question they sent
	// only the order number (contentFree).
	opener, lookup bool
	// given: the customer sent what the agent asked for (an address, an
	// order number, a photo); the body confirms it (provided.go).
	given string
	// fromExemplar: the body is a reply an agent sent; it already has the
	// team's own wording, so the template adds no sign-off.
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
	// done: words of what the customer says they already did (done.go);
	// the draft does not tell them to do it again.
	done map[string]bool
}

// Thresholds: an exemplar answers the new question when the questions
// overlap this much; a KB passage answers it when its entry's confidence is
// at least kbAnswer (below, the draft says honestly that it needs more);
// kbCite is the least confidence for a candidate shown to a remote model.
const (
	exemplarReuse = 0.3
	kbAnswer      = 0.2
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
	p.legal = ins.Flags.LegalThreat || ins.Flags.ChurnRisk // both hear the firm apology
	p.human = ins.Flags.AsksForHuman
	p.urgent = ins.Flags.Urgent
	open := openTurns(c)
	p.followUp = len(open) < len(turns)
	p.done = doneWords(turns)
	var all strings.Builder
	for _, m := range turns {
		all.WriteString(limitText(m.Text))
		all.WriteByte('\n')
	}
	if m := reOrder.FindStringSubmatch(all.String()); m != nil && m[1] != "" {
		p.order = m[1]
	}
	var openText strings.Builder
	for _, m := range open {
		openText.WriteString(topicText(limitText(m.Text)))
		openText.WriteByte('\n')
	}
	p.openText = openText.String()
	// The open turns' own mood: a follow-up apologises again only when the
	// customer is still upset now, and a turn that only thanks or agrees
	// ("收到了，谢谢", "Found it in spam, thanks!") is answered as such.
	var openNeg bool
	for _, m := range open {
		if a := e.Analyze(m.Text); a.Label == Negative {
			openNeg = true
		}
	}
	if p.followUp && !openNeg {
		p.angry, p.legal, p.negative = false, false, false
	}
	closing := !openNeg && closingTurn(p.openText)
	if in.extra == "" && p.followUp && !allContentFree(open) { // a bare number is looked up (below)
		if g := givenReply(lastAgentText(c), joinTexts(open), p.lang); g != "" && !e.upsetBeyondCourtesy(open) {
			p.given = g
			p.angry, p.legal, p.negative = false, false, false
			return p
		}
	}
	if m := reMoney.FindString(openText.String()); m != "" {
		p.amount = strings.TrimSpace(m)
	}
	// The ask is named back to the customer: never the sentence with the
	// threat in it.
	askTurns := make([]Message, 0, len(open))
	for _, m := range open {
		if t := dropAdvice(withoutThreats(limitText(m.Text))); t != "" {
			askTurns = append(askTurns, Message{Seq: m.Seq, Role: m.Role, Text: t})
		}
	}
	p.ask = pickAsk(askTurns, p.lang == LangZH)
	// The draft answers the customer's open question: what they wrote
	// since the last agent reply. When that says nothing about the topic
	// ("转人工", "??"), the last few turns do.
	raw := withoutThreats(openText.String())
	q := Tokens(raw)
	if len(q) < 2 {
		q = retrievalQuery(turns)
		raw = ""
	}
	if in.extra != "" {
		q = appendTokens(q, in.extra)
	}
	// A turn with no topic yet is greeted and asked, or looked up, in the
	// team's own words when it has a usual reply to such turns.
	if in.extra == "" && (!p.followUp && allContentFree(turns) || p.followUp && allContentFree(open)) {
		p.lookup = p.followUp && hasReference(p.openText)
		p.opener = !p.lookup
		if x, ok := e.mem.typicalOpener(p.lang, hasReference(p.openText)); ok && !e.mem.rejectedReply(q, x.Reply) {
			e.useExemplar(&p, x, c.CustomerName, 1)
		}
		return p
	}
	// Exemplars first: what agents actually sent for this kind of question.
	exHits := e.mem.searchTokens(q, lastTurnQuery(turns), askedAfter(c), p.lang, exemplarPool)
	exHits = preferTypical(exHits)
	for _, h := range exHits {
		if h.Similarity < exemplarReuse/2 || e.mem.rejectedReply(q, h.Exemplar.Reply) || quotesAnotherCustomer(h.Exemplar, all.String()) ||
			!sameTopic(h.Exemplar.Intent, ins.Intent) && ins.IntentConfidence >= sureTopic && h.Similarity < sameQuestion ||
			closing && len(h.Exemplar.Sources) > 0 { // thanks are not answered with an article
			continue
		}
		if len(p.candEx) < 2 {
			p.candEx = append(p.candEx, h.Exemplar)
		}
		if p.body != "" || h.Similarity < exemplarReuse {
			continue
		}
		e.useExemplar(&p, h.Exemplar, c.CustomerName, h.Similarity)
	}
	if closing && p.body == "" {
		// Thanks or agreement: confirmed, not answered from the KB (the
		// team's own reply to such a turn, when it has one, came first).
		p.closing = true
		return p
	}
	// What the customer says before 但是 / but is the scene, not the
	// problem: it counts half in retrieval.
	focusQ, bgQ := q, []string(nil)
	if raw != "" {
		f, b := splitBackground(raw)
		if b != "" {
			focusQ = appendTokens(Tokens(f), in.extra)
			for _, t := range Tokens(b) {
				if !slices.Contains(focusQ, t) {
					bgQ = append(bgQ, t)
				}
			}
		}
	}
	var onTopic string
	topicQ := q // what an article must answer: the open turns and the conversation's fault
	if p.followUp && raw != "" {
		focusQ, bgQ, topicQ = followUpQuery(turns, open, focusQ, bgQ, q, p.lang == LangZH)
		onTopic = e.onTopicEntry(lastReply(c), p.lang)
	}
	k := 4
	if onTopic != "" {
		k = 6 // room for the article the conversation is on
	}
	hits := e.kb.searchFocus(raw, focusQ, bgQ, p.lang, k)
	demote := e.mem.rejectedSources(q)
	for i := range hits {
		f := 1 - 0.6*demote[hits[i].Entry.ID]
		if hits[i].Entry.ID == onTopic {
			f *= onTopicPrior
		}
		hits[i].Score *= f
		hits[i].Confidence = min(1, hits[i].Confidence*f)
	}
	followUpState(hits, all.String())
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	bot := botTexts(c)
	if p.followUp {
		bot = append(bot, agentLines(c)...) // what the agent sent is not sent again
	}
	for _, h := range hits {
		if h.Confidence < kbCite {
			break
		}
		// A reply quotes an entry in its own language; the paired
		// translation is found by intent.
		ent, translated := h.Entry, false
		if ent.Language != p.lang {
			alt, ok := e.sameIntent(ent, p.lang)
			if !ok {
				continue
			}
			ent, translated = alt, true
		}
		if len(p.candKB) < 3 && !containsEntry(p.candKB, ent.ID) {
			p.candKB = append(p.candKB, ent)
		}
		// A question is answered by an article that shares two of its
		// telling words (or its only one): "do you sell dog food" is not
		// answered by the returns article because "food" is in it.
		if p.body != "" || h.Confidence < kbAnswer || !answersQuery(topicQ, h.Entry) && h.Entry.ID != onTopic {
			continue
		}
		if !translated {
			h = preferStatedCase(h, raw)
		}
		cover := q
		if p.followUp {
			cover = focusQ // what the customer did is not a part to answer
		}
		picked := pickPassages(ent, h, translated, append(answerCueTokens(raw), cover...), bot, p.done, in.shorter)
		if len(picked) == 0 {
			continue
		}
		var parts []string
		for k, n := range picked {
			ps := ent.Passages[n]
			if k > 0 && ps.Intro != "" && ps.Intro == ent.Passages[picked[k-1]].Intro {
				// Items of one list: the intro once, the items after it.
				sep := "; "
				if p.lang == LangZH {
					sep = "；"
				}
				parts[len(parts)-1] = strings.TrimRight(parts[len(parts)-1], "。.；;") + sep + ps.Text
			} else {
				parts = append(parts, passageText(ps))
			}
			p.citations = append(p.citations, Source{Kind: SourceKB, ID: ent.ID, Title: passageLabel(ent.Title, ps),
				Passage: PassageRef(ent.ID, n), Score: round2(h.Score)})
		}
		p.body = strings.Join(parts, "\n")
		p.kbUsed = append(p.kbUsed, ent)
	}
	if p.body == "" {
		p.noArticle = true
	}
	return p
}

// useExemplar makes x's reply, adapted to this conversation, the body
// (unless nothing is left of it once advice is dropped).
func (e *Engine) useExemplar(p *draftPlan, x Exemplar, name string, sim float64) {
	body, greeted := adaptExemplar(x.Reply, p.order, x.CustomerName, name)
	if body = dropDone(dropAdvice(body), p.done); body == "" {
		return
	}
	p.body, p.exemplarGreeted, p.fromExemplar = body, greeted, true
	p.citations = append(p.citations, Source{Kind: SourceExemplar, ID: x.ID, Score: round2(sim)})
	for _, id := range x.Sources {
		if kbe, ok := e.kb.Get(id); ok && !containsSource(p.citations, Source{Kind: SourceKB, ID: kbe.ID}) {
			p.kbUsed = append(p.kbUsed, kbe)
			p.citations = append(p.citations, Source{Kind: SourceKB, ID: kbe.ID, Title: kbe.Title})
		}
	}
}

// answersQuery: the entry holds at least two (and a quarter) of the
// query's distinct topic tokens, or the only one it has (order numbers and question words
// such as "how long" do not count). A word the thesaurus ties to the
// entry's title or tags counts twice when it names a product fault (漏水,
// melted): the word and its topic. (Other thesaurus ties, such as cancel →
// close, are too loose for that: "my flight was cancelled" is no question
// about closing an account.)
func answersQuery(q []string, ent KBEntry) bool {
	have := map[string]bool{}
	for _, t := range Tokens(ent.Title + "\n" + strings.Join(ent.Tags, " ") + "\n" + strings.Join(ent.Questions, " ") + "\n" +
		strings.Join(ent.Aliases, " ") + "\n" + ent.Body) {
		have[t] = true
	}
	about := map[string]bool{} // what the entry is about: its title and tags
	for _, t := range Tokens(ent.Title + "\n" + strings.Join(ent.Tags, " ")) {
		about[t] = true
	}
	seen := map[string]bool{}
	matched, total, concept := 0, 0, 0
	for _, t := range q {
		r, _ := utf8.DecodeRuneInString(t)
		if seen[t] || unicode.IsDigit(r) || askWords[t] {
			continue
		}
		seen[t] = true
		if isHan(r) && !theZHDict()[t] && !have[t] {
			continue // a bigram across words the dictionary does not know (耳没, 音了): no topic word
		}
		total++
		if have[t] {
			matched++
			for _, n := range thesaurus[t] {
				if defectWords[t] && about[n] {
					concept = 1 // 漏水 in an article about 质量问题 and 维修: the word and its topic
				}
			}
		}
	}
	matched += concept
	return matched >= 2 && 4*matched >= total || matched == 1 && total == 1
}

// defectWords are the symptoms of a faulty product, as retrieval stems.
var defectWords = wordSet("melt fire smoke spark burn overheat shock defect broken fault leak 漏水 漏电 起火 着火 冒烟 烧焦 坏了 故障")

// closingTurn: the customer's open text thanks, agrees or confirms and asks
// nothing ("好的，谢谢", "行吧，那你们尽快安排上门", "Ok, thanks!").
func closingTurn(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" || utf8.RuneCountInString(t) > 40 || strings.ContainsAny(t, "?？") {
		return false
	}
	// A decision against cancelling ("账号先不注销了") is agreement too.
	l := negatedCancel(t)
	for _, n := range []string{"没", "不", "未", "别", "还", "not", "n't", "never", "no ", "but", "但"} {
		if strings.Contains(l, n) {
			return false // "没收到", "not working", "好的，但是…": not a closing
		}
	}
	for _, q := range []string{"吗", "能不能", "怎么", "为什么", "什么时候", "多久", "how", "what", "when", "why", "can you", "could you", "where"} {
		if strings.Contains(l, q) {
			return false
		}
	}
	if reHopeSorted.MatchString(l) {
		return true // "希望这次能处理好。", "I hope it gets sorted this time."
	}
	for _, c := range []string{"谢谢", "感谢", "多谢", "好的", "好吧", "行吧", "收到", "明白", "知道了", "可以", "没问题", "就行", "那就这样", "就这样吧",
		"thank", "thanks", "ok", "okay", "great", "perfect", "fine", "got it", "sounds good", "appreciate", "works"} {
		if isASCII(c) && strings.Contains(" "+strings.Join(strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) }), " ")+" ", " "+c) ||
			!isASCII(c) && strings.Contains(l, c) {
			return true
		}
	}
	return false
}

// exemplarPool is how many similar past questions are weighed.
const exemplarPool = 10

// preferTypical reorders exemplar hits so that the reply agents typically
// give to questions like this one comes first: each reply is scored by its
// question's similarity times how much it agrees with the other replies
// (weighted by their questions' similarity). One agent's unusual answer to
// a near-identical question loses to the answer the team gives again and
// again. A typical reply is reused even when no single stored question
// reaches exemplarReuse, as long as the pool agrees (typicalReuse).
func preferTypical(hits []ExemplarHit) []ExemplarHit {
	if len(hits) < 3 {
		return hits
	}
	toks := make([][]string, len(hits))
	for i, h := range hits {
		toks[i] = metricTokens(h.Exemplar.Reply)
	}
	type scored struct {
		h     ExemplarHit
		score float64
	}
	out := make([]scored, len(hits))
	for i, h := range hits {
		var agree, wsum float64
		for j, o := range hits {
			if i == j {
				continue
			}
			agree += o.Similarity * tokenF1(toks[i], toks[j])
			wsum += o.Similarity
		}
		if wsum > 0 {
			agree /= wsum
		}
		if agree >= typicalAgree && h.Similarity >= exemplarReuse/2 {
			h.Similarity = max(h.Similarity, exemplarReuse)
		}
		out[i] = scored{h, (h.Similarity + h.Context) * (0.1 + agree)}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	res := make([]ExemplarHit, len(out))
	for i, s := range out {
		res[i] = s.h
	}
	return res
}

// typicalAgree: replies agreeing this much (token F1, similarity-weighted)
// with the rest of the pool count as the team's usual answer.
const typicalAgree = 0.15

// openTurns are the customer's messages since the last agent reply (all of
// them when no agent has replied yet); never empty when the customer wrote.
func openTurns(c Conversation) []Message {
	var out []Message
	for _, m := range c.Messages {
		switch {
		case m.Role == RoleAgent:
			out = out[:0]
		case m.Role == RoleCustomer && strings.TrimSpace(m.Text) != "":
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		if turns := customerTurns(c); len(turns) > 0 {
			out = turns[len(turns)-1:]
		}
	}
	return out
}

// botTexts are the bot's messages: a draft does not repeat what the bot
// already said (that answer failed, which is why a person is here).
func botTexts(c Conversation) []string {
	var out []string
	for _, m := range c.Messages {
		if m.Role == RoleBot {
			out = append(out, limitText(m.Text))
		}
	}
	return out
}

// leadPassageBoost weighs an article's opening paragraph when passages are
// ranked for a draft.
const leadPassageBoost = 1.6

// pickPassages chooses what of an entry answers: its best passage for the
// query, and the runner-up when it matches nearly as well, answers a part
// of the question the best one does not (addsCoverage) and the reply is not
// to be short. Passages that repeat the bot or point the customer to a
// regulator or a lawyer are skipped, and so are passages telling the
// customer to do what they say they did (done). A translated entry (the
// customer wrote in the other language) is ranked by the original's passages, which the
// KB keeps in the same order.
func pickPassages(ent KBEntry, h KBHit, translated bool, q, bot []string, done map[string]bool, shorter bool) []int {
	var cands []PassageHit
	for _, ph := range h.Passages {
		if ph.N < len(ent.Passages) {
			// An article's opening paragraph states its answer ("we send a
			// free replacement or refund you in full"); the bullets after
			// it are the details.
			if ph.N == 0 && !ent.Passages[0].Item {
				ph.Score *= leadPassageBoost
			}
			cands = append(cands, ph)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Score > cands[j].Score })
	if len(cands) == 0 && len(ent.Passages) > 0 && !translated {
		cands = []PassageHit{{N: 0}}
	}
	ok := func(n int) bool {
		t := ent.Passages[n].Text
		if !ent.Passages[n].Item && (strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")) {
			return false // a list's introduction: it comes with the items
		}
		if mentionsAdvice(t) || repeatsDone(passageText(ent.Passages[n]), done) {
			return false
		}
		for _, b := range bot {
			if Similarity(b, t) >= 0.5 {
				return false
			}
		}
		return true
	}
	var picked []int
	var top float64
	for _, ph := range cands {
		if !ok(ph.N) {
			continue
		}
		if len(picked) == 0 {
			picked, top = []int{ph.N}, ph.Score
			continue
		}
		if !shorter && ph.Score >= 0.7*top && len(picked) < 2 && addsCoverage(q, h.Entry.Passages, picked[0], ph.N) {
			picked = append(picked, ph.N)
		}
		break
	}
	sort.Ints(picked)
	return picked
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
