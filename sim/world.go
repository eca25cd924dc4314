// Package sim is the demo world: a small online shop whose simulated
// customers write to a front-line bot across channels, a scripted bot that
// answers some and lets the server's rules (or its own failures) escalate
// the rest, teammates who claim and answer chats at human pace, and
// customers who answer back when a person replies. It drives a real backend
// only through its public APIs (the channel HTTP API and the desk
// websocket), so `agentdesk simulate` and the embedded desk behave alike.
// Runs are reproducible for a seed (timing aside).
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

// Customer is a simulated customer.
type Customer struct {
	ExternalID string
	Name       string
	Channel    string
	Lang       string
	VIP        bool
}

// Backend is how customers and the bot reach the conversation backend.
type Backend interface {
	// CustomerSays posts a customer message. convID is empty to start a new
	// conversation; the conversation id is returned. clientID makes the
	// post idempotent.
	CustomerSays(ctx context.Context, c Customer, convID, clientID, text string) (string, error)
	// BotSays posts a front-line bot answer with its confidence.
	BotSays(ctx context.Context, convID, clientID, text string, confidence float64) error
	// Escalate hands the conversation to people.
	Escalate(ctx context.Context, convID string, reason protocol.Reason, evidence string, confidence float64, tried []string) error
}

// Rater is a Backend that also takes satisfaction ratings; a world on one
// has its customers rate their resolved conversations, so the team board's
// CSAT has figures in the demo.
type Rater interface {
	Rate(ctx context.Context, convID string, score int, comment string) error
}

// Options configure a World.
type Options struct {
	Seed int64
	// Rate is new conversations per minute (default 2).
	Rate float64
	// Speed scales every human delay: 2 is twice as fast (default 1).
	Speed float64
	// Initial conversations started at once, so a desk has work at first sight.
	Initial int
	// Limit stops starting conversations after this many (0 = no limit).
	Limit int
	// Desk is the server's desk URL; WatchToken a lead or admin token the
	// world uses to see agents' replies (so customers can answer back).
	Desk       string
	WatchToken string
	// Mates are tokens of simulated teammates by agent id (may be empty).
	Mates map[string]string
	// ScriptedBot plays the front-line bot from the scripts (for a server
	// without `serve --bot`); otherwise the customers talk to the server's
	// bot and ask for a person when it has not helped.
	ScriptedBot bool
	Logger      *slog.Logger
}

// World runs the demo.
type World struct {
	opt Options
	be  Backend
	log *slog.Logger

	mu    sync.Mutex
	rng   *rand.Rand
	n     int
	convs map[string]*chat
	// escalated holds every conversation seen with people, by id: the event
	// can arrive before the world has learnt the id from its own request.
	escalated map[string]bool
}

// chat is the world's memory of one conversation it started.
type chat struct {
	script   *Script
	customer Customer
	vars     map[string]string
	followUp int  // next follow-up to send
	done     bool // the customer has thanked / gone quiet
	busy     bool // a customer reply is on its way
	rated    bool // the customer has rated the resolved conversation
}

// New builds a world.
func New(be Backend, opt Options) *World {
	if opt.Rate <= 0 {
		opt.Rate = 2
	}
	if opt.Speed <= 0 {
		opt.Speed = 1
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &World{opt: opt, be: be, log: opt.Logger, rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed)),
		convs: map[string]*chat{}, escalated: map[string]bool{}}
}

// Run plays the world until ctx ends (or Limit conversations have played out).
func (w *World) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait() // deferred first, so it runs after cancel below
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var failed error
	var failOnce sync.Once
	fatal := func(err error) { failOnce.Do(func() { failed = err; cancel() }) }
	if w.opt.Desk != "" && w.opt.WatchToken != "" {
		watch, err := client.New(client.Options{URL: w.opt.Desk, Token: w.opt.WatchToken, Logger: w.log})
		if err != nil {
			return fmt.Errorf("watch desk: %w", err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := watch.Run(ctx); errors.Is(err, client.ErrAuthFailed) {
				fatal(fmt.Errorf("the server refused the demo's token: %w", err))
			}
			watch.Close()
		}()
		go func() { defer wg.Done(); w.watch(ctx, watch) }()
		// Start customers only once the floor is visible, so no escalation
		// goes unseen and the bot never talks over a person.
		for i := 0; i < 100 && watch.State() != client.StateOnline && ctx.Err() == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	for id, tok := range w.opt.Mates {
		m, err := newMate(w, id, tok)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); m.run(ctx) }()
	}
	for range w.opt.Initial {
		w.start(ctx, &wg)
	}
	every := time.Duration(float64(time.Minute) / w.opt.Rate)
	t := time.NewTicker(every)
	defer t.Stop()
	check := time.NewTicker(time.Second)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return failed
		case <-t.C:
			w.start(ctx, &wg)
		case <-check.C:
			if w.opt.Limit > 0 && w.started() >= w.opt.Limit && w.allDone() {
				// Let teammates resolve what just finished, then stop.
				w.pause(ctx, 10, 10)
				return nil
			}
		}
	}
}

