package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// Deliver sends an agent reply, or the front-line bot's letter, as mail
// (server.Sender). Its Message-ID is
// derived from the message id, so a retry after a crash sends the same
// mail again, which clients show once; In-Reply-To and References answer
// the newest mail of the conversation.
func (c *Channel) Deliver(ctx context.Context, r server.Reply) error {
	to := strings.TrimSpace(r.CustomerExternalID)
	if to == "" {
		return errNoAddress
	}
	st := c.srv.Store()
	conv, err := st.Conversation(ctx, r.Message.ConversationID)
	if err != nil {
		return err
	}
	subject := conv.Subject
	var inReplyTo []string
	var refs []string
	if last, err := st.LatestEmail(ctx, conv.ID); err == nil {
		inReplyTo, refs = []string{last.HeaderID}, last.Refs
		if subject == "" {
			subject = last.Subject
		}
	} else if protocol.CodeOf(err) != protocol.CodeNotFound {
		return err
	}
	raw, mid, err := c.compose(ctx, r.Message, to, replySubject(subject), inReplyTo, refs)
	if err != nil {
		return err
	}
	if err := c.submit(ctx, to, raw); err != nil {
		return err
	}
	return st.Update(ctx, func(tx *store.Tx) error {
		return tx.RecordEmail(store.EmailRecord{HeaderID: mid, ConversationID: conv.ID, MessageID: r.Message.ID,
			Refs: lastN(append(append([]string(nil), refs...), mid), 20), Subject: subject, Outbound: true})
	})
}

// replySubject is "Re: subject" (once), or a plain one for a thread the
// agent starts.
func replySubject(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Re: your message"
	}
	if low := strings.ToLower(s); strings.HasPrefix(low, "re:") || strings.HasPrefix(s, "回复") {
		return s
	}
	return "Re: " + s
}

// compose writes the reply as a MIME message: text/plain UTF-8 and the
// attachments, with threading headers. It returns the bytes and the
// Message-ID (without brackets).
func (c *Channel) compose(ctx context.Context, m protocol.Message, to, subject string, inReplyTo, refs []string) ([]byte, string, error) {
	var h mail.Header
	from := c.cfg.Name
	if m.AuthorName != "" {
		from = m.AuthorName + " (" + c.cfg.Name + ")"
	}
	h.SetAddressList("From", []*mail.Address{{Name: from, Address: c.cfg.Address}})
	h.SetAddressList("To", []*mail.Address{{Address: to}})
	h.SetSubject(subject)
	h.SetDate(time.UnixMilli(m.CreatedAt))
	mid := m.ID + "@" + c.domain
	h.SetMessageID(mid)
	if len(inReplyTo) > 0 {
		h.SetMsgIDList("In-Reply-To", inReplyTo)
		h.SetMsgIDList("References", lastN(refs, 20))
	}
	h.Set("X-Agentdesk-Conversation", m.ConversationID)
	if m.Author == protocol.AuthorBot {
		// RFC 3834: an automatic answer, so the customer's own auto-replies
		// (out of office, Exchange's included) do not answer it back.
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Auto-Response-Suppress", "All")
	}
	var buf bytes.Buffer
	if len(m.Attachments) == 0 {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		w, err := mail.CreateSingleInlineWriter(&buf, h)
		if err != nil {
			return nil, "", err
		}
		w.Write([]byte(m.Text))
		if err := w.Close(); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), mid, nil
	}
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, "", err
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		return nil, "", err
	}
	tw.Write([]byte(m.Text))
	tw.Close()
	for _, a := range m.Attachments {
		data, err := c.srv.Store().AttachmentData(ctx, a.ID)
		if err != nil {
			return nil, "", fmt.Errorf("attachment %s: %w", a.Name, err)
		}
		var ah mail.AttachmentHeader
		ah.SetContentType(a.ContentType, nil)
		ah.SetFilename(a.Name)
		aw, err := mw.CreateAttachment(ah)
		if err != nil {
			return nil, "", err
		}
		aw.Write(data)
		aw.Close()
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mid, nil
}

// submit hands the mail to the SMTP server.
func (c *Channel) submit(ctx context.Context, to string, raw []byte) error {
	ep := c.cfg.SMTP
	conn, err := c.dial(ctx, ep)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", ep.Addr, err)
	}
	var cl *smtp.Client
	if ep.Security == SecurityStartTLS {
		if cl, err = smtp.NewClientStartTLS(conn, c.tlsConfig(ep)); err != nil {
			conn.Close()
			return fmt.Errorf("STARTTLS with %s: %w", ep.Addr, err)
		}
	} else {
		cl = smtp.NewClient(conn)
	}
	defer cl.Close()
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	defer stop()
	if err := cl.Hello(c.domain); err != nil && !strings.Contains(err.Error(), "already") {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if ep.User != "" {
		if err := cl.Auth(sasl.NewPlainClient("", ep.User, ep.Password)); err != nil {
			return fmt.Errorf("smtp auth as %s: %w", ep.User, err)
		}
	}
	if err := cl.SendMail(c.cfg.Address, []string{to}, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("smtp send to %s: %w", to, err)
	}
	return cl.Quit()
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
