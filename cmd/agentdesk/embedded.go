package main

// Temporary minimal embedded backend written by the desk session so the
// desk builds and runs; the lead replaces this file with the real one
// (demo world, offline copilot).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// startEmbedded opens the SQLite store under dataDir, makes sure the demo
// agent exists, serves the websocket API on a loopback port and returns its
// URL and a fresh token. stop shuts the server down and closes the store.
func startEmbedded(ctx context.Context, dataDir string) (url, token string, stop func(), err error) {
	st, err := openStore(ctx, filepath.Join(dataDir, "agentdesk.db"))
	if err != nil {
		return "", "", nil, err
	}
	if err := st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("embedded", store.NewAgent{ID: "demo", Name: "Demo Agent", Role: "lead", Capacity: 5}); err != nil {
			return err
		}
		token, _, err = tx.CreateToken("embedded", "demo", "embedded desk")
		return err
	}); err != nil {
		st.Close()
		return "", "", nil, fmt.Errorf("prepare demo agent: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return "", "", nil, err
	}
	srv := server.New(st, server.Config{Version: version, RateLimit: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, nil) }()
	return "ws://" + ln.Addr().String(), token, func() {
		cancel()
		<-done
		st.Close()
	}, nil
}
