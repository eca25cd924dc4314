package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/agentdesk/agentdesk/protocol"
)

// AsInvalid turns a database refusal caused by the request's own text into
// a protocol invalid error (PostgreSQL cannot store U+0000 or a byte
// sequence invalid in UTF-8: SQLSTATE 22021, 22P05), so a client that sent
// it is told so instead of retrying an "internal" error for ever. Other
// errors are returned as they are.
func AsInvalid(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "22021", "22P05":
			return protocol.Errorf(protocol.CodeInvalid, "text the database cannot store (a NUL or an invalid byte sequence)")
		}
	}
	return err
}

type requestHashKey struct{}

// WithRequestHash binds the request id of an Apply under ctx to a digest
// of the request (its type and data): a retry with the same id and body
// gets the stored ack, the same id with another body a conflict. A reused
// id was once acked and silently dropped.
func WithRequestHash(ctx context.Context, typ string, data []byte) context.Context {
	h := sha256.New()
	h.Write([]byte(typ))
	h.Write([]byte{0})
	h.Write(data)
	return context.WithValue(ctx, requestHashKey{}, hex.EncodeToString(h.Sum(nil)[:16]))
}

func requestHash(ctx context.Context) string {
	s, _ := ctx.Value(requestHashKey{}).(string)
	return s
}

// DiskFull reports a write refused for want of space: SQLite's
// SQLITE_FULL (the disk, or Options.MaxBytes) or PostgreSQL's disk_full
// (53100). The server answers it as unavailable and reports not ready.
func DiskFull(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	return strings.Contains(err.Error(), "database or disk is full")
}
