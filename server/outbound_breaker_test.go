package server

import (
	"testing"
	"time"
)

// TestReceiverBreaker: a receiver failing breakerThreshold times in a row
// is left alone for a cooldown, then gets one probe at a time; a success
// closes the breaker, another failure opens it for longer (19.5).
func TestReceiverBreaker(t *testing.T) {
	r := &receiverState{url: "http://r"}
	now := time.Unix(1000, 0)
	for range breakerThreshold {
		if r.room(2, now) == 0 {
			t.Fatal("closed breaker has no room")
		}
		r.started()
		r.finished(false, now)
	}
	if r.room(2, now) != 0 || r.room(2, now.Add(breakerCooldown-time.Millisecond)) != 0 {
		t.Fatal("open breaker lets deliveries through")
	}
	later := now.Add(breakerCooldown)
	if r.room(2, later) != 1 {
		t.Fatalf("half open: room %d, want one probe", r.room(2, later))
	}
	r.started()
	if r.room(2, later) != 0 {
		t.Fatal("a second probe while one is in flight")
	}
	r.finished(false, later)
	if r.room(2, later.Add(breakerCooldown)) != 0 || r.room(2, later.Add(2*breakerCooldown)) != 1 {
		t.Fatal("a failed probe should open the breaker for twice as long")
	}
	r.started()
	r.finished(true, later.Add(2*breakerCooldown))
	if r.room(2, later.Add(2*breakerCooldown)) != 2 {
		t.Fatal("a successful probe closes the breaker")
	}
}

// TestReceiversGroupedByURL: channels sharing a URL share a receiver, and
// the "*" receiver claims every channel without its own.
func TestReceiversGroupedByURL(t *testing.T) {
	rs := buildReceivers(map[string]Webhook{"web": {URL: "http://a"}, "app": {URL: "http://a"}, "wechat": {URL: "http://b"}, "*": {URL: "http://c"}})
	if len(rs) != 3 {
		t.Fatalf("%d receivers", len(rs))
	}
	for _, r := range rs {
		switch r.url {
		case "http://a":
			if len(r.channels) != 2 {
				t.Errorf("a: %v", r.channels)
			}
		case "http://c":
			if r.channels != nil || len(r.except) != 3 {
				t.Errorf("*: %v except %v", r.channels, r.except)
			}
		}
	}
}
