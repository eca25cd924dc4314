package server

import (
	"context"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The exemplar memory learns from stored outcomes and promoted gold
// replies. The server feeds it at start and after every outcome; `agentdesk
// eval golden --with-memory` feeds it the same way through LoadExemplars, so
// what the evaluation measures is what serve does.

// ExemplarOf is what the copilot learns from an answered turn: an accepted
// or edited reply as the agent sent it, a rejected draft as a warning. ok
// is false when there is nothing to learn (no question or no reply).
func ExemplarOf(t store.AnsweredTurn) (copilot.Exemplar, bool) {
	o := t.Outcome
	x := copilot.Exemplar{ID: o.ID, Question: t.Question, Language: t.Language, At: time.UnixMilli(o.CreatedAt), CustomerName: t.CustomerName,
		Context: t.Context, Intent: t.Intent}
	// The copilot's outcome is the draft state the action left (the same
	// word: server/vocab_test.go); anything not sent is a rejection.
	x.Outcome, x.Reply = copilot.Outcome(o.Action.Status()), o.FinalText
	if o.Action != protocol.ActionAccept && o.Action != protocol.ActionEdit {
		x.Outcome, x.Reply = copilot.Rejected, o.DraftText
	}
	for _, s := range o.Sources {
		if s.Kind == copilot.SourceKB {
			x.Sources = append(x.Sources, s.ID)
		}
	}
	if x.Outcome != copilot.Rejected && templateReply(o) {
		return x, false
	}
	return x, x.Question != "" && x.Reply != ""
}

// templateReply: the agent sent a draft that cited nothing — the
// copilot's honest no-article acknowledgement ("您说的“…”这个问题我已经记下了"),
// a holding or closing line — as drafted or with a line added ("很抱歉让您
// 久等了！"). It carries no knowledge, and reused it would quote this
// customer's words to the next one: no example. A reply the agent rewrote
// (little left of the draft) is their own and is learnt.
func templateReply(o protocol.Outcome) bool {
	if len(o.Sources) > 0 || o.DraftText == "" {
		return false
	}
	return o.Action == protocol.ActionAccept || copilot.Similarity(o.DraftText, o.FinalText) >= templateKept
}

// templateKept: an edit this similar (token F1) to its draft kept the draft.
const templateKept = 0.5

// GoldExemplar is a trainer's promoted gold reply as an exemplar.
func GoldExemplar(p protocol.Promotion) copilot.Exemplar {
	return copilot.Exemplar{ID: p.Ref, Question: p.Question, Reply: p.Reply, Outcome: copilot.Gold,
		Language: p.Language, At: time.UnixMilli(p.At)}
}

// maxExemplarTurns bounds the outcomes read at start.
const maxExemplarTurns = 100_000

// LoadExemplars hands add every exemplar the store holds: the answered
// turns, then the promoted gold replies. skip, when not nil, leaves out
// the outcomes it names (and the promotions made from them). It stops at
// the first error, of the store or of add, and reports how many turns
// and gold replies it handed over.
func LoadExemplars(ctx context.Context, st *store.Store, add func(copilot.Exemplar) error, skip func(outcomeID string) bool) (turns, gold int, err error) {
	answered, err := st.AnsweredTurns(ctx, maxExemplarTurns)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range answered {
		if skip != nil && skip(t.Outcome.ID) {
			continue
		}
		x, ok := ExemplarOf(t)
		if !ok {
			continue
		}
		if err := add(x); err != nil {
			return turns, 0, err
		}
		turns++
	}
	promoted, err := st.Promotions(ctx, protocol.PromoteExemplar)
	if err != nil {
		return turns, 0, err
	}
	for _, p := range promoted {
		if skip != nil && skip(p.OutcomeID) {
			continue
		}
		if err := add(GoldExemplar(p)); err != nil {
			return turns, gold, err
		}
		gold++
	}
	return turns, gold, nil
}
