package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// Integration tokens are remembered for a moment: revoked through this
// store they stop at once; revoked by another process on the same
// database, within two seconds.
func TestIntegrationTokenCache(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	clock := time.UnixMilli(1763712000000)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	db := storetest.SQLite.DB(t)
	st := storetest.OpenDB(t, db, store.Options{Now: now})
	other := storetest.OpenDB(t, db, store.Options{Now: now}) // `agentdesk token revoke` in another process
	var a, b string
	var bID string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "bot", Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		var err error
		if a, _, err = tx.CreateIntegrationToken("test", "bot", "a"); err != nil {
			return err
		}
		var tok store.Token
		b, tok, err = tx.CreateIntegrationToken("test", "bot", "b")
		bID = tok.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, aID, err := st.AuthenticateIntegration(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AuthenticateIntegration(ctx, b); err != nil {
		t.Fatal(err)
	}
	// Revoked here: refused at once.
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.RevokeToken("test", aID) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AuthenticateIntegration(ctx, a); protocol.CodeOf(err) != protocol.CodeUnauthorized {
		t.Fatalf("a token revoked through this store still works: %v", err)
	}
	// Revoked elsewhere: works until the cached entry expires, then not.
	if err := other.Update(ctx, func(tx *store.Tx) error { return tx.RevokeToken("test", bID) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AuthenticateIntegration(ctx, b); err != nil {
		t.Fatalf("within the cache time: %v", err)
	}
	mu.Lock()
	clock = clock.Add(2*time.Second + time.Millisecond)
	mu.Unlock()
	if _, _, err := st.AuthenticateIntegration(ctx, b); protocol.CodeOf(err) != protocol.CodeUnauthorized {
		t.Fatalf("a token revoked by another process still works after 2 s: %v", err)
	}
}
