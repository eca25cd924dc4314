package email_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/internal/mailtest"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/email"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// botRig is the e-mail channel on a server running the front-line bot,
// with real IMAP and SMTP servers; up and down restart the whole process
// (server, bot, channel) on the same database.
type botRig struct {
	t    *testing.T
	mail *mailtest.Server
	st   *store.Store
	cfg  email.Config
	bot  server.BotConfig
	srv  *server.Server
	stop func()
}

func newBotRig(t *testing.T, bot server.BotConfig, noBot bool) *botRig {
	t.Helper()
	ms := mailtest.New(map[string]string{support: "s3cret", "sam@example.com": "pw", "fang@example.cn": "pw"})
	if err := ms.Start("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ms.Close)
	bot.Enabled = true
	if bot.Name == "" {
		bot.Name = "Shopbot"
	}
	r := &botRig{t: t, mail: ms, st: storetest.SQLite.Open(t, store.Options{}), bot: bot, cfg: email.Config{
		Address: support, Name: "Shop Support", Poll: 50 * time.Millisecond, NoBot: noBot,
		IMAP: email.Endpoint{Addr: ms.IMAPAddr, Security: email.SecurityNone, User: support, Password: "s3cret"},
		SMTP: email.Endpoint{Addr: ms.SMTPAddr, Security: email.SecurityNone, User: support, Password: "s3cret"},
	}}
	t.Cleanup(r.down)
	r.up(true)
	return r
}

// up starts a server, its bot and the channel; serve false takes mail in
// with nothing running but the channel (the bot is down, as in a crash
// right after the mail came in).
func (r *botRig) up(serve bool) {
	r.t.Helper()
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv = server.New(r.st, server.Config{Copilot: eng, Bot: r.bot, Channels: server.ChannelsConfig{
		Outbound: server.OutboundConfig{Poll: 20 * time.Millisecond, BaseBackoff: 20 * time.Millisecond}}})
	ch, err := email.New(r.cfg, r.srv)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var waits []chan struct{}
	run := func(fn func()) {
		done := make(chan struct{})
		waits = append(waits, done)
		go func() { fn(); close(done) }()
	}
	run(func() { ch.Run(ctx) })
	if serve {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			r.t.Fatal(err)
		}
		run(func() { r.srv.Serve(ctx, ln, nil) })
	}
	r.stop = func() {
		cancel()
		for _, w := range waits {
			<-w
		}
	}
}

func (r *botRig) down() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// conv is the one conversation of the test, once the mail is in.
func (r *botRig) conv() protocol.ConversationDetail {
	r.t.Helper()
	rig := &rig{t: r.t, st: r.st}
	var msgs []protocol.Message
	waitFor(r.t, "a customer mail in the store", func() bool { msgs = rig.customerMessages(); return len(msgs) > 0 })
	d, err := r.st.ConversationDetail(context.Background(), msgs[0].ConversationID)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// sent waits for the nth mail (from 1) the SMTP server accepted.
func (r *botRig) sent(n int) mailtest.Mail {
	r.t.Helper()
	waitFor(r.t, "mail out", func() bool { return len(r.mail.Sent()) >= n })
	return r.mail.Sent()[n-1]
}

// quiet checks that no more than n mails went out, once a later event
// (a customer message stored, the bot's work done) had time to show one.
func (r *botRig) quiet(n int) {
	r.t.Helper()
	time.Sleep(300 * time.Millisecond)
	if got := len(r.mail.Sent()); got != n {
		r.t.Fatalf("%d mails sent; want %d", got, n)
	}
}

// letter reads a mail's headers and text.
type letter struct {
	h    mail.Header
	body string
}

func readLetter(t *testing.T, m mailtest.Mail) letter {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p.Body)
	return letter{h: mr.Header, body: strings.ReplaceAll(string(b), "\r\n", "\n")}
}

