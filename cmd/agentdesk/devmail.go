package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/agentdesk/agentdesk/internal/mailtest"
)

func init() {
	register(command{name: "devmail", summary: "run throwaway IMAP and SMTP servers on loopback to try the e-mail channel", run: runDevmail})
}

// runDevmail serves in-memory mailboxes (emersion's go-imap v2 memory
// server and a go-smtp server that files mail into local accounts) until
// interrupted. Nothing is kept.
func runDevmail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devmail", "devmail [flags]", stderr)
	imapAddr := fs.String("imap", "127.0.0.1:1143", "IMAP listen address")
	smtpAddr := fs.String("smtp", "127.0.0.1:1025", "SMTP listen address")
	var accounts stringList
	fs.Var(&accounts, "account", "ADDRESS:PASSWORD of a mailbox (repeatable; default support@shop.example:support and customer@example.com:customer)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(accounts) == 0 {
		accounts = stringList{"support@shop.example:support", "customer@example.com:customer"}
	}
	users := map[string]string{}
	for _, a := range accounts {
		addr, pw, ok := strings.Cut(a, ":")
		if !ok || !strings.Contains(addr, "@") || pw == "" {
			return fmt.Errorf("%w: -account %q: want ADDRESS:PASSWORD", errUsage, a)
		}
		users[addr] = pw
	}
	for _, h := range []string{*imapAddr, *smtpAddr} {
		if !strings.HasPrefix(h, "127.") && !strings.HasPrefix(h, "localhost:") && !strings.HasPrefix(h, "[::1]:") {
			return fmt.Errorf("%w: devmail listens on loopback only (no TLS, any password over plain text), not %s", errUsage, h)
		}
	}
	ms := mailtest.New(users)
	if err := ms.Start(*imapAddr, *smtpAddr); err != nil {
		return err
	}
	defer ms.Close()
	fmt.Fprintf(stdout, "IMAP on %s, SMTP on %s (no TLS: loopback only); mailboxes:\n", ms.IMAPAddr, ms.SMTPAddr)
	for _, a := range accounts {
		fmt.Fprintf(stdout, "  %s\n", a)
	}
	fmt.Fprintln(stdout, "Mail to a local address lands in its INBOX. Ctrl-C stops; nothing is kept.")
	<-ctx.Done()
	return nil
}
