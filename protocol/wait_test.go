package protocol

import (
	"testing"
	"time"
)

func TestWaitAndSLAFollowReplies(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ms := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	now := t0.Add(90 * time.Minute)
	cases := []struct {
		name     string
		c        Conversation
		wait     time.Duration
		left     time.Duration
		slaOn    bool
		answered bool
	}{
		{"queued, never answered", Conversation{Status: ConvQueued, EscalatedAt: ms(60 * time.Minute), WaitingSince: ms(55 * time.Minute), SLADueAt: ms(75 * time.Minute)},
			35 * time.Minute, -15 * time.Minute, true, false},
		{"answered, customer quiet since", Conversation{Status: ConvAssigned, EscalatedAt: ms(0), FirstReplyAt: ms(5 * time.Minute), SLADueAt: ms(15 * time.Minute)},
			0, 0, false, true},
		{"answered, customer wrote again", Conversation{Status: ConvAssigned, EscalatedAt: ms(0), FirstReplyAt: ms(5 * time.Minute),
			WaitingSince: ms(80 * time.Minute), SLADueAt: ms(15 * time.Minute)}, 10 * time.Minute, 0, false, true},
		{"reply before this escalation does not count", Conversation{Status: ConvQueued, FirstReplyAt: ms(1 * time.Minute), EscalatedAt: ms(80 * time.Minute),
			SLADueAt: ms(95 * time.Minute)}, 10 * time.Minute, 5 * time.Minute, true, false},
		{"resolved", Conversation{Status: ConvResolved, EscalatedAt: ms(0), WaitingSince: ms(0), SLADueAt: ms(15 * time.Minute)}, 0, 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Wait(now); got != tc.wait {
				t.Errorf("Wait = %v, want %v", got, tc.wait)
			}
			left, on := tc.c.SLALeft(now)
			if on != tc.slaOn || (on && left != tc.left) {
				t.Errorf("SLALeft = %v, %v; want %v, %v", left, on, tc.left, tc.slaOn)
			}
			if got := tc.c.Answered(); got != tc.answered {
				t.Errorf("Answered = %v, want %v", got, tc.answered)
			}
		})
	}
}
