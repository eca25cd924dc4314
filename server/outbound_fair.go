package server

import (
	"sort"
	"time"
)

// Fair delivery across receivers (issue 19.5): with four shared workers, a
// web reply once waited 18.5 s behind eight hung WeChat deliveries. Each
// receiver (a webhook URL) may hold at most PerReceiver workers, receivers
// are claimed for in turn, and one that keeps failing is left alone for a
// while (a circuit breaker) instead of taking every attempt.
const (
	breakerThreshold = 5                // consecutive failed attempts that open the breaker
	breakerCooldown  = 10 * time.Second // first pause; doubles while failures go on
	breakerMaxPause  = 5 * time.Minute
)

// receiverState is one webhook URL with the channels it serves.
type receiverState struct {
	url      string
	channels []string // nil: every channel but except (the "*" receiver)
	except   []string
	inflight int
	fails    int       // consecutive failed attempts
	trips    int       // times the breaker opened in a row
	until    time.Time // breaker open until then
	probing  bool      // half open: one attempt in flight decides
}

// buildReceivers groups the configured hooks by URL.
func buildReceivers(hooks map[string]Webhook) []*receiverState {
	byURL := map[string]*receiverState{}
	var own []string
	for ch, h := range hooks {
		if ch == "*" {
			continue
		}
		own = append(own, ch)
		r := byURL[h.URL]
		if r == nil {
			r = &receiverState{url: h.URL, channels: []string{}}
			byURL[h.URL] = r
		}
		r.channels = append(r.channels, ch)
	}
	var out []*receiverState
	for _, r := range byURL {
		sort.Strings(r.channels)
		out = append(out, r)
	}
	if h, ok := hooks["*"]; ok {
		sort.Strings(own)
		out = append(out, &receiverState{url: h.URL, except: own})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].url < out[j].url || out[i].url == out[j].url && out[i].channels != nil
	})
	return out
}

// room is how many deliveries r may start now (called under o.mu).
func (r *receiverState) room(perReceiver int, now time.Time) int {
	if now.Before(r.until) {
		return 0
	}
	if r.trips > 0 { // half open: one probe at a time
		if r.probing || r.inflight > 0 {
			return 0
		}
		return 1
	}
	return max(0, perReceiver-r.inflight)
}

// started notes a claimed delivery (under o.mu).
func (r *receiverState) started() {
	r.inflight++
	if r.trips > 0 {
		r.probing = true
	}
}

// finished notes an attempt's outcome (under o.mu).
func (r *receiverState) finished(ok bool, now time.Time) {
	r.inflight--
	r.probing = false
	if ok {
		r.fails, r.trips, r.until = 0, 0, time.Time{}
		return
	}
	r.fails++
	if r.fails >= breakerThreshold || r.trips > 0 {
		pause := breakerCooldown
		for i := 0; i < r.trips && pause < breakerMaxPause; i++ {
			pause *= 2
		}
		r.trips++
		r.until = now.Add(min(pause, breakerMaxPause))
	}
}
