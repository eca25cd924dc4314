// Package email is agentdesk's e-mail channel: it reads a support mailbox
// over IMAP (IDLE, or polling where the server has no IDLE), turns each
// mail into a customer message through the same path as the HTTP API, and
// sends agents' replies back over SMTP with the threading headers mail
// clients need.
//
// Nothing is read twice or lost: the UID of the newest mail taken in is
// stored in the same transaction as the message (store.MailboxState), and
// every mail is also idempotent on its Message-ID, which covers a mailbox
// whose UIDVALIDITY changed (it is then read again from the start).
// Threading follows In-Reply-To and References to the conversation of a
// known mail, then the subject of the customer's open e-mail conversation;
// otherwise a mail opens a new conversation. Quoted threads and signatures
// are stripped (StripReply), HTML becomes text (HTMLToText), attachments go
// to the server's attachment store under its limits. With the server's
// front-line bot on, it answers mail as it answers chats, each turn a
// letter sent like an agent's reply (server.BotMail); without it, or with
// Config.NoBot, mail goes to people: what the escalation rules do not
// escalate is queued with reason "email".
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/server"
)

// Security is how a connection is protected.
const (
	SecurityTLS      = "tls"      // TLS from the first byte (IMAPS 993, SMTPS 465)
	SecurityStartTLS = "starttls" // plain, then STARTTLS (IMAP 143, submission 587)
	SecurityNone     = "none"     // no TLS: loopback test servers only
)

// Endpoint is a mail server and the account on it.
type Endpoint struct {
	Addr     string // host:port
	Security string // tls | starttls | none [tls]
	User     string
	Password string // from the environment, never the config file
}

// Config configures the channel. Zero values take the defaults in brackets.
type Config struct {
	Address string // the support address: From of replies, To of customers' mail
	Name    string // display name on replies ["Support"]
	IMAP    Endpoint
	Mailbox string // [INBOX]
	SMTP    Endpoint
	// Poll is how often the mailbox is checked when the server has no IDLE,
	// and the longest an IDLE waits before checking anyway [1m].
	Poll time.Duration
	// MarkSeen flags mail \Seen once taken in, for people who also read
	// the mailbox.
	MarkSeen bool
	// TLS is the client TLS configuration (a private CA); nil = the system's.
	TLS    *tls.Config
	Logger *slog.Logger
	// Channel is the agentdesk channel name [email].
	Channel string
	// NoBot keeps the server's front-line bot off this channel: every
	// mail goes to people.
	NoBot bool
}

func (c *Config) defaults() error {
	if c.Name == "" {
		c.Name = "Support"
	}
	if c.Mailbox == "" {
		c.Mailbox = "INBOX"
	}
	if c.Poll <= 0 {
		c.Poll = time.Minute
	}
	if c.Channel == "" {
		c.Channel = "email"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	at := strings.LastIndexByte(c.Address, '@')
	if at <= 0 || at == len(c.Address)-1 || strings.ContainsAny(c.Address, " <>") {
		return fmt.Errorf("email: address %q: want the support address, e.g. support@example.com", c.Address)
	}
	c.Address = strings.ToLower(c.Address)
	for _, ep := range []*Endpoint{&c.IMAP, &c.SMTP} {
		if ep.Security == "" {
			ep.Security = SecurityTLS
		}
		if ep.Security != SecurityTLS && ep.Security != SecurityStartTLS && ep.Security != SecurityNone {
			return fmt.Errorf("email: security %q: want tls, starttls or none", ep.Security)
		}
		if _, _, err := net.SplitHostPort(ep.Addr); err != nil {
			return fmt.Errorf("email: server address %q: want host:port", ep.Addr)
		}
	}
	if c.IMAP.User == "" {
		return errors.New("email: the IMAP user is required")
	}
	return nil
}

// Channel is the running e-mail channel.
type Channel struct {
	cfg    Config
	srv    *server.Server
	log    *slog.Logger
	domain string // for our Message-IDs
	owner  string // owner of attachments taken from mail

	onIngest func() // tests: called after each mail taken in
}

// New builds the channel on srv and registers it as the sender of replies
// on its channel; call it before srv.Serve, then Run.
func New(cfg Config, srv *server.Server) (*Channel, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	c := &Channel{cfg: cfg, srv: srv, log: cfg.Logger.With("channel", cfg.Channel, "mailbox", cfg.Mailbox),
		domain: cfg.Address[strings.LastIndexByte(cfg.Address, '@')+1:], owner: "email:" + cfg.Address}
	srv.AddSender(cfg.Channel, c)
	if cfg.NoBot {
		srv.SetBotMode(cfg.Channel, server.BotOff)
	} else {
		srv.SetBotMode(cfg.Channel, server.BotMail)
	}
	return c, nil
}

// Name is the agentdesk channel the mail arrives on.
func (c *Channel) Name() string { return c.cfg.Channel }

// Address is the support address.
func (c *Channel) Address() string { return c.cfg.Address }

// account names the mailbox's watermark.
func (c *Channel) account() string { return c.cfg.IMAP.User + "@" + c.cfg.IMAP.Addr }

// dial connects to ep with its security.
func (c *Channel) dial(ctx context.Context, ep Endpoint) (net.Conn, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", ep.Addr)
	if err != nil {
		return nil, err
	}
	if ep.Security == SecurityTLS {
		tc := tls.Client(conn, c.tlsConfig(ep))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS with %s: %w", ep.Addr, err)
		}
		return tc, nil
	}
	return conn, nil
}

func (c *Channel) tlsConfig(ep Endpoint) *tls.Config {
	host, _, _ := net.SplitHostPort(ep.Addr)
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.cfg.TLS != nil {
		cfg = c.cfg.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}
