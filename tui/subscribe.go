package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
)

// UpdatesMsg is a batch of client updates, in the order they happened.
type UpdatesMsg struct{ Updates []client.Update }

// frame is the shortest time between two batches: a flood of events is
// applied ~60 times a second, each batch rendered once.
const frame = time.Second / 60

// maxBatch bounds one batch so a huge replay still lets key presses in
// between batches.
const maxBatch = 4096

// Subscribe forwards updates to send (program.Send) until the channel closes
// or ctx ends. The first update after a quiet spell goes out at once; while
// updates keep coming, everything that arrives within a frame is sent as one
// batch. The client's channel is fed from an unbounded queue, so waiting here
// never stalls the connection.
func Subscribe(ctx context.Context, updates <-chan client.Update, send func(tea.Msg)) {
	var last time.Time
	timer := time.NewTimer(0)
	<-timer.C
	for {
		var batch []client.Update
		select {
		case <-ctx.Done():
			return
		case u, ok := <-updates:
			if !ok {
				return
			}
			batch = append(batch, u)
		}
		// Wait out the rest of the frame since the last batch, collecting.
		if wait := frame - time.Since(last); wait > 0 {
			timer.Reset(wait)
		collect:
			for len(batch) < maxBatch {
				select {
				case <-ctx.Done():
					timer.Stop()
					return
				case u, ok := <-updates:
					if !ok {
						timer.Stop()
						send(UpdatesMsg{Updates: batch})
						return
					}
					batch = append(batch, u)
				case <-timer.C:
					break collect
				}
			}
			timer.Stop()
		}
		// Take whatever else is already waiting.
	drain:
		for len(batch) < maxBatch {
			select {
			case u, ok := <-updates:
				if !ok {
					send(UpdatesMsg{Updates: batch})
					return
				}
				batch = append(batch, u)
			default:
				break drain
			}
		}
		send(UpdatesMsg{Updates: batch})
		last = time.Now()
	}
}
