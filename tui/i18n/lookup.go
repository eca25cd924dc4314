package i18n

import (
	"fmt"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
)

// RejectReason returns the label of a protocol reject reason, or the
// reason itself when it is unknown (a newer server may add reasons).
func (c *Catalog) RejectReason(reason string) string {
	switch reason {
	case "wrong_facts":
		return c.RejectWrongFacts
	case "wrong_tone":
		return c.RejectWrongTone
	case "wrong_language":
		return c.RejectWrongLanguage
	case "unsafe":
		return c.RejectUnsafe
	case "incomplete":
		return c.RejectIncomplete
	case "should_escalate":
		return c.RejectShouldEscalate
	case "other":
		return c.RejectOther
	}
	return reason
}

// Flag returns the badge label of a protocol conversation flag, or "" when
// the flag is unknown.
func (c *Catalog) Flag(flag protocol.Flag) string {
	switch flag {
	case protocol.FlagAngry:
		return c.FlagAngry
	case protocol.FlagChurnRisk:
		return c.FlagChurnRisk
	case protocol.FlagLegalThreat:
		return c.FlagLegalThreat
	case protocol.FlagUrgent:
		return c.FlagUrgent
	case protocol.FlagAsksForHuman:
		return c.FlagAsksForHuman
	}
	return ""
}

// Channel returns the label of a channel, ok=false when there is none.
func (c *Catalog) Channel(ch string) (string, bool) {
	switch ch {
	case "web", "webchat", "chat":
		return c.ChannelWeb, true
	case "wechat", "weixin":
		return c.ChannelWeChat, true
	case "email", "mail":
		return c.ChannelEmail, true
	case "phone", "voice":
		return c.ChannelPhone, true
	case "sms":
		return c.ChannelSMS, true
	case "app":
		return c.ChannelApp, true
	}
	return "", false
}

// Author returns the label of a protocol message author kind.
func (c *Catalog) Author(kind string) string {
	switch kind {
	case "customer":
		return c.AuthorCustomer
	case "bot":
		return c.AuthorBot
	case "agent":
		return c.AuthorAgent
	case "note":
		return c.AuthorNote
	}
	return c.AuthorSystem
}

// compactDuration formats d in at most two units, the way both languages
// show waits: units are the only part that changes.
func compactDuration(d time.Duration, sec, min, hour, day string) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d%s", int(d/time.Second), sec)
	case d < time.Hour:
		return fmt.Sprintf("%d%s", int(d/time.Minute), min)
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d%s", h, hour)
		}
		return fmt.Sprintf("%d%s%d%s", h, hour, m, min)
	default:
		days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			return fmt.Sprintf("%d%s", days, day)
		}
		return fmt.Sprintf("%d%s%d%s", days, day, h, hour)
	}
}

// FitDuration formats d with format (Duration, SLALeft, SLAOverdue) in at
// most w cells: when the exact figure is wider it drops the smaller unit
// (1时45分 → 1时, 2天3时 → 2天) instead of being cut to "1时4…".
func FitDuration(format func(time.Duration) string, d time.Duration, w int) string {
	s := format(d)
	if ansi.StringWidth(s) <= w {
		return s
	}
	a := d
	if a < 0 {
		a = -a
	}
	for _, unit := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		if a < unit {
			break
		}
		t := a.Truncate(unit)
		if d < 0 {
			t = -t
		}
		if s = format(t); ansi.StringWidth(s) <= w {
			return s
		}
	}
	return s
}
