package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Copilot is what the enrichment workers need from the copilot engine.
type Copilot interface {
	Insight(ctx context.Context, conv copilot.Conversation) (copilot.Insight, error)
	Draft(ctx context.Context, conv copilot.Conversation, instruction string, onDelta func(copilot.Delta)) (copilot.Draft, error)
	AddExemplar(x copilot.Exemplar) error
}

// intentWorder is a Copilot that names the words its intents go by
// (copilot.Engine: KB tags and aliases); the board's hot topics fold
// keywords into their intents with them.
type intentWorder interface {
	IntentWords() map[string][]string
}

// analyser is a Copilot that also reads single messages (copilot.Engine):
// the escalation rules then use the same analyser as the insights.
type analyser interface {
	Analyze(text string) copilot.Analysis
}

// analyserOf is the per-message analyser the rules use with cp: its own
// when it has one, else the copilot's lexicon engine.
func analyserOf(cp Copilot) SentimentFunc {
	if a, ok := cp.(analyser); ok {
		return a.Analyze
	}
	return copilot.Analyze
}

// enricher computes insights and drafts for conversations people work on,
// outside every request path: events mark conversations dirty, workers pick
// them up. A conversation marked again while queued is enriched once, with
// its newest state; the copilot cancels a superseded generation itself.
type enricher struct {
	st      *store.Store
	cp      Copilot
	log     *slog.Logger
	timeout time.Duration

	mu     sync.Mutex
	queued map[string]job // by conversation id
	order  []string
	wake   chan struct{}

	// Outcomes to learn from. learnMu makes "learn everything pending"
	// atomic, so an enrichment never starts while an outcome recorded
	// before it is still being learnt by the other goroutine.
	lessonMu   sync.Mutex
	lessons    []string
	lessonWake chan struct{}
	learnMu    sync.Mutex

	// deltas publishes a draft_delta frame to the desks that may see the
	// conversation's drafts (nil: drafts are not streamed).
	deltas func(convID, assignee string, frame []byte)
	// observe, when set, records each copilot call's latency and whether
	// the offline engine stood in for the model (metrics.go).
	observe func(kind string, d time.Duration, fallback bool)
	// streams are the generations streaming right now; notice keeps their
	// conversation's assignee current so visibility follows claims.
	streamMu sync.Mutex
	streams  map[*draftStream]struct{}
}

func newEnricher(st *store.Store, cp Copilot, log *slog.Logger, timeout time.Duration) *enricher {
	return &enricher{st: st, cp: cp, log: log, timeout: timeout,
		queued: map[string]job{}, wake: make(chan struct{}, 1), lessonWake: make(chan struct{}, 1),
		streams: map[*draftStream]struct{}{}}
}

// notice looks at committed events (called in seq order, must not block).
// A conversation is marked once per batch: marking it per event would let a
// worker take the first mark before the second arrives, and enrich (and
// stream a draft for) the same state twice.
func (e *enricher) notice(events []store.Event) {
	var dirty []string
	defer func() {
		for _, id := range dirty {
			e.mark(id, job{})
		}
	}()
	for i := range events {
		ev := &events[i]
		if ev.Kind == protocol.EvConversation {
			e.streamMu.Lock()
			for st := range e.streams {
				if st.convID == ev.ConversationID {
					a := ev.Assignee // a copy: the batch is not ours to keep
					st.assignee.Store(&a)
				}
			}
			e.streamMu.Unlock()
		}
		switch {
		case !ev.Local && ev.Kind != protocol.EvOutcome:
			// Another replica committed it and enriches it; every replica
			// learns from every outcome (each has its own exemplar memory).
		case ev.Kind == protocol.EvConversation && (ev.Detail == protocol.CauseEscalated || ev.Detail == protocol.CauseReopened),
			ev.Kind == protocol.EvMessage && ev.Detail == protocol.AuthorCustomer && peopleWork(ev.Status):
			if !slices.Contains(dirty, ev.ConversationID) {
				dirty = append(dirty, ev.ConversationID)
			}
		case ev.Kind == protocol.EvOutcome:
			e.lessonMu.Lock()
			e.lessons = append(e.lessons, ev.Detail) // the outcome id
			e.lessonMu.Unlock()
			select {
			case e.lessonWake <- struct{}{}:
			default:
			}
		}
	}
}

