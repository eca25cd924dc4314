package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The outbox file is JSON lines, appended and fsynced one record at a time:
//
//	{"op":"add","id":"o-…","type":"outcome","data":{…},"at":1763712000000}
//	{"op":"done","id":"o-…"}
//
// The pending requests are the adds without a later done, in file order.
// Crash guarantees:
//   - An add is fsynced before Enqueue returns, so a returned id survives a
//     crash or power loss.
//   - A crash mid-append leaves at most one torn last line; it is dropped
//     (it belonged to an Enqueue that never returned) and cut off so the
//     next append starts on a clean line. Any other unreadable line is
//     skipped with a warning rather than making the whole outbox unusable.
//   - A lost done record only means the request is sent again after a
//     restart; the server answers the repeated id with its first ack.
//   - Compaction writes the live adds to a temp file, fsyncs it and renames
//     it over the outbox (then fsyncs the directory): a crash leaves either
//     the old or the new file, both complete.
//
// One process at a time may use an outbox file.

// compactAfter is how many done records make the file worth rewriting.
const compactAfter = 256

// OutboxItem is a request waiting in the outbox.
type OutboxItem struct {
	ID         string          // request id, fixed when enqueued and reused on every resend
	Type       string          // request type, e.g. "outcome"
	Data       json.RawMessage // request data
	EnqueuedAt time.Time
	Attempts   int    // sends so far in this process
	LastError  string // last transient failure, if any
}