// allDone reports whether every conversation started so far has played out.
func (w *World) allDone() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.convs) < w.n {
		return false // some have not reached the backend yet
	}
	for _, ch := range w.convs {
		if !ch.done || ch.busy {
			return false
		}
	}
	return true
}

func (w *World) started() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// pause waits a human-scale delay between min and max seconds.
func (w *World) pause(ctx context.Context, min, max float64) bool {
	w.mu.Lock()
	s := min + w.rng.Float64()*(max-min)
	w.mu.Unlock()
	d := time.Duration(s / w.opt.Speed * float64(time.Second))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// start begins a new conversation from a random script.
func (w *World) start(ctx context.Context, wg *sync.WaitGroup) {
	w.mu.Lock()
	if w.opt.Limit > 0 && w.n >= w.opt.Limit {
		w.mu.Unlock()
		return
	}
	w.n++
	n := w.n
	sc := &scripts[w.rng.IntN(len(scripts))]
	cu := Customer{Lang: sc.Lang, VIP: w.rng.IntN(10) == 0}
	if sc.Lang == "zh" {
		cu.Name = zhNames[w.rng.IntN(len(zhNames))]
		cu.Channel = channelsZh[w.rng.IntN(len(channelsZh))]
	} else {
		cu.Name = enNames[w.rng.IntN(len(enNames))]
		cu.Channel = channelsEn[w.rng.IntN(len(channelsEn))]
	}
	cu.ExternalID = fmt.Sprintf("sim-%d-%d", w.opt.Seed, n)
	vars := map[string]string{
		"{order}":  fmt.Sprintf("%d", 20260000+w.rng.IntN(99999)),
		"{days}":   fmt.Sprintf("%d", 5+w.rng.IntN(20)),
		"{amount}": fmt.Sprintf("%d.%02d", 49+w.rng.IntN(900), w.rng.IntN(100)),
	}
	w.mu.Unlock()
	ch := &chat{script: sc, customer: cu, vars: vars}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := w.play(ctx, ch, n); err != nil && ctx.Err() == nil {
			w.log.Warn("demo conversation stopped", "script", sc.Name, "err", err)
		}
	}()
}

