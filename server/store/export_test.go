package store

import (
	"database/sql"

	"github.com/agentdesk/agentdesk/protocol"
)

// RawDB is the store's write handle, for tests that run SQL of their own
// through the same dialect layer as the store.
func RawDB(s *Store) *sql.DB { return s.w }

// CachedConversation is the SQLite writer's cached copy of a conversation
// (convcache.go), if it has one. Call it only while no write runs.
func CachedConversation(s *Store, id string) (protocol.Conversation, bool) {
	c, ok := s.convs.committed[id]
	if !ok || c == nil {
		return protocol.Conversation{}, false
	}
	return *c, true
}

// StoredConversation reads a conversation's row afresh, past any cache.
func StoredConversation(s *Store, id string) (protocol.Conversation, error) {
	return scanConversation(s.r.QueryRow(`SELECT `+convColumns+convFrom+` WHERE c.id = ?`, id))
}
