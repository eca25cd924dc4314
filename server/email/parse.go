package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // GB2312, GBK, GB18030, Big5, ISO-2022-JP…: Chinese mail is rarely UTF-8
	"github.com/emersion/go-message/mail"
)

// Parsed is an incoming mail reduced to what the desk needs.
type Parsed struct {
	MessageID  string   // without angle brackets; synthesised from the content when missing
	InReplyTo  []string // without angle brackets
	References []string
	From       string // the address, lower case
	FromName   string
	Subject    string
	Text       string // the new part: quoted thread and signature stripped
	Full       string // the whole body as text, before stripping
	Files      []File
	// Auto is set for mail no person wrote (auto-replies, bounces, lists):
	// it is recorded as read and never becomes a conversation.
	Auto bool
}

// File is an attachment (or an inline image) of a mail.
type File struct {
	Name string
	Data []byte
}

// maxPartBytes bounds one decoded part; bigger ones are dropped unread.
const maxPartBytes = 25 << 20

// Parse reads a raw RFC 5322 message.
func Parse(raw []byte) (*Parsed, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("parse mail: %w", err)
	}
	h := mail.Header{Header: e.Header}
	p := &Parsed{}
	if p.MessageID, _ = h.MessageID(); p.MessageID == "" {
		sum := sha256.Sum256(raw)
		p.MessageID = "sha256-" + hex.EncodeToString(sum[:16]) + "@agentdesk.invalid"
	}
	p.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	p.References, _ = h.MsgIDList("References")
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		p.From, p.FromName = strings.ToLower(strings.TrimSpace(from[0].Address)), strings.TrimSpace(from[0].Name)
	}
	if rt, err := h.AddressList("Reply-To"); err == nil && len(rt) == 1 && rt[0].Address != "" {
		p.From = strings.ToLower(strings.TrimSpace(rt[0].Address)) // where the customer wants answers
		if p.FromName == "" {
			p.FromName = strings.TrimSpace(rt[0].Name)
		}
	}
	p.Subject, _ = h.Subject()
	p.Subject = strings.TrimSpace(p.Subject)
	p.Auto = isAutomatic(e.Header)

	var plain, htmlText []string
	werr := e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) {
			return nil // a broken part: skip it, keep the rest
		}
		mt, params, _ := part.Header.ContentType()
		if strings.HasPrefix(mt, "multipart/") {
			return nil
		}
		disp, dparams, _ := part.Header.ContentDisposition()
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		body, rerr := io.ReadAll(io.LimitReader(part.Body, maxPartBytes+1))
		if rerr != nil || len(body) > maxPartBytes {
			return nil
		}
		switch {
		case disp == "attachment" || (name != "" && mt != "text/plain" && mt != "text/html"):
			if name == "" {
				name = "attachment"
			}
			p.Files = append(p.Files, File{Name: decodeWord(name), Data: body})
		case mt == "text/plain" || mt == "":
			plain = append(plain, string(body))
		case mt == "text/html":
			if t, err := HTMLToText(bytes.NewReader(body)); err == nil {
				htmlText = append(htmlText, t)
			}
		case strings.HasPrefix(mt, "image/"):
			p.Files = append(p.Files, File{Name: "image", Data: body})
		}
		return nil
	})
	if werr != nil {
		return nil, fmt.Errorf("read mail parts: %w", werr)
	}
	// Both alternatives usually say the same; the plain one is the
	// sender's own, the HTML one a rendering of ours.
	body := strings.Join(plain, "\n\n")
	if strings.TrimSpace(body) == "" {
		body = strings.Join(htmlText, "\n\n")
	}
	p.Full = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	p.Text = StripReply(p.Full)
	if p.From == "" {
		return p, errors.New("mail has no From address")
	}
	return p, nil
}

// decodeWord decodes an RFC 2047 file name (=?UTF-8?B?…?=) that the
// header parser left encoded.
func decodeWord(s string) string {
	d := mime.WordDecoder{CharsetReader: message.CharsetReader}
	if out, err := d.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

// isAutomatic: RFC 3834 Auto-Submitted, bulk or list mail, delivery
// reports. Answering those makes mail loops.
func isAutomatic(h message.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("List-Id") != "" {
		return true
	}
	mt, params, _ := h.ContentType()
	return mt == "multipart/report" && params["report-type"] == "delivery-status"
}
