package store

import "database/sql"

// RawDB is the store's write handle, for tests that run SQL of their own
// through the same dialect layer as the store.
func RawDB(s *Store) *sql.DB { return s.w }
