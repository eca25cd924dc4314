package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Answerer is what the front-line bot needs from the copilot: an answer to
// the newest customer message from the knowledge base, with a confidence
// and the sources it used. *copilot.Engine implements it.
type Answerer interface {
	Answer(ctx context.Context, conv copilot.Conversation) (copilot.Answer, error)
}

// BotConfig configures the front-line bot (`serve --bot`). Zero values take
// the defaults in brackets. docs/channels.md ("Bot settings") is the user's
// guide.
type BotConfig struct {
	Enabled bool
	// Answerer answers from the KB [Config.Copilot, when it can answer].
	Answerer Answerer
	// Name is the author name on the bot's messages ["Bot"].
	Name string
	// Threshold is the confidence an answer needs to be sent [0.45].
	Threshold float64
	// Clarify is how many times the bot, without an answer, asks the
	// customer for more detail before it hands over [1]; negative: hand
	// over at the first miss.
	Clarify int
	// IdleResolve closes a chat whose customer went quiet after the bot's
	// last message [30m]; negative: never.
	IdleResolve time.Duration
	// MailIdleResolve is IdleResolve on channels the bot answers by mail
	// (BotMail) [72h]; negative: never.
	MailIdleResolve time.Duration
	Workers         int           // concurrent answers [2]
	Timeout         time.Duration // one answer, including a remote model [30s]
}

func (c *BotConfig) defaults() {
	if c.Name == "" {
		c.Name = "Bot"
	}
	if c.Threshold <= 0 {
		c.Threshold = 0.45
	}
	if c.Clarify == 0 {
		c.Clarify = 1
	}
	if c.IdleResolve == 0 {
		c.IdleResolve = 30 * time.Minute
	}
	if c.MailIdleResolve == 0 {
		c.MailIdleResolve = defaultMailIdle
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
}

// bot is the server's front-line bot. It answers customer messages of
// conversations still with the bot, outside every request path: events mark
// conversations, workers answer them through the same ingest path the HTTP
// API uses (so the rules, the bot-failure count and idempotency apply to
// its turns as to any bot's). It never speaks in a conversation a person
// has: the status is checked in the transaction that writes its turn.
type bot struct {
	srv *Server
	cfg BotConfig
	log *slog.Logger
	q   *keyedQueue
}

func newBot(s *Server, cfg BotConfig) *bot {
	cfg.defaults()
	return &bot{srv: s, cfg: cfg, log: s.log.With("component", "bot"), q: newKeyedQueue()}
}

// notice marks conversations with a new customer message or a fresh
// escalation (called in seq order; must not block). Work happens where the
// event was committed.
func (b *bot) notice(events []store.Event) {
	for i := range events {
		ev := &events[i]
		if !ev.Local {
			continue
		}
		if (ev.Kind == protocol.EvMessage && ev.Detail == protocol.AuthorCustomer) ||
			(ev.Kind == protocol.EvConversation && ev.Detail == protocol.CauseEscalated) {
			b.q.push(ev.ConversationID)
		}
	}
}

// run answers marked conversations and closes idle ones until ctx ends.
func (b *bot) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range b.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, ok := b.q.pop(ctx)
				if !ok {
					return
				}
				b.turn(ctx, id)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.sweep(ctx)
	}()
	wg.Wait()
}

// sweep picks up customers left unanswered by a restart, then closes idle
// chats periodically.
func (b *bot) sweep(ctx context.Context) {
	b.catchUp(ctx)
	if b.cfg.IdleResolve < 0 && b.cfg.MailIdleResolve < 0 {
		<-ctx.Done()
		return
	}
	every := time.Minute
	for _, d := range []time.Duration{b.cfg.IdleResolve, b.cfg.MailIdleResolve} {
		if d > 0 {
			every = min(every, max(time.Second, d/4))
		}
	}
	runEvery(ctx, every, b.closeIdle)
}

