// Package storetest opens stores for tests on each backend: SQLite (a file
// in the test's temp dir) always, and PostgreSQL when AGENTDESK_TEST_POSTGRES
// holds a connection URL (each test gets a fresh schema, dropped afterwards).
// .ci/run starts a throwaway PostgreSQL and sets it; without it the
// PostgreSQL cases skip.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentdesk/agentdesk/server/store"
)

// EnvPostgres names the variable holding the test database URL.
const EnvPostgres = "AGENTDESK_TEST_POSTGRES"

// Backend opens a fresh, empty store for a test.
type Backend struct {
	Name string
	// DB returns a new --db value: a SQLite file path, or a PostgreSQL URL
	// whose search_path is a fresh schema. Every store opened on one value
	// shares the database (replicas).
	DB func(t testing.TB) string
}

// Open opens a store on a fresh database of the backend, closed when the
// test ends.
func (b Backend) Open(t testing.TB, opt store.Options) *store.Store {
	t.Helper()
	return OpenDB(t, b.DB(t), opt)
}

// OpenDB opens a store on db, closed when the test ends.
func OpenDB(t testing.TB, db string, opt store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// SQLite is the embedded backend.
var SQLite = Backend{Name: "sqlite", DB: func(t testing.TB) string {
	return filepath.Join(t.TempDir(), "agentdesk.db")
}}

// Postgres is the PostgreSQL backend; its DB skips the test when
// AGENTDESK_TEST_POSTGRES is not set.
var Postgres = Backend{Name: "postgres", DB: PostgresDB}

// Backends lists SQLite and PostgreSQL; run each as a subtest with Each.
func Backends() []Backend { return []Backend{SQLite, Postgres} }

// Each runs fn as a subtest on every backend (the PostgreSQL one skips
// without a test database).
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// PostgresDB creates a fresh schema in the test database and returns a URL
// that uses it; the schema is dropped when the test ends.
func PostgresDB(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL tests need %s (a postgres:// URL); .ci/run starts one", EnvPostgres)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvPostgres, err)
	}
	defer conn.Close(ctx)
	var r [6]byte
	rand.Read(r[:])
	schema := "t_" + hex.EncodeToString(r[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
