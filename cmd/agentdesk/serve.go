package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/config"
	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

func init() {
	register(command{name: "serve", summary: "run the conversation backend", run: runServe})
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// defaultDBPath is the SQLite file under the user's data directory.
func defaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "share")
		}
	}
	return filepath.Join(dir, "agentdesk", "agentdesk.db")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	addr := fs.String("addr", envOr("AGENTDESK_ADDR", "127.0.0.1:8080"), "listen address (env AGENTDESK_ADDR)")
	db := fs.String("db", envOr("AGENTDESK_DB", defaultDBPath()), "SQLite database file, or postgres://user:pass@host/db URL for replicas sharing PostgreSQL (env AGENTDESK_DB)")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); serves wss:// and https:// when set with -tls-key")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM)")
	var origins stringList
	fs.Var(&origins, "allowed-origin", "browser origin allowed to open the websocket, e.g. https://desk.example.com (repeatable)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	sendBuffer := fs.Int("send-buffer", 512, "frames queued per desk before it is dropped as a slow consumer")
	sendBytes := fs.Int("send-buffer-bytes", 4<<20, "bytes queued per desk before it is dropped as a slow consumer")
	rate := fs.Float64("rate", 50, "requests per second allowed per desk (0 = unlimited)")
	flush := fs.Duration("flush-interval", 0, "pause after each write to a desk (0 = none: a frame goes out at once, and what queued while a write ran goes out together in the next)")
	cp := fs.String("copilot", envOr("AGENTDESK_COPILOT", "offline"), "copilot provider: offline (no model needed), openai (any OpenAI-compatible endpoint) or none")
	model := fs.String("model", envOr("AGENTDESK_MODEL", ""), "model name for -copilot openai, e.g. gpt-4o-mini, deepseek-chat, qwen-plus, llama3.1")
	baseURL := fs.String("base-url", "", "OpenAI-compatible endpoint for -copilot openai (default $OPENAI_BASE_URL, else OpenAI); the key is read from $OPENAI_API_KEY")
	kbDir := fs.String("kb", envOr("AGENTDESK_KB", ""), "knowledge-base folder of Markdown files (default: the built-in demo shop)")
	kbOverlay := fs.String("kb-overlay", envOr("AGENTDESK_KB_OVERLAY", ""), "folder loaded on top of -kb (or the demo KB) where trainers' promoted replies are written, pending review (default: the -kb folder itself)")
	sentModel := fs.String("sentiment-model", envOr("AGENTDESK_SENTIMENT_MODEL", ""), "trained sentiment model (agentdesk train sentiment) the copilot and the escalation rules read messages with (default: the lexicon engine)")
	cpTimeout := fs.Duration("copilot-timeout", 30*time.Second, "longest a remote generation may take before the offline engine answers instead")
	cpFormat := fs.String("copilot-json", "", "how insights ask -copilot openai for JSON: json_object (default), json_schema (enforced by OpenAI, vLLM, llama.cpp, Ollama) or none (servers that reject response_format)")
	cpConc := fs.Int("copilot-concurrency", 0, "simultaneous calls to the model endpoint (default 4; match the server's parallel slots)")
	var webhooks stringList
	fs.Var(&webhooks, "webhook", "CHANNEL=URL receiving agent replies on that channel, signed with $AGENTDESK_WEBHOOK_SECRET; CHANNEL * serves every other channel (repeatable)")
	apiRate := fs.Float64("api-rate", 20, "HTTP API requests per second allowed per integration token (0 = unlimited)")
	desksPerToken := fs.Int("desks-per-token", 8, "desk connections one token may hold open at once")
	connsPerIP := fs.Int("conns-per-ip", 1000, "open TCP connections allowed from one address (put a proxy's address's limit higher)")
	autoAssign := fs.Bool("auto-assign", true, "give queued conversations to the least-loaded online agent with free capacity, their team first (-auto-assign=false: agents only pull)")
	returnAfter := fs.Duration("return-after", 10*time.Minute, "put a chat back in the queue when its assignee has not answered the waiting customer this long (0 = never)")
	dbConns := fs.Int("db-conns", 16, "PostgreSQL connections per replica (with a postgres:// -db)")
	botOn := fs.Bool("bot", false, "answer customers first with the front-line bot: KB answers through the copilot when confident, handing over to people by the escalation rules ([bot] enabled; docs/channels.md)")
	botName := fs.String("bot-name", "", "author name on the bot's messages (default Bot; [bot] name)")
	botThreshold := fs.Float64("bot-threshold", 0, "confidence a bot answer needs, 0–1 (default 0.45; [bot] threshold)")
	emailF := addEmailFlags(fs)
	var widgetSites stringList
	fs.Var(&widgetSites, "widget-site", "KEY=ORIGIN[,ORIGIN…]: serve the web chat widget to pages of these origins with data-site=KEY; the identity secret is read from $AGENTDESK_WIDGET_SECRET_<KEY> (repeatable; [[widget.sites]] in the file)")
	cfgPath := fs.String("config", "", "config file whose [serve] and [copilot] sections give defaults (default: $XDG_CONFIG_HOME/agentdesk/config.toml); flags and env win")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := config.Load(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	// Precedence: a flag given on the command line, then its environment
	// variable (already the flag's default), then the config file.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fromFile := func(name, env string, dst *string, v string) {
		if v != "" && !given[name] && (env == "" || os.Getenv(env) == "") {
			*dst = v
		}
	}
	fromFile("addr", "AGENTDESK_ADDR", addr, cfg.Serve.Addr)
	fromFile("db", "AGENTDESK_DB", db, cfg.Serve.DB)
	if !given["tls-cert"] && !given["tls-key"] {
		fromFile("tls-cert", "", tlsCert, cfg.Serve.TLSCert)
		fromFile("tls-key", "", tlsKey, cfg.Serve.TLSKey)
	}
	fromFile("copilot", "AGENTDESK_COPILOT", cp, cfg.Copilot.Provider)
	fromFile("model", "AGENTDESK_MODEL", model, cfg.Copilot.Model)
	fromFile("base-url", "", baseURL, cfg.Copilot.BaseURL)
	fromFile("sentiment-model", "AGENTDESK_SENTIMENT_MODEL", sentModel, cfg.Copilot.SentimentModel)
	fromFile("copilot-json", "", cpFormat, cfg.Copilot.ResponseFormat)
	if !given["copilot-concurrency"] {
		*cpConc = cfg.Copilot.Concurrency
	}
	if !given["allowed-origin"] {
		origins = append(origins, cfg.Serve.AllowedOrigins...)
	}
	// The key: the variable [copilot] api_key_env names, OPENAI_API_KEY by
	// default. Local servers (Ollama, vLLM, llama.cpp at --base-url) need
	// none, so an unset OPENAI_API_KEY is left to the copilot to judge; a
	// variable the config file names on purpose must be set.
	apiKey := ""
	if env := cfg.Copilot.APIKeyEnv; env != "" {
		if apiKey = os.Getenv(env); apiKey == "" && *cp == copilot.ProviderOpenAI && env != "OPENAI_API_KEY" {
			return fmt.Errorf("%s: [copilot] api_key_env names %s, which is not set", cfg.Path, env)
		}
	}
	bot := server.BotConfig{Enabled: cfg.Bot.Enabled, Name: cfg.Bot.Name, Threshold: cfg.Bot.Threshold,
		Clarify: cfg.Bot.Clarify, IdleResolve: cfg.Bot.IdleResolve, MailIdleResolve: cfg.Bot.MailIdleResolve}
	if given["bot"] {
		bot.Enabled = *botOn
	}
	if given["bot-name"] {
		bot.Name = *botName
	}
	if given["bot-threshold"] {
		if *botThreshold <= 0 || *botThreshold > 1 {
			return fmt.Errorf("%w: -bot-threshold %g: want a confidence above 0 and at most 1", errUsage, *botThreshold)
		}
		bot.Threshold = *botThreshold
	}
	sites, err := widgetSitesFrom(widgetSites, cfg.Widget.Sites, os.Getenv)
	if err != nil {
		return err
	}
	if bot.Enabled && *cp == "none" {
		return fmt.Errorf("%w: the bot answers through the copilot: -bot needs -copilot offline or openai, not none", errUsage)
	}
	if *cpConc < 0 {
		return fmt.Errorf("%w: -copilot-concurrency %d: want a positive number of simultaneous calls", errUsage, *cpConc)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("%w: -tls-cert and -tls-key go together", errUsage)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	// One analyser for the rules, the queue's flags and the card: the
	// trained model when given, else the lexicon engine.
	var sentiment *copilot.SentimentModel
	analyse := copilot.Analyze
	if *sentModel != "" {
		if sentiment, err = copilot.LoadSentimentModelFile(*sentModel); err != nil {
			return err
		}
		analyse = copilot.ModelAnalyzer(sentiment).Analyze
		log.Info("sentiment model loaded", "file", *sentModel, "name", sentiment.Name, "classes", sentiment.Classes, "rows", sentiment.Trained.Rows)
	}
	var engine server.Copilot
	switch *cp {
	case "none":
	case copilot.ProviderOffline, copilot.ProviderOpenAI:
		eng, err := copilot.New(copilot.Config{Provider: *cp, Model: *model, BaseURL: *baseURL, APIKey: apiKey,
			KBDir: *kbDir, KBOverlay: *kbOverlay, Timeout: *cpTimeout, ResponseFormat: *cpFormat,
			Concurrency: *cpConc, MaxTokens: cfg.Copilot.MaxTokens, Logger: log, SentimentModel: sentiment})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "copilot:") {
				err = fmt.Errorf("copilot: %w", err)
			}
			return err
		}
		engine = eng
	default:
		return fmt.Errorf("%w: -copilot %q: want offline, openai or none", errUsage, *cp)
	}
	var st *store.Store
	if store.IsPostgres(*db) {
		st, err = store.Open(ctx, *db, store.Options{MaxConns: *dbConns, Logger: log})
	} else {
		st, err = openStore(ctx, *db)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if *rate == 0 {
		*rate = -1 // server.Config reads 0 as "default"; the flag's 0 means unlimited
	}
	if *apiRate == 0 {
		*apiRate = -1
	}
	if *returnAfter < 0 {
		return fmt.Errorf("%w: -return-after %s: want a positive duration or 0", errUsage, *returnAfter)
	}
	hooks, err := parseWebhooks(webhooks, os.Getenv("AGENTDESK_WEBHOOK_SECRET"))
	if err != nil {
		return err
	}
	srv := server.New(st, server.Config{
		Version: version, AllowedOrigins: origins, SendBuffer: *sendBuffer, SendBufferBytes: *sendBytes, RateLimit: *rate, Logger: log, FlushInterval: flushOrNone(*flush),
		DesksPerToken: *desksPerToken, ConnsPerIP: *connsPerIP,
		Channels: server.ChannelsConfig{RateLimit: *apiRate, Webhooks: hooks, Sentiment: analyse},
		Copilot:  engine, CopilotTimeout: *cpTimeout + 10*time.Second,
		Routing:    server.Routing{AutoAssign: *autoAssign, ReturnAfter: *returnAfter},
		Bot:        bot,
		Widget:     server.WidgetConfig{Sites: sites},
		KBWriteDir: kbWriteDir(*kbDir, *kbOverlay),
	})
	mail, err := emailF.channel(cfg.Email, given, srv, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	scheme := "ws"
	if tlsConfig != nil {
		scheme = "wss"
	}
	log.Info("agentdesk serving", "desk", scheme+"://"+ln.Addr().String()+"/v1/desk", "db", store.RedactDSN(*db), "version", version, "bot", bot.Enabled)
	if _, all := hooks["*"]; !all {
		// Replies on a channel without a receiver are stored and shown to
		// agents as not delivered: say so once, where the operator looks.
		covered := slices.Sorted(maps.Keys(hooks))
		if mail != nil {
			covered = slices.Sorted(slices.Values(append(covered, mail.Name())))
		}
		if len(sites) > 0 && !slices.Contains(covered, server.WidgetChannel) {
			covered = slices.Sorted(slices.Values(append(covered, server.WidgetChannel))) // the widget's windows
		}
		if len(covered) == 0 {
			log.Warn("no delivery configured: agent replies are stored but reach no customer; pass --webhook '*=URL' (README: running a backend for a team)")
		} else {
			log.Warn("no delivery configured for channels other than these: replies there are stored but reach no customer",
				"channels", strings.Join(covered, ","))
		}
	}
	if mail != nil {
		mailDone := make(chan struct{})
		go func() { mail.Run(ctx); close(mailDone) }()
		defer func() { <-mailDone }()
		log.Info("e-mail channel on", "address", mail.Address(), "bot_answers", srv.BotAnswers(mail.Name()))
	}
	for _, site := range sites {
		scheme := "http"
		if tlsConfig != nil {
			scheme = "https"
		}
		log.Info("web chat widget", "site", site.Key, "origins", strings.Join(site.Origins, " "), "signed_identity", site.Secret != "",
			"snippet", server.SnippetFor(scheme+"://"+ln.Addr().String(), site.Key))
	}
	err = srv.Serve(ctx, ln, tlsConfig)
	log.Info("agentdesk stopped")
	return err
}

// kbWriteDir is where promoted KB entries go: the overlay, else the KB
// folder; the embedded demo KB alone is read-only.
func kbWriteDir(kb, overlay string) string {
	if overlay != "" {
		return overlay
	}
	return kb
}

// flushOrNone maps the flag's 0 (no pause) to server.Config's "none" (negative).
func flushOrNone(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// parseWebhooks reads --webhook CHANNEL=URL flags; every receiver shares
// the secret, which comes from the environment to stay out of ps output.
func parseWebhooks(flags []string, secret string) (map[string]server.Webhook, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	if secret == "" {
		return nil, fmt.Errorf("%w: -webhook needs AGENTDESK_WEBHOOK_SECRET set to the secret receivers verify signatures with", errUsage)
	}
	hooks := map[string]server.Webhook{}
	for _, f := range flags {
		ch, u, ok := strings.Cut(f, "=")
		parsed, err := url.Parse(u)
		if !ok || ch == "" || err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return nil, fmt.Errorf("%w: -webhook %q: want CHANNEL=http(s)://host/path", errUsage, f)
		}
		hooks[ch] = server.Webhook{URL: u, Secret: secret}
	}
	return hooks, nil
}

// openStore opens a SQLite file (creating its directory) or a postgres:// URL.
func openStore(ctx context.Context, path string) (*store.Store, error) {
	if store.IsPostgres(path) {
		return store.Open(ctx, path, store.Options{})
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The database holds customers' messages and token hashes: a new file
	// is readable by its owner only (SQLite gives -wal and -shm the same
	// mode), not whatever the umask allows.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	return store.Open(ctx, path, store.Options{})
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: -log-level %q: want debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func formatTime(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).Format("2006-01-02 15:04")
}

var errNoSubcommand = errors.New("missing subcommand")

// widgetSitesFrom reads --widget-site KEY=ORIGIN[,ORIGIN…] flags, which
// replace the config file's sites when given.
func widgetSitesFrom(flags []string, fromFile []config.WidgetSite, getenv func(string) string) ([]server.WidgetSite, error) {
	var out []server.WidgetSite
	if len(flags) == 0 {
		for _, s := range fromFile {
			out = append(out, server.WidgetSite{Key: s.Key, Name: s.Name, Origins: s.Origins, Secret: s.Secret})
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, f := range flags {
		key, list, ok := strings.Cut(f, "=")
		if !ok || !config.SiteKeyPattern.MatchString(key) || list == "" {
			return nil, fmt.Errorf("%w: -widget-site %q: want KEY=ORIGIN[,ORIGIN…] with a key of lower-case letters, digits, - and _, e.g. shop=https://shop.example.com", errUsage, f)
		}
		if seen[key] {
			return nil, fmt.Errorf("%w: -widget-site %s given twice; list its origins comma-separated", errUsage, key)
		}
		seen[key] = true
		site := server.WidgetSite{Key: key, Name: key, Secret: getenv(config.SecretEnvFor(key))}
		for _, o := range strings.Split(list, ",") {
			o = strings.TrimSpace(o)
			if err := config.CheckOrigin(o); err != nil {
				return nil, fmt.Errorf("%w: -widget-site %s: %v", errUsage, key, err)
			}
			site.Origins = append(site.Origins, strings.TrimRight(o, "/"))
		}
		out = append(out, site)
	}
	return out, nil
}