// runEvery calls fn every d until ctx ends.
func runEvery(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

func (b *bot) catchUp(ctx context.Context) {
	var ids []string
	err := b.srv.store.Update(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = tx.BotConversationsEndingWith(protocol.AuthorCustomer, b.srv.store.Now()+1, 1000)
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.log.Error("find unanswered customers", "err", err)
	}
	for _, id := range ids {
		b.q.push(id)
	}
}

// closeIdle resolves chats whose customer has not written since the bot's
// last message for IdleResolve (MailIdleResolve on mail channels): as the
// bot's when that message was an answer, as no_reply when the bot still
// had none.
func (b *bot) closeIdle(ctx context.Context) {
	var ids []string
	mail := b.srv.mailChannels()
	err := b.srv.store.Update(ctx, func(tx *store.Tx) error {
		now := b.srv.store.Now()
		if b.cfg.IdleResolve >= 0 {
			chat, err := tx.BotConversationsOn(protocol.AuthorBot, now-b.cfg.IdleResolve.Milliseconds(), 200, nil, mail)
			if err != nil {
				return err
			}
			ids = append(ids, chat...)
		}
		if b.cfg.MailIdleResolve >= 0 && len(mail) > 0 {
			letters, err := tx.BotConversationsOn(protocol.AuthorBot, now-b.cfg.MailIdleResolve.Milliseconds(), 200, mail, nil)
			if err != nil {
				return err
			}
			ids = append(ids, letters...)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			b.log.Error("find idle bot conversations", "err", err)
		}
		return
	}
	for _, id := range ids {
		err := b.srv.store.Update(ctx, func(tx *store.Tx) error {
			turns, err := tx.BotTurns(id)
			if err != nil || len(turns) == 0 {
				return err
			}
			disp := protocol.DispositionBotResolved
			if turns[len(turns)-1].Fallback {
				disp = protocol.DispositionNoReply
			}
			_, err = tx.BotResolve(id, disp)
			if protocol.CodeOf(err) == protocol.CodeConflict {
				return nil // a person or the customer got there first
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			b.log.Warn("close idle bot conversation", "conversation", id, "err", err)
		}
	}
}

// turn does what the bot owes one conversation now: an answer (or a
// request for detail, or a handoff) when it has the conversation and the
// customer spoke last; a plain "a person will reply" when the rules just
// escalated it.
func (b *bot) turn(ctx context.Context, convID string) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	d, err := b.srv.store.ConversationDetail(ctx, convID)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("load conversation", "conversation", convID, "err", err)
		}
		return
	}
	c := d.Conversation
	if b.srv.botMode(c.Channel) == BotOff {
		return // people have this channel to themselves
	}
	if c.Status == protocol.ConvQueued && c.Escalation != nil && c.Escalation.Reason != protocol.ReasonLowConfidence {
		b.announce(ctx, d)
		return
	}
	last, ok := lastCustomerTurn(d.Messages)
	if !ok || c.Status != protocol.ConvBot {
		return
	}
	lang := copilot.DetectLanguage(last.Text)
	if lang == "" {
		lang = c.Language
	}
	b.answer(ctx, d, last, lang)
}

// announce tells the customer of a fresh escalation that a person will
// reply, once per escalation, unless someone already wrote since (the
// bot's own handoff says so itself).
func (b *bot) announce(ctx context.Context, d protocol.ConversationDetail) {
	e := *d.Conversation.Escalation
	lang := d.Conversation.Language
	for _, m := range d.Messages {
		if m.Seq > e.Seq && m.Author != protocol.AuthorCustomer && m.Author != protocol.AuthorNote {
			return // the bot or a person already spoke after the escalation
		}
		if m.Author == protocol.AuthorCustomer {
			if l := copilot.DetectLanguage(m.Text); l != "" {
				lang = l
			}
		}
	}
	err := b.srv.store.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Conversation(d.Conversation.ID)
		if err != nil || c.Status != protocol.ConvQueued || c.Escalation == nil || c.Escalation.At != e.At {
			return err
		}
		text, deliver := b.words(c, lang, b.phraseOn(c, lang, handoffPhrase(e.Reason)))
		_, err = b.srv.ch.addMessage(tx, messageReq{APIMessageReq: protocol.APIMessageReq{MessageID: fmt.Sprintf("bot-handoff-%s-%d", c.ID, e.At),
			ConversationID: c.ID, Author: protocol.AuthorBot, AuthorName: b.cfg.Name, Text: text, Bot: &protocol.APIBotTurn{Kind: protocol.BotHandoff}},
			deliver: deliver}, nil)
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.log.Warn("announce handoff", "conversation", d.Conversation.ID, "err", err)
	}
}

