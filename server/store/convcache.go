package store

import (
	"encoding/json"
	"slices"

	"github.com/agentdesk/agentdesk/protocol"
)

// The SQLite writer's conversation cache. Every message write starts by
// reading its conversation (a join with the customer, 29 columns, three
// JSON lists): about a quarter of a message's CPU in
// BenchmarkIngestConcurrent. On SQLite this store's one writer connection
// makes every change, so it can remember the conversations it last read or
// wrote instead of reading them back.
//
// What keeps it right:
//   - a write's reads and saves stay its own (Tx.convs) until it succeeds;
//     the batch's later writes see them, but a write that fails (its
//     savepoint rolled back) leaves nothing behind, and a batch that does
//     not commit leaves nothing in the committed cache;
//   - every change of a conversation row goes through saveConversation or
//     touchConversation (they bump the version with compare-and-set), and
//     each updates the entry from the fields it wrote, or forgets the
//     entry (EscalateFlagged's flags); customers' names and VIP marks are
//     never changed;
//   - another connection writing the file (a second process on the same
//     --db) changes the writer's PRAGMA data_version: each batch checks it
//     and drops the cache when it moved;
//   - the row's version still guards every update: a stale entry could
//     only fail a write as "changed meanwhile", never overwrite a change.
//
// PostgreSQL has no cache (replicas write the same rows). The maps are the
// batch runner's: only it reads or writes them (writes.go).

// maxCachedConvs bounds the committed cache; past it, entries are dropped
// at random (map order) to make room.
const maxCachedConvs = 8192

type convCache struct {
	committed   map[string]*protocol.Conversation
	batch       map[string]*protocol.Conversation // nil value: forget the committed entry
	dataVersion int64
	ok          bool // dataVersion was read
}

// begin starts a batch; dataVersion is the writer's PRAGMA data_version.
func (cc *convCache) begin(dataVersion int64) {
	if !cc.ok || dataVersion != cc.dataVersion {
		clear(cc.committed)
	}
	cc.dataVersion, cc.ok = dataVersion, true
	clear(cc.batch)
}

// finished takes a write's conversations into the batch (the write
// succeeded and its savepoint is released).
func (cc *convCache) finished(convs map[string]*protocol.Conversation) {
	if len(convs) == 0 {
		return
	}
	if cc.batch == nil {
		cc.batch = make(map[string]*protocol.Conversation, len(convs))
	}
	for id, c := range convs {
		cc.batch[id] = c
	}
}

// commit makes the batch's conversations the committed ones.
func (cc *convCache) commit() {
	if cc.committed == nil {
		cc.committed = make(map[string]*protocol.Conversation, len(cc.batch))
	}
	for id, c := range cc.batch {
		if c == nil {
			delete(cc.committed, id)
			continue
		}
		if _, ok := cc.committed[id]; !ok && len(cc.committed) >= maxCachedConvs {
			for other := range cc.committed {
				delete(cc.committed, other)
				break
			}
		}
		cc.committed[id] = c
	}
	clear(cc.batch)
}

// discard forgets the batch that was rolled back before its commit.
func (cc *convCache) discard() { clear(cc.batch) }

// abort forgets the batch after a failed commit; what the batch touched
// may or may not be in the database, so the committed entries go too.
func (cc *convCache) abort() {
	for id := range cc.batch {
		delete(cc.committed, id)
	}
	clear(cc.batch)
}

// known is the conversation as this write last saw it, if the cache has it.
func (tx *Tx) known(id string) (*protocol.Conversation, bool) {
	if tx.s.pg != nil {
		return nil, false
	}
	if c, ok := tx.convs[id]; ok {
		return c, c != nil
	}
	cc := &tx.s.convs
	if c, ok := cc.batch[id]; ok {
		return c, c != nil
	}
	c, ok := cc.committed[id]
	return c, ok
}

// remember records c as the row now is, for this write.
func (tx *Tx) remember(c *protocol.Conversation) {
	if tx.s.pg != nil {
		return
	}
	if tx.convs == nil {
		tx.convs = make(map[string]*protocol.Conversation, 2)
	}
	tx.convs[c.ID] = c
}

// forget drops what the cache knows of a conversation (for this write, and
// for everyone once it commits).
func (tx *Tx) forget(id string) {
	if tx.s.pg == nil {
		if tx.convs == nil {
			tx.convs = make(map[string]*protocol.Conversation, 2)
		}
		tx.convs[id] = nil
	}
}

// rememberSaved updates the entry of c after an update wrote fields of it:
// apply copies what the update wrote from c (already at its new version)
// onto the entry. Without an entry at the version the update replaced,
// the cache forgets the conversation instead.
func (tx *Tx) rememberSaved(c *protocol.Conversation, apply func(entry *protocol.Conversation)) {
	base, ok := tx.known(c.ID)
	if !ok || base.Version != c.Version-1 {
		tx.forget(c.ID)
		return
	}
	e := cloneConversation(*base)
	apply(&e)
	e.Version, e.UpdatedAt = c.Version, c.UpdatedAt
	tx.remember(&e)
}

// cloneConversation copies c deeply: callers may change what they are
// given, the cache must not change with them. Empty lists are nil, as a
// conversation read from its row has them.
func cloneConversation(c protocol.Conversation) protocol.Conversation {
	c.Flags = cloneList(c.Flags)
	c.Trajectory = cloneList(c.Trajectory)
	if c.Escalation != nil {
		e := *c.Escalation
		e.BotTried = slices.Clone(e.BotTried)
		e.BotSources = slices.Clone(e.BotSources)
		c.Escalation = &e
	}
	return c
}

func cloneList[T any](v []T) []T {
	if len(v) == 0 {
		return nil
	}
	return slices.Clone(v)
}

// decodedEscalation is esc (as saveConversation stored it) read back the
// way scanConversation reads it.
func decodedEscalation(esc string) (*protocol.Escalation, error) {
	if esc == "" {
		return nil, nil
	}
	e := new(protocol.Escalation)
	return e, json.Unmarshal([]byte(esc), e)
}
