package store

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentdesk/agentdesk/protocol"
)

// feed publishes the event log of a PostgreSQL store to this process, in seq
// order and exactly once, whichever replica committed the events. A
// LISTEN connection wakes it when any replica commits; a timer wakes it
// anyway every CatchUp, so a lost notification (the LISTEN connection
// dropped, the database restarted) costs latency, never an event. Events
// this process committed are published by the same path, so there is one
// order; Apply waits until its events are out before it returns, which
// keeps "events before the answer" for the desk that asked.
type feed struct {
	s   *Store
	log *slog.Logger

	kick chan struct{}

	mu        sync.Mutex
	published int64           // newest seq handed to the publisher
	progress  chan struct{}   // closed (and replaced) when published moves
	local     map[int64]Event // committed (or about to be) by this process

	relayMu sync.RWMutex
	relay   func(from string, payload []byte) // receives other replicas' Broadcast payloads

	presence   chan struct{}
	presentMu  sync.Mutex
	present    []string // agents with a desk on this replica, sorted
	presentSet bool

	startOnce sync.Once
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

// Feed timing.
const (
	feedCatchUp      = time.Second      // read the log at least this often
	feedPage         = 1000             // events per read
	heartbeat        = 2 * time.Second  // replica liveness and presence
	replicaExpiry    = 10 * time.Second // a replica silent this long has no desks
	replicaForgotten = 10 * time.Minute // … and this long, no row
)

func newFeed(s *Store) *feed {
	return &feed{s: s, log: s.log.With("component", "store.feed"), kick: make(chan struct{}, 1),
		progress: make(chan struct{}), local: map[int64]Event{}, presence: make(chan struct{}, 1)}
}

// start begins publishing from the current head of the log.
func (f *feed) start() {
	f.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		f.stop = cancel
		f.mu.Lock()
		f.published = -1 // unknown: the tailer starts at the head of the log
		f.mu.Unlock()
		f.findHead(ctx)
		f.wg.Add(3)
		go func() { defer f.wg.Done(); f.listen(ctx) }()
		go func() { defer f.wg.Done(); f.tail(ctx) }()
		go func() { defer f.wg.Done(); f.beat(ctx) }()
	})
}

// close stops the feed and forgets this replica's presence.
func (f *feed) close() {
	if f.stop == nil {
		return
	}
	f.stop()
	f.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f.s.w.ExecContext(ctx, `DELETE FROM agentdesk_replicas WHERE id = ?`, f.s.pg.replica)
}

func (f *feed) nudge() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// listen keeps a LISTEN connection open and nudges the tailer on every
// notification; it reconnects with backoff when the connection fails.
func (f *feed) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := f.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		f.log.Warn("event notifications lost; reconnecting (the periodic catch-up covers the gap)", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (f *feed) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, f.s.pg.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgIdent(f.s.pg.channel)+"; LISTEN "+pgIdent(f.s.pg.channel+"_b")); err != nil {
		return err
	}
	f.nudge() // whatever committed while nobody listened
	own := f.s.pg.replica + "\n"
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == f.s.pg.channel {
			f.nudge()
			continue
		}
		// A broadcast. Delivered in commit order with the event
		// notifications, and handed on here before the tailer reads the
		// events committed after it.
		if strings.HasPrefix(n.Payload, own) {
			continue
		}
		from, payload, ok := strings.Cut(n.Payload, "\n")
		f.relayMu.RLock()
		relay := f.relay
		f.relayMu.RUnlock()
		if ok && relay != nil {
			relay(from, []byte(payload))
		}
	}
}

// MaxBroadcast is the largest payload Broadcast carries (PostgreSQL's
// NOTIFY limit, less the sender's id).
const MaxBroadcast = 7900

// Broadcast hands an ephemeral payload (not logged, not replayed) to the
// other replicas' broadcast handlers; on SQLite it does nothing. It returns
// once PostgreSQL has taken it, so a write committed afterwards reaches
// the other replicas after the payload.
func (s *Store) Broadcast(ctx context.Context, payload []byte) error {
	if s.pg == nil {
		return nil
	}
	if len(payload) > MaxBroadcast {
		return fmt.Errorf("broadcast of %d bytes exceeds %d", len(payload), MaxBroadcast)
	}
	_, err := s.w.ExecContext(ctx, `SELECT pg_notify(?, ?)`, s.pg.channel+"_b", s.pg.replica+"\n"+string(payload))
	return err
}

// SetBroadcastHandler sets the function receiving other replicas'
// Broadcast payloads with the sender's replica id (PostgreSQL; called from
// one goroutine, in order). It must not block.
func (s *Store) SetBroadcastHandler(fn func(from string, payload []byte)) {
	if s.pg == nil {
		return
	}
	s.pg.feed.relayMu.Lock()
	s.pg.feed.relay = fn
	s.pg.feed.relayMu.Unlock()
}

// tail reads the log after the last published seq whenever nudged, and
// every feedCatchUp regardless.
func (f *feed) tail(ctx context.Context) {
	t := time.NewTicker(feedCatchUp)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		case <-t.C:
		}
		if err := f.drain(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("read the event log", "err", err)
		}
	}
}

