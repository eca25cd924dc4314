package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/config"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/themes"
	"github.com/agentdesk/agentdesk/tui"
	"github.com/agentdesk/agentdesk/tui/media"
)

func init() {
	register(command{name: "desk", summary: "open the agent desk (the default command)", run: runDesk})
}

// deskOptions is the desk's configuration after flags, environment and
// config file have been merged.
type deskOptions struct {
	cfg       *config.Config
	server    string
	token     string
	caFile    string
	lang      lang.Lang
	palette   themes.Palette
	autoTheme bool
}

func deskFlags(args []string, stderr io.Writer, getenv func(string) string) (*deskOptions, error) {
	fs := newFlagSet("desk", "[desk] [--server URL --token TOKEN] [--config PATH] [--theme NAME] [--lang en|zh-CN]", stderr)
	server := fs.String("server", "", "backend websocket URL (ws:// or wss://); without one the embedded demo backend runs")
	token := fs.String("token", "", "bearer token for --server (default: $AGENTDESK_TOKEN or the config file)")
	caFile := fs.String("ca", "", "PEM file of the CA that signed a wss:// server's certificate (default: config ca_file, then the system pool)")
	cfgPath := fs.String("config", "", "config file (default: $XDG_CONFIG_HOME/agentdesk/config.toml)")
	theme := fs.String("theme", "", "theme: auto, dark, light or high-contrast")
	langFlag := fs.String("lang", "", "UI language: en or zh-CN (default: config, then $LANG)")
	// `agentdesk -h` is the first thing a new operator runs: it lists the
	// subcommands as well as the desk's own flags.
	fs.Usage = func() {
		usage(stderr)
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Desk flags: agentdesk [desk] [--server URL --token TOKEN] [--config PATH] [--theme NAME] [--lang en|zh-CN]")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := config.Load(*cfgPath, getenv)
	if err != nil {
		return nil, err
	}
	o := &deskOptions{cfg: cfg, server: cfg.Server, token: cfg.Token, caFile: cfg.CAFile, lang: cfg.Language}
	if *caFile != "" {
		o.caFile = *caFile
	}
	if *server != "" {
		o.server = *server
	}
	if *token != "" {
		o.token = *token
	}
	if *langFlag != "" {
		if o.lang, err = lang.Parse(*langFlag); err != nil {
			return nil, fmt.Errorf("%w: --lang: %v", errUsage, err)
		}
	}
	name := cfg.Theme
	if *theme != "" {
		name = *theme
	}
	if name == "" || name == "auto" {
		o.palette, o.autoTheme = themes.Dark, true
	} else if o.palette, err = themes.ByName(name); err != nil {
		return nil, fmt.Errorf("%w: --theme: %v", errUsage, err)
	}
	if o.server != "" && o.token == "" {
		return nil, fmt.Errorf("%w: --server needs a token: pass --token, set AGENTDESK_TOKEN, or put token / token_file in %s", errUsage, configName(cfg))
	}
	return o, nil
}

func configName(cfg *config.Config) string {
	if cfg.Path != "" {
		return cfg.Path
	}
	if p, err := config.DefaultPath(os.Getenv); err == nil {
		return p
	}
	return "the config file"
}

// outboxPath keeps one outbox per backend and account, so outcomes queued
// against one server are never delivered to another.
func outboxPath(dataDir, server, token string) string {
	sum := sha256.Sum256([]byte(server + "\x00" + token))
	return filepath.Join(dataDir, "outbox-"+hex.EncodeToString(sum[:6])+".jsonl")
}

func runDesk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := deskFlags(args, stderr, os.Getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	logPath := filepath.Join(o.cfg.DataDir, "desk.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open desk log: %w", err)
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, nil))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	demo := false
	url, token := o.server, o.token
	if url == "" {
		var stop func()
		url, token, stop, err = startEmbedded(ctx, o.cfg.DataDir)
		if err != nil {
			return fmt.Errorf("start the embedded backend: %w", err)
		}
		defer stop()
		demo = true
	}
	var tlsConfig *tls.Config
	if o.caFile != "" && !demo {
		if tlsConfig, err = caConfig(o.caFile); err != nil {
			return err
		}
	}
	c, err := client.New(client.Options{URL: url, Token: token, OutboxPath: outboxPath(o.cfg.DataDir, url, token), Logger: log, TLSConfig: tlsConfig})
	if err != nil {
		return err
	}
	defer c.Close()

	km := keymap.New(o.lang)
	if len(o.cfg.Keys) > 0 {
		if err := km.Rebind(o.cfg.Keys); err != nil {
			return fmt.Errorf("%s: %w", configName(o.cfg), err)
		}
	}
	// Attachments the agent opens are saved here (0700) for the viewer and
	// removed when the desk exits.
	filesDir, err := os.MkdirTemp("", "agentdesk-files-")
	if err != nil {
		return fmt.Errorf("private folder for attachments: %w", err)
	}
	defer os.RemoveAll(filesDir)
	images, why := media.Detect(os.Getenv)
	log.Info("image thumbnails", "protocol", images.String(), "why", why)
	m := tui.New(tui.Deps{
		Backend: c, Keys: km, Styles: themes.New(o.palette, themes.NoColorRequested(os.Getenv)),
		AutoTheme: o.autoTheme, Lang: o.lang, Demo: demo, Editor: o.cfg.Editor,
		Notify: tui.Notify{Bell: o.cfg.Notifications.Bell, OSC9: o.cfg.Notifications.OSC9},
		Canned: o.cfg.Canned, Context: ctx, ExportDir: filepath.Join(o.cfg.DataDir, "exports"),
		Server: url, LogPath: logPath, Opener: os.Getenv("AGENTDESK_OPENER"), FilesDir: filesDir, Images: images,
	})
	p := tea.NewProgram(m, tea.WithContext(ctx))
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	go tui.Subscribe(ctx, c.Updates(), p.Send)
	_, err = p.Run()
	if cleanup := m.ImageCleanup(); cleanup != "" {
		os.Stdout.WriteString(cleanup) // free the thumbnails the terminal still holds
	}
	cancel()
	runErr := <-ran
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(runErr, client.ErrAuthFailed) {
		return fmt.Errorf("the server refused the token: %w", runErr)
	}
	if n := len(c.Pending()); n > 0 {
		fmt.Fprintf(stdout, "%d action(s) wait in the outbox; they are sent next time the desk connects.\n", n)
	}
	return nil
}
