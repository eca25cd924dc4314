package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
)

// Cause names why a connection failed, so a desk can say the real reason
// instead of "offline" for every one of them.
type Cause int

// Causes, from Diagnose.
const (
	CauseNone            Cause = iota // no error
	CauseUnknown                      // a failure none of the below explains
	CauseRefused                      // nothing listens at that host and port
	CauseNoHost                       // the host name does not resolve
	CauseTimeout                      // no answer in time (dial, handshake or a silent server)
	CauseNotDesk                      // an HTTP server answered, but not the desk endpoint (404, not a websocket)
	CauseTLSNotSpoken                 // wss:// to a server without TLS
	CauseTLSRequired                  // ws:// to a server that speaks only TLS
	CauseCertUntrusted                // the server's certificate does not verify
	CauseAuth                         // the token was refused
	CauseRefusedByServer              // the server answered the upgrade with an error of its own (Detail)
	CauseFrameTooLarge                // the server sent a frame past this desk's limit
	CauseLost                         // the connection dropped after it was up
)

// Problem is a diagnosed connection failure: its cause and, where the
// server said something, its own words (untrusted text: sanitize it).
type Problem struct {
	Cause  Cause
	Status int    // HTTP status of a refused upgrade, if any
	Detail string // the server's message for a refusal
}

// Diagnose explains a StateChanged.Err (or Run's error).
func Diagnose(err error) Problem {
	if err == nil {
		return Problem{Cause: CauseNone}
	}
	var p Problem
	p.Status = httpStatus(err)
	var pe *protocol.Error
	if errors.As(err, &pe) {
		p.Detail = pe.Message
	}
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var dns *net.DNSError
	var ne net.Error
	msg := err.Error()
	switch {
	case errors.Is(err, ErrAuthFailed):
		p.Cause = CauseAuth
	case errors.Is(err, ErrFrameTooLarge):
		p.Cause = CauseFrameTooLarge
	case errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci), errors.As(err, &cv):
		p.Cause = CauseCertUntrusted
	case errors.As(err, &rh), strings.Contains(msg, "first record does not look like a TLS handshake"):
		p.Cause = CauseTLSNotSpoken
	case p.Status == 400 && strings.Contains(strings.ToLower(p.Detail), "https"):
		// Go's HTTPS server answers a plain HTTP request with 400 "Client
		// sent an HTTP request to an HTTPS server."
		p.Cause = CauseTLSRequired
	case p.Status == 404, p.Status == 405, errors.Is(err, websocket.ErrBadHandshake) && p.Status == 0:
		p.Cause = CauseNotDesk
	case p.Status != 0:
		p.Cause = CauseRefusedByServer
	case errors.As(err, &dns):
		p.Cause = CauseNoHost
	case errors.Is(err, syscall.ECONNREFUSED):
		p.Cause = CauseRefused
	case errors.As(err, &ne) && ne.Timeout():
		p.Cause = CauseTimeout
	case strings.HasPrefix(msg, "connection lost") || strings.HasPrefix(msg, "server closed"):
		p.Cause = CauseLost
	default:
		p.Cause = CauseUnknown
		p.Detail = msg
	}
	return p
}

// statusError carries the HTTP status of a refused upgrade.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func httpStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return 0
}
