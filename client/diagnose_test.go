package client

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// firstFailure runs a client against url until its first offline or
// auth-failed state and returns the diagnosis of that error.
func firstFailure(t *testing.T, url, token string) Problem {
	t.Helper()
	opts := fastOptions(url)
	opts.Token = token
	opts.HandshakeTimeout = 3 * time.Second
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; c.Close() }()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-c.Updates():
			if sc, ok := u.(StateChanged); ok && sc.Err != nil {
				return Diagnose(sc.Err)
			}
		case <-deadline:
			t.Fatal("no failure reported")
		}
	}
}

func TestDiagnoseNamesTheRealCause(t *testing.T) {
	fs := newFakeServer(t)
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	cases := []struct {
		name, url, token string
		want             Cause
	}{
		{"wrong token", fs.url(), "wrong", CauseAuth},
		{"nothing listening", "ws://" + closedAddr, "secret", CauseRefused},
		{"not an agentdesk server", plain.URL, "secret", CauseNotDesk},
		{"wss to a plain server", strings.Replace(plain.URL, "http://", "wss://", 1), "secret", CauseTLSNotSpoken},
		{"ws to a TLS server", strings.Replace(tlsSrv.URL, "https://", "ws://", 1), "secret", CauseTLSRequired},
		{"untrusted certificate", tlsSrv.URL, "secret", CauseCertUntrusted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if p := firstFailure(t, tc.url, tc.token); p.Cause != tc.want {
				t.Errorf("Diagnose = %+v, want cause %d", p, tc.want)
			}
		})
	}
}
