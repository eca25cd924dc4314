package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/protocol"
)

// mate is a simulated teammate working the queue at human pace through the
// real desk API: takes chats nobody picked up for a while, answers with the
// AI draft (accepting, editing or rejecting it, like a person would),
// resolves when the customer is done.
type mate struct {
	w  *World
	id string
	c  *client.Client

	mu     sync.Mutex
	queued map[string]int64 // queued conversation → escalated at (ms)
	mine   map[string]*mateChat
	// status is the teammate's presence as the server last said; a lead
	// setting them away or offline (a drain) sends them on a break: they
	// take nothing new until breakUntil, then come back online.
	status     string
	breakUntil time.Time
	viewing    string // the chat on their screen (presence)
}

type mateChat struct {
	lastAuthor string
	lastAt     time.Time
	lastCust   int
	draft      *protocol.Draft
	lang       string
}

func newMate(w *World, id, token string) (*mate, error) {
	c, err := client.New(client.Options{URL: w.opt.Desk, Token: token, Logger: w.log})
	if err != nil {
		return nil, fmt.Errorf("teammate %s: %w", id, err)
	}
	return &mate{w: w, id: id, c: c, queued: map[string]int64{}, mine: map[string]*mateChat{}}, nil
}

func (m *mate) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); m.c.Run(ctx) }()
	go func() { defer wg.Done(); m.follow() }()
	defer func() { wg.Wait(); m.c.Close() }()
	online := false
	tick := time.NewTicker(time.Duration(float64(3*time.Second) / m.w.opt.Speed))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if m.c.State() != client.StateOnline {
			continue
		}
		m.mu.Lock()
		away := m.status != "" && m.status != protocol.StatusOnline
		back := away && time.Now().After(m.breakUntil)
		m.mu.Unlock()
		if !online || back {
			if _, err := m.c.SetStatus(ctx, "", protocol.StatusOnline); err == nil {
				online = true
				m.mu.Lock()
				m.status = protocol.StatusOnline
				m.mu.Unlock()
			}
		}
		m.work(ctx)
	}
}

// follow keeps the teammate's picture of the floor current.
func (m *mate) follow() {
	for u := range m.c.Updates() {
		m.mu.Lock()
		switch u := u.(type) {
		case client.Welcomed:
			if snap := u.Welcome.Snapshot; snap != nil {
				m.queued, m.mine = map[string]int64{}, map[string]*mateChat{}
				for _, c := range snap.Conversations {
					m.track(c)
				}
			}
		case client.Event:
			switch p := u.Payload.(type) {
			case *protocol.ConversationEvent:
				m.track(p.Conversation)
			case *protocol.MessageEvent:
				if mc := m.mine[p.Message.ConversationID]; mc != nil && p.Message.Author != protocol.AuthorNote {
					mc.lastAuthor, mc.lastAt = p.Message.Author, time.Now()
					if p.Message.Author == protocol.AuthorCustomer {
						mc.lastCust = p.Message.Seq
					}
				}
			case *protocol.AgentEvent:
				if p.Agent.ID == m.id && p.Agent.Status != m.status {
					m.status = p.Agent.Status
					if p.Agent.Status != protocol.StatusOnline && p.By != m.id {
						m.breakUntil = time.Now().Add(time.Duration(float64(3*time.Minute) / m.w.opt.Speed))
					}
				}
			case *protocol.DraftEvent:
				if mc := m.mine[p.Draft.ConversationID]; mc != nil {
					d := p.Draft
					if d.Status == protocol.DraftOpen {
						mc.draft = &d
					} else if mc.draft != nil && mc.draft.ID == d.ID {
						mc.draft = nil
					}
				}
			}
		}
		m.mu.Unlock()
	}
}

func (m *mate) track(c protocol.Conversation) {
	delete(m.queued, c.ID)
	switch {
	case c.Status == protocol.ConvQueued:
		m.queued[c.ID] = c.EscalatedAt
		delete(m.mine, c.ID)
	case c.Assignee == m.id && (c.Status == protocol.ConvAssigned || c.Status == protocol.ConvSnoozed):
		if m.mine[c.ID] == nil {
			m.mine[c.ID] = &mateChat{lastAuthor: protocol.AuthorCustomer, lastAt: time.Now(), lastCust: c.LastCustomer, lang: c.Language}
		}
	default:
		delete(m.mine, c.ID)
	}
}

