package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	Desks         int     `json:"desks"`
	TargetRate    float64 `json:"target_rate"`
	DurationS     float64 `json:"duration_s"`
	Posted        int64   `json:"posted"`
	PostRate      float64 `json:"post_rate"`
	PostErrors    int64   `json:"post_errors"`
	PostRetries   int64   `json:"post_retries"`
	RateLimited   int64   `json:"rate_limited"`
	BehindSched   int64   `json:"behind_schedule"` // posts that started more than 100 ms late
	Unsent        int64   `json:"unsent"`          // scheduled posts dropped because the run's time was up
	Deliveries    int64   `json:"deliveries"`
	DeliveryRate  float64 `json:"deliveries_per_s"`
	Measured      int64   `json:"latency_samples"`
	P50           float64 `json:"p50_ms"`
	P90           float64 `json:"p90_ms"`
	P99           float64 `json:"p99_ms"`
	Max           float64 `json:"max_ms"`
	Reconnects    int64   `json:"reconnects"`
	SnapshotAfter int64   `json:"snapshot_resumes"` // reconnects that could not resume from the log
	Duplicates    int64   `json:"duplicates"`
	OutOfOrder    int64   `json:"out_of_order"`
	Claims        int64   `json:"claims"`
	Replies       int64   `json:"replies"`
	Outcomes      int64   `json:"outcomes"`
	Resolved      int64   `json:"resolved"`
	DeskErrors    int64   `json:"desk_errors"`
	// Filled by Verify.
	Gaps             int64   `json:"gaps"`
	Unexpected       int64   `json:"unexpected"`
	WrongForm        int64   `json:"wrong_form"` // message events whole where they must be withheld, or the reverse
	MessagesStored   int64   `json:"messages_stored_once"`
	MessagesMissing  int64   `json:"messages_missing"`
	MessagesTwice    int64   `json:"messages_duplicated"`
	OutcomesStored   int64   `json:"outcomes_stored_once"`
	OutcomesBad      int64   `json:"outcomes_missing_or_duplicated"`
	OutcomesChecked  bool    `json:"outcomes_checked"` // false without access to the database
	Verified         string  `json:"verified"`         // what the integrity figures cover
	HeadSeq          int64   `json:"head_seq"`
	ServerRSSIdleKiB int64   `json:"server_rss_idle_kib,omitempty"`
	ServerRSSBaseKiB int64   `json:"server_rss_before_desks_kib,omitempty"`
	ServerRSSPeakKiB int64   `json:"server_rss_peak_kib,omitempty"`
	PerDeskKiB       int64   `json:"server_kib_per_idle_desk,omitempty"`
	ServerCores      float64 `json:"server_cpu_cores,omitempty"` // CPU the server used while customers posted

	// For verification (not printed).
	DeskStreams []*Stream         `json:"-"`
	Posts       map[string]string `json:"-"` // message_id → conversation id, every post acknowledged
	OutcomeKeys map[string]string `json:"-"` // idempotency key → outcome id, every outcome acknowledged
}

// headSeq asks the server for the newest published seq (/readyz).
func (r *run) headSeq(ctx context.Context) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(r.cfg.BaseURL, "/")+"/readyz", nil)
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("readyz: %w", err)
	}
	defer resp.Body.Close()
	var v struct{ Seq int64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("readyz: %w", err)
	}
	return v.Seq, nil
}

// verifyMessages reads every conversation the customers wrote to back
// through the HTTP API and checks each acknowledged message is stored
// exactly once.
func (r *run) verifyMessages(ctx context.Context) error {
	convs := map[string]bool{}
	for _, c := range r.res.Posts {
		convs[c] = true
	}
	prefix := "load-" + r.runID + "-"
	seen := map[string]int{}
	for c := range convs {
		ans, err := r.readConversation(ctx, c)
		if err != nil {
			return fmt.Errorf("verify: read conversation %s: %w", c, err)
		}
		for _, m := range ans.Messages {
			if !strings.HasPrefix(m.Text, marker) {
				continue
			}
			_, rest, _ := strings.Cut(m.Text, " n=")
			n, _, _ := strings.Cut(rest, " ")
			seen[prefix+n]++
		}
	}
	for id := range r.res.Posts {
		switch seen[id] {
		case 0:
			r.res.MessagesMissing++
		case 1:
			r.res.MessagesStored++
		default:
			r.res.MessagesTwice++
		}
	}
	return nil
}

// readConversation reads one conversation through the HTTP API. The
// integration token's rate limit (serve --api-rate, 20/s by default) holds
// for these reads too, so a 429 waits for its Retry-After and tries again.
func (r *run) readConversation(ctx context.Context, id string) (protocol.APIConversationAnswer, error) {
	for {
		ans, err := r.api.Conversation(ctx, id)
		var ae *protocol.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests {
			return ans, err
		}
		wait := time.Duration(ae.RetryAfterSeconds)*time.Second + 10*time.Millisecond
		if ae.RetryAfterSeconds == 0 {
			wait = time.Second
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ans, ctx.Err()
		}
	}
}

// verifyLeadStreams checks the streams of lead and admin desks, who are
// sent every event: each must hold every seq from its first welcome to the
// head. Agent desks see a subset; VerifyEvents checks them against the log.
func (r *run) verifyLeadStreams() {
	checked := 0
	for _, s := range r.res.DeskStreams {
		if s.Desk.Role != protocol.RoleLead && s.Desk.Role != protocol.RoleAdmin {
			continue
		}
		checked++
		for seq := s.Base + 1; seq <= r.res.HeadSeq; seq++ {
			if !s.Has(seq) {
				r.res.Gaps++
			}
		}
	}
	if checked > 0 {
		r.res.Verified = fmt.Sprintf("streams of %d lead desks against the head seq; messages through the HTTP API", checked)
	} else {
		r.res.Verified = "messages through the HTTP API; agent streams for duplicates and order only"
	}
}
