package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The user's demo accounts (one per role) are told apart by name — a
// lead's board listed two "You" rows and the reassign picker offered "You"
// twice — and an account of an older run named "You" is renamed on start.
func TestDemoAccountsOfTheUserAreToldApart(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, user := range []string{"", "alice"} {
		t.Setenv("USER", user)
		base := map[string]string{"": "You", "alice": "alice"}[user]
		if got := demoUserName(protocol.RoleAgent); got != base {
			t.Errorf("USER=%q: agent account named %q, want %q", user, got, base)
		}
		if got := demoUserName(protocol.RoleLead); got != base+" (lead)" {
			t.Errorf("USER=%q: lead account named %q, want %q", user, got, base+" (lead)")
		}
	}

	// An older run made both accounts "You".
	t.Setenv("USER", "")
	err = st.Update(ctx, func(tx *store.Tx) error {
		for _, a := range []store.NewAgent{{ID: "you", Name: "You", Role: protocol.RoleAgent, Team: "support", Capacity: 5},
			{ID: "you-lead", Name: "You", Role: protocol.RoleLead, Team: "support", Capacity: 5}} {
			if _, err := tx.CreateAgent("embedded", a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	me := store.NewAgent{ID: "you-lead", Name: demoUserName(protocol.RoleLead), Role: protocol.RoleLead, Team: "support", Capacity: 5}
	if _, _, _, err := prepareDemoAccounts(ctx, st, &me); err != nil {
		t.Fatal(err)
	}
	agents, err := st.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, a := range agents {
		names[a.Name]++
		if a.ID == "you-lead" && a.Name != "You (lead)" {
			t.Errorf("the lead account is still named %q", a.Name)
		}
	}
	for n, c := range names {
		if c > 1 {
			t.Errorf("%d accounts named %q", c, n)
		}
	}
	// A name the user gave the account is theirs.
	err = st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RenameAgent("admin", "you-lead", "Lena (lead desk)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := prepareDemoAccounts(ctx, st, &me); err != nil {
		t.Fatal(err)
	}
	var a protocol.Agent
	st.Update(ctx, func(tx *store.Tx) error { a, err = tx.Agent("you-lead"); return err })
	if a.Name != "Lena (lead desk)" {
		t.Errorf("a name chosen since was replaced: %q", a.Name)
	}
}
