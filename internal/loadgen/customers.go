package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// post sends cfg.Rate messages a second for cfg.Duration, each at its
// scheduled time, through a pool of posters.
func (r *run) post(ctx context.Context, start time.Time) {
	total := int64(r.cfg.Rate * r.cfg.Duration.Seconds())
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	jobs := make(chan int64, r.cfg.Posters)
	var wg sync.WaitGroup
	for range r.cfg.Posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				r.postOne(ctx, n)
			}
		}()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	// Posts that start within a second of their slot still count; a run
	// that falls further behind stops when its time is up.
	deadline := start.Add(r.cfg.Duration + time.Second)
	for n := int64(0); n < total && ctx.Err() == nil; n++ {
		at := start.Add(time.Duration(n) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		} else if wait < -100*time.Millisecond {
			r.behind.Add(1)
		}
		if time.Now().After(deadline) {
			// The server (or this machine) cannot take the rate: what was not
			// posted in time is not posted at all, and the achieved rate shows it.
			r.unsent.Store(total - n)
			break
		}
		select {
		case <-tick.C:
			if r.cfg.Progress != nil {
				r.cfg.Progress(Progress{Elapsed: time.Since(start), Posted: r.posted.Load(), Deliveries: r.deliveries.Load(), Reconnects: r.reconnects.Load()})
			}
		default:
		}
		select {
		case jobs <- n:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

func (r *run) postOne(ctx context.Context, n int64) {
	cust := n % int64(r.cfg.Customers)
	turn := n / int64(r.cfg.Customers)
	text := "where is my parcel? order 2026" + strconv.FormatInt(n%10000, 10)
	if r.cfg.EscalateEvery > 0 && turn%int64(r.cfg.EscalateEvery) == int64(r.cfg.EscalateEvery)-1 {
		text = "this is not helping, I want a human agent please"
	}
	id := fmt.Sprintf("load-%s-%d", r.runID, n)
	for attempt := 0; attempt < 5 && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			r.retries.Add(1)
			time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
		}
		ans, err := r.api.PostMessage(ctx, protocol.APIMessageReq{
			MessageID: id, Channel: "web", ExternalID: fmt.Sprintf("load-%s-c%d", r.runID, cust),
			CustomerName: fmt.Sprintf("Load customer %d", cust),
			// The marker carries the post time so desks measure post→receive.
			Text: marker + strconv.FormatInt(time.Now().UnixNano(), 10) + " n=" + strconv.FormatInt(n, 10) + " " + text,
		})
		var ae *protocol.APIError
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
			r.limited.Add(1)
			continue
		case errors.As(err, &ae) && ae.Status >= 500:
			continue
		case errors.As(err, &ae):
			r.postErrors.Add(1)
			return
		case err != nil:
			continue // the same message_id makes the retry safe
		}
		r.posted.Add(1)
		r.resMu.Lock()
		r.res.Posts[id] = ans.Conversation.ID
		r.resMu.Unlock()
		return
	}
	r.postErrors.Add(1)
}