// peopleWork reports whether a conversation in this status is with people
// (or may be: an unknown status is looked at). Customer messages of
// conversations still with the bot are not enriched: that would read the
// whole conversation for every message, to do nothing.
func peopleWork(status string) bool {
	return status != protocol.ConvBot && status != protocol.ConvResolved
}

// job is what to do for one conversation: always a fresh insight; a draft
// when the customer spoke last, or when an agent asked (draft set), steered
// by the instruction.
type job struct {
	draft       bool
	instruction string
}

// mark queues a conversation for enrichment. A queued job keeps an agent's
// explicit request if a plain refresh arrives after it.
func (e *enricher) mark(convID string, j job) {
	e.mu.Lock()
	prev, ok := e.queued[convID]
	if !ok {
		e.order = append(e.order, convID)
	}
	if ok && prev.draft && !j.draft {
		j = prev
	}
	e.queued[convID] = j
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *enricher) take() (string, job, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.order) == 0 {
		return "", job{}, false
	}
	id := e.order[0]
	e.order = e.order[1:]
	j := e.queued[id]
	delete(e.queued, id)
	return id, j, true
}

// run processes marked conversations and outcomes until ctx ends.
func (e *enricher) run(ctx context.Context, workers int) {
	e.learnAll(ctx)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, j, ok := e.take()
				if !ok {
					select {
					case <-ctx.Done():
						return
					case <-e.wake:
						continue
					}
				}
				// Pass the wake-up on: another worker may take the next one.
				select {
				case e.wake <- struct{}{}:
				default:
				}
				e.enrich(ctx, id, j)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.lessonWake:
				e.learnPending(ctx)
			}
		}
	}()
	wg.Wait()
}

// conversationFor turns a stored conversation into the copilot's input.
func conversationFor(d protocol.ConversationDetail) copilot.Conversation {
	cv := copilot.Conversation{ID: d.Conversation.ID, CustomerName: d.Conversation.CustomerName, Channel: d.Conversation.Channel}
	if esc := d.Conversation.Escalation; esc != nil {
		cv.EscalationReason = strings.TrimSpace(string(esc.Reason) + ": " + esc.Evidence)
		cv.BotAttempts = esc.BotTried
	}
	for _, m := range d.Messages {
		cv.Messages = append(cv.Messages, copilot.Message{Seq: int64(m.Seq), Role: copilot.Role(m.Author), Text: m.Text,
			At: time.UnixMilli(m.CreatedAt), Notice: m.Author == protocol.AuthorBot && !m.BotKind.Tried()})
	}
	return cv
}

