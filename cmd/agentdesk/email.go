package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/agentdesk/agentdesk/config"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/email"
)

// emailFlags are serve's e-mail channel flags; the [email] section of the
// config file fills what they leave unset, and passwords come from the
// environment only (docs/channels.md).
type emailFlags struct {
	address, imap, smtp, user, security *string
	poll                                *time.Duration
	bot                                 *bool
}

func addEmailFlags(fs *flag.FlagSet) *emailFlags {
	return &emailFlags{
		address:  fs.String("email-address", envOr("AGENTDESK_EMAIL_ADDRESS", ""), "support address of the e-mail channel, e.g. support@example.com; turns the channel on (env AGENTDESK_EMAIL_ADDRESS, [email] address)"),
		imap:     fs.String("email-imap", "", "IMAP server host:port the support mailbox is read from ([email] imap); password in $AGENTDESK_IMAP_PASSWORD"),
		smtp:     fs.String("email-smtp", "", "SMTP server host:port replies are sent through ([email] smtp); password in $AGENTDESK_SMTP_PASSWORD (default: the IMAP one)"),
		user:     fs.String("email-user", "", "login for both servers (default: the address; [email] imap_user, smtp_user)"),
		security: fs.String("email-security", "", "tls, starttls or none for both servers ([email] imap_security, smtp_security; default tls; none only for loopback test servers)"),
		poll:     fs.Duration("email-poll", 0, "how often to check the mailbox when the server has no IDLE (default 1m; [email] poll)"),
		bot:      fs.Bool("email-bot", true, "with --bot, the bot answers mail too (its turns sent as mail); -email-bot=false leaves all mail to people ([email] bot)"),
	}
}

// channel builds the e-mail channel on srv, or returns nil when none is
// configured.
func (f *emailFlags) channel(file config.Email, given map[string]bool, srv *server.Server, log *slog.Logger) (*email.Channel, error) {
	pick := func(name string, flagV *string, fileV string) string {
		if given[name] || *flagV != "" {
			return *flagV
		}
		return fileV
	}
	addr := pick("email-address", f.address, file.Address)
	if addr == "" {
		return nil, nil
	}
	user := pick("email-user", f.user, file.IMAPUser)
	if user == "" {
		user = addr
	}
	smtpUser := file.SMTPUser
	if given["email-user"] || smtpUser == "" {
		smtpUser = user
	}
	imapSec, smtpSec := file.IMAPSecurity, file.SMTPSecurity
	if *f.security != "" {
		imapSec, smtpSec = *f.security, *f.security
	}
	poll := file.PollInterval()
	if *f.poll > 0 {
		poll = *f.poll
	}
	imapPass := os.Getenv("AGENTDESK_IMAP_PASSWORD")
	smtpPass := os.Getenv("AGENTDESK_SMTP_PASSWORD")
	if smtpPass == "" {
		smtpPass = imapPass
	}
	if imapPass == "" {
		return nil, fmt.Errorf("%w: the e-mail channel needs AGENTDESK_IMAP_PASSWORD (passwords are never read from flags or the config file)", errUsage)
	}
	noBot := file.Bot != nil && !*file.Bot
	if given["email-bot"] {
		noBot = !*f.bot
	}
	ch, err := email.New(email.Config{
		Address: addr, Name: file.Name, Mailbox: file.Mailbox, Poll: poll, MarkSeen: file.MarkSeen, Logger: log, NoBot: noBot,
		IMAP: email.Endpoint{Addr: pick("email-imap", f.imap, file.IMAP), Security: imapSec, User: user, Password: imapPass},
		SMTP: email.Endpoint{Addr: pick("email-smtp", f.smtp, file.SMTP), Security: smtpSec, User: smtpUser, Password: smtpPass},
	}, srv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return ch, nil
}
