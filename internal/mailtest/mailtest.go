// Package mailtest runs real IMAP and SMTP servers in process, on loopback,
// for the e-mail channel's tests and `agentdesk devmail`: emersion's
// go-imap v2 in-memory server and a go-smtp server that files every mail
// it accepts into the INBOX of each local recipient (and keeps a copy of
// everything, local or not, in Sent).
package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Raw  []byte
}

// Server is an IMAP server and an SMTP server sharing mailboxes.
type Server struct {
	IMAPAddr, SMTPAddr string

	imap  *imapserver.Server
	smtp  *smtp.Server
	mem   *imapmemserver.Server
	users map[string]*imapmemserver.User
	pass  map[string]string

	mu   sync.Mutex
	sent []Mail
	// NoIdle, set before Start, advertises IMAP4rev1 without IDLE, so
	// clients must poll.
	NoIdle bool
}

// New makes a server with one account per address (the login is the
// address), each with an INBOX.
func New(accounts map[string]string) *Server {
	s := &Server{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}, pass: map[string]string{}}
	for addr, pw := range accounts {
		u := imapmemserver.NewUser(addr, pw)
		u.Create("INBOX", nil)
		s.mem.AddUser(u)
		s.users[strings.ToLower(addr)] = u
		s.pass[addr] = pw
	}
	return s
}

// Start listens on the given addresses ("127.0.0.1:0" picks a free port).
func (s *Server) Start(imapAddr, smtpAddr string) error {
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if s.NoIdle {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	quiet := log.New(io.Discard, "", 0)
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true, // loopback only
		Logger:       quiet,
	})
	iln, err := net.Listen("tcp", imapAddr)
	if err != nil {
		return fmt.Errorf("imap listen: %w", err)
	}
	sln, err := net.Listen("tcp", smtpAddr)
	if err != nil {
		iln.Close()
		return fmt.Errorf("smtp listen: %w", err)
	}
	s.IMAPAddr, s.SMTPAddr = iln.Addr().String(), sln.Addr().String()
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.smtp.Domain = "localhost"
	s.smtp.AllowInsecureAuth = true
	s.smtp.ErrorLog = quiet
	go s.imap.Serve(iln)
	go s.smtp.Serve(sln)
	return nil
}

// Close stops both servers.
func (s *Server) Close() {
	if s.imap != nil {
		s.imap.Close()
	}
	if s.smtp != nil {
		s.smtp.Close()
	}
}

// Deliver files raw into the INBOX of a local account, as a delivery
// from outside would.
func (s *Server) Deliver(to string, raw []byte) error {
	u := s.users[strings.ToLower(to)]
	if u == nil {
		return fmt.Errorf("no account %s", to)
	}
	_, err := u.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: time.Now()})
	return err
}

// RecreateInbox deletes and creates an account's INBOX: a new UIDVALIDITY,
// UIDs from 1 again, as after a server migration.
func (s *Server) RecreateInbox(addr string) error {
	u := s.users[strings.ToLower(addr)]
	if u == nil {
		return fmt.Errorf("no account %s", addr)
	}
	if err := u.Delete("INBOX"); err != nil {
		return err
	}
	return u.Create("INBOX", nil)
}

// Sent is every mail the SMTP server accepted, oldest first.
func (s *Server) Sent() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.sent...)
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type session struct {
	s    *Server
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := ss.s.pass[user]; !ok || want != pass {
			return errors.New("invalid credentials")
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.sent = append(ss.s.sent, Mail{From: ss.from, To: append([]string(nil), ss.to...), Raw: raw})
	ss.s.mu.Unlock()
	for _, to := range ss.to {
		if ss.s.users[strings.ToLower(to)] != nil {
			if err := ss.s.Deliver(to, raw); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
