package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentdesk/agentdesk/server/store"
)

// A second run on the same database (a second simulate --db) leaves the
// first's tokens working; each run's tokens are revoked when it ends.
func TestSecondDemoRunKeepsTheFirstsTokens(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, _, firstIDs, err := prepareDemoAccounts(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, _, _, err := prepareDemoAccounts(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Authenticate(ctx, first["mei"]); err != nil {
		t.Fatalf("the first run's token stopped working after a second run: %v", err)
	}
	if err := revokeDemoTokens(ctx, st, firstIDs); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Authenticate(ctx, first["mei"]); err == nil {
		t.Fatal("the first run's token still works after its end")
	}
	if _, _, err := st.Authenticate(ctx, second["mei"]); err != nil {
		t.Fatalf("the second run's token: %v", err)
	}
}
