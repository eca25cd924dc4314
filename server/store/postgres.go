package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL backend. Several `agentdesk serve` replicas share one
// database (one schema of it: the DSN's search_path); the event log is the
// ordering authority. Three things make that safe:
//
//   - Every write transaction first takes a transaction-scoped advisory
//     lock, one per database and schema: the single-writer model of SQLite,
//     across replicas. Seqs are therefore assigned and committed in order, and
//     the lock is released only after the commit is visible, so a reader
//     tailing "seq > last" can never pass over an event that commits later.
//   - The transaction sends NOTIFY (payload: its newest seq) on commit; each
//     replica LISTENs and reads the log from its last published seq
//     (feed.go), with a periodic catch-up for notifications that get lost.
//   - Read transactions run REPEATABLE READ, so a snapshot and the head seq
//     it reports are consistent.

// IsPostgres reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Unreachable reports whether err comes from not reaching the database —
// a refused or dropped connection, PostgreSQL shutting down or starting —
// rather than from the request itself: worth a retry, not a bug report.
func Unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var oe *net.OpError
	if errors.As(err, &ce) || errors.As(err, &oe) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
	}
	return false
}

// RedactDSN hides the password of a PostgreSQL URL (for logs).
func RedactDSN(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// pgBackend is what a Store on PostgreSQL keeps beside its connection pool.
type pgBackend struct {
	cfg     *pgx.ConnConfig
	schema  string
	lockKey int64  // the advisory lock every write transaction takes
	channel string // the LISTEN/NOTIFY channel of this database and schema
	replica string // this process's id in agentdesk_replicas
	// autoCols maps a table to its identity column ("" for none), for
	// LastInsertId; looked up on first use, forgotten after any DDL.
	autoCols sync.Map
	feed     *feed
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", RedactDSN(dsn), err)
	}
	pg := &pgBackend{cfg: cfg, replica: NewID("r_")}
	db := sql.OpenDB(&pgConnector{base: stdlib.GetConnector(*cfg), pg: pg})
	conns := opt.MaxConns
	if conns <= 0 {
		conns = 16
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s := &Store{w: db, r: db, path: RedactDSN(dsn), pg: pg, now: defaultNow, log: opt.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opt.Now != nil {
		s.now = opt.Now
	}
	fail := func(err error) (*Store, error) {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", s.path, err)
	}
	var schema sql.NullString
	var database string
	if err := db.QueryRowContext(ctx, `SELECT current_schema(), current_database()`).Scan(&schema, &database); err != nil {
		return fail(err)
	}
	if !schema.Valid {
		return fail(errors.New("no schema on the search_path exists; create it or fix search_path"))
	}
	pg.schema = schema.String
	h := fnv.New64a()
	io.WriteString(h, "agentdesk\x00"+database+"\x00"+pg.schema)
	pg.lockKey = int64(h.Sum64() &^ (1 << 63))
	pg.channel = fmt.Sprintf("agentdesk_%x", pg.lockKey)
	if err := s.migrate(ctx); err != nil {
		return fail(err)
	}
	pg.feed = newFeed(s)
	return s, nil
}

// pgClusterDDL is PostgreSQL-only state that is not part of the portable
// schema: which replicas are alive and which agents have a desk on each
// (auto-assignment needs it: a desk connected to another replica counts).
const pgClusterDDL = `CREATE TABLE IF NOT EXISTS agentdesk_replicas (
	id         TEXT PRIMARY KEY,
	started_at BIGINT NOT NULL,
	seen_at    BIGINT NOT NULL,
	agents     TEXT NOT NULL DEFAULT ''
)`

// lockWrites takes the write lock inside a transaction (see above).
func (pg *pgBackend) lockWrites(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, pg.lockKey); err != nil {
		return fmt.Errorf("take the write lock: %w", err)
	}
	return nil
}

// notify announces, at commit, the newest seq a transaction appended.
func (pg *pgBackend) notify(ctx context.Context, tx *sql.Tx, seq int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, pg.channel, fmt.Sprint(seq)); err != nil {
		return fmt.Errorf("notify seq %d: %w", seq, err)
	}
	return nil
}