// findHead starts publishing after the newest event, if not started yet
// (events from before this process published are not its to announce).
func (f *feed) findHead(ctx context.Context) error {
	f.mu.Lock()
	known := f.published >= 0
	f.mu.Unlock()
	if known {
		return nil
	}
	head, err := f.s.HeadSeq(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	if f.published < 0 {
		f.published = head
	}
	f.mu.Unlock()
	return nil
}

// drain publishes everything committed after the last published seq.
func (f *feed) drain(ctx context.Context) error {
	if err := f.findHead(ctx); err != nil {
		return err
	}
	for {
		f.mu.Lock()
		after := f.published
		f.mu.Unlock()
		events, err := f.s.eventsAfter(ctx, after, feedPage, true)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		f.mu.Lock()
		for i := range events {
			if ev, ok := f.local[events[i].Seq]; ok {
				ev.Local = true
				events[i] = ev
			}
		}
		last := events[len(events)-1].Seq
		for seq := range f.local {
			if seq <= last {
				delete(f.local, seq)
			}
		}
		f.mu.Unlock()
		f.s.pubMu.RLock()
		pub := f.s.publish
		f.s.pubMu.RUnlock()
		if pub != nil {
			pub(events)
		}
		f.mu.Lock()
		f.published = last
		close(f.progress)
		f.progress = make(chan struct{})
		f.mu.Unlock()
		if len(events) < feedPage {
			return nil
		}
	}
}

// remember keeps the events a transaction of this process appended, until
// the tailer publishes them (or the transaction fails).
func (f *feed) remember(events []Event) {
	f.mu.Lock()
	for _, ev := range events {
		f.local[ev.Seq] = ev
	}
	f.mu.Unlock()
}

func (f *feed) forget(events []Event) {
	f.mu.Lock()
	for _, ev := range events {
		delete(f.local, ev.Seq)
	}
	f.mu.Unlock()
}

// waitPublished waits until seq has been published, ctx ends, or a few
// seconds pass (the database is unreachable: the events are committed and
// desks will get them when the feed recovers).
func (f *feed) waitPublished(ctx context.Context, seq int64) {
	f.nudge()
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		f.mu.Lock()
		done, progress := f.published >= seq, f.progress
		f.mu.Unlock()
		if done {
			return
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return
		case <-timeout.C:
			f.log.Warn("events committed but not yet published", "seq", seq)
			return
		}
	}
}

// setPresent records which agents have a desk open on this replica.
func (f *feed) setPresent(ids []string) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	f.presentMu.Lock()
	changed := !f.presentSet || !slices.Equal(ids, f.present)
	f.present, f.presentSet = ids, true
	f.presentMu.Unlock()
	if changed {
		select {
		case f.presence <- struct{}{}:
		default:
		}
	}
}

// beat keeps this replica's row in agentdesk_replicas fresh, with the
// agents that have a desk on it.
func (f *feed) beat(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		f.presentMu.Lock()
		agents := strings.Join(f.present, ",")
		f.presentMu.Unlock()
		now := f.s.Now()
		if _, err := f.s.w.ExecContext(ctx, `INSERT INTO agentdesk_replicas(id, started_at, seen_at, agents) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, agents = excluded.agents`,
			f.s.pg.replica, now, now, agents); err != nil && ctx.Err() == nil {
			f.log.Warn("replica heartbeat", "err", err)
		}
		// Forget replicas that died without saying goodbye.
		f.s.w.ExecContext(ctx, `DELETE FROM agentdesk_replicas WHERE seen_at < ?`, now-replicaForgotten.Milliseconds())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.presence:
		}
	}
}

// remotePresent returns the agents with a desk on another live replica.
func (tx *Tx) remotePresent() (map[string]bool, error) {
	pg := tx.s.pg
	if pg == nil {
		return nil, nil
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT agents FROM agentdesk_replicas WHERE id <> ? AND seen_at > ?`,
		pg.replica, tx.s.Now()-replicaExpiry.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("read desks on other replicas: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var list string
		if err := rows.Scan(&list); err != nil {
			return nil, err
		}
		for _, id := range strings.Split(list, ",") {
			if id != "" {
				out[id] = true
			}
		}
	}
	return out, rows.Err()
}

// eventDetail recovers Event.Detail and Event.Status from a logged event's
// data, for events committed by another replica.
func eventDetail(kind, data string) (detail, status string) {
	var d struct {
		Cause   string `json:"cause"`
		Message struct {
			Author string `json:"author"`
		} `json:"message"`
		Outcome struct {
			ID string `json:"id"`
		} `json:"outcome"`
		Conversation struct {
			Status string `json:"status"`
		} `json:"conversation"`
	}
	switch kind {
	case protocol.EvConversation, protocol.EvMessage, protocol.EvMessageUpdated, protocol.EvOutcome:
	default:
		return "", ""
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return "", ""
	}
	switch kind {
	case protocol.EvConversation:
		return d.Cause, d.Conversation.Status
	case protocol.EvOutcome:
		return d.Outcome.ID, ""
	}
	return d.Message.Author, d.Conversation.Status
}
