// Package store is the backend's durable state: agents and tokens,
// customers, conversations, messages, escalations, drafts, outcomes, internal
// notes, the append-only event log and the audit trail.
//
// Every change runs in one transaction through Apply: the domain operation,
// the events it appends to the log and, for desk requests, the stored answer
// that makes the request idempotent all commit together or not at all.
// Committed events are handed to the publisher in seq order.
//
// The embedded default is SQLite (modernc.org/sqlite: pure Go, WAL, one
// writer); the same code runs on other database/sql drivers through a small
// layer of SQL kept to what both SQLite and PostgreSQL accept.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentdesk/agentdesk/protocol"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Event is one committed entry of the event log, with its frame encoded once
// for every desk that receives it.
type Event struct {
	Seq            int64
	Kind           string
	ConversationID string
	Assignee       string // the conversation's assignee after the change
	Actor          string // who caused it
	Detail         string // conversation event: cause; message event: author; outcome event: outcome id
	Status         string // conversation and message events: the conversation's status after the change
	At             int64
	Frame          []byte // the encoded protocol event frame
	// Local: this process committed the event (always, on SQLite). With
	// several replicas on PostgreSQL, work that must happen once per event
	// (enriching an escalation) is done by the replica that committed it;
	// fan-out to desks happens everywhere.
	Local bool
}

// Actor is the authenticated caller of an operation.
type Actor struct {
	ID   string
	Role string
}

// System is the actor for changes the backend makes itself.
var System = Actor{ID: "", Role: protocol.RoleAdmin}

// Privileged reports whether the actor may act on conversations it does not own.
func (a Actor) Privileged() bool { return protocol.Privileged(a.Role) }

// Store is the backend's database.
type Store struct {
	w           *sql.DB // the writer: one connection (SQLite); the pool (PostgreSQL)
	r           *sql.DB // readers; the same pool as w on PostgreSQL
	path        string
	pg          *pgBackend // nil on SQLite (postgres.go)
	log         *slog.Logger
	writes      writeQueue // group commit (writes.go)
	seq         sequencer  // SQLite: committed events to the publisher, in seq order (writes.go)
	convs       convCache  // SQLite: the writer's conversations (convcache.go); the batch runner's
	pubMu       sync.RWMutex
	publish     func([]Event)
	now         func() time.Time
	routing     atomic.Pointer[Routing]                    // routing.go
	intentWords atomic.Pointer[func() map[string][]string] // teamstats.go SetIntentWords
	tokens      tokenCache                                 // integration tokens (tokencache.go)
	ckpt        *checkpointer                              // SQLite: checkpoints off the write path (checkpoint.go)
	stmts       sync.Map                                   // query text → *sql.Stmt on the writer (see Tx.stmt)
	nstmts      int                                        // entries in stmts; guarded by the batch runner (writes.go)
	unprepared  []string                                   // statements the running batch ran unprepared; guarded by the batch runner
	txStmts     map[string]*sql.Stmt                       // stmts bound to the running batch's transaction; guarded by the batch runner
}

// Options configure Open.
type Options struct {
	// Now overrides the clock (tests).
	Now func() time.Time
	// MaxConns caps the PostgreSQL connection pool [16].
	MaxConns int
	// Logger receives the PostgreSQL feed's diagnostics [slog.Default()].
	Logger *slog.Logger
	// MaxBytes caps a SQLite database file's size (0: none); a write past
	// it fails as a full disk would (DiskFull), nothing half-written.
	MaxBytes int64
}

func defaultNow() time.Time { return time.Now() }