// answer runs the KB answer for the newest customer message and writes the
// bot's turn.
func (b *bot) answer(ctx context.Context, d protocol.ConversationDetail, last protocol.Message, lang string) {
	convID := d.Conversation.ID
	if closing(last.Text) {
		done := false
		b.write(ctx, convID, last, func(tx *store.Tx, c protocol.Conversation) error {
			turns, err := tx.BotTurns(convID)
			if err != nil || c.Status != protocol.ConvBot || len(turns) == 0 || turns[len(turns)-1].Fallback {
				return err // thanks for nothing the bot said: answer it as any message
			}
			done = true
			if b.srv.botMode(c.Channel) != BotMail { // a thanks by mail needs no mail back
				if _, err := b.say(tx, c, last, protocol.BotBye, lang, b.phraseOn(c, lang, phraseBye), nil); err != nil {
					return err
				}
			}
			_, err = tx.BotResolve(convID, protocol.DispositionBotResolved)
			return err
		})
		if done {
			return
		}
	}
	var a copilot.Answer
	var err error
	if cv := conversationFor(d); b.srv.botMode(d.Conversation.Channel) == BotMail {
		a, err = b.answerMail(ctx, cv, d.Conversation.Subject)
	} else {
		a, err = b.cfg.Answerer.Answer(ctx, cv)
	}
	if err != nil && !errors.Is(err, copilot.ErrEmpty) {
		if ctx.Err() == nil && !errors.Is(err, copilot.ErrSuperseded) {
			b.log.Warn("answer", "conversation", convID, "err", err)
		}
		if errors.Is(err, copilot.ErrSuperseded) || ctx.Err() != nil {
			return
		}
		a = copilot.Answer{} // the copilot failed: the bot has no answer
	}
	if a.Language != "" {
		lang = a.Language
	}
	var sources []protocol.Source
	for _, s := range a.Sources {
		sources = append(sources, protocol.Source{Kind: s.Kind, ID: s.ID, Title: s.Title, Score: s.Score})
	}
	b.write(ctx, convID, last, func(tx *store.Tx, c protocol.Conversation) error {
		if c.Status != protocol.ConvBot {
			return nil // a person has it now, or the rules handed it over
		}
		turns, err := tx.BotTurns(convID)
		if err != nil {
			return err
		}
		if a.Text != "" && a.Confidence >= b.cfg.Threshold {
			text := a.Text
			if len(turns) == 0 {
				text += "\n\n" + b.phraseOn(c, lang, phraseHint)
			}
			_, err := b.say(tx, c, last, protocol.BotAnswer, lang, text, &protocol.APIBotTurn{Confidence: &a.Confidence, Sources: sources})
			return err
		}
		misses := 0
		for _, t := range turns {
			if t.Fallback {
				misses++
			}
		}
		turn := &protocol.APIBotTurn{Confidence: &a.Confidence, Fallback: true, Sources: sources}
		// Asking "your order number, the item, what happened?" of a customer
		// who wrote all of that tells them nobody read it: hand over.
		if misses < b.cfg.Clarify && !givesOrderAndProblem(last.Text) {
			_, err := b.say(tx, c, last, protocol.BotClarify, lang, b.phraseOn(c, lang, phraseClarify), turn)
			return err
		}
		c, err = b.say(tx, c, last, protocol.BotHandoff, lang, b.phraseOn(c, lang, phraseHandoff), turn)
		if err != nil {
			return err
		}
		e := protocol.Escalation{Reason: protocol.ReasonLowConfidence, BotConfidence: a.Confidence,
			Evidence: fmt.Sprintf("bot confidence %.2f under %.2f on: %s", a.Confidence, b.cfg.Threshold, excerpt(last.Text)),
			Facts:    &protocol.EvidenceFacts{Kind: protocol.EvidenceLowConfidence, Score: a.Confidence, Threshold: b.cfg.Threshold, Excerpt: excerpt(last.Text)}}
		v := b.srv.ch.rules.Evaluate(Turn{Text: last.Text}, b.srv.ch.cfg.Sentiment)
		_, err = b.srv.ch.escalate(tx, c, e, v.Flags, v.Sentiment, v.Score)
		return err
	})
}