func (l letter) ids(t *testing.T, key string) []string {
	t.Helper()
	v, err := l.h.MsgIDList(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A question the KB answers is answered by mail: a letter from the bot's
// name, threaded under the customer's mail, marked automatic, with how to
// reach a person. The customer's reply (quoting the letter) asks for a
// person: the bot's handoff notice goes out threaded under it, the chat is
// queued with the bot's turn on the card, an agent's reply follows by mail,
// and while the agent has the chat the bot writes nothing more.
func TestBotAnswersMailAndHandsOver(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, false)
	r.mail.Deliver(support, rawMail("sam@example.com", "Password reset", "pw-1@example.com", "",
		"How do I reset my password? The email never arrives.\n\n-- \nSam Lee"))
	answer := readLetter(t, r.sent(1))
	from, _ := answer.h.AddressList("From")
	subj, _ := answer.h.Subject()
	if len(from) != 1 || from[0].Name != "Shopbot (Shop Support)" || from[0].Address != support || subj != "Re: Password reset" {
		t.Fatalf("answer from %v, subject %q", from, subj)
	}
	if got := answer.ids(t, "In-Reply-To"); len(got) != 1 || got[0] != "pw-1@example.com" {
		t.Fatalf("In-Reply-To %v", got)
	}
	if answer.h.Get("Auto-Submitted") != "auto-replied" {
		t.Fatalf("Auto-Submitted %q", answer.h.Get("Auto-Submitted"))
	}
	if !strings.HasPrefix(answer.body, "Hello Sam,\n\n") || !strings.Contains(answer.body, "Forgot password") ||
		!strings.Contains(answer.body, `reply to this e-mail with "human"`) || !strings.HasSuffix(answer.body, "Best regards,\nShopbot (automatic reply)\n") {
		t.Fatalf("answer body:\n%s", answer.body)
	}
	d := r.conv()
	bot := d.Messages[len(d.Messages)-1]
	answerID, _ := answer.h.MessageID()
	if d.Conversation.Status != protocol.ConvBot || bot.Author != protocol.AuthorBot || answerID != bot.ID+"@shop.example" ||
		strings.ReplaceAll(bot.Text, "\r\n", "\n") != answer.body {
		t.Fatalf("the transcript holds what was sent: %+v / %+v", d.Conversation, bot)
	}
	waitFor(t, "the answer marked delivered", func() bool {
		d, _ := r.st.ConversationDetail(context.Background(), d.Conversation.ID)
		return d.Messages[len(d.Messages)-1].Delivery == "delivered"
	})

	r.mail.Deliver(support, rawMail("sam@example.com", "Re: Password reset", "pw-2@example.com", answerID,
		"That didn't help. I want to talk to a human.\n\nOn Mon, 7 Dec 2026 at 10:01, Shopbot (Shop Support) <support@shop.example> wrote:\n> Hello Sam,\n> reply to this e-mail with \"human\""))
	handoff := readLetter(t, r.sent(2))
	if got := handoff.ids(t, "In-Reply-To"); len(got) != 1 || got[0] != "pw-2@example.com" {
		t.Fatalf("handoff In-Reply-To %v", got)
	}
	// The parent's References (its client sent only the answer's id) and the parent.
	if refs := handoff.ids(t, "References"); len(refs) != 2 || refs[0] != answerID || refs[1] != "pw-2@example.com" {
		t.Fatalf("handoff References %v", refs)
	}
	if !strings.Contains(handoff.body, "passed your e-mail to a person") {
		t.Fatalf("handoff body:\n%s", handoff.body)
	}
	c, _ := r.st.Conversation(context.Background(), d.Conversation.ID)
	if c.Status != protocol.ConvQueued || c.Escalation == nil || c.Escalation.Reason != protocol.ReasonAsksForHuman || c.Escalation.BotTurns != 1 ||
		len(c.Escalation.BotSources) == 0 || len(c.Escalation.BotTried) != 1 || !strings.HasPrefix(c.Escalation.BotTried[0], "Forgot your password") {
		t.Fatalf("escalation %+v", c.Escalation)
	}

	(&rig{t: t, st: r.st}).reply(c.ID, "Hi Sam, I've sent you a reset link by hand.")
	agent := readLetter(t, r.sent(3))
	if from, _ := agent.h.AddressList("From"); from[0].Name != "Alice (Shop Support)" || agent.h.Get("Auto-Submitted") != "" {
		t.Fatalf("agent reply from %v, Auto-Submitted %q", from, agent.h.Get("Auto-Submitted"))
	}
	agentID, _ := agent.h.MessageID()
	r.mail.Deliver(support, rawMail("sam@example.com", "Re: Password reset", "pw-3@example.com", agentID, "How long is the link valid?"))
	waitFor(t, "the third mail", func() bool { return len((&rig{t: t, st: r.st}).customerMessages()) == 3 })
	r.quiet(3) // the agent has the chat: no bot mail
}

// reply sends an agent's reply (claiming the chat first).
func (r *rig) reply(convID, text string) protocol.Message { return sendReply(r.t, r, convID, text) }

// Chinese mail gets a Chinese letter; a question the KB cannot answer gets
// a request for detail, then (still unanswerable) a handoff by mail with
// reason low_confidence.
func TestBotMailAsksThenHandsOverInChinese(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, false)
	r.mail.Deliver(support, []byte("From: =?utf-8?b?546L6Iqz?= <fang@example.cn>\r\nTo: "+support+"\r\nSubject: =?utf-8?b?5ZKo6K+i?=\r\n"+
		"Message-ID: <zh-1@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n你们卖狗粮吗？\r\n"))
	ask := readLetter(t, r.sent(1))
	if !strings.HasPrefix(ask.body, "王芳，您好！\n\n") || !strings.Contains(ask.body, "回复本邮件补充一些细节") || !strings.HasSuffix(ask.body, "祝好！\nShopbot（自动回复）\n") {
		t.Fatalf("request for detail:\n%s", ask.body)
	}
	askID, _ := ask.h.MessageID()
	r.mail.Deliver(support, []byte("From: =?utf-8?b?546L6Iqz?= <fang@example.cn>\r\nTo: "+support+"\r\nSubject: Re: =?utf-8?b?5ZKo6K+i?=\r\n"+
		"Message-ID: <zh-2@example.cn>\r\nIn-Reply-To: <"+askID+">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n就是宠物吃的狗粮，有没有卖？\r\n"))
	handoff := readLetter(t, r.sent(2))
	if !strings.Contains(handoff.body, "已将您的邮件转交人工客服") {
		t.Fatalf("handoff:\n%s", handoff.body)
	}
	c := r.conv().Conversation
	if c.Status != protocol.ConvQueued || c.Escalation.Reason != protocol.ReasonLowConfidence || c.Escalation.BotTurns != 1 || len(c.Escalation.BotTried) != 1 {
		t.Fatalf("conversation %s, escalation %+v", c.Status, c.Escalation)
	}
	r.quiet(2) // the bot's own handoff is its notice: nothing announced twice
}

