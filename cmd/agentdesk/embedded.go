package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/sim"
)

// demoAccounts are the embedded demo's people besides the user.
var demoAccounts = []store.NewAgent{
	{ID: "mei", Name: "林美 Mei", Role: protocol.RoleAgent, Team: "support", Capacity: 4},
	{ID: "omar", Name: "Omar Haddad", Role: protocol.RoleAgent, Team: "support", Capacity: 4},
	{ID: "jun", Name: "陈俊 Jun", Role: protocol.RoleAgent, Team: "billing", Capacity: 4},
	{ID: "floor", Name: "Floor watcher", Role: protocol.RoleLead, Team: "support"},
	{ID: "shopbot", Name: "Shop bot", Role: protocol.RoleAdmin},
}

const embeddedLabel = "embedded demo"

// startEmbedded runs the backend inside the desk's process: the SQLite
// store under dataDir, the offline copilot with the demo knowledge base, the
// server on a loopback port, and the demo world (customers, bot, teammates)
// talking to it through the same HTTP and websocket APIs a real deployment
// uses. It returns the desk URL and a token for the user's account ("you";
// AGENTDESK_DEMO_ROLE=lead|trainer|admin picks "you-<role>" instead); stop
// shuts everything down.
func startEmbedded(ctx context.Context, dataDir string) (url, token string, stop func(), err error) {
	role := os.Getenv("AGENTDESK_DEMO_ROLE")
	if role == "" {
		role = protocol.RoleAgent
	}
	if !protocol.ValidRole(role) {
		return "", "", nil, fmt.Errorf("AGENTDESK_DEMO_ROLE=%q: want agent, lead, trainer or admin", role)
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv("AGENTDESK_DEMO_SEED"); v != "" {
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return "", "", nil, fmt.Errorf("AGENTDESK_DEMO_SEED=%q: want an integer", v)
		}
	}
	st, err := openStore(ctx, filepath.Join(dataDir, "agentdesk.db"))
	if err != nil {
		return "", "", nil, err
	}
	fail := func(err error) (string, string, func(), error) {
		st.Close()
		return "", "", nil, err
	}
	me := store.NewAgent{ID: "you", Name: demoUserName(role), Role: role, Team: "support", Capacity: 5}
	if role != protocol.RoleAgent {
		me.ID += "-" + role // one account per role: an account's role is fixed
	}
	tokens, botToken, issued, err := prepareDemoAccounts(ctx, st, &me)
	if err != nil {
		return fail(err)
	}
	// Trainers' promoted replies join the embedded demo KB from an overlay
	// folder under the data dir (pending review until the status line is
	// removed and the KB reloaded).
	kbOverlay := filepath.Join(dataDir, "kb")
	eng, err := copilot.New(copilot.Config{KBOverlay: kbOverlay, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return fail(fmt.Errorf("start offline copilot: %w", err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	shop, err := startShopChannel()
	if err != nil {
		ln.Close()
		return fail(err)
	}
	srv := server.New(st, server.Config{Version: version, RateLimit: -1, Logger: quiet, Copilot: eng, KBWriteDir: kbOverlay,
		Channels: server.ChannelsConfig{RateLimit: -1, Webhooks: map[string]server.Webhook{"*": shop.hook}},
		// The demo's customers talk to the real front-line bot.
		Bot: server.BotConfig{Enabled: true, Name: "小店助手 Shop bot", IdleResolve: 5 * time.Minute}})
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln, nil) }()
	url = "ws://" + ln.Addr().String()

	world := sim.New(sim.NewHTTPBackend(url, botToken), sim.Options{
		Seed: seed, Rate: 1.5, Initial: 6, Desk: url, WatchToken: tokens["floor"],
		Mates:  map[string]string{"mei": tokens["mei"], "omar": tokens["omar"], "jun": tokens["jun"]},
		Logger: quiet,
	})
	played := make(chan struct{})
	go func() { world.Run(sctx); close(played) }()
	return url, tokens[me.ID], func() {
		cancel()
		<-played
		<-served
		shop.srv.Close()
		revokeDemoTokens(context.WithoutCancel(ctx), st, issued)
		st.Close()
	}, nil
}

// shopChannel is the demo shop's side of its chat channels: it receives
// agents' replies as signed webhooks, checks the signature and accepts them,
// so replies in the demo go from "sending" to "delivered" as they would with
// a real channel.
type shopChannel struct {
	hook server.Webhook
	srv  *http.Server
}

func startShopChannel() (*shopChannel, error) {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(raw[:])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo channel: %w", err)
	}
	srv := serveReplies(ln, secret, nil)
	return &shopChannel{hook: server.Webhook{URL: "http://" + ln.Addr().String() + "/replies", Secret: secret}, srv: srv}, nil
}

// serveReplies receives agents' replies as a channel would: it checks each
// webhook's signature against secret, accepts it and hands it to onReply
// (nil: accept only). The embedded demo's shop and `simulate --receive`
// both use it.
func serveReplies(ln net.Listener, secret string, onReply func(server.WebhookPayload)) *http.Server {
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = server.VerifySignature(secret, r.Header.Get(server.HeaderSignature), body, time.Now(), 5*time.Minute)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p server.WebhookPayload
		if onReply != nil && json.Unmarshal(body, &p) == nil {
			onReply(p)
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	return srv
}

// prepareDemoAccounts makes sure the demo's accounts exist (plus me, when
// given) and returns fresh tokens by account id, an integration token for
// the shop's bot, and the ids of the tokens it issued (revokeDemoTokens
// revokes them when the run ends). Tokens of other runs are left alone (a
// second simulate on the same --db used to revoke the first's, whose
// teammates then stopped); those of runs older than staleDemoTokens (killed
// before they could revoke their own) are revoked.
func prepareDemoAccounts(ctx context.Context, st *store.Store, me *store.NewAgent) (map[string]string, string, []string, error) {
	tokens := map[string]string{}
	var botToken string
	var issued []string
	accounts := demoAccounts
	if me != nil {
		accounts = append([]store.NewAgent{*me}, demoAccounts...)
	}
	err := st.Update(ctx, func(tx *store.Tx) error {
		for _, a := range accounts {
			if err := ensureDemoAgent(tx, a); err != nil {
				return err
			}
			if me != nil && a.ID == me.ID {
				if err := renameOldDemoUser(tx, a); err != nil {
					return err
				}
			}
			if err := revokeLabelled(ctx, st, tx, a.ID); err != nil {
				return err
			}
			var err error
			var tok store.Token
			if a.ID == "shopbot" {
				botToken, tok, err = tx.CreateIntegrationToken("demo", a.ID, embeddedLabel)
			} else {
				tokens[a.ID], tok, err = tx.CreateToken("demo", a.ID, embeddedLabel)
			}
			if err != nil {
				return err
			}
			issued = append(issued, tok.ID)
		}
		if me == nil {
			return nil
		}
		_, err := tx.SetStatus(store.Actor{ID: me.ID, Role: me.Role}, "", protocol.StatusOnline)
		return err
	})
	if err != nil {
		return nil, "", nil, fmt.Errorf("prepare demo accounts: %w", err)
	}
	return tokens, botToken, issued, nil
}

// demoUserName names the user's demo account for a role: $USER (or "You")
// for the agent's, with the role after it for the others ("alice (lead)",
// "You (trainer)"), so a lead's board and the reassign picker tell the
// accounts apart.
func demoUserName(role string) string {
	name := demoUserBase()
	if role != protocol.RoleAgent {
		name += " (" + role + ")"
	}
	return name
}

func demoUserBase() string {
	if u := os.Getenv("USER"); u != "" && u != "root" {
		return u
	}
	return "You"
}

// renameOldDemoUser gives the user's account its role's name when it still
// has the name every role once shared ("You", or $USER).
func renameOldDemoUser(tx *store.Tx, me store.NewAgent) error {
	a, err := tx.Agent(me.ID)
	if err != nil || a.Name == me.Name || (a.Name != "You" && a.Name != demoUserBase()) {
		return err
	}
	_, err = tx.RenameAgent("embedded", me.ID, me.Name)
	return err
}

// ensureDemoAgent creates a demo account unless it exists.
func ensureDemoAgent(tx *store.Tx, a store.NewAgent) error {
	if _, err := tx.Agent(a.ID); err == nil {
		return nil
	} else if protocol.CodeOf(err) != protocol.CodeNotFound {
		return err
	}
	_, err := tx.CreateAgent("embedded", a)
	return err
}

// revokeLabelled revokes the tokens an earlier embedded run issued, so runs
// don't pile up live secrets in the demo database.
// staleDemoTokens is the age past which a demo run's tokens count as left
// behind by a run that was killed.
const staleDemoTokens = 24 * time.Hour

// revokeDemoTokens revokes the tokens a run issued, at its end.
func revokeDemoTokens(ctx context.Context, st *store.Store, ids []string) error {
	return st.Update(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.RevokeToken("demo", id); err != nil && protocol.CodeOf(err) != protocol.CodeNotFound && protocol.CodeOf(err) != protocol.CodeConflict {
				return err
			}
		}
		return nil
	})
}

func revokeLabelled(ctx context.Context, st *store.Store, tx *store.Tx, agentID string) error {
	toks, err := st.Tokens(ctx, agentID)
	if err != nil {
		return err
	}
	stale := time.Now().Add(-staleDemoTokens).UnixMilli()
	for _, t := range toks {
		if t.Label == embeddedLabel && t.RevokedAt == 0 && t.CreatedAt < stale {
			if err := tx.RevokeToken("embedded", t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
