package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/agentdesk/agentdesk/protocol"
)

// Group commit, on both backends. Writes that arrive while a transaction
// is running queue up, and the next transaction runs them one after
// another, each in its own savepoint (a failing write rolls back alone,
// exactly as if it had its own transaction), under one commit: on SQLite
// one WAL append and one lock round instead of one per write; on
// PostgreSQL one advisory lock and one WAL flush (postgres.go). Nobody is
// answered before that commit. Writes still execute strictly one at a
// time and in arrival order, so the store's reasoning (read, check, write)
// and the order of seqs are unchanged; a lone write runs at once, in its
// caller's goroutine, without waiting for company.
//
// Publishing happens after the commit and outside the write path: on
// SQLite the committed events go to a sequencer (below) that hands them to
// the publisher in seq order while the next batch is already being
// written; on PostgreSQL the feed reads them from the log (feed.go). Apply
// returns once its events are published, so a desk always receives the
// events of its request before the answer, and no desk ever sees an event
// that is not committed.

// maxBatch bounds the writes in one transaction (each is a savepoint;
// PostgreSQL caches 64 subtransactions per backend before it slows down).
const maxBatch = 32

type writeJob struct {
	ctx       context.Context
	actor     Actor
	requestID string
	fn        func(tx *Tx) (any, error)

	answer json.RawMessage
	events []Event
	hooks  []func()                          // Tx.OnCommit, run after the commit
	convs  map[string]*protocol.Conversation // SQLite: what it read or wrote of conversations (convcache.go)
	err    error
	wait   int64 // SQLite: the newest seq committed with this write; published before Apply returns
	done   chan struct{}
}

type writeQueue struct {
	mu      sync.Mutex
	jobs    []*writeJob
	running bool

	writes, commits atomic.Int64
}

// WriteStats counts the write path's work since the store was opened.
type WriteStats struct {
	Writes  int64 // writes (Apply calls) run
	Commits int64 // transactions committed; under load each carries several writes
	Queued  int   // writes waiting for the running transaction right now
}

// WriteStats reports the write path's counters (metrics, tests).
func (s *Store) WriteStats() WriteStats {
	q := &s.writes
	q.mu.Lock()
	queued := len(q.jobs)
	q.mu.Unlock()
	return WriteStats{Writes: q.writes.Load(), Commits: q.commits.Load(), Queued: queued}
}

// Apply runs fn in a write transaction as actor. When requestID is not
// empty the request is idempotent on (actor, requestID): if it was already
// answered, the stored answer is returned and fn does not run; otherwise
// fn's answer is stored with its changes. An error from fn rolls back
// everything fn did (and nothing of the other writes committed with it).
// The returned answer is fn's result encoded as JSON.
func (s *Store) Apply(ctx context.Context, actor Actor, requestID string, fn func(tx *Tx) (any, error)) (json.RawMessage, error) {
	j := &writeJob{ctx: ctx, actor: actor, requestID: requestID, fn: fn, done: make(chan struct{})}
	q := &s.writes
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	if lead {
		s.runWrites(j)
	}
	<-j.done
	if j.err != nil {
		return nil, j.err
	}
	if s.pg != nil {
		if len(j.events) > 0 && s.publisher() != nil {
			// The feed publishes the events (it is the one path for every
			// replica's events); the answer waits for it, so it follows them.
			s.pg.feed.waitPublished(ctx, j.events[len(j.events)-1].Seq)
		}
		return j.answer, nil
	}
	s.seq.await(s, j.wait)
	return j.answer, nil
}

func (s *Store) publisher() func([]Event) {
	s.pubMu.RLock()
	defer s.pubMu.RUnlock()
	return s.publish
}

// runWrites commits batches. The caller whose write started the run
// (mine) stops once its write is done and hands what is left to a new
// goroutine, so no caller keeps waiting on other callers' writes; that
// successor (mine == nil) runs until the queue is empty.
func (s *Store) runWrites(mine *writeJob) {
	q := &s.writes
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		if mine != nil && isDone(mine) {
			q.mu.Unlock()
			go s.runWrites(nil) // q.running stays true
			return
		}
		n := min(len(q.jobs), maxBatch)
		batch := slices.Clone(q.jobs[:n])
		q.jobs = q.jobs[n:]
		q.mu.Unlock()
		s.commitBatch(batch)
		// Under load (writes were queued), let the writers just answered
		// run before the next batch forms: those that write again join it
		// instead of making a batch of their own right after.
		runtime.Gosched()
	}
}

func isDone(j *writeJob) bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// applyGuarded is applyIn for one queued write, with a panic in its fn
// turned into its error: the other writes of the batch belong to other
// callers and must still be answered.
func (s *Store) applyGuarded(ctx context.Context, sqlTx *sql.Tx, j *writeJob) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("store write panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return s.applyIn(ctx, sqlTx, j)
}

