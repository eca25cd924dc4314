package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// SQLite's log is copied into the database file by the store's own
// checkpointer, not inside a commit (the writer has automatic checkpoints
// off): after a burst of writes the database file grows by itself, and
// what was written is there.
func TestCheckpointsRunOffTheWritePath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	st := storetest.OpenDB(t, path, store.Options{})
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	var conv string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "王芳"})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		conv = c.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if err := st.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.AddMessage(conv, protocol.AuthorCustomer, "", "我的订单还没有发货，请帮我查一下，谢谢！这是第几条消息呢")
			return err
		}); err != nil {
			t.Fatal(i, err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: nothing checkpointed", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, err := st.ConversationDetail(ctx, conv)
	if err != nil || len(d.Messages) == 0 {
		t.Fatalf("after the checkpoints: %v, %d messages", err, len(d.Messages))
	}
}