// work does one round: take a chat if free and someone has waited long,
// answer chats whose customer is waiting, resolve finished ones.
func (m *mate) work(ctx context.Context) {
	scale := func(s float64) time.Duration { return time.Duration(s / m.w.opt.Speed * float64(time.Second)) }
	m.mu.Lock()
	load := len(m.mine)
	var oldest int64
	for _, at := range m.queued {
		if oldest == 0 || at < oldest {
			oldest = at
		}
	}
	type todo struct {
		id    string
		draft *protocol.Draft
		lang  string
	}
	onShift := m.status == "" || m.status == protocol.StatusOnline
	var answer, resolve []todo
	for id, mc := range m.mine {
		if m.w.Done(id) && time.Since(mc.lastAt) > scale(8) {
			resolve = append(resolve, todo{id: id})
			continue
		}
		if mc.lastAuthor == protocol.AuthorCustomer && time.Since(mc.lastAt) > scale(m.think()) {
			var d *protocol.Draft
			if mc.draft != nil && mc.draft.BasedOnSeq >= mc.lastCust {
				d = mc.draft
			}
			answer = append(answer, todo{id: id, draft: d, lang: mc.lang})
			mc.lastAuthor, mc.lastAt = protocol.AuthorAgent, time.Now() // don't answer twice meanwhile
		}
	}
	m.mu.Unlock()

	if !onShift {
		// On a break: nothing on their screen.
		m.mu.Lock()
		was := m.viewing
		m.viewing = ""
		m.mu.Unlock()
		if was != "" {
			if _, err := m.c.Viewing(ctx, ""); err != nil {
				m.w.log.Debug("teammate viewing", "mate", m.id, "err", err)
			}
		}
	}
	// Leave fresh chats to the person at the desk; step in when they wait.
	if onShift && load < 2 && oldest > 0 && time.Since(time.UnixMilli(oldest)) > scale(45) {
		if _, err := m.c.Next(ctx, ""); err != nil && protocol.CodeOf(err) != protocol.CodeNotFound && protocol.CodeOf(err) != protocol.CodeConflict {
			m.w.log.Debug("teammate next", "mate", m.id, "err", err)
		}
	}
	for _, t := range answer {
		m.reply(ctx, t.id, t.draft, t.lang)
	}
	for _, t := range resolve {
		if _, err := m.c.Resolve(ctx, t.id, "answered"); err != nil {
			m.w.log.Debug("teammate resolve", "mate", m.id, "err", err)
		}
	}
}

func (m *mate) think() float64 {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	return 15 + m.w.rng.Float64()*30
}

func (m *mate) roll() int {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	return m.w.rng.IntN(100)
}

// reply answers a waiting customer the way agents do: mostly with the
// draft, sometimes edited, now and then rejecting it and writing their own.
func (m *mate) reply(ctx context.Context, convID string, d *protocol.Draft, lang string) {
	// The chat is on their screen while they answer it (and until the
	// next one): other desks see them in it (presence).
	m.mu.Lock()
	changed := m.viewing != convID
	m.viewing = convID
	m.mu.Unlock()
	if changed {
		if _, err := m.c.Viewing(ctx, convID); err != nil {
			m.w.log.Debug("teammate viewing", "mate", m.id, "err", err)
		}
	}
	own := pick(lang, "您好，我是人工客服，已经在帮您处理了，请稍等片刻。", "Hi, I'm looking into this for you right now — one moment please.")
	if d == nil {
		if _, err := m.c.Send(ctx, convID, own); err != nil {
			m.w.log.Debug("teammate send", "mate", m.id, "err", err)
		}
		return
	}
	req := protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionAccept}
	switch r := m.roll(); {
	case r < 50:
	case r < 75:
		req.Action = protocol.ActionEdit
		req.FinalText = editDraft(d.Text, lang, m.roll())
	default:
		// A quarter rejected, so trainers have mistakes to review.
		req.Action, req.Reason = protocol.ActionReject, protocol.RejectReasons[m.roll()%len(protocol.RejectReasons)]
		req.Note = rejectNotes[req.Reason]
	}
	if _, err := m.c.EnqueueOutcome(req); err != nil {
		m.w.log.Debug("teammate outcome", "mate", m.id, "err", err)
		return
	}
	if req.Action == protocol.ActionReject {
		if _, err := m.c.Send(ctx, convID, own); err != nil {
			m.w.log.Debug("teammate send", "mate", m.id, "err", err)
		}
	}
}

// rejectNotes are what a teammate jots down when refusing a draft.
var rejectNotes = map[string]string{
	"wrong_facts":     "policy is different",
	"wrong_tone":      "too stiff for an upset customer",
	"wrong_language":  "customer wrote in another language",
	"unsafe":          "promises something we can't do",
	"incomplete":      "doesn't answer the actual question",
	"should_escalate": "needs a supervisor",
	"other":           "wrote my own",
}

// editDraft changes a draft the ways agents do: an apology up front, a
// shorter answer, or a closing line.
func editDraft(text, lang string, roll int) string {
	switch roll % 3 {
	case 0:
		return pick(lang, "很抱歉让您久等了！", "Sorry for the wait! ") + text
	case 1:
		first := firstSentence(text)
		return first + pick(lang, "具体进度我会继续跟进。", " I'll keep an eye on it for you.")
	default:
		return text + pick(lang, " 如有其他问题随时联系我。", " Let me know if there's anything else.")
	}
}

// firstSentence is text up to and including its first sentence end.
func firstSentence(text string) string {
	for i, r := range text {
		switch r {
		case '。', '！', '？', '!', '?':
			return text[:i+len(string(r))]
		case '.':
			if i+1 < len(text) && text[i+1] == ' ' {
				return text[:i+1]
			}
		}
	}
	return text
}
