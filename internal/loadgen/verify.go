package loadgen

import (
	"context"
	"fmt"
	"strings"

	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// VerifyStore checks a finished run against the server's database: every
// desk received exactly the events of the log it may see (from its first
// welcome to the head at the end of the run), each message event whole or
// withheld as the server's rules say, and every acknowledged
// outcome is stored exactly once. It replaces the gap figure Run computed
// from lead desks alone.
func VerifyStore(ctx context.Context, st *store.Store, res *Result) error {
	var gaps, unexpected, wrong int64
	after := res.HeadSeq
	for _, s := range res.DeskStreams {
		after = min(after, s.Base)
	}
	for after < res.HeadSeq {
		evs, err := st.EventsAfter(ctx, after, 5000)
		if err != nil {
			return fmt.Errorf("verify: read event log: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			ev := &evs[i]
			if ev.Seq > res.HeadSeq {
				break
			}
			for _, s := range res.DeskStreams {
				if ev.Seq <= s.Base {
					continue
				}
				want := server.Visible(s.Desk.AgentID, s.Desk.Role, ev)
				got := s.Has(ev.Seq)
				switch {
				case want && !got:
					gaps++
				case got && !want:
					unexpected++
				case got && server.Withheld(s.Desk.AgentID, s.Desk.Role, ev) != s.Withheld(ev.Seq):
					wrong++ // load desks never send viewing
				}
			}
		}
		after = evs[len(evs)-1].Seq
	}
	res.Gaps, res.Unexpected, res.WrongForm = gaps, unexpected, wrong

	outs, err := st.Outcomes(ctx, 10_000_000)
	if err != nil {
		return fmt.Errorf("verify: read outcomes: %w", err)
	}
	byKey := map[string][]string{}
	for _, o := range outs {
		if strings.HasPrefix(o.IdempotencyKey, "load-") {
			byKey[o.IdempotencyKey] = append(byKey[o.IdempotencyKey], o.ID)
		}
	}
	res.OutcomesStored, res.OutcomesBad, res.OutcomesChecked = 0, 0, true
	for key, id := range res.OutcomeKeys {
		if ids := byKey[key]; len(ids) == 1 && ids[0] == id {
			res.OutcomesStored++
		} else {
			res.OutcomesBad++
		}
	}
	res.Verified = fmt.Sprintf("every desk's stream against the event log (%d desks); messages through the HTTP API; outcomes in the database", len(res.DeskStreams))
	return nil
}
