package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

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
	db := fs.String("db", envOr("AGENTDESK_DB", defaultDBPath()), "SQLite database file (env AGENTDESK_DB)")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); serves wss:// and https:// when set with -tls-key")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM)")
	var origins stringList
	fs.Var(&origins, "allowed-origin", "browser origin allowed to open the websocket, e.g. https://desk.example.com (repeatable)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	sendBuffer := fs.Int("send-buffer", 512, "frames queued per desk before it is dropped as a slow consumer")
	rate := fs.Float64("rate", 50, "requests per second allowed per desk (0 = unlimited)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
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
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *rate == 0 {
		*rate = -1 // server.Config reads 0 as "default"; the flag's 0 means unlimited
	}
	srv := server.New(st, server.Config{
		Version: version, AllowedOrigins: origins, SendBuffer: *sendBuffer, RateLimit: *rate, Logger: log,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	scheme := "ws"
	if tlsConfig != nil {
		scheme = "wss"
	}
	log.Info("agentdesk serving", "desk", scheme+"://"+ln.Addr().String()+"/v1/desk", "db", *db, "version", version)
	err = srv.Serve(ctx, ln, tlsConfig)
	log.Info("agentdesk stopped")
	return err
}

func openStore(ctx context.Context, path string) (*store.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
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