// commitBatch runs a batch of writes in one transaction and commits it.
func (s *Store) commitBatch(batch []*writeJob) {
	var all []Event
	committed, committing := false, false
	defer func() {
		if s.pg == nil {
			clear(s.txStmts)                // closed with their transaction
			s.prepare(context.Background()) // the writer's connection is free again
			switch {
			case committed:
				s.convs.commit()
			case committing:
				s.convs.abort()
			default:
				s.convs.discard() // nothing was written: the committed cache stands
			}
			if committed {
				wait := s.seq.add(all)
				for _, j := range batch {
					j.wait = wait
				}
			}
		}
		for _, j := range batch {
			if committed && j.err == nil {
				for _, h := range j.hooks {
					h()
				}
			}
			close(j.done)
		}
	}()
	fail := func(err error) {
		for _, j := range batch {
			if j.err == nil {
				j.err = err
			}
			j.answer, j.events = nil, nil
		}
	}
	ctx := context.Background() // one caller giving up must not abort the others
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer sqlTx.Rollback()
	if s.pg != nil {
		if err := s.pg.lockWrites(ctx, sqlTx); err != nil {
			fail(err)
			return
		}
	}
	savepoints := len(batch) > 1
	tx := &Tx{s: s, tx: sqlTx, ctx: ctx}
	if s.pg == nil {
		// Another connection's commit since ours moves data_version: what
		// the cache remembers may be out of date (convcache.go).
		var dv int64
		if err := tx.queryRow(`PRAGMA data_version`).Scan(&dv); err != nil {
			fail(fmt.Errorf("read data version: %w", err))
			return
		}
		s.convs.begin(dv)
	}
	s.writes.writes.Add(int64(len(batch)))
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if savepoints {
			if _, err := tx.exec(`SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		if err := s.applyGuarded(context.WithoutCancel(j.ctx), sqlTx, j); err != nil {
			j.err, j.answer, j.events, j.hooks, j.convs = err, nil, nil, nil, nil
			if !savepoints {
				return
			}
			if _, err := tx.exec(`ROLLBACK TO SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("roll back to savepoint: %w", err))
				return
			}
		}
		if savepoints && s.pg == nil {
			// SQLite keeps a rolled-back savepoint open too: release it, so
			// the next write's savepoint is not nested inside it.
			if _, err := tx.exec(`RELEASE SAVEPOINT w`); err != nil {
				fail(fmt.Errorf("release savepoint: %w", err))
				return
			}
		}
		all = append(all, j.events...)
		if s.pg == nil {
			s.convs.finished(j.convs)
		}
	}
	if s.pg != nil && len(all) > 0 {
		if err := s.pg.notify(ctx, sqlTx, all[len(all)-1].Seq); err != nil {
			fail(err)
			return
		}
		s.pg.feed.remember(all)
	}
	committing = true
	if err := sqlTx.Commit(); err != nil {
		if s.pg != nil {
			s.pg.feed.forget(all)
		}
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	committed = true
	s.writes.commits.Add(1)
}

// sequencer hands committed SQLite events to the publisher in seq order,
// outside the write path: the batch runner queues each commit's events
// (commits happen one at a time, so the queue is in seq order), and
// whichever writer waits for its events first publishes everything queued
// — its own events and any committed after them — while the others wait
// for it. One publisher at a time keeps the order; the next batch commits
// meanwhile.
type sequencer struct {
	mu         sync.Mutex
	queue      []Event
	queued     int64 // newest seq queued
	published  int64 // newest seq handed to the publisher
	publishing bool
	progress   chan struct{} // closed (and replaced) when published moves
}

// add queues a commit's events and returns the newest seq queued so far,
// which the batch's writers wait for.
func (q *sequencer) add(events []Event) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(events) > 0 {
		q.queue = append(q.queue, events...)
		q.queued = events[len(events)-1].Seq
	}
	return q.queued
}

// await returns once seq is published, publishing what is queued itself
// when nobody else is.
func (q *sequencer) await(s *Store, seq int64) {
	q.mu.Lock()
	for q.published < seq {
		if q.publishing {
			if q.progress == nil {
				q.progress = make(chan struct{})
			}
			ch := q.progress
			q.mu.Unlock()
			<-ch
			q.mu.Lock()
			continue
		}
		if len(q.queue) == 0 {
			break // cannot happen: seq was queued, and nobody is publishing it
		}
		events := q.queue
		q.queue = nil
		q.publishing = true
		q.mu.Unlock()
		if pub := s.publisher(); pub != nil {
			pub(events)
		}
		q.mu.Lock()
		q.publishing = false
		q.published = events[len(events)-1].Seq
		if q.progress != nil {
			close(q.progress)
			q.progress = nil
		}
	}
	q.mu.Unlock()
}
