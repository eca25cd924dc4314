package email_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/internal/mailtest"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/email"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

const support = "support@shop.example"

// rig is an agentdesk server, real IMAP and SMTP servers on loopback, and
// the e-mail channel between them.
type rig struct {
	t    *testing.T
	mail *mailtest.Server
	st   *store.Store
	srv  *server.Server
	cfg  email.Config
	addr string // the agentdesk server

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

func newRig(t *testing.T, noIdle bool) *rig {
	t.Helper()
	return newRigWith(t, noIdle, nil)
}

// newRigWith is newRig with webhooks for the other channels.
func newRigWith(t *testing.T, noIdle bool, hooks map[string]server.Webhook) *rig {
	t.Helper()
	ms := mailtest.New(map[string]string{support: "s3cret", "sam@example.com": "pw"})
	ms.NoIdle = noIdle
	if err := ms.Start("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ms.Close)
	st := storetest.SQLite.Open(t, store.Options{})
	srv := server.New(st, server.Config{Channels: server.ChannelsConfig{Webhooks: hooks,
		Outbound: server.OutboundConfig{Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond}}})
	r := &rig{t: t, mail: ms, st: st, srv: srv, cfg: email.Config{
		Address: support, Name: "Shop Support", Mailbox: "INBOX", Poll: 50 * time.Millisecond,
		IMAP: email.Endpoint{Addr: ms.IMAPAddr, Security: email.SecurityNone, User: support, Password: "s3cret"},
		SMTP: email.Endpoint{Addr: ms.SMTPAddr, Security: email.SecurityNone, User: support, Password: "s3cret"},
	}}
	ch, err := email.New(r.cfg, srv)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { srv.Serve(ctx, ln, nil); close(served) }()
	t.Cleanup(func() { r.stop(); cancel(); <-served })
	r.start(ch)
	return r
}

// start runs a channel until stop.
func (r *rig) start(ch *email.Channel) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.mu.Lock()
	r.cancel, r.done = cancel, done
	r.mu.Unlock()
	go func() { ch.Run(ctx); close(done) }()
}

func (r *rig) stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// restart stops the channel and runs a new one on the same store (a
// process restart: nothing carries over but the database).
func (r *rig) restart(fn func(*email.Channel)) {
	r.stop()
	srv := server.New(r.st, server.Config{})
	ch, err := email.New(r.cfg, srv)
	if err != nil {
		r.t.Fatal(err)
	}
	if fn != nil {
		fn(ch)
	}
	r.start(ch)
}

// customerMessages is every customer message in the store, oldest first.
func (r *rig) customerMessages() []protocol.Message {
	r.t.Helper()
	db, err := sql.Open("sqlite", "file:"+r.st.Path()+"?mode=ro")
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT DISTINCT conversation_id FROM messages WHERE author = 'customer'`)
	if err != nil {
		r.t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	var out []protocol.Message
	for _, id := range ids {
		d, err := r.st.ConversationDetail(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, m := range d.Messages {
			if m.Author == protocol.AuthorCustomer {
				out = append(out, m)
			}
		}
	}
	return out
}

func waitFor(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rawMail(from, subject, msgID, inReplyTo, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Sam Lee <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n", from, support, subject, msgID)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

// A mail in becomes a customer message; the agent's reply goes out over
// SMTP threaded under it; the customer's answer to that, quoted thread and
// all, lands in the same conversation with only the new words.
func TestMailInReplyOutThreaded(t *testing.T) {
	for _, noIdle := range []bool{false, true} {
		t.Run(map[bool]string{false: "idle", true: "polling"}[noIdle], func(t *testing.T) {
			r := newRig(t, noIdle)
			r.mail.Deliver(support, rawMail("sam@example.com", "Order 1042 never arrived", "first-1042@example.com", "",
				"Hello, my order 1042 never arrived.\n\n-- \nSam Lee\nAcme"))
			waitFor(t, "the mail in the store", func() bool { return len(r.customerMessages()) == 1 })
			m := r.customerMessages()[0]
			if m.Text != "Hello, my order 1042 never arrived." {
				t.Fatalf("customer message: %q", m.Text)
			}
			ctx := context.Background()
			conv, _ := r.st.Conversation(ctx, m.ConversationID)
			if conv.Channel != "email" || conv.Subject != "Order 1042 never arrived" || conv.CustomerName != "Sam Lee" ||
				conv.Status != protocol.ConvQueued || conv.Escalation == nil { // the rules judge it negative; else reason "email"
				t.Fatalf("conversation: %+v", conv)
			}
			reply := sendReply(t, r, conv.ID, "Sorry Sam — a replacement ships today.")
			waitFor(t, "the reply over SMTP", func() bool { return len(r.mail.Sent()) == 1 })
			out := r.mail.Sent()[0]
			h := header(t, out.Raw)
			if got, _ := h.MsgIDList("In-Reply-To"); len(got) != 1 || got[0] != "first-1042@example.com" {
				t.Fatalf("In-Reply-To: %v", got)
			}
			if got, _ := h.MsgIDList("References"); len(got) != 1 || got[0] != "first-1042@example.com" {
				t.Fatalf("References: %v", got)
			}
			mid, _ := h.MessageID()
			subj, _ := h.Subject()
			from, _ := h.AddressList("From")
			if mid != reply.ID+"@shop.example" || subj != "Re: Order 1042 never arrived" || from[0].Address != support || out.To[0] != "sam@example.com" {
				t.Fatalf("reply headers: id %s subject %q from %v to %v", mid, subj, from, out.To)
			}
			if !bytes.Contains(out.Raw, []byte("a replacement ships today")) {
				t.Fatalf("reply body: %s", out.Raw)
			}
			waitFor(t, "delivered", func() bool {
				d, _ := r.st.ConversationDetail(ctx, conv.ID)
				return d.Messages[len(d.Messages)-1].Delivery == "delivered"
			})
			// Sam answers from a Chinese mail client, quoting everything.
			r.mail.Deliver(support, rawMail("sam@example.com", "回复：Re: Order 1042 never arrived", "second@example.com", mid,
				"谢谢，收到了！\n\n在 2026年12月7日 10:05，Shop Support <support@shop.example> 写道：\n> Sorry Sam — a replacement ships today."))
			waitFor(t, "the answer", func() bool { return len(r.customerMessages()) == 2 })
			second := r.customerMessages()[1]
			if second.ConversationID != conv.ID || second.Text != "谢谢，收到了！" {
				t.Fatalf("answer: %+v", second)
			}
		})
	}
}

func sendReply(t *testing.T, r *rig, convID, text string) protocol.Message {
	t.Helper()
	ctx := context.Background()
	var m protocol.Message
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "alice", Name: "Alice", Role: protocol.RoleAgent, Capacity: 5}); err != nil && protocol.CodeOf(err) != protocol.CodeConflict {
			return err
		}
		if c, _ := tx.Conversation(convID); c.Status == protocol.ConvBot {
			if _, err := tx.Escalate(convID, protocol.Escalation{Reason: "explicit"}, 10, 0); err != nil {
				return err
			}
		}
		if c, _ := tx.Conversation(convID); c.Assignee != "alice" {
			if _, err := tx.Claim(store.Actor{ID: "alice", Role: protocol.RoleAgent}, convID, 0); err != nil {
				return err
			}
		}
		var err error
		m, _, err = tx.Send(store.Actor{ID: "alice", Role: protocol.RoleAgent}, convID, text)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func header(t *testing.T, raw []byte) mail.Header {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return mr.Header
}

// Stop the channel after a few mails of a batch, deliver more while it is
// down, start a new one: every mail is taken in exactly once.
func TestRestartMidwayNothingTwiceNothingLost(t *testing.T) {
	r := newRig(t, false)
	r.stop()
	for i := range 12 {
		r.mail.Deliver(support, rawMail("sam@example.com", fmt.Sprintf("question %02d", i), fmt.Sprintf("q%02d@example.com", i), "", fmt.Sprintf("body %02d", i)))
	}
	var once sync.Once
	ingested := 0
	var stopCh = make(chan struct{})
	r.restart(func(ch *email.Channel) {
		email.SetOnIngest(ch, func() {
			ingested++
			if ingested == 5 {
				once.Do(func() { close(stopCh) })
			}
		})
	})
	<-stopCh
	r.stop()
	n := len(r.customerMessages())
	if n < 5 || n >= 12 {
		t.Fatalf("stopped after %d mails; the test wants a stop mid-way", n)
	}
	for i := 12; i < 15; i++ {
		r.mail.Deliver(support, rawMail("sam@example.com", fmt.Sprintf("question %02d", i), fmt.Sprintf("q%02d@example.com", i), "", fmt.Sprintf("body %02d", i)))
	}
	r.restart(nil)
	waitFor(t, "all 15 mails", func() bool { return len(r.customerMessages()) >= 15 })
	time.Sleep(200 * time.Millisecond) // a duplicate would show up now
	seen := map[string]int{}
	for _, m := range r.customerMessages() {
		seen[m.Text]++
	}
	if len(seen) != 15 {
		t.Fatalf("%d distinct mails, want 15: %v", len(seen), seen)
	}
	for text, n := range seen {
		if n != 1 {
			t.Fatalf("%q taken in %d times", text, n)
		}
	}
}

// The mailbox is recreated (a new UIDVALIDITY, UIDs from 1): it is read
// again, and mail already taken in is recognised by its Message-ID.
func TestUIDValidityChangeReadsAgainWithoutDuplicates(t *testing.T) {
	r := newRig(t, false)
	a := rawMail("sam@example.com", "first", "a@example.com", "", "first mail")
	b := rawMail("sam@example.com", "second", "b@example.com", "", "second mail")
	r.mail.Deliver(support, a)
	r.mail.Deliver(support, b)
	waitFor(t, "two mails", func() bool { return len(r.customerMessages()) == 2 })
	r.stop()
	if err := r.mail.RecreateInbox(support); err != nil {
		t.Fatal(err)
	}
	r.mail.Deliver(support, b)
	r.mail.Deliver(support, a)
	r.mail.Deliver(support, rawMail("sam@example.com", "third", "c@example.com", "", "third mail"))
	r.restart(nil)
	waitFor(t, "the third mail", func() bool { return len(r.customerMessages()) >= 3 })
	time.Sleep(200 * time.Millisecond)
	if n := len(r.customerMessages()); n != 3 {
		t.Fatalf("%d customer messages after the mailbox was recreated; want 3", n)
	}
}

// A Chinese client's mail in GB18030 with an HTML part, a photo and an
// executable: the text is decoded, the photo kept, the program refused
// (and the agent told); auto-replies are never taken in.
func TestChineseMailWithAttachments(t *testing.T) {
	r := newRig(t, false)
	gbk := func(s string) string {
		b, _ := simplifiedchinese.GB18030.NewEncoder().String(s)
		return b
	}
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var pb bytes.Buffer
	png.Encode(&pb, img)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	raw := "From: =?GB2312?B?" + b64([]byte(gbk("王芳"))) + "?= <fang@example.cn>\r\n" +
		"To: " + support + "\r\nSubject: =?GB2312?B?" + b64([]byte(gbk("包裹破损"))) + "?=\r\nMessage-ID: <gbk-1@example.cn>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n" +
		"--b2\r\nContent-Type: text/html; charset=GB18030\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64([]byte(gbk("<div>包裹到了，但是<b>盒子压坏了</b>。</div><div>--</div><div>王芳</div>"))) + "\r\n--b2--\r\n" +
		"--b1\r\nContent-Type: image/png; name=\"photo.png\"\r\nContent-Disposition: attachment; filename=\"photo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64(pb.Bytes()) + "\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")) + "\r\n--b1--\r\n"
	r.mail.Deliver(support, []byte("From: Mailer <auto@example.cn>\r\nTo: "+support+"\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo@example.cn>\r\n\r\nI am away."))
	r.mail.Deliver(support, []byte(raw))
	waitFor(t, "the mail", func() bool { return len(r.customerMessages()) == 1 })
	m := r.customerMessages()[0]
	if !strings.HasPrefix(m.Text, "包裹到了，但是盒子压坏了。") || !strings.Contains(m.Text, "invoice.pdf") || !strings.Contains(m.Text, "not accepted") {
		t.Fatalf("text: %q", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "image/png" || m.Attachments[0].Name != "photo.png" {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	data, err := r.st.AttachmentData(context.Background(), m.Attachments[0].ID)
	if err != nil || !bytes.Equal(data, pb.Bytes()) {
		t.Fatalf("photo bytes: %v", err)
	}
	conv, _ := r.st.Conversation(context.Background(), m.ConversationID)
	if conv.CustomerName != "王芳" || conv.Subject != "包裹破损" {
		t.Fatalf("conversation: %+v", conv)
	}
}

// An agent's reply with a file goes out as a MIME attachment.
func TestReplyWithAttachmentGoesOutAsMIME(t *testing.T) {
	r := newRig(t, false)
	r.mail.Deliver(support, rawMail("sam@example.com", "invoice please", "inv@example.com", "", "Can I get the invoice?"))
	waitFor(t, "the mail", func() bool { return len(r.customerMessages()) == 1 })
	conv := r.customerMessages()[0].ConversationID
	if c, _ := r.st.Conversation(context.Background(), conv); c.Status != protocol.ConvQueued || c.Escalation.Reason != "email" {
		t.Fatalf("a mail no rule escalates is queued for people with reason email: %+v", c)
	}
	sendReply(t, r, conv, "First, hello.") // creates alice and claims
	waitFor(t, "the first reply", func() bool { return len(r.mail.Sent()) == 1 })
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	a, err := r.srv.Attachments().Put(context.Background(), server.Upload{Name: "invoice-1042.pdf", Data: bytes.NewReader(pdf), Owner: "alice", Source: store.SourceDesk})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.SendWith(store.Actor{ID: "alice", Role: protocol.RoleAgent}, protocol.TextReq{ConversationID: conv, Text: "Here it is.", Attachments: []string{a.ID}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second reply", func() bool { return len(r.mail.Sent()) == 2 })
	mr, err := mail.CreateReader(bytes.NewReader(r.mail.Sent()[1].Raw))
	if err != nil {
		t.Fatal(err)
	}
	if refs, _ := mr.Header.MsgIDList("References"); len(refs) != 2 || refs[0] != "inv@example.com" {
		t.Fatalf("the second reply's References: %v", refs)
	}
	var got []byte
	var name string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if ah, ok := p.Header.(*mail.AttachmentHeader); ok {
			name, _ = ah.Filename()
			got, _ = io.ReadAll(p.Body)
		}
	}
	if name != "invoice-1042.pdf" || !bytes.Equal(got, pdf) {
		t.Fatalf("attachment %q, %d bytes", name, len(got))
	}
}

// Desks are told replies on e-mail are delivered (by the channel, not a
// webhook), so they do not mark them "no delivery configured".
func TestWelcomeCoversEmail(t *testing.T) {
	r := newRig(t, false)
	var token string
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "alice", Name: "Alice", Role: protocol.RoleAgent, Capacity: 5}); err != nil {
			return err
		}
		var err error
		token, _, err = tx.CreateToken("test", "alice", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Options{URL: "ws://" + r.addr, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	defer c.Close()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case u := <-c.Updates():
			if w, ok := u.(client.Welcomed); ok {
				if d := w.Welcome.Delivery; d == nil || !d.Covers("email") || d.Covers("web") {
					t.Fatalf("welcome delivery %+v", d)
				}
				return
			}
		case <-timeout:
			t.Fatal("no welcome")
		}
	}
}

// With a catch-all webhook configured, e-mail replies still go out as
// mail and never to the webhook; other channels' replies do.
func TestCatchAllWebhookLeavesEmailToTheChannel(t *testing.T) {
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	r := newRigWith(t, false, map[string]server.Webhook{"*": {URL: hook.URL, Secret: "s"}})
	r.mail.Deliver(support, rawMail("sam@example.com", "hello", "h1@example.com", "", "Hello there"))
	waitFor(t, "the mail", func() bool { return len(r.customerMessages()) == 1 })
	sendReply(t, r, r.customerMessages()[0].ConversationID, "Hi Sam")
	waitFor(t, "the reply as mail", func() bool { return len(r.mail.Sent()) == 1 })
	var web string
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "Web visitor"})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		if err != nil {
			return err
		}
		web = c.ID
		_, _, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "hi from the web")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sendReply(t, r, web, "Hello web")
	waitFor(t, "the web reply at the webhook", func() bool { return hits.Load() == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := hits.Load(); n != 1 || len(r.mail.Sent()) != 1 {
		t.Fatalf("webhook hits %d, mails %d; want 1 and 1", n, len(r.mail.Sent()))
	}
}
