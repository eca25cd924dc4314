package protocol

import "time"

// The one definition of Wait and SLA, used by the server, the agent's queue
// and the lead's board alike.
//
// Wait runs from the customer's oldest message that no agent has answered
// (a queued chat escalated without one waits from its escalation) and stops
// when an agent replies. The SLA is a first-response deadline: it runs from
// escalation until the first agent reply after it, and stops there.

// WaitStart is when the customer started waiting for a person (unix ms),
// or 0 when nobody waits.
func (c *Conversation) WaitStart() int64 {
	if c.Status == ConvResolved {
		return 0
	}
	if c.WaitingSince > 0 {
		return c.WaitingSince
	}
	if c.Status == ConvQueued && !c.Answered() {
		if c.EscalatedAt > 0 {
			return c.EscalatedAt
		}
		return c.CreatedAt
	}
	return 0
}

// Wait is how long the customer has waited for a person at now (0 when
// nobody waits).
func (c *Conversation) Wait(now time.Time) time.Duration {
	at := c.WaitStart()
	if at == 0 {
		return 0
	}
	return max(now.Sub(time.UnixMilli(at)), 0)
}

// Answered reports whether an agent replied since the conversation was
// (last) escalated: its first-response SLA is met.
func (c *Conversation) Answered() bool {
	return c.FirstReplyAt > 0 && c.FirstReplyAt >= c.EscalatedAt
}

// SLALeft is the time left until the first-response deadline at now
// (negative once breached) and whether the SLA is running at all: false
// with no deadline, once answered, resolved or snoozed.
func (c *Conversation) SLALeft(now time.Time) (time.Duration, bool) {
	if c.SLADueAt == 0 || c.Answered() || c.Status == ConvResolved || c.Status == ConvSnoozed {
		return 0, false
	}
	return time.UnixMilli(c.SLADueAt).Sub(now), true
}