func (e *enricher) enrich(ctx context.Context, convID string, j job) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	// Registered before the conversation is read, so no assignment change
	// between that read and the draft slips past notice.
	stream := e.startStream(convID)
	defer e.endStream(stream)
	// What agents sent before this customer turn should shape its draft.
	e.learnPending(ctx)
	d, err := e.st.ConversationDetail(ctx, convID)
	if err != nil {
		e.log.Warn("enrich: load conversation", "conversation", convID, "err", err)
		return
	}
	c := d.Conversation
	stream.assignee.CompareAndSwap(nil, &c.Assignee)
	if c.Status != protocol.ConvQueued && c.Status != protocol.ConvAssigned && c.Status != protocol.ConvSnoozed {
		return
	}
	conv := conversationFor(d)
	began := time.Now()
	ins, err := e.cp.Insight(ctx, conv)
	if err == nil && e.observe != nil {
		e.observe("insight", time.Since(began), ins.Provenance.Fallback != "")
	}
	if err != nil {
		if !errors.Is(err, copilot.ErrSuperseded) && ctx.Err() == nil {
			e.log.Warn("enrich: insight", "conversation", convID, "err", err)
		}
		return
	}
	if err := e.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Enrich(convID, store.Insight{
			Summary: strings.Join(ins.Summary, "\n"), Sentiment: string(ins.Sentiment.Label),
			Flags: protocol.FlagsOf(ins.Flags.Names()), Language: ins.Language, Intent: ins.Intent,
			Trajectory: trajectory(ins.Sentiment.Trajectory),
		})
		return err
	}); err != nil {
		e.log.Warn("enrich: store insight", "conversation", convID, "err", err)
		return
	}
	// A draft answers the customer: only when the customer spoke last (or
	// an agent explicitly asked for one).
	if !j.draft && !awaitsAgent(d.Messages) {
		return
	}
	began = time.Now()
	dr, err := e.cp.Draft(ctx, conv, j.instruction, stream.add)
	if err == nil && e.observe != nil {
		e.observe("draft", time.Since(began), dr.Provenance.Fallback != "")
	}
	// The last piece goes out before the draft.updated that replaces it; a
	// failed generation tells the desks to drop what they were shown.
	stream.finish(err == nil)
	if err != nil {
		if !errors.Is(err, copilot.ErrSuperseded) && ctx.Err() == nil {
			e.log.Warn("enrich: draft", "conversation", convID, "err", err)
		}
		return
	}
	pd := protocol.Draft{
		ConversationID: convID, Text: dr.Text, BasedOnSeq: int(dr.Provenance.Seq),
		Provider: dr.Provenance.Provider, Model: dr.Provenance.Model, PromptVersion: dr.Provenance.PromptVersion,
		Instruction: j.instruction, Kind: protocol.DraftKind(dr.Kind),
	}
	for _, s := range dr.Citations {
		pd.Sources = append(pd.Sources, protocol.Source{Kind: s.Kind, ID: s.ID, Title: s.Title, Score: s.Score})
	}
	for _, w := range dr.Warnings {
		pd.Warnings = append(pd.Warnings, w.Code+": "+w.Message)
	}
	if err := e.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateDraft(pd)
		return err
	}); err != nil {
		e.log.Warn("enrich: store draft", "conversation", convID, "err", err)
	}
}

// deltaInterval is the shortest time between two draft_delta frames of one
// generation: pieces arriving faster are sent together. The first piece
// goes out at once.
const deltaInterval = 30 * time.Millisecond

// draftStream forwards one generation's pieces to the desks as draft_delta
// frames, coalesced to at most one frame per deltaInterval. Publishing never
// blocks the worker (see hub.publishDelta).
type draftStream struct {
	e        *enricher
	convID   string
	jobID    string
	assignee atomic.Pointer[string] // the conversation's current assignee; nil until known

	mu      sync.Mutex
	pending strings.Builder // text not sent yet
	reset   bool            // the next frame must say reset
	sent    bool            // a frame went out already
	last    time.Time       // when the last frame went out
	timer   *time.Timer     // flushes pending text left by a burst
	done    bool
}

func (e *enricher) startStream(convID string) *draftStream {
	s := &draftStream{e: e, convID: convID, jobID: "g_" + rand.Text()[:16]}
	e.streamMu.Lock()
	e.streams[s] = struct{}{}
	e.streamMu.Unlock()
	return s
}

func (e *enricher) endStream(s *draftStream) {
	s.finish(false)
	e.streamMu.Lock()
	delete(e.streams, s)
	e.streamMu.Unlock()
}

// add is the copilot's onDelta.
func (s *draftStream) add(d copilot.Delta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.e.deltas == nil {
		return
	}
	if d.Reset {
		s.pending.Reset()
		s.reset = true
	}
	s.pending.WriteString(d.Text)
	wait := deltaInterval - time.Since(s.last)
	if !s.sent || wait <= 0 {
		s.flushLocked()
		return
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(wait, s.tick)
	}
}