type outboxRecord struct {
	Op   string          `json:"op"`
	ID   string          `json:"id"`
	Type string          `json:"type,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	At   int64           `json:"at,omitempty"`
}

type outbox struct {
	path string // empty: in memory only
	log  *slog.Logger

	mu      sync.Mutex
	f       *os.File // append-only handle; nil in memory mode or after close
	size    int64    // bytes of complete records in the file
	done    int      // done records (and skipped lines) since the last compaction
	items   []*OutboxItem
	closed  bool
	changed chan struct{} // signalled (non-blocking) when an item is added
}

func openOutbox(path string, log *slog.Logger) (*outbox, error) {
	ob := &outbox{path: path, log: log, changed: make(chan struct{}, 1)}
	if path == "" {
		return ob, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("outbox: create directory: %w", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("outbox: read %s: %w", path, err)
	}
	dirty := ob.load(raw)
	if dirty || ob.done > 0 {
		// Rewrite now: drops done records, skipped lines and a torn tail.
		if err := ob.compactLocked(); err != nil {
			return nil, err
		}
		return ob, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	ob.f = f
	ob.size = int64(len(raw))
	return ob, nil
}

// load replays the file's records into items. It reports whether the file
// needs rewriting (an unreadable line, or a last line without its newline).
func (ob *outbox) load(raw []byte) (dirty bool) {
	lines := bytes.Split(raw, []byte{'\n'})
	for i, line := range lines {
		tail := i == len(lines)-1 // not followed by a newline: possibly torn
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if tail {
			dirty = true // rewrite so the next append starts on a clean line
		}
		var rec outboxRecord
		if err := json.Unmarshal(line, &rec); err != nil || rec.ID == "" || (rec.Op != "add" && rec.Op != "done") {
			dirty = true
			if tail {
				// A crash mid-append: that Enqueue never returned.
				ob.log.Info("outbox: dropping torn last line", "path", ob.path, "line", i+1)
			} else {
				ob.log.Warn("outbox: skipping unreadable line", "path", ob.path, "line", i+1)
			}
			continue
		}
		ob.apply(rec)
	}
	return dirty
}

func (ob *outbox) apply(rec outboxRecord) {
	switch rec.Op {
	case "add":
		for _, it := range ob.items {
			if it.ID == rec.ID {
				return
			}
		}
		ob.items = append(ob.items, &OutboxItem{
			ID: rec.ID, Type: rec.Type, Data: rec.Data, EnqueuedAt: time.UnixMilli(rec.At),
		})
	case "done":
		ob.done++
		ob.removeLocked(rec.ID)
	}
}

func (ob *outbox) removeLocked(id string) bool {
	for i, it := range ob.items {
		if it.ID == id {
			ob.items = append(ob.items[:i], ob.items[i+1:]...)
			return true
		}
	}
	return false
}

// appendLocked writes one record and fsyncs it. On failure it cuts the file
// back so a partial line cannot corrupt the next record.
func (ob *outbox) appendLocked(rec outboxRecord) error {
	if ob.path == "" {
		return nil
	}
	if ob.f == nil {
		return errors.New("outbox: closed")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("outbox: encode: %w", err)
	}
	b = append(b, '\n')
	if _, err := ob.f.Write(b); err != nil {
		_ = ob.f.Truncate(ob.size)
		return fmt.Errorf("outbox: write %s: %w", ob.path, err)
	}
	if err := ob.f.Sync(); err != nil {
		return fmt.Errorf("outbox: fsync %s: %w", ob.path, err)
	}
	ob.size += int64(len(b))
	return nil
}

func (ob *outbox) add(it *OutboxItem) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.closed {
		return errors.New("outbox: closed")
	}
	err := ob.appendLocked(outboxRecord{Op: "add", ID: it.ID, Type: it.Type, Data: it.Data, At: it.EnqueuedAt.UnixMilli()})
	if err != nil {
		return err
	}
	ob.items = append(ob.items, it)
	select {
	case ob.changed <- struct{}{}:
	default:
	}
	return nil
}

// finish removes a delivered (or finally failed) item and records that on
// disk. A failed write is logged, not returned: the worst case is one
// harmless resend after a restart.
func (ob *outbox) finish(id string) (remaining int, removed bool) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if !ob.removeLocked(id) {
		return len(ob.items), false
	}
	if ob.closed {
		return len(ob.items), true
	}
	if err := ob.appendLocked(outboxRecord{Op: "done", ID: id}); err != nil {
		ob.log.Warn("outbox: recording delivery failed; the request will be resent (harmlessly) after a restart", "id", id, "err", err)
	} else {
		ob.done++
	}
	if ob.path != "" && ob.done >= compactAfter {
		if err := ob.compactLocked(); err != nil {
			ob.log.Warn("outbox: compaction failed", "err", err)
		}
	}
	return len(ob.items), true
}

// head returns the oldest pending item, or nil.
func (ob *outbox) head() *OutboxItem {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if len(ob.items) == 0 {
		return nil
	}
	return ob.items[0]
}

func (ob *outbox) noteAttempt(id string) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if it := ob.findLocked(id); it != nil {
		it.Attempts++
	}
}

func (ob *outbox) noteError(id, msg string) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if it := ob.findLocked(id); it != nil {
		it.LastError = msg
	}
}

func (ob *outbox) findLocked(id string) *OutboxItem {
	for _, it := range ob.items {
		if it.ID == id {
			return it
		}
	}
	return nil
}

func (ob *outbox) pending() []OutboxItem {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	out := make([]OutboxItem, len(ob.items))
	for i, it := range ob.items {
		out[i] = *it
	}
	return out
}

// compactLocked rewrites the file with only the pending adds, atomically.
func (ob *outbox) compactLocked() error {
	tmp := ob.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	var buf bytes.Buffer
	for _, it := range ob.items {
		b, err := json.Marshal(outboxRecord{Op: "add", ID: it.ID, Type: it.Type, Data: it.Data, At: it.EnqueuedAt.UnixMilli()})
		if err != nil {
			f.Close()
			return fmt.Errorf("outbox: compact: encode: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	size := int64(buf.Len())
	if _, err := io.Copy(f, &buf); err != nil {
		f.Close()
		return fmt.Errorf("outbox: compact: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("outbox: compact: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox: compact: close: %w", err)
	}
	if err := os.Rename(tmp, ob.path); err != nil {
		return fmt.Errorf("outbox: compact: rename: %w", err)
	}
	syncDir(filepath.Dir(ob.path))
	nf, err := os.OpenFile(ob.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		// The old handle points at the replaced file: appends through it
		// would vanish. Fail later appends loudly instead.
		if ob.f != nil {
			ob.f.Close()
			ob.f = nil
		}
		return fmt.Errorf("outbox: reopen after compaction: %w", err)
	}
	if ob.f != nil {
		ob.f.Close()
	}
	ob.f, ob.size, ob.done = nf, size, 0
	return nil
}

// syncDir makes a rename durable. Best effort: some platforms cannot open
// or fsync a directory, and the rename itself is already atomic.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

func (ob *outbox) close() error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.closed = true
	if ob.f == nil {
		return nil
	}
	err := ob.f.Close()
	ob.f = nil
	return err
}
