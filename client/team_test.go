package client

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestPresenceAndTeamStatsAreEphemeral: presence, customer_typing and team_stats frames
// arrive as updates without moving LastSeq; unreadable ones are skipped.
func TestPresenceAndTeamStatsAreEphemeral(t *testing.T) {
	fs := newFakeServer(t)
	r := start(t, fastOptions(fs.url()))
	r.waitOnline(t, 1)
	fs.publish(protocol.EvConversation, protocol.ConversationEvent{Cause: protocol.CauseEscalated, Conversation: protocol.Conversation{ID: "c_01"}})
	fs.ephemeral(protocol.TypePresence, json.RawMessage(`{"conversation_id":""}`))
	fs.ephemeral(protocol.TypePresence, protocol.Presence{ConversationID: "c_01", Viewers: []string{"lena", "mei"}})
	fs.ephemeral(protocol.TypeCustomerTyping, json.RawMessage(`{"conversation_id":""}`))
	fs.ephemeral(protocol.TypeCustomerTyping, protocol.CustomerTyping{ConversationID: "c_01"})
	fs.ephemeral(protocol.TypeTeamStats, json.RawMessage(`{"agents":7}`))
	fs.ephemeral(protocol.TypeTeamStats, protocol.TeamStats{DayStart: 5, HotHour: []protocol.Topic{{Kind: "intent", Name: "delivery_damaged", Count: 12}}})
	ups := r.rec.waitFor(t, "presence and stats", func(ups []Update) bool {
		n := 0
		for _, u := range ups {
			switch u.(type) {
			case Presence, TeamStats, CustomerTyping:
				n++
			}
		}
		return n >= 3
	})
	var got []string
	for _, u := range ups {
		switch u := u.(type) {
		case Presence:
			got = append(got, "presence "+u.ConversationID+" "+strings.Join(u.Viewers, ","))
		case TeamStats:
			got = append(got, "stats "+u.HotHour[0].Name)
		case CustomerTyping:
			got = append(got, "typing "+u.ConversationID)
		}
	}
	if strings.Join(got, "|") != "presence c_01 lena,mei|typing c_01|stats delivery_damaged" {
		t.Fatalf("updates = %v", got)
	}
	if seq := r.c.LastSeq(); seq != 1 {
		t.Fatalf("LastSeq = %d, want 1", seq)
	}
}
