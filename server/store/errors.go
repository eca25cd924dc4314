package store

import (
	"errors"

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