// write runs fn in one transaction on the current conversation, unless the
// customer wrote again since last (the newer message has its own turn).
func (b *bot) write(ctx context.Context, convID string, last protocol.Message, fn func(tx *store.Tx, c protocol.Conversation) error) {
	err := b.srv.store.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Conversation(convID)
		if err != nil {
			return err
		}
		if c.LastCustomer != last.Seq {
			return nil
		}
		return fn(tx, c)
	})
	if err != nil && ctx.Err() == nil {
		b.log.Warn("write bot turn", "conversation", convID, "err", err)
	}
}

// say posts one bot message through the ingest path (as a letter, queued
// for delivery, on a mail channel). Its message id is derived from the
// customer message it answers, so a retried or duplicated turn (a
// restart, a second replica) is stored once, and so sent once.
func (b *bot) say(tx *store.Tx, c protocol.Conversation, to protocol.Message, kind protocol.BotKind, lang, body string, turn *protocol.APIBotTurn) (protocol.Conversation, error) {
	text, deliver := b.words(c, lang, body)
	if turn == nil {
		turn = &protocol.APIBotTurn{}
	}
	turn.Kind = kind
	ans, err := b.srv.ch.addMessage(tx, messageReq{APIMessageReq: protocol.APIMessageReq{MessageID: "bot-" + string(kind) + "-" + to.ID, ConversationID: c.ID,
		Author: protocol.AuthorBot, AuthorName: b.cfg.Name, Text: text, Bot: turn}, deliver: deliver}, nil)
	if err != nil {
		return c, err
	}
	return ans.Conversation, nil
}

// lastCustomerTurn is the newest customer message when the customer spoke
// last (notes and system lines aside); false when the bot or a person
// already answered it.
func lastCustomerTurn(msgs []protocol.Message) (protocol.Message, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		switch msgs[i].Author {
		case protocol.AuthorNote, protocol.AuthorSystem:
			continue
		case protocol.AuthorCustomer:
			return msgs[i], true
		}
		return protocol.Message{}, false
	}
	return protocol.Message{}, false
}

// closing reports whether a customer message only thanks or signs off:
// short, with a thanks cue, no question.
func closing(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if utf8.RuneCountInString(t) > 40 || strings.ContainsAny(t, "?？") {
		return false
	}
	for _, cue := range []string{"谢谢", "谢了", "感谢", "多谢", "thank", "thx", "cheers", "that's all", "thats all", "没有了", "没问题了", "解决了"} {
		if strings.Contains(t, cue) {
			return true
		}
	}
	return false
}

// reOrderRef finds an order reference in a message: a number after 订单 /
// order / #, or a bare run of six or more digits.
var reOrderRef = regexp.MustCompile(`(?i)(?:订单|单号|order|#)\s*(?:号|no\.?|number|:|：)?\s*[a-z]?\d{3,}|\d{6,}`)

// givesOrderAndProblem reports whether a message already names its order
// and says more than that (so the bot's request for "your order number,
// the item, what happened" would ask for what the customer wrote).
func givesOrderAndProblem(text string) bool {
	loc := reOrderRef.FindStringIndex(text)
	if loc == nil {
		return false
	}
	rest := strings.TrimSpace(text[:loc[0]] + " " + text[loc[1]:])
	return utf8.RuneCountInString(rest) >= 12
}

// Phrases the bot says, in the customer's language.
const (
	phraseHint = iota
	phraseClarify
	phraseHandoff
	phraseHandoffAsked
	phraseHandoffSorry
	phraseHandoffNeutral
	phraseBye
)

