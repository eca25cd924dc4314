package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// The lead's board listed intent "refunds" 9 and keyword "refund" 7, and
// the same with 退款: one topic twice. A server with the copilot folds the
// keywords its KB gives the intent (tags, aliases) into the intent's line.
func TestHotTopicsFoldKeywordsIntoTheirIntent(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite.Open(t, store.Options{})
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		text := "I want a refund, the kettle leaks"
		if i%2 == 1 {
			text = "我要退款，水壶漏水"
		}
		if err := st.Update(ctx, func(tx *store.Tx) error {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: fmt.Sprint("c", i)})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			if err != nil {
				return err
			}
			if _, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", text); err != nil {
				return err
			}
			_, err = tx.Enrich(c.ID, store.Insight{Intent: "refunds"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	listed := func() map[string]bool {
		stats, err := st.TeamStats(ctx, 1, st.Now())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, tp := range stats.HotHour {
			out[tp.Kind+":"+tp.Name] = true
		}
		return out
	}
	if got := listed(); !got["keyword:退款"] {
		t.Fatalf("before the server: want 退款 listed as a keyword (the set-up shows the bug): %v", got)
	}
	server.New(st, server.Config{Copilot: eng})
	got := listed()
	if !got["intent:refunds"] || got["keyword:refund"] || got["keyword:退款"] || !got["keyword:kettle"] {
		t.Errorf("hot topics %v: want intent refunds, kettle, and no refund / 退款 keyword", got)
	}
}
