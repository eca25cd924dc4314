package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite checkpoints off the write path. In WAL mode a commit appends to
// the log; a checkpoint copies the log into the database file and syncs
// it. SQLite's automatic checkpoint runs inside the commit that crosses
// 1,000 pages, so every few seconds under load one write waited for two
// fsyncs — most of the channel API's tail latency. The writer therefore has
// automatic checkpoints off, and this goroutine checkpoints on its own
// connection (PASSIVE: it never blocks the writer or readers) every
// checkpointEvery while there were commits. Durability is unchanged: a
// commit is in the log when it is answered, which survives a process crash;
// the log is synced at each checkpoint, so a power cut may lose about the
// last checkpointEvery of commits, as before.

const (
	checkpointEvery = 250 * time.Millisecond
	// walLimit is the log size (pages) past which a checkpoint that could
	// not finish (a long read held it back) is followed by one that waits
	// for readers and truncates the log, so it cannot grow without bound.
	walLimit = 16_384 // 64 MiB
)

type checkpointer struct {
	db   *sql.DB
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func (s *Store) startCheckpointer(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	s.ckpt = &checkpointer{db: db, stop: cancel}
	s.ckpt.wg.Add(1)
	go func() {
		defer s.ckpt.wg.Done()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		var done int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if c := s.writes.commits.Load(); c != done {
				done = c
				s.checkpoint(ctx, "PASSIVE")
			}
		}
	}()
	return nil
}

// checkpoint runs one checkpoint; when the log is past walLimit and the
// passive one could not copy all of it, a TRUNCATE one follows.
func (s *Store) checkpoint(ctx context.Context, mode string) {
	var busy, log, copied int
	err := s.ckpt.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &copied)
	if err != nil {
		if ctx.Err() == nil {
			s.logger().Warn("sqlite checkpoint", "mode", mode, "err", err)
		}
		return
	}
	if mode == "PASSIVE" && log > walLimit && copied < log {
		s.checkpoint(ctx, "TRUNCATE")
	}
}

func (c *checkpointer) close() error {
	c.stop()
	c.wg.Wait()
	return c.db.Close()
}