// The database/sql connector below wraps pgx's: every statement the store
// sends is rewritten from the portable dialect (dialect.go), read-only
// transactions become REPEATABLE READ snapshots, and LastInsertId works
// for tables with an identity column (the INSERT gains RETURNING).

type pgConnector struct {
	base driver.Connector
	pg   *pgBackend
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("pgx stdlib returned %T", conn)
	}
	return &pgConn{Conn: sc, pg: c.pg}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.base.Driver() }

type pgConn struct {
	*stdlib.Conn
	pg *pgBackend
}

var _ interface {
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
} = (*pgConn)(nil)

// statements caches rewritten statements; the store's SQL is a fixed set
// of strings plus a few built with a variable number of placeholders.
var statements sync.Map // string → pgStatement

const maxCachedStatements = 4096

var cachedStatements atomic.Int64

func rewrite(query string) pgStatement {
	if v, ok := statements.Load(query); ok {
		return v.(pgStatement)
	}
	st := toPostgres(query)
	if cachedStatements.Load() < maxCachedStatements {
		if _, loaded := statements.LoadOrStore(query, st); !loaded {
			cachedStatements.Add(1)
		}
	}
	return st
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rewrite(query).sql)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rewrite(query).sql)
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly && sql.IsolationLevel(opts.Isolation) == sql.LevelDefault {
		opts.Isolation = driver.IsolationLevel(sql.LevelRepeatableRead)
	}
	return c.Conn.BeginTx(ctx, opts)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rewrite(query).sql, args)
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st := rewrite(query)
	if st.insertInto != "" {
		col, err := c.autoColumn(ctx, st.insertInto)
		if err != nil {
			return nil, err
		}
		if col != "" {
			return c.insertReturning(ctx, st.sql+" RETURNING "+pgIdent(col), args)
		}
	}
	res, err := c.Conn.ExecContext(ctx, st.sql, args)
	if err == nil && pgDDL.MatchString(st.sql) {
		c.pg.autoCols.Clear()
	}
	return res, err
}

var pgDDL = regexp.MustCompile(`(?i)^\s*(CREATE|ALTER|DROP)\s`)

// autoColumn is table's identity (or serial) column, "" when it has none.
// It is read on this connection, so it sees a table created earlier in
// the same transaction.
func (c *pgConn) autoColumn(ctx context.Context, table string) (string, error) {
	if v, ok := c.pg.autoCols.Load(table); ok {
		return v.(string), nil
	}
	rows, err := c.Conn.QueryContext(ctx, `SELECT column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1
		AND (is_identity = 'YES' OR column_default LIKE 'nextval(%') LIMIT 1`, []driver.NamedValue{{Ordinal: 1, Value: table}})
	if err != nil {
		return "", fmt.Errorf("look up the key of %s: %w", table, err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	col := ""
	if err := rows.Next(dest); err == nil {
		col, _ = dest[0].(string)
	} else if !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("look up the key of %s: %w", table, err)
	}
	c.pg.autoCols.Store(table, col)
	return col, nil
}

// insertReturning runs an INSERT with RETURNING id and answers
// LastInsertId with the last id returned.
func (c *pgConn) insertReturning(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := insertResult{}
	dest := make([]driver.Value, 1)
	for {
		err := rows.Next(dest)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		res.n++
		switch v := dest[0].(type) {
		case int64:
			res.id = v
		case int32:
			res.id = int64(v)
		default:
			return nil, fmt.Errorf("insert returned id of type %T", v)
		}
	}
	return res, nil
}

type insertResult struct{ id, n int64 }

func (r insertResult) LastInsertId() (int64, error) { return r.id, nil }
func (r insertResult) RowsAffected() (int64, error) { return r.n, nil }
