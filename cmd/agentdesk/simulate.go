package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/sim"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

func init() {
	register(command{name: "simulate", summary: "play the demo shop's customers, bot and teammates against a server", run: runSimulate})
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", "simulate --server URL [--db F] [flags]", stderr)
	serverURL := fs.String("server", envOr("AGENTDESK_SERVER", "http://127.0.0.1:8080"), "the server to drive (http(s):// or ws(s)://)")
	db := fs.String("db", envOr("AGENTDESK_DB", defaultDBPath()), "the server's database (SQLite file or postgres:// URL), to create the demo's accounts and tokens")
	seed := fs.Int64("seed", time.Now().UnixNano(), "random seed: the same seed plays the same customers and scripts")
	rate := fs.Float64("rate", 2, "new conversations per minute")
	speed := fs.Float64("speed", 1, "time scale of every human delay (2 = twice as fast)")
	initial := fs.Int("initial", 4, "conversations to start at once")
	limit := fs.Int("limit", 0, "stop after this many conversations have played out (0 = run until interrupted)")
	mates := fs.Bool("teammates", true, "simulated teammates take chats that wait long and answer them")
	scripted := fs.Bool("scripted-bot", false, "play the front-line bot from the demo's scripts, for a server without -bot")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error")
	receive := fs.String("receive", "", "ADDR to receive agents' replies on, as the customers' channel would (serve --webhook '*=http://ADDR/replies'; both need $AGENTDESK_WEBHOOK_SECRET); each reply is printed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *rate <= 0 || *speed <= 0 || *initial < 0 || *limit < 0 {
		return fmt.Errorf("%w: -rate and -speed must be positive, -initial and -limit not negative", errUsage)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	// The simulated desks reconnect for ever, as desks do; a server that is
	// not there at all is a mistake to say at once, not a stream of warnings.
	if err := reachable(ctx, *serverURL); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	tokens, botToken, issued, err := prepareDemoAccounts(ctx, st, nil)
	st.Close()
	if err != nil {
		return err
	}
	defer func() { // the run's tokens end with it
		if st, err := openStore(context.WithoutCancel(ctx), *db); err == nil {
			if err := revokeDemoTokens(context.WithoutCancel(ctx), st, issued); err != nil {
				slog.Warn("revoke the simulation's tokens", "err", err)
			}
			st.Close()
		}
	}()
	opt := sim.Options{Seed: *seed, Rate: *rate, Speed: *speed, Initial: *initial, Limit: *limit,
		Desk: *serverURL, WatchToken: tokens["floor"], ScriptedBot: *scripted, Logger: log}
	if *mates {
		opt.Mates = map[string]string{"mei": tokens["mei"], "omar": tokens["omar"], "jun": tokens["jun"]}
	}
	if *receive != "" {
		at, stop, err := receiveReplies(*receive, os.Getenv("AGENTDESK_WEBHOOK_SECRET"), stdout)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(stdout, "receiving agents' replies on http://%s/replies\n", at)
	}
	fmt.Fprintf(stdout, "simulating the demo shop against %s (seed %d, %.1f conversations/min); ctrl-c stops\n", *serverURL, *seed, *rate)
	w := sim.New(sim.NewHTTPBackend(*serverURL, botToken), opt)
	err = w.Run(ctx)
	slog.Debug("simulation ended")
	return err
}

// reachable asks the server's /healthz (ws(s):// is read as http(s)://).
func reachable(ctx context.Context, server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: --server %q: want a URL such as http://127.0.0.1:8080", errUsage, server)
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	case "http", "https":
	default:
		return fmt.Errorf("%w: --server %q: want http(s):// or ws(s)://", errUsage, server)
	}
	u.Path, u.RawQuery = "/healthz", ""
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s (is agentdesk serve running there?): %w", server, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server at %s is not healthy: GET /healthz answered %s", server, resp.Status)
	}
	return nil
}

// receiveReplies listens on addr for the server's reply webhooks and prints
// each reply (sanitized: it is text for a terminal), so a team set-up shows
// agents' replies reaching the customers.
func receiveReplies(addr, secret string, out io.Writer) (string, func(), error) {
	if secret == "" {
		return "", nil, fmt.Errorf("%w: -receive needs AGENTDESK_WEBHOOK_SECRET, the same secret serve signs replies with", errUsage)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("-receive: %w", err)
	}
	var mu sync.Mutex
	srv := serveReplies(ln, secret, func(p server.WebhookPayload) {
		who := sanitize.Line(p.AuthorName)
		if who == "" {
			who = sanitize.Line(p.AuthorID)
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "reply on %s to %s from %s: %s\n", sanitize.Line(p.Channel), sanitize.Line(p.CustomerID), who,
			strings.Join(strings.Fields(sanitize.Line(p.Text)), " "))
	})
	return ln.Addr().String(), func() { srv.Close() }, nil
}
