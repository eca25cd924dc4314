package e2e

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/sim"
)

// TestDemoWorldPlaysOut runs the demo world against a real server with the
// offline copilot: customers write through the channel HTTP API, the
// server's front-line bot answers (or the scripted one, for servers without
// it), the rules and the bot escalate, teammates work the chats over the
// desk websocket with AI drafts, customers answer back and the chats end
// resolved.
func TestDemoWorldPlaysOut(t *testing.T) {
	t.Run("server bot", func(t *testing.T) { playDemoWorld(t, false) })
	t.Run("scripted bot", func(t *testing.T) { playDemoWorld(t, true) })
}

func playDemoWorld(t *testing.T, scripted bool) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	var botToken string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		for _, a := range []store.NewAgent{
			{ID: "mei", Role: protocol.RoleAgent, Capacity: 5}, {ID: "omar", Role: protocol.RoleAgent, Capacity: 5},
			{ID: "floor", Role: protocol.RoleLead}, {ID: "shopbot", Role: protocol.RoleAdmin},
		} {
			if _, err := tx.CreateAgent("test", a); err != nil {
				return err
			}
		}
		var err error
		for _, id := range []string{"mei", "omar", "floor"} {
			if tokens[id], _, err = tx.CreateToken("test", id, ""); err != nil {
				return err
			}
		}
		botToken, _, err = tx.CreateIntegrationToken("test", "shopbot", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	cfg := server.Config{RateLimit: -1, Copilot: eng, Bot: server.BotConfig{Enabled: !scripted}}
	go func() { served <- server.New(st, cfg).Serve(sctx, ln, nil) }()
	defer func() { stop(); <-served }()
	url := "ws://" + ln.Addr().String()

	w := sim.New(sim.NewHTTPBackend(url, botToken), sim.Options{
		Seed: 42, Speed: 60, Initial: 6, Limit: 6, Rate: 60, Desk: url, WatchToken: tokens["floor"],
		Mates: map[string]string{"mei": tokens["mei"], "omar": tokens["omar"]}, ScriptedBot: scripted,
	})
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := w.Run(wctx); err != nil {
		t.Fatal(err)
	}
	if wctx.Err() != nil {
		t.Fatal("the demo world did not play out in time")
	}
	snap, _, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Conversations) != 0 {
		t.Fatalf("%d conversations still open after the world played out", len(snap.Conversations))
	}
	outs, err := st.Outcomes(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) == 0 {
		t.Fatal("teammates recorded no draft outcomes")
	}
	for _, o := range outs {
		if o.Provider != "offline" || o.PromptVersion == "" || o.DraftText == "" {
			t.Fatalf("outcome without provenance: %+v", o)
		}
	}
	// Every customer heard from a bot; with the server's, through its turns.
	stats, err := st.TeamStats(ctx, 1, st.Now())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Bot.Handoffs == 0 || (!scripted && stats.Bot.Answers+stats.Bot.Fallbacks == 0) {
		t.Fatalf("bot figures %+v", stats.Bot)
	}
}