// A thanks after the bot's answer closes the chat as the bot's, quietly:
// no "you're welcome" mail.
func TestBotMailThanksClosesQuietly(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, false)
	r.mail.Deliver(support, rawMail("sam@example.com", "Password", "t-1@example.com", "", "How do I reset my password? The email never arrives."))
	answer := readLetter(t, r.sent(1))
	answerID, _ := answer.h.MessageID()
	r.mail.Deliver(support, rawMail("sam@example.com", "Re: Password", "t-2@example.com", answerID, "Thanks, that worked!"))
	waitFor(t, "the chat resolved", func() bool {
		c, _ := r.st.Conversation(context.Background(), r.conv().Conversation.ID)
		return c.Status == protocol.ConvResolved
	})
	if c := r.conv().Conversation; c.Disposition != protocol.DispositionBotResolved {
		t.Fatalf("disposition %q", c.Disposition)
	}
	r.quiet(1)
}

// Restarts never answer twice: a mail taken in while the bot was down is
// answered once when it comes back; another restart, and a mailbox read
// again from the start (a new UIDVALIDITY), send nothing more.
func TestBotMailRestartAnswersOnce(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, false)
	r.down()
	r.up(false) // only the channel: the mail comes in, nobody answers
	r.mail.Deliver(support, rawMail("sam@example.com", "Password", "r-1@example.com", "", "How do I reset my password? The email never arrives."))
	d := r.conv()
	if len(d.Messages) != 1 || d.Conversation.Status != protocol.ConvBot {
		t.Fatalf("with the bot down the mail waits for it: %s, %d messages", d.Conversation.Status, len(d.Messages))
	}
	r.down()
	r.up(true)
	first := r.sent(1)
	r.down()
	if err := r.mail.RecreateInbox(support); err != nil {
		t.Fatal(err)
	}
	r.mail.Deliver(support, rawMail("sam@example.com", "Password", "r-1@example.com", "", "How do I reset my password? The email never arrives."))
	r.up(true)
	r.quiet(1)
	d = r.conv()
	bots := 0
	for _, m := range d.Messages {
		if m.Author == protocol.AuthorBot {
			bots++
		}
	}
	if bots != 1 || len(d.Messages) != 2 {
		t.Fatalf("%d messages, %d by the bot; want 2 and 1", len(d.Messages), bots)
	}
	l := readLetter(t, first)
	if mid, _ := l.h.MessageID(); mid != d.Messages[1].ID+"@shop.example" {
		t.Fatalf("sent %s for message %s", mid, d.Messages[1].ID)
	}
}

// With NoBot the bot keeps out of mail: it is queued for people with
// reason email, and no bot line (not even a handoff notice) is written.
func TestNoBotLeavesMailToPeople(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, true)
	r.mail.Deliver(support, rawMail("sam@example.com", "Password", "n-1@example.com", "", "How do I reset my password? The email never arrives."))
	d := r.conv()
	if d.Conversation.Status != protocol.ConvQueued || d.Conversation.Escalation.Reason != "email" {
		t.Fatalf("conversation %s, escalation %+v", d.Conversation.Status, d.Conversation.Escalation)
	}
	r.quiet(0)
	if d, _ := r.st.ConversationDetail(context.Background(), d.Conversation.ID); len(d.Messages) != 1 {
		t.Fatalf("messages %+v", d.Messages)
	}
}

// The subject is read when the body only points at it.
func TestBotMailReadsTheSubject(t *testing.T) {
	r := newBotRig(t, server.BotConfig{}, false)
	r.mail.Deliver(support, rawMail("sam@example.com", "How long does shipping take?", "s-1@example.com", "", "Hi, see subject."))
	if l := readLetter(t, r.sent(1)); !strings.Contains(l.body, "Dispatch: within 48 hours") {
		t.Fatalf("answer:\n%s", l.body)
	}
}
