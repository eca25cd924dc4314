package email

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// fetchBatch bounds the mails fetched per round trip.
const fetchBatch = 20

// Run reads the mailbox until ctx is done, reconnecting with backoff when
// the server goes away. It returns nil when ctx is cancelled.
func (c *Channel) Run(ctx context.Context) error {
	backoff := time.Second
	for {
		start := time.Now()
		err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second // it worked for a while: start over
		}
		c.log.Warn("imap session ended; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

// session is one IMAP connection: log in, select, take in what is new,
// then wait (IDLE or poll) and repeat.
func (c *Channel) session(ctx context.Context) error {
	conn, err := c.dial(ctx, c.cfg.IMAP)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", c.cfg.IMAP.Addr, err)
	}
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: c.tlsConfig(c.cfg.IMAP),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var cl *imapclient.Client
	if c.cfg.IMAP.Security == SecurityStartTLS {
		if cl, err = imapclient.NewStartTLS(conn, opts); err != nil {
			conn.Close()
			return fmt.Errorf("STARTTLS with %s: %w", c.cfg.IMAP.Addr, err)
		}
	} else {
		cl = imapclient.New(conn, opts)
	}
	defer cl.Close()
	stop := context.AfterFunc(ctx, func() { cl.Close() }) // unblocks every wait below
	defer stop()
	if err := cl.Login(c.cfg.IMAP.User, c.cfg.IMAP.Password).Wait(); err != nil {
		return fmt.Errorf("log in as %s: %w", c.cfg.IMAP.User, err)
	}
	sel, err := cl.Select(c.cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", c.cfg.Mailbox, err)
	}
	c.log.Info("imap connected", "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages)
	idle := cl.Caps().Has(imap.CapIdle) || cl.Caps().Has(imap.CapIMAP4rev2)
	for {
		if err := c.takeIn(ctx, cl, sel.UIDValidity); err != nil {
			return err
		}
		if err := c.wait(ctx, cl, idle, wake); err != nil {
			return err
		}
	}
}

// wait returns when the mailbox may have new mail: an EXISTS during IDLE,
// or the poll interval.
func (c *Channel) wait(ctx context.Context, cl *imapclient.Client, idle bool, wake chan struct{}) error {
	timer := time.NewTimer(c.cfg.Poll)
	defer timer.Stop()
	if !idle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		return cl.Noop().Wait()
	}
	cmd, err := cl.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-timer.C:
	case <-cl.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return ctx.Err()
}

// takeIn fetches every mail above the watermark, oldest first, and stores
// each with the watermark moved past it in one transaction. A changed
// UIDVALIDITY means the old UIDs name nothing: the mailbox is read again
// from the start, and Message-IDs keep what was already taken in from
// coming in twice.
func (c *Channel) takeIn(ctx context.Context, cl *imapclient.Client, validity uint32) error {
	st := c.srv.Store()
	var mark store.MailboxState
	if err := st.Update(ctx, func(tx *store.Tx) error {
		var err error
		mark, err = tx.MailboxState(c.account(), c.cfg.Mailbox)
		return err
	}); err != nil {
		return err
	}
	if mark.UIDValidity != validity {
		if mark.UIDValidity != 0 {
			c.log.Warn("mailbox UIDVALIDITY changed: reading it again from the start; mail already taken in is recognised by Message-ID",
				"was", mark.UIDValidity, "now", validity)
		}
		mark = store.MailboxState{UIDValidity: validity}
	}
	for {
		var set imap.UIDSet
		set.AddRange(imap.UID(mark.LastUID+1), 0) // 0 is "*"
		section := &imap.FetchItemBodySection{Peek: true}
		// UIDs only first: a range past the newest UID still returns the
		// newest message, which must not be taken in again.
		msgs, err := cl.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
		if err != nil {
			return fmt.Errorf("list new mail: %w", err)
		}
		var uids []imap.UID
		for _, m := range msgs {
			if uint32(m.UID) > mark.LastUID {
				uids = append(uids, m.UID)
			}
		}
		if len(uids) == 0 {
			return nil
		}
		if len(uids) > fetchBatch {
			uids = uids[:fetchBatch]
		}
		var batch imap.UIDSet
		for _, u := range uids {
			batch.AddNum(u)
		}
		bodies, err := cl.Fetch(batch, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("fetch mail: %w", err)
		}
		byUID := map[imap.UID][]byte{}
		for _, b := range bodies {
			byUID[b.UID] = b.FindBodySection(section)
		}
		for _, u := range sortedUIDs(uids) {
			next := store.MailboxState{UIDValidity: validity, LastUID: uint32(u)}
			if err := c.ingest(ctx, byUID[u], next); err != nil {
				return fmt.Errorf("take in mail UID %d: %w", u, err)
			}
			mark = next
			if c.onIngest != nil {
				c.onIngest()
			}
			if c.cfg.MarkSeen {
				var one imap.UIDSet
				one.AddNum(u)
				if err := cl.Store(one, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
					c.log.Warn("mark mail seen", "uid", u, "err", err)
				}
			}
		}
	}
}

func sortedUIDs(u []imap.UID) []imap.UID {
	out := append([]imap.UID(nil), u...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// ingest stores one mail and moves the watermark, in one transaction.
// Mail that cannot become a message (unparseable, automatic, from
// ourselves) only moves the watermark; it stays in the mailbox for people.
func (c *Channel) ingest(ctx context.Context, raw []byte, next store.MailboxState) error {
	p, perr := Parse(raw)
	skip := ""
	switch {
	case raw == nil:
		skip = "the server returned no body"
	case perr != nil:
		skip = perr.Error()
	case p.Auto:
		skip = "automatic mail (auto-reply, bounce or list)"
	case p.From == c.cfg.Address:
		skip = "sent by the support address itself"
	}
	_, err := c.srv.Store().Apply(ctx, store.System, "", func(tx *store.Tx) (any, error) {
		if skip == "" {
			if err := c.post(tx, p); err != nil {
				return nil, err
			}
		}
		return nil, tx.SetMailboxState(c.account(), c.cfg.Mailbox, next)
	})
	if skip != "" && err == nil {
		c.log.Info("mail left in the mailbox, not taken in", "uid", next.LastUID, "why", skip)
	}
	return err
}

// post turns a parsed mail into a customer message of its thread.
func (c *Channel) post(tx *store.Tx, p *Parsed) error {
	// Taken in before (read again after a UIDVALIDITY change): nothing to do.
	if _, _, err := tx.InboundByClientID(c.cfg.Channel, clientID(p.MessageID)); err == nil {
		return nil
	} else if protocol.CodeOf(err) != protocol.CodeNotFound {
		return err
	}
	convID, err := c.thread(tx, p)
	if err != nil {
		return err
	}
	text, ids := p.Text, []string(nil)
	var dropped []string
	for _, f := range p.Files {
		if len(ids) == protocol.MaxAttachments {
			dropped = append(dropped, fmt.Sprintf("%s (more than %d files)", f.Name, protocol.MaxAttachments))
			continue
		}
		n, err := c.srv.Attachments().Check(f.Name, f.Data)
		if err != nil {
			dropped = append(dropped, fmt.Sprintf("%s (%v)", f.Name, err))
			continue
		}
		n.Owner, n.Source = c.owner, store.SourceEmail
		a, err := tx.PutAttachment(n)
		if err != nil {
			return err
		}
		ids = append(ids, a.ID)
	}
	if len(dropped) > 0 {
		text += "\n\n[attachments not kept: " + strings.Join(dropped, "; ") + "]"
	}
	if strings.TrimSpace(text) == "" && len(ids) == 0 {
		text = "(empty mail)"
	}
	if len(text) > protocol.MaxTextBytes {
		text = textcut.Bytes(text, protocol.MaxTextBytes-64) + "\n[… the rest of the mail is cut]"
	}
	queue := protocol.ReasonEmail // for people, unless the bot answers mail
	if c.srv.BotAnswers(c.cfg.Channel) {
		queue = ""
	}
	res, err := c.srv.PostMessage(tx, server.ChannelMessage{
		MessageID: clientID(p.MessageID), ConversationID: convID, Channel: c.cfg.Channel, ExternalID: p.From,
		CustomerName: p.FromName, Text: text, Subject: p.Subject, Attachments: ids, Owner: c.owner, QueueReason: queue,
	})
	if err != nil {
		return err
	}
	if res.Duplicate {
		return nil // read again after a UIDVALIDITY change
	}
	refs := append(append([]string(nil), p.References...), p.MessageID)
	if len(p.References) == 0 && len(p.InReplyTo) > 0 {
		refs = append(append([]string(nil), p.InReplyTo...), p.MessageID)
	}
	return tx.RecordEmail(store.EmailRecord{HeaderID: p.MessageID, ConversationID: res.Conversation.ID,
		MessageID: res.Message.ID, Refs: lastN(refs, 20), Subject: p.Subject})
}

// thread picks the conversation a mail belongs to: that of a mail it
// answers, else the customer's open e-mail conversation with the same
// subject; "" opens a new one (which the message path does when the
// customer has none open; otherwise it is created here).
func (c *Channel) thread(tx *store.Tx, p *Parsed) (string, error) {
	refs := append(append([]string(nil), p.References...), p.InReplyTo...)
	if len(refs) > 0 {
		conv, err := tx.EmailThread(refs)
		if err == nil {
			return conv, nil
		}
		if protocol.CodeOf(err) != protocol.CodeNotFound {
			return "", err
		}
	}
	cust, _, err := tx.UpsertCustomer(store.NewCustomer{Name: nameOr(p.FromName, p.From)},
		[]store.Identity{{Channel: c.cfg.Channel, ExternalID: p.From}})
	if err != nil {
		return "", err
	}
	open, err := tx.OpenConversation(cust.ID, c.cfg.Channel)
	switch {
	case err == nil && sameSubject(open.Subject, p.Subject):
		return open.ID, nil
	case err != nil && protocol.CodeOf(err) != protocol.CodeNotFound:
		return "", err
	}
	conv, err := tx.CreateConversation(store.NewConversation{CustomerID: cust.ID, Channel: c.cfg.Channel, Subject: textcut.Bytes(p.Subject, 500)})
	return conv.ID, err
}

// sameSubject compares subjects without Re:/Fwd:/回复: prefixes.
func sameSubject(a, b string) bool {
	a, b = baseSubject(a), baseSubject(b)
	return a != "" && strings.EqualFold(a, b)
}

func baseSubject(s string) string {
	for {
		t := strings.TrimSpace(s)
		low := strings.ToLower(t)
		cut := false
		for _, p := range []string{"re:", "fw:", "fwd:", "aw:", "回复:", "回复：", "答复:", "答复：", "转发:", "转发：", "回覆:", "回覆："} {
			if strings.HasPrefix(low, p) {
				t, cut = t[len(p):], true
				break
			}
		}
		if !cut {
			return t
		}
		s = t
	}
}

// clientID is the channel message id for a Message-ID: the id itself when
// it fits the API's rule (≤128 bytes, no spaces), else a digest of it.
func clientID(mid string) string {
	if len(mid) <= 128 && !strings.ContainsAny(mid, " \t\r\n") {
		return mid
	}
	return "sha256-" + digest(mid)
}

func nameOr(name, addr string) string {
	if strings.TrimSpace(name) != "" {
		return textcut.Bytes(name, 200)
	}
	return addr
}

func lastN(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var errNoAddress = errors.New("the customer has no e-mail address")
