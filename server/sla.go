package server

import (
	"context"
	"slices"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Priority inputs and weights. The formula (also in docs/api/README.md):
//
//	priority = min(100, severity + 5 × (other severe flags, at most 3) + 25 if VIP
//	               + 1 per minute the customer has waited (at most 30) + 10 once the SLA is breached)
//
// severity is the heaviest of the conversation's signals: legal_threat 40,
// angry 30, urgent 25, churn_risk 20, negative sentiment 20, asks_for_human
// 15, bot_failure 15; anything else escalated 10. Waiting time counts from
// the customer's first message since the last agent reply, so a customer who
// fought the bot for ten minutes is ahead of one who just arrived. Priority
// is computed when a conversation is escalated and again when its SLA is
// breached; the desk counts the wait between.
var severity = map[protocol.Flag]int{
	protocol.FlagLegalThreat:  40,
	protocol.FlagAngry:        30,
	protocol.FlagUrgent:       25,
	protocol.FlagChurnRisk:    20,
	signalNegative:            20,
	protocol.FlagAsksForHuman: 15,
	signalBotFailure:          15,
}

// Signals that weigh in priority like flags but are not flags: a negative
// sentiment reading and a bot-failure escalation.
const (
	signalNegative   protocol.Flag = "negative"
	signalBotFailure               = protocol.Flag(protocol.ReasonBotFailure)
)

// PriorityInput is what priority is computed from.
type PriorityInput struct {
	Flags    []protocol.Flag // conversation flags plus the negative / bot_failure signals
	VIP      bool
	Waiting  time.Duration
	Breached bool
}

// Priority computes a conversation's priority (0–100, higher first).
func Priority(in PriorityInput) int {
	sev, others := 10, 0
	seen := map[protocol.Flag]bool{}
	for _, f := range in.Flags {
		w, ok := severity[f]
		if !ok || seen[f] {
			continue
		}
		seen[f] = true
		if w > sev {
			if sev > 10 {
				others++
			}
			sev = w
		} else {
			others++
		}
	}
	p := sev + 5*min(others, 3)
	if in.VIP {
		p += 25
	}
	if in.Waiting > 0 {
		p += min(int(in.Waiting/time.Minute), 30)
	}
	if in.Breached {
		p += 10
	}
	return min(p, 100)
}

// SLATarget is a first-response target for a priority band: conversations
// with priority >= MinPriority should get an agent's first reply Within.
type SLATarget struct {
	MinPriority int
	Within      time.Duration
}

// DefaultSLA: urgent (60+) 2 minutes, high (35+) 5 minutes, the rest 15.
func DefaultSLA() []SLATarget {
	return []SLATarget{{MinPriority: 60, Within: 2 * time.Minute}, {MinPriority: 35, Within: 5 * time.Minute}, {MinPriority: 0, Within: 15 * time.Minute}}
}

// slaDue is the first-response deadline for priority starting at fromMs, or
// 0 when no band covers it.
func slaDue(targets []SLATarget, priority int, fromMs int64) int64 {
	for _, t := range targets {
		if priority >= t.MinPriority {
			return fromMs + t.Within.Milliseconds()
		}
	}
	return 0
}

func sortSLA(t []SLATarget) []SLATarget {
	t = slices.Clone(t)
	slices.SortFunc(t, func(a, b SLATarget) int { return b.MinPriority - a.MinPriority })
	return t
}

// signals are the priority inputs of a verdict: its flags plus the reason
// as a signal of its own.
func signals(flags []protocol.Flag, reason protocol.Reason, score, negativeAt float64) []protocol.Flag {
	out := slices.Clone(flags)
	switch reason {
	case protocol.ReasonBotFailure:
		out = append(out, signalBotFailure)
	case protocol.ReasonNegativeSentiment:
		out = append(out, signalNegative)
	}
	if negativeAt < 0 && score <= negativeAt {
		out = append(out, signalNegative)
	}
	return out
}

// escalate hands a conversation to people with a computed priority and SLA
// deadline, inside tx.
func (ch *channels) escalate(tx *store.Tx, c protocol.Conversation, e protocol.Escalation, flags []protocol.Flag, sentiment string, score float64) (protocol.Conversation, error) {
	if err := describeBot(tx, c, &e); err != nil { // bot.go: the bot's turns on the handoff card
		return c, err
	}
	since, err := tx.WaitingSince(c.ID)
	if err != nil {
		return c, err
	}
	all := append(slices.Clone(c.Flags), signals(flags, e.Reason, score, ch.rules.NegativeScore)...)
	prio := Priority(PriorityInput{Flags: all, VIP: c.VIP, Waiting: time.Duration(tx.Now()-since) * time.Millisecond})
	due := slaDue(ch.sla, prio, tx.Now())
	if sentiment != "negative" {
		sentiment = "" // only a negative reading is worth showing before the copilot's
	}
	return tx.EscalateFlagged(c.ID, e, flags, sentiment, prio, due)
}

// reprioritise is the priority of a conversation whose SLA was breached.
func (ch *channels) reprioritise(c protocol.Conversation, waitingSince int64) int {
	flags := slices.Clone(c.Flags)
	if c.Sentiment == "negative" {
		flags = append(flags, signalNegative)
	}
	if c.Escalation != nil && c.Escalation.Reason == protocol.ReasonBotFailure {
		flags = append(flags, signalBotFailure)
	}
	waited := time.Duration(ch.srv.store.Now()-waitingSince) * time.Millisecond
	return max(c.Priority, Priority(PriorityInput{Flags: flags, VIP: c.VIP, Waiting: waited, Breached: true}))
}

// checkSLA emits sla_breached for every conversation past its deadline.
func (ch *channels) checkSLA(ctx context.Context) {
	err := ch.srv.store.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.BreachSLAs(ch.reprioritise)
		return err
	})
	if err != nil && ctx.Err() == nil {
		ch.srv.log.Error("check SLA breaches", "err", err)
	}
}