func (s *draftStream) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if !s.done {
		s.flushLocked()
	}
}

// finish ends the stream: with ok it sends what is pending; without, a
// stream that showed anything ends with an empty reset (drop it). Only the
// first call counts.
func (s *draftStream) finish(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.e.deltas != nil {
		if ok {
			s.flushLocked()
		} else if s.sent {
			s.pending.Reset()
			s.reset = true
			s.flushLocked()
		}
	}
	s.done = true
}

func (s *draftStream) flushLocked() {
	if s.pending.Len() == 0 && !s.reset {
		return
	}
	assignee := ""
	if a := s.assignee.Load(); a != nil {
		assignee = *a
	}
	data, err := json.Marshal(protocol.DraftDelta{ConversationID: s.convID, JobID: s.jobID, Text: s.pending.String(), Reset: s.reset})
	if err != nil {
		return
	}
	frame, err := json.Marshal(protocol.Frame{Type: protocol.TypeDraftDelta, Data: data})
	if err != nil {
		return
	}
	s.pending.Reset()
	s.reset = false
	s.sent = true
	s.last = time.Now()
	s.e.deltas(s.convID, assignee, frame)
}

// awaitsAgent reports whether the customer's newest message has had no
// reply from a person yet (bot answers don't count: that is why it escalated).
func awaitsAgent(ms []protocol.Message) bool {
	for i := len(ms) - 1; i >= 0; i-- {
		switch ms[i].Author {
		case protocol.AuthorAgent:
			return false
		case protocol.AuthorCustomer:
			return true
		}
	}
	return false
}

func trajectory(turns []copilot.TurnSentiment) []float64 {
	out := make([]float64, 0, len(turns))
	for _, t := range turns {
		out = append(out, t.Score)
	}
	return out
}

// learnAll feeds every stored outcome and gold reply to the exemplar
// memory at start (exemplars.go).
func (e *enricher) learnAll(ctx context.Context) {
	turns, _, err := LoadExemplars(ctx, e.st, func(x copilot.Exemplar) error {
		if err := e.cp.AddExemplar(x); err != nil {
			e.log.Warn("add exemplar", "id", x.ID, "err", err)
		}
		return nil
	}, nil)
	if err != nil {
		e.log.Error("load exemplars", "err", err)
		return
	}
	if turns > 0 {
		e.log.Info("copilot learnt from stored outcomes", "count", turns)
	}
}

// addGold feeds a trainer's promoted gold reply to the exemplar memory.
func (e *enricher) addGold(p protocol.Promotion) {
	if err := e.cp.AddExemplar(GoldExemplar(p)); err != nil {
		e.log.Warn("add gold exemplar", "promotion", p.ID, "err", err)
	}
}

// learnPending feeds every outcome recorded so far to the exemplar memory.
func (e *enricher) learnPending(ctx context.Context) {
	e.learnMu.Lock()
	defer e.learnMu.Unlock()
	e.lessonMu.Lock()
	ids := e.lessons
	e.lessons = nil
	e.lessonMu.Unlock()
	for _, id := range ids {
		e.learn(ctx, id)
	}
}

func (e *enricher) learn(ctx context.Context, outcomeID string) {
	t, err := e.st.AnsweredTurn(ctx, outcomeID)
	if err != nil {
		e.log.Warn("learn from outcome", "outcome", outcomeID, "err", err)
		return
	}
	e.addExemplar(t)
}

func (e *enricher) addExemplar(t store.AnsweredTurn) {
	x, ok := ExemplarOf(t)
	if !ok {
		return
	}
	if err := e.cp.AddExemplar(x); err != nil {
		e.log.Warn("add exemplar", "outcome", t.Outcome.ID, "err", err)
	}
}
