package server

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The escalation rules keep a running state per conversation while it is
// with the bot — the fingerprints of the customer messages since the bot
// (last) got the chat and its count of failed bot turns since then — so
// judging a message costs no reads of earlier ones. The state is a cache of
// committed facts: it is read only when it reflects exactly the
// conversation as loaded (its newest message seq and its version: any
// other change — an escalation, a resolution, the chat coming back to the
// bot — moves the version), updated only after a commit (store.Tx.OnCommit),
// and rebuilt from the database otherwise — after a restart, when a message
// arrived by another path (a desk, another replica), or when it was
// evicted. So it never changes a verdict; it only saves the reads.

// maxPrevious is how many earlier customer messages the repeat rule
// compares a message with.
const maxPrevious = 20

// maxPrintRunes bounds the letters a fingerprint keeps of one message.
const maxPrintRunes = 1000

// fingerprint is a message as the repeat rule compares it: its letters and
// digits (folded, no spaces or punctuation) and their character bigrams.
type fingerprint struct {
	letters string
	runes   int
	bigrams []uint64 // sorted, unique; rune pairs
}

func newFingerprint(folded string) fingerprint {
	var b strings.Builder
	n := 0
	for _, r := range folded {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			if n++; n == maxPrintRunes {
				break
			}
		}
	}
	f := fingerprint{letters: b.String(), runes: n}
	if n > 1 {
		f.bigrams = make([]uint64, 0, n-1)
		prev, size := utf8.DecodeRuneInString(f.letters)
		for rest := f.letters[size:]; rest != ""; rest = rest[size:] {
			var r rune
			r, size = utf8.DecodeRuneInString(rest)
			f.bigrams = append(f.bigrams, uint64(prev)<<32|uint64(uint32(r)))
			prev = r
		}
		slices.Sort(f.bigrams)
		f.bigrams = slices.Compact(f.bigrams)
	}
	return f
}

// similar is the Jaccard similarity of two fingerprints' bigram sets.
func (f fingerprint) similar(g fingerprint) float64 {
	if len(f.bigrams) == 0 || len(g.bigrams) == 0 {
		return 0
	}
	inter := 0
	for i, j := 0, 0; i < len(f.bigrams) && j < len(g.bigrams); {
		switch {
		case f.bigrams[i] == g.bigrams[j]:
			inter++
			i++
			j++
		case f.bigrams[i] < g.bigrams[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(f.bigrams)+len(g.bigrams)-inter)
}

// repeats counts earlier messages that say the same as cur: equal letters,
// or at least 80% of their character bigrams shared.
func repeats(cur fingerprint, previous []fingerprint, minRunes int) int {
	if cur.runes < minRunes {
		return 0
	}
	n := 0
	for _, p := range previous {
		if p.letters == cur.letters || p.similar(cur) >= 0.8 {
			n++
		}
	}
	return n
}

// ruleState is the running state of one conversation as of its message
// seq and version.
type ruleState struct {
	seq         int
	version     int64
	botFailures int
	previous    []fingerprint // newest first, at most maxPrevious
}

// after returns the state once c's newest message (by a customer with
// fingerprint print, or a bot turn that failed or not) was added.
func (st *ruleState) after(c protocol.Conversation, customer bool, print fingerprint, botFailed bool) *ruleState {
	next := &ruleState{seq: c.LastSeq, version: c.Version, botFailures: st.botFailures, previous: st.previous}
	if botFailed {
		next.botFailures++
	}
	if customer {
		next.previous = make([]fingerprint, 0, min(len(st.previous)+1, maxPrevious))
		next.previous = append(next.previous, print)
		next.previous = append(next.previous, st.previous[:min(len(st.previous), maxPrevious-1)]...)
	}
	return next
}

// ruleStates caches the running state of conversations with the bot.
type ruleStates struct {
	mu  sync.Mutex
	m   map[string]*ruleState
	max int
}

func newRuleStates(max int) *ruleStates {
	return &ruleStates{m: map[string]*ruleState{}, max: max}
}

// at returns the cached state of a conversation if it reflects exactly c
// (as loaded before its new message); nil otherwise.
func (rs *ruleStates) at(c protocol.Conversation) *ruleState {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if st := rs.m[c.ID]; st != nil && st.seq == c.LastSeq && st.version == c.Version {
		return st
	}
	return nil
}

func (rs *ruleStates) put(convID string, st *ruleState) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if _, ok := rs.m[convID]; !ok && len(rs.m) >= rs.max {
		for id := range rs.m { // evict one, any: a miss only costs a read
			delete(rs.m, id)
			break
		}
	}
	rs.m[convID] = st
}

func (rs *ruleStates) drop(convID string) {
	rs.mu.Lock()
	delete(rs.m, convID)
	rs.mu.Unlock()
}

// ruleStateBefore is the running state of conversation c as loaded
// before its newest message (seq) was added: cached, empty for a
// conversation that had no messages, or rebuilt from the database — the
// customer's messages and the failed bot turns since the bot last got the
// chat, the one being judged left out.
func (ch *channels) ruleStateBefore(tx *store.Tx, before protocol.Conversation, seq int) (*ruleState, error) {
	if st := ch.states.at(before); st != nil {
		return st, nil
	}
	st := &ruleState{seq: before.LastSeq, version: before.Version}
	if before.LastSeq == 0 {
		return st, nil
	}
	if ch.rules.BotFailures > 0 {
		n, err := tx.BotFailures(before.ID, ch.rules.LowConfidence)
		if err != nil {
			return nil, err
		}
		st.botFailures = n
	}
	if ch.rules.Repeats > 1 {
		since, err := tx.BotSince(before.ID)
		if err != nil {
			return nil, err
		}
		texts, err := tx.CustomerTextsSince(before.ID, since-1, seq-1, maxPrevious)
		if err != nil {
			return nil, err
		}
		for _, t := range texts {
			st.previous = append(st.previous, newFingerprint(copilot.FoldText(t)))
		}
	}
	return st, nil
}