var botPhrases = map[string][]string{
	copilot.LangZH: {
		phraseHint:           "如果没有解决您的问题，回复“转人工”即可联系人工客服。",
		phraseClarify:        "抱歉，这个问题我不太确定。能再具体说说吗？比如订单号、商品或遇到的情况。也可以回复“转人工”联系人工客服。",
		phraseHandoff:        "这个问题我没法准确回答，已为您转接人工客服，请稍候，同事会在这里回复您。",
		phraseHandoffAsked:   "好的，正在为您转接人工客服，请稍候，同事会在这里回复您。",
		phraseHandoffSorry:   "非常抱歉给您带来不好的体验。已为您优先转接人工客服，请稍候，同事会在这里回复您。",
		phraseHandoffNeutral: "已为您转接人工客服，请稍候，同事会在这里回复您。",
		phraseBye:            "不客气！还有其他问题随时在这里找我。",
	},
	copilot.LangEN: {
		phraseHint:           "If that doesn't answer it, reply \"human\" to reach a person.",
		phraseClarify:        "Sorry, I'm not sure I understood. Could you tell me a bit more: your order number, the item, what happened? Or reply \"human\" to reach a person.",
		phraseHandoff:        "I can't answer that reliably, so I'm handing you over to a person. Someone from the team will reply here shortly.",
		phraseHandoffAsked:   "OK, I'm handing you over to a person. Someone from the team will reply here shortly.",
		phraseHandoffSorry:   "I'm sorry about this. I've passed your conversation to a person with priority; someone will reply here shortly.",
		phraseHandoffNeutral: "I've passed your conversation to a person; someone from the team will reply here shortly.",
		phraseBye:            "You're welcome! If anything else comes up, just write here.",
	},
}

func handoffPhrase(reason protocol.Reason) int {
	switch reason {
	case protocol.ReasonLegalThreat, protocol.ReasonNegativeSentiment, protocol.ReasonChurnRisk:
		return phraseHandoffSorry
	case protocol.ReasonAsksForHuman:
		return phraseHandoffAsked
	}
	return phraseHandoffNeutral
}

// describeBot completes an escalation from the bot with what the bot did,
// for the handoff card: how many turns it had, the confidence and sources
// of its last one, and what it said (when the escalation names nothing).
func describeBot(tx *store.Tx, c protocol.Conversation, e *protocol.Escalation) error {
	all, err := tx.BotTurns(c.ID)
	if err != nil || len(all) == 0 {
		return err
	}
	// A notice that a person will reply (or a goodbye) is no attempt.
	var turns []store.BotTurn
	for _, t := range all {
		if t.Kind.Tried() {
			turns = append(turns, t)
		}
	}
	if len(turns) == 0 {
		return nil
	}
	e.BotTurns = len(turns)
	lastTurn := turns[len(turns)-1]
	if e.BotConfidence == 0 && lastTurn.Confidence > 0 {
		e.BotConfidence = lastTurn.Confidence
	}
	if len(e.BotSources) == 0 {
		e.BotSources = lastTurn.Sources
	}
	if len(e.BotTried) == 0 {
		for _, t := range turns[max(0, len(turns)-3):] {
			e.BotTried = append(e.BotTried, excerpt(letterBody(t.Text)))
		}
	}
	return nil
}

// keyedQueue is a work queue of conversation ids: an id pushed while it
// waits is queued once, and ids come out in the order first pushed.
type keyedQueue struct {
	mu     sync.Mutex
	queued map[string]bool
	order  []string
	wake   chan struct{}
}

func newKeyedQueue() *keyedQueue {
	return &keyedQueue{queued: map[string]bool{}, wake: make(chan struct{}, 1)}
}

func (q *keyedQueue) push(id string) {
	q.mu.Lock()
	if !q.queued[id] {
		q.queued[id] = true
		q.order = append(q.order, id)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop waits for an id; false when ctx ends.
func (q *keyedQueue) pop(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if len(q.order) > 0 {
			id := q.order[0]
			q.order = q.order[1:]
			delete(q.queued, id)
			more := len(q.order) > 0
			q.mu.Unlock()
			if more { // pass the wake-up on to another worker
				select {
				case q.wake <- struct{}{}:
				default:
				}
			}
			return id, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false
		case <-q.wake:
		}
	}
}

// checkSources validates the sources an integration's bot reports for a turn.
func checkSources(ss []protocol.Source) error {
	if len(ss) > 10 {
		return invalid("bot.sources", "at most 10 entries in bot.sources")
	}
	for i, s := range ss {
		if s.Kind != copilot.SourceKB && s.Kind != copilot.SourceExemplar {
			return invalid(fmt.Sprintf("bot.sources[%d].kind", i), "field \"kind\" must be kb or exemplar")
		}
		if err := checkID(fmt.Sprintf("bot.sources[%d].id", i), s.ID, 128); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("bot.sources[%d].title", i), s.Title, false, 200); err != nil {
			return err
		}
	}
	return nil
}
