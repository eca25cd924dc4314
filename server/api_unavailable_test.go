package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestAPIDatabaseUnreachable: a request that fails because the database
// cannot be reached (PostgreSQL restarting) is a 503 "unavailable" a
// channel retries, not a 500 internal error.
func TestAPIDatabaseUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, connErr := pgconn.Connect(ctx, "postgres://agentdesk:pw@"+addr+"/agentdesk?sslmode=disable&connect_timeout=5")
	if connErr == nil {
		t.Fatal("connected to a closed port")
	}
	ch := &channels{srv: &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	r := httptest.NewRequest(http.MethodPost, "/v1/api/messages", nil)
	for _, c := range []struct {
		err    error
		status int
		code   protocol.Code
	}{
		{fmt.Errorf("authenticate: %w", connErr), http.StatusServiceUnavailable, protocol.CodeUnavailable},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, http.StatusServiceUnavailable, protocol.CodeUnavailable},
		{fmt.Errorf("some bug"), http.StatusInternalServerError, protocol.CodeInternal},
	} {
		ae := ch.asAPIError(r, c.err)
		if ae.Status != c.status || ae.Code != c.code {
			t.Errorf("%v: %d %s, want %d %s", c.err, ae.Status, ae.Code, c.status, c.code)
		}
	}
}