// Open opens (creating if needed) the database and migrates it: a SQLite
// file at path, or, when path is a postgres:// URL, a PostgreSQL database
// (the schema first on the URL's search_path; see postgres.go).
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path")
	}
	if IsPostgres(path) {
		return openPostgres(ctx, path, opt)
	}
	wdsn := sqliteDSN(path, true)
	if opt.MaxBytes > 0 {
		wdsn += "&_pragma=" + url.QueryEscape("max_page_count("+strconv.FormatInt(max(1, opt.MaxBytes/4096), 10)+")")
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{w: w, r: r, path: path, now: time.Now}
	if opt.Now != nil {
		s.now = opt.Now
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.startCheckpointer(path); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// sqliteDSN builds the connection string. The writer begins transactions
// IMMEDIATE so a write never fails half-way on a lock upgrade; readers are
// query-only and take no write lock.
func sqliteDSN(path string, writer bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "foreign_keys(1)")
	if writer {
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(NORMAL)")
		v.Add("_pragma", "wal_autocheckpoint(0)") // checkpoints run off the write path (checkpoint.go)
		v.Set("_txlock", "immediate")
	} else {
		v.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + v.Encode()
}

// Close closes the database.
func (s *Store) Close() error {
	if s.pg != nil {
		s.pg.feed.close()
		return s.w.Close()
	}
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

func (s *Store) logger() *slog.Logger {
	if s.log == nil {
		return slog.Default()
	}
	return s.log
}

// Postgres reports whether the store is on PostgreSQL (replicas may share it).
func (s *Store) Postgres() bool { return s.pg != nil }

// SetPresentAgents tells the store which agents have a desk connected to
// this process. On PostgreSQL other replicas see it, so auto-assignment
// there reaches desks connected here; on SQLite it changes nothing (the
// routing policy's Present answers).
func (s *Store) SetPresentAgents(ids []string) {
	if s.pg != nil {
		s.pg.feed.setPresent(ids)
	}
}

// Path is the database file (PostgreSQL: the URL without its password).
func (s *Store) Path() string { return s.path }

// Ping checks the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SetPublisher sets the function that receives committed events, in seq
// order, after each commit (outside the write path: writes.go). It must
// not block.
//
// On PostgreSQL the publisher receives every replica's events, read from
// the log by the store's feed (feed.go), which starts here.
func (s *Store) SetPublisher(fn func([]Event)) {
	s.pubMu.Lock()
	s.publish = fn
	s.pubMu.Unlock()
	if s.pg != nil && fn != nil {
		s.pg.feed.start()
	}
}

// Now is the store's clock in unix milliseconds.
func (s *Store) Now() int64 { return s.now().UnixMilli() }

func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration in its own transaction, and
// reports whether there was none left. On PostgreSQL the transaction holds
// the write lock, so replicas starting together migrate once.
func (s *Store) migrateOne(ctx context.Context) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if s.pg != nil {
		if err := s.pg.lockWrites(ctx, tx); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return false, fmt.Errorf("create meta: %w", err)
	}
	var cur int
	err = tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'`).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if cur > len(migrations) {
		return false, fmt.Errorf("database schema version %d is newer than this binary knows (%d); upgrade agentdesk", cur, len(migrations))
	}
	if cur == len(migrations) {
		if s.pg != nil {
			if _, err := tx.ExecContext(ctx, pgClusterDDL); err != nil {
				return false, fmt.Errorf("create replica table: %w", err)
			}
		}
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[cur]); err != nil {
		return false, fmt.Errorf("migration %d: %w", cur+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('schema_version', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, fmt.Sprint(cur+1)); err != nil {
		return false, fmt.Errorf("migration %d: record version: %w", cur+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %d: commit: %w", cur+1, err)
	}
	return false, nil
}

// Tx is one write transaction. Domain operations are its methods; events
// they emit are appended to the log inside the transaction and published
// after commit.
type Tx struct {
	s      *Store
	tx     *sql.Tx
	ctx    context.Context
	now    int64
	events []Event
	hooks  []func()                          // OnCommit
	route  bool                              // the queue or an agent changed: run auto-assignment before commit (routing.go)
	convs  map[string]*protocol.Conversation // SQLite: the conversations this write read or wrote (convcache.go)
}

// applyIn runs one Apply inside an open transaction: the idempotency check,
// fn, auto-assignment, the stored answer. It sets j's answer, the events to
// publish once committed, the functions to run then (Tx.OnCommit) and the
// conversations it read or wrote (convcache.go); for a repeated request,
// the stored answer alone.
func (s *Store) applyIn(ctx context.Context, sqlTx *sql.Tx, j *writeJob) error {
	tx := &Tx{s: s, tx: sqlTx, ctx: ctx, now: s.Now()}
	actor, requestID := j.actor, j.requestID
	hash := requestHash(ctx)
	if requestID != "" {
		var stored, storedHash string
		err := tx.queryRow(`SELECT response, request_hash FROM requests WHERE agent_id = ? AND request_id = ?`, actor.ID, requestID).Scan(&stored, &storedHash)
		if err == nil {
			if storedHash != "" && hash != "" && storedHash != hash {
				return protocol.Errorf(protocol.CodeConflict, "request id %s was already used for a different request", requestID)
			}
			j.answer = json.RawMessage(stored)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up request %s: %w", requestID, err)
		}
	}
	result, err := j.fn(tx)
	if err != nil {
		return err
	}
	if tx.route {
		if err := tx.routeChanged(); err != nil {
			return err
		}
	}
	answer, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	if requestID != "" {
		if _, err := tx.exec(`INSERT INTO requests(agent_id, request_id, response, created_at, request_hash) VALUES (?, ?, ?, ?, ?)`,
			actor.ID, requestID, string(answer), tx.now, hash); err != nil {
			return fmt.Errorf("record request %s: %w", requestID, err)
		}
	}
	j.answer, j.events, j.hooks, j.convs = answer, tx.events, tx.hooks, tx.convs
	return nil
}

// OnCommit runs fn once the transaction has committed (not at all if it
// rolls back), before Apply returns: for caches of committed state.
func (tx *Tx) OnCommit(fn func()) { tx.hooks = append(tx.hooks, fn) }

// Update runs fn in a write transaction for the backend itself (no request
// idempotency) and returns fn's error.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	_, err := s.Apply(ctx, System, "", func(tx *Tx) (any, error) { return nil, fn(tx) })
	return err
}

// Now is the transaction's clock in unix milliseconds.
func (tx *Tx) Now() int64 { return tx.now }

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(query); st != nil {
		return st.ExecContext(tx.ctx, args...)
	}
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	if st := tx.stmt(query); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(query); st != nil {
		return st.QueryContext(tx.ctx, args...)
	}
	return tx.tx.QueryContext(tx.ctx, query, args...)
}

// stmt returns query prepared on the SQLite writer and bound to this
// transaction, or nil when it is not prepared yet: the caller runs the text
// and Apply prepares it once the transaction is over (the writer's one
// connection is busy until then). Parsing SQL is most of the cost of a
// small write: ingesting a message runs a dozen statements. PostgreSQL
// runs the text (its driver caches statements itself).
func (tx *Tx) stmt(query string) *sql.Stmt {
	if tx.s.pg != nil {
		return nil
	}
	if st, ok := tx.s.txStmts[query]; ok {
		return st
	}
	if v, ok := tx.s.stmts.Load(query); ok {
		// Bound to the transaction once, for every write of the batch.
		st := tx.tx.StmtContext(tx.ctx, v.(*sql.Stmt))
		if tx.s.txStmts == nil {
			tx.s.txStmts = make(map[string]*sql.Stmt)
		}
		tx.s.txStmts[query] = st
		return st
	}
	tx.s.unprepared = append(tx.s.unprepared, query) // only the batch runner writes (writes.go)
	return nil
}

// maxStmts bounds the statement cache should a query's text vary.
const maxStmts = 512

// prepare readies the statements the last transaction ran unprepared.
// Called by the batch runner with no transaction open.
func (s *Store) prepare(ctx context.Context) {
	for _, q := range s.unprepared {
		if _, ok := s.stmts.Load(q); ok || s.nstmts >= maxStmts {
			continue
		}
		if st, err := s.w.PrepareContext(ctx, q); err == nil {
			s.stmts.Store(q, st)
			s.nstmts++
		}
	}
	s.unprepared = s.unprepared[:0]
}

// emit appends an event to the log.
func (tx *Tx) emit(kind, convID, assignee, actor string, data any) error {
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", kind, err)
	}
	res, err := tx.exec(`INSERT INTO events(kind, conversation_id, assignee, actor, at, data) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, convID, assignee, actor, tx.now, string(payload))
	if err != nil {
		return fmt.Errorf("append %s event: %w", kind, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("append %s event: %w", kind, err)
	}
	ev := Event{Seq: seq, Kind: kind, ConversationID: convID, Assignee: assignee, Actor: actor, At: tx.now, Local: true}
	switch d := data.(type) {
	case protocol.ConversationEvent:
		ev.Detail, ev.Status = d.Cause, d.Conversation.Status
		tx.route = tx.route || d.Conversation.Status == protocol.ConvQueued
	case protocol.MessageEvent:
		ev.Detail, ev.Status = d.Message.Author, d.Conversation.Status
	case protocol.OutcomeEvent:
		ev.Detail = d.Outcome.ID
	case protocol.AgentEvent:
		tx.route = true
	}
	if ev.Frame, err = encodeFrame(ev, string(payload)); err != nil {
		return err
	}
	tx.events = append(tx.events, ev)
	return nil
}

// encodeFrame encodes an event's frame once, for every desk that gets it;
// data is json.Marshal output (as stored in the log).
func encodeFrame(ev Event, data string) ([]byte, error) {
	return protocol.AppendEvent(make([]byte, 0, len(data)+64+len(ev.Kind)), ev.Seq, ev.Kind, ev.At, []byte(data)), nil
}

// audit records who did what.
func (tx *Tx) audit(actor, action, convID string, detail any) error {
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("encode audit detail: %w", err)
		}
		d = string(b)
	}
	if _, err := tx.exec(`INSERT INTO audit(at, actor, action, conversation_id, detail) VALUES (?, ?, ?, ?, ?)`,
		tx.now, actor, action, convID, d); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// NewID returns a new identifier: prefix, then 16 base32 characters that sort
// by creation time (48-bit milliseconds) and end in 32 random bits.
func NewID(prefix string) string {
	var b [10]byte
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	copy(b[6:], r[:])
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

var idEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// PruneRequests forgets idempotency records older than maxAge; retries after
// that are treated as new requests.
func (s *Store) PruneRequests(ctx context.Context, maxAge time.Duration) (int64, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM requests WHERE created_at < ?`, tx.now-maxAge.Milliseconds())
		if err != nil {
			return fmt.Errorf("prune requests: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