func (ch *chat) fill(s string) string {
	for k, v := range ch.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// play runs the bot phase of one conversation.
func (w *World) play(ctx context.Context, ch *chat, n int) error {
	if !w.opt.ScriptedBot {
		return w.playWithBot(ctx, ch, n)
	}
	sc := ch.script
	var convID string
	var tried []string
	for i, line := range sc.Opening {
		if i > 0 && !w.pause(ctx, 3, 8) {
			return nil
		}
		id, err := w.be.CustomerSays(ctx, ch.customer, convID, fmt.Sprintf("sim-%d-%d-open-%d", w.opt.Seed, n, i), ch.fill(line))
		if err != nil {
			return err
		}
		if convID == "" {
			convID = id
			w.mu.Lock()
			w.convs[convID] = ch
			w.mu.Unlock()
		}
		if w.isEscalated(convID) || !w.pause(ctx, 1, 3) {
			return nil
		}
		if w.isEscalated(convID) {
			return nil
		}
		bt := BotTurn{Text: pick(sc.Lang, "抱歉，我没有理解您的意思。", "Sorry, I didn't understand that."), Confidence: 0.1}
		if i < len(sc.Bot) {
			bt = sc.Bot[i]
		}
		if err := w.be.BotSays(ctx, convID, fmt.Sprintf("sim-%d-%d-bot-%d", w.opt.Seed, n, i), ch.fill(bt.Text), bt.Confidence); err != nil {
			return err
		}
		tried = append(tried, ch.fill(bt.Text))
	}
	if w.isEscalated(convID) {
		return nil
	}
	if sc.BotHandles {
		if !w.pause(ctx, 3, 8) {
			return nil
		}
		_, err := w.be.CustomerSays(ctx, ch.customer, convID, fmt.Sprintf("sim-%d-%d-thanks", w.opt.Seed, n), sc.Thanks)
		w.mu.Lock()
		ch.done = true
		w.mu.Unlock()
		return err
	}
	if !w.pause(ctx, 1, 3) || w.isEscalated(convID) {
		return nil
	}
	evidence := ch.fill(sc.Opening[len(sc.Opening)-1])
	return w.be.Escalate(ctx, convID, protocol.ReasonBotFailure, evidence, 0.3, tried)
}

// playWithBot runs the bot phase against the server's own bot: the
// customer writes the opening lines at human pace (the bot answers in
// between), then thanks when the script is one the bot can solve, or asks
// for a person when it has not been handed over yet.
func (w *World) playWithBot(ctx context.Context, ch *chat, n int) error {
	sc := ch.script
	var convID string
	say := func(id, text string) error {
		got, err := w.be.CustomerSays(ctx, ch.customer, convID, fmt.Sprintf("sim-%d-%d-%s", w.opt.Seed, n, id), text)
		if err == nil && convID == "" {
			convID = got
			w.mu.Lock()
			w.convs[convID] = ch
			w.mu.Unlock()
		}
		return err
	}
	for i, line := range sc.Opening {
		if i > 0 && (!w.pause(ctx, 3, 8) || w.isEscalated(convID)) {
			return nil
		}
		if err := say(fmt.Sprintf("open-%d", i), ch.fill(line)); err != nil {
			return err
		}
	}
	if !w.pause(ctx, 3, 8) || w.isEscalated(convID) {
		return nil
	}
	if sc.BotHandles {
		err := say("thanks", sc.Thanks)
		w.mu.Lock()
		ch.done = true
		w.mu.Unlock()
		return err
	}
	return say("human", pick(sc.Lang, "还是没解决，转人工吧", "That doesn't help. Can I talk to a person, please?"))
}

func pick(lang, zh, en string) string {
	if lang == "zh" {
		return zh
	}
	return en
}

func (w *World) isEscalated(convID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.escalated[convID]
}

// watch follows the floor: escalations end the bot phase, and an agent's
// reply makes the customer answer back after a while.
func (w *World) watch(ctx context.Context, c *client.Client) {
	for u := range c.Updates() {
		if wel, ok := u.(client.Welcomed); ok && wel.Welcome.Snapshot != nil {
			w.mu.Lock()
			for _, cv := range wel.Welcome.Snapshot.Conversations {
				w.escalated[cv.ID] = true // open conversations are all with people
			}
			w.mu.Unlock()
		}
		ev, ok := u.(client.Event)
		if !ok {
			continue
		}
		switch p := ev.Payload.(type) {
		case *protocol.ConversationEvent:
			if p.Conversation.Status != protocol.ConvBot {
				w.mu.Lock()
				w.escalated[p.Conversation.ID] = true
				w.mu.Unlock()
			}
			if p.Conversation.Status == protocol.ConvResolved {
				w.rate(ctx, p.Conversation.ID)
			}
		case *protocol.MessageEvent:
			if p.Message.Author == protocol.AuthorAgent {
				w.answerBack(ctx, p.Message.ConversationID)
			}
		}
	}
}

// answerBack has the customer reply to an agent after a human delay.
func (w *World) answerBack(ctx context.Context, convID string) {
	w.mu.Lock()
	ch := w.convs[convID]
	if ch == nil || ch.done || ch.busy {
		w.mu.Unlock()
		return
	}
	ch.busy = true
	var text string
	if ch.followUp < len(ch.script.FollowUps) {
		text = ch.fill(ch.script.FollowUps[ch.followUp])
		ch.followUp++
	} else {
		text = ch.script.Thanks
		ch.done = true
	}
	step := ch.followUp
	w.mu.Unlock()
	go func() {
		defer func() {
			w.mu.Lock()
			ch.busy = false
			w.mu.Unlock()
		}()
		if !w.pause(ctx, 6, 20) {
			return
		}
		if _, err := w.be.CustomerSays(ctx, ch.customer, convID, fmt.Sprintf("%s-reply-%d-%v", ch.customer.ExternalID, step, ch.done), text); err != nil && ctx.Err() == nil {
			w.log.Warn("customer reply", "conversation", convID, "err", err)
		}
	}()
}

// rate has the customer of a resolved conversation the world started rate
// it once, after a while: calm customers whose question was answered rate
// high, angry and threatening ones lower, and one left before they were
// done (resolved without their thanks) a point lower still.
func (w *World) rate(ctx context.Context, convID string) {
	r, ok := w.be.(Rater)
	if !ok {
		return
	}
	w.mu.Lock()
	ch := w.convs[convID]
	if ch == nil || ch.rated {
		w.mu.Unlock()
		return
	}
	ch.rated = true
	score := map[string]int{"calm": 5, "annoyed": 4, "angry": 3, "threat": 2}[ch.script.Mood]
	if score == 0 {
		score = 4
	}
	score += w.rng.IntN(3) - 1
	if !ch.done {
		score--
	}
	score = min(max(score, 1), 5)
	comment := ratingComments[ch.script.Lang == "zh"][score-1]
	w.mu.Unlock()
	go func() {
		if !w.pause(ctx, 2, 8) {
			return
		}
		if err := r.Rate(ctx, convID, score, comment); err != nil && ctx.Err() == nil {
			w.log.Warn("customer rating", "conversation", convID, "err", err)
		}
	}()
}

// ratingComments are what customers write with a rating of 1 to 5.
var ratingComments = map[bool][5]string{
	false: {"Nobody actually solved my problem.", "Slow and unhelpful.", "It's sorted, but it took too long.", "Good help, thanks.", "Quick and friendly, thank you!"},
	true:  {"问题根本没解决。", "回复太慢，没帮上忙。", "解决了，就是等得有点久。", "服务不错，谢谢。", "很快就解决了，谢谢！"},
}

// Done reports whether the customer of a conversation the world started has
// finished (thanked); teammates resolve such chats.
func (w *World) Done(convID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.convs[convID]
	return ch != nil && ch.done && !ch.busy
}
