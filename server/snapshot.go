package server

import (
	"encoding/json"
	"fmt"

	"github.com/agentdesk/agentdesk/protocol"
)

// snapshotPages splits a snapshot's conversations into pages whose encoded
// size stays near protocol.MaxReplyBytes, so no welcome grows with the
// floor: 300 chats with 250 KB team names once made one 77 MB frame that no
// desk could read (issue 19.1). Every page holds at least one conversation.
func snapshotPages(convs []protocol.Conversation) ([][]protocol.Conversation, error) {
	var pages [][]protocol.Conversation
	start, size := 0, 0
	for i := range convs {
		b, err := json.Marshal(&convs[i])
		if err != nil {
			return nil, fmt.Errorf("encode conversation %s: %w", convs[i].ID, err)
		}
		if size+len(b) > protocol.MaxReplyBytes && i > start {
			pages = append(pages, convs[start:i])
			start, size = i, 0
		}
		size += len(b) + 1
	}
	return append(pages, convs[start:]), nil
}

// sendWelcome queues the welcome and, for a snapshot larger than a page,
// the "snapshot" frames that carry the rest of it.
func (c *conn) sendWelcome(w protocol.Welcome) error {
	var rest [][]protocol.Conversation
	if w.Snapshot != nil {
		pages, err := snapshotPages(w.Snapshot.Conversations)
		if err != nil {
			return err
		}
		snap := *w.Snapshot
		snap.Conversations, rest = pages[0], pages[1:]
		w.Snapshot, w.SnapshotMore = &snap, len(rest) > 0
	}
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if !c.sendFrame(protocol.Frame{Type: protocol.TypeWelcome, Data: data}) {
		return errClosed
	}
	for i, p := range rest {
		data, err := json.Marshal(protocol.SnapshotPage{Conversations: p, More: i < len(rest)-1})
		if err != nil {
			return err
		}
		if !c.sendFrame(protocol.Frame{Type: protocol.TypeSnapshot, Data: data}) {
			return errClosed
		}
	}
	return nil
}
