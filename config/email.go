package config

import (
	"net"
	"strings"
	"time"
)

// Email configures `agentdesk serve`'s e-mail channel ([email]): a support
// mailbox read over IMAP, replies sent over SMTP. Passwords never live in
// the file: AGENTDESK_IMAP_PASSWORD and AGENTDESK_SMTP_PASSWORD (the SMTP
// one defaults to the IMAP one).
type Email struct {
	Address      string `toml:"address"`       // the support address; empty = no e-mail channel
	Name         string `toml:"name"`          // display name on replies
	IMAP         string `toml:"imap"`          // host:port
	IMAPSecurity string `toml:"imap_security"` // tls (default) | starttls | none
	IMAPUser     string `toml:"imap_user"`     // default: address
	Mailbox      string `toml:"mailbox"`       // default INBOX
	SMTP         string `toml:"smtp"`          // host:port
	SMTPSecurity string `toml:"smtp_security"` // tls (default) | starttls | none
	SMTPUser     string `toml:"smtp_user"`     // default: imap_user
	Poll         string `toml:"poll"`          // without IDLE, how often to check, e.g. "1m"
	MarkSeen     bool   `toml:"mark_seen"`     // flag mail \Seen once taken in
	// Bot false keeps serve's front-line bot off e-mail (all mail to
	// people); unset or true: the bot answers mail when it runs.
	Bot *bool `toml:"bot"`
}

// PollInterval is Poll parsed (0 when unset); Parse has checked it.
func (e Email) PollInterval() time.Duration {
	d, _ := time.ParseDuration(e.Poll)
	return d
}

// checkEmail validates [email] and fills the defaults.
func checkEmail(e *Email, bad func(key, format string, args ...any)) {
	if e.Address == "" {
		if e.IMAP != "" || e.SMTP != "" {
			bad("email.address", "set the support address (e.g. support@example.com) to turn the e-mail channel on")
		}
		return
	}
	if at := strings.LastIndexByte(e.Address, '@'); at <= 0 || at == len(e.Address)-1 || strings.ContainsAny(e.Address, " <>") {
		bad("email.address", "want an address such as support@example.com, got %q", e.Address)
	}
	for _, hp := range []struct{ key, v string }{{"email.imap", e.IMAP}, {"email.smtp", e.SMTP}} {
		if _, _, err := net.SplitHostPort(hp.v); err != nil {
			bad(hp.key, "want host:port such as imap.example.com:993, got %q", hp.v)
		}
	}
	for _, sec := range []struct{ key, v string }{{"email.imap_security", e.IMAPSecurity}, {"email.smtp_security", e.SMTPSecurity}} {
		switch sec.v {
		case "", "tls", "starttls", "none":
		default:
			bad(sec.key, "want tls, starttls or none, got %q", sec.v)
		}
	}
	if e.Poll != "" {
		if d, err := time.ParseDuration(e.Poll); err != nil || d < time.Second {
			bad("email.poll", "want a duration of at least 1s such as \"1m\", got %q", e.Poll)
		}
	}
	if e.IMAPUser == "" {
		e.IMAPUser = e.Address
	}
	if e.SMTPUser == "" {
		e.SMTPUser = e.IMAPUser
	}
}
