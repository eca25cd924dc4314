package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// WidgetSubprotocol is the websocket subprotocol of the chat window.
const WidgetSubprotocol = "agentdesk.widget.v1"

// Close codes of the chat window's websocket.
const (
	widgetCloseIdentity = 4003 // the signed identity did not verify
	widgetCloseSlow     = 4008 // the window fell too far behind; it reconnects
	widgetCloseProtocol = 4400 // no hello, or a frame that is not JSON
)

// widgetIn is any frame a chat window sends.
type widgetIn struct {
	Type string `json:"type"` // hello, send, human, csat, seen, typing
	ID   string `json:"id,omitempty"`
	// hello
	Visitor string      `json:"visitor,omitempty"`
	User    *widgetUser `json:"user,omitempty"`
	Resume  *struct {
		ConversationID string `json:"conversation_id"`
		Seq            int    `json:"seq"`
	} `json:"resume,omitempty"`
	Lang string `json:"lang,omitempty"`
	// send
	Text        string   `json:"text,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// csat, seen, typing
	ConversationID string `json:"conversation_id,omitempty"`
	Score          int    `json:"score,omitempty"`
	Comment        string `json:"comment,omitempty"`
	Seq            int    `json:"seq,omitempty"`
}

type widgetUser struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
	Name string `json:"name,omitempty"`
}

// widgetConn is one open chat window.
type widgetConn struct {
	w    *widget
	ws   *websocket.Conn
	ip   string
	site *WidgetSite
	log  *slog.Logger

	id       identity
	lang     string
	limiter  *rateLimiter
	events   chan store.Event // from the hub, handled by the pump
	out      chan []byte      // frames for the writer
	closing  chan struct{}
	shutOnce sync.Once

	mu         sync.Mutex
	customerID string
	lastSeq    map[string]int    // per conversation: newest message seq sent
	status     map[string]string // per conversation: the status last sent
	current    string            // newest conversation
	typedAt    time.Time         // the customer's last typing frame passed on (typing.go)
}

func (w *widget) connect(rw http.ResponseWriter, r *http.Request) {
	site := w.sites[r.URL.Query().Get("site")]
	switch {
	case w.srv.draining.Load():
		writeError(rw, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "server restarting; the chat reconnects by itself"))
		return
	case site == nil:
		writeError(rw, http.StatusNotFound, protocol.Errorf(protocol.CodeNotFound, "no chat site %q", r.URL.Query().Get("site")))
		return
	case !site.originAllowed(r.Header.Get("Origin")):
		writeError(rw, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden, "origin %q may not open the %s chat", r.Header.Get("Origin"), site.Key))
		return
	}
	ip := clientIP(r)
	w.mu.Lock()
	if w.perIP[ip] >= w.cfg.MaxConnsIP {
		w.mu.Unlock()
		writeError(rw, http.StatusTooManyRequests, protocol.Errorf(protocol.CodeRateLimited, "too many chat windows open from this address"))
		return
	}
	w.perIP[ip]++
	w.mu.Unlock()
	up := websocket.Upgrader{Subprotocols: []string{WidgetSubprotocol}, ReadBufferSize: 2048, WriteBufferSize: 4096,
		CheckOrigin: func(*http.Request) bool { return true }} // checked above, per site
	ws, err := up.Upgrade(rw, r, nil)
	if err != nil {
		w.mu.Lock()
		w.perIP[ip]--
		w.mu.Unlock()
		return
	}
	c := &widgetConn{w: w, ws: ws, ip: ip, site: site, log: w.srv.log.With("widget", site.Key, "remote", ip),
		limiter: newRateLimiter(w.cfg.Rate, w.cfg.Burst), events: make(chan store.Event, 512), out: make(chan []byte, 256),
		closing: make(chan struct{}), lastSeq: map[string]int{}, status: map[string]string{}}
	w.srv.conns.Add(1)
	go c.writeLoop()
	go func() {
		defer w.srv.conns.Done()
		defer w.drop(c)
		c.run(context.WithoutCancel(r.Context()))
	}()
}

// run reads the hello, sends the welcome, then handles frames until the
// window closes.
func (c *widgetConn) run(ctx context.Context) {
	defer c.shut(websocket.CloseNormalClosure, "")
	c.ws.SetReadLimit(int64(c.w.cfg.MaxTextBytes) + 16<<10)
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(60 * time.Second)) })
	hello, err := c.read()
	if err != nil || hello.Type != "hello" {
		c.shut(widgetCloseProtocol, "say hello first")
		return
	}
	if err := c.hello(ctx, hello); err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeUnauthorized {
			c.shut(widgetCloseIdentity, pe.Message)
			return
		}
		c.log.Error("widget hello", "err", err)
		c.shut(websocket.CloseInternalServerErr, "try again")
		return
	}
	go c.pump(ctx)
	for {
		c.ws.SetReadDeadline(time.Now().Add(60 * time.Second))
		in, err := c.read()
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				c.shut(widgetCloseProtocol, "frames are JSON objects")
			}
			return
		}
		if err := c.handle(ctx, in); err != nil {
			c.sendError(in.ID, err)
		}
	}
}

func (c *widgetConn) read() (widgetIn, error) {
	var in widgetIn
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return in, err
	}
	if err := protocol.UnmarshalStrict(data, &in); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return in, err
		}
		return widgetIn{Type: "invalid", ID: in.ID, Text: err.Error()}, nil
	}
	return in, nil
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// hello settles who the window speaks for and sends the welcome: the
// visitor token (new visitors get one to keep), an upload session, and
// the recent conversations.
func (c *widgetConn) hello(ctx context.Context, in widgetIn) error {
	c.lang = "en"
	if strings.HasPrefix(strings.ToLower(in.Lang), "zh") {
		c.lang = "zh"
	}
	visitor := in.Visitor
	if !strings.HasPrefix(visitor, "vt_") || len(visitor) != 35 {
		var raw [16]byte
		rand.Read(raw[:])
		visitor = "vt_" + hex.EncodeToString(raw[:])
	}
	anon := visitorIdentity(c.site.Key, visitor)
	c.id = identity{site: c.site, externalID: anon}
	if u := in.User; u != nil && u.ID != "" {
		if c.site.Secret == "" {
			c.log.Warn("widget: a page sent a signed user but the site has no secret; the visitor stays anonymous", "site", c.site.Key)
		} else if len(u.ID) > 128 || !printableNoSpace(u.ID) || !hmacEqual(u.Hash, SignUser(c.site.Secret, u.ID)) {
			return protocol.Errorf(protocol.CodeUnauthorized, "the signed identity did not verify (data-user-hash is HMAC-SHA256 of data-user-id with the site secret)")
		} else {
			c.id = identity{site: c.site, externalID: c.site.Key + ":u:" + u.ID, verified: true, name: textcut.BytesWithEllipsis(strings.TrimSpace(u.Name), 100)}
		}
	}
	cust, err := c.customer(ctx, anon)
	if err != nil {
		return err
	}
	c.w.bind(c, cust, c.id.externalID)
	c.setCustomer(cust)
	var chats []store.CustomerChat
	if cust != "" {
		// Watch what there is, then read again: whatever changed between
		// the two reads arrives as events, deduplicated by seq.
		if chats, err = c.w.srv.store.CustomerChats(ctx, cust, c.w.cfg.Channel, c.w.cfg.History, 200); err != nil {
			return err
		}
		for _, ch := range chats {
			c.w.watch(c, ch.Conversation.ID)
		}
		if chats, err = c.w.srv.store.CustomerChats(ctx, cust, c.w.cfg.Channel, c.w.cfg.History, 200); err != nil {
			return err
		}
	}
	session, err := c.w.token(ctx, sessionTTL, c.site.Key, c.id.externalID)
	if err != nil {
		return err
	}
	welcome := map[string]any{"type": "welcome", "session": session, "site": map[string]string{"key": c.site.Key, "name": c.site.Name},
		"identity": map[bool]string{true: "verified", false: "anonymous"}[c.id.verified],
		"limits": map[string]any{"max_text": c.w.cfg.MaxTextBytes, "max_file": c.w.srv.Attachments().Config().MaxBytes,
			"max_files": protocol.MaxAttachments}}
	if !c.id.verified {
		welcome["visitor"] = visitor
	}
	views := make([]widgetChat, 0, len(chats))
	resumeAt := -1 // index of the chat the window resumes, if it has it
	for i, ch := range chats {
		if in.Resume != nil && ch.Conversation.ID == in.Resume.ConversationID {
			resumeAt = i
		}
	}
	for i, ch := range chats {
		cv := c.chatView(ctx, ch)
		c.mu.Lock()
		if n := len(ch.Messages); n > 0 {
			c.lastSeq[cv.ID] = ch.Messages[n-1].Seq
		}
		c.status[cv.ID] = cv.Status + cv.Agent
		c.current = cv.ID
		c.mu.Unlock()
		switch {
		case i < resumeAt:
			cv.Messages = []widgetMessage{} // the window has them
		case i == resumeAt:
			kept := []widgetMessage{}
			for _, m := range cv.Messages {
				if m.Seq > in.Resume.Seq {
					kept = append(kept, m)
				}
			}
			cv.Messages = kept
		}
		views = append(views, cv)
	}
	welcome["chats"] = views
	welcome["resumed"] = resumeAt >= 0
	return c.sendJSON(welcome)
}

// customer finds (or links) the customer record of the window's identity;
// "" for a visitor who has not written yet. A visitor who logs in brings
// the anonymous chat along: the user identity is linked to the visitor's
// customer when the user has none of their own.
func (c *widgetConn) customer(ctx context.Context, anon string) (string, error) {
	st := c.w.srv.store
	own, err := st.CustomerByIdentity(ctx, store.Identity{Channel: c.w.cfg.Channel, ExternalID: c.id.externalID})
	if err == nil {
		return own.ID, nil
	}
	if protocol.CodeOf(err) != protocol.CodeNotFound {
		return "", err
	}
	if !c.id.verified {
		return "", nil
	}
	prev, err := st.CustomerByIdentity(ctx, store.Identity{Channel: c.w.cfg.Channel, ExternalID: anon})
	if protocol.CodeOf(err) == protocol.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	err = st.Update(ctx, func(tx *store.Tx) error {
		_, _, err := tx.UpsertCustomer(store.NewCustomer{Name: prev.Name}, []store.Identity{
			{Channel: c.w.cfg.Channel, ExternalID: anon}, {Channel: c.w.cfg.Channel, ExternalID: c.id.externalID}})
		return err
	})
	return prev.ID, err
}

func (c *widgetConn) setCustomer(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != "" {
		c.customerID = id
	}
}

func (c *widgetConn) customerIDNow() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.customerID
}

// handle answers one frame after the hello.
func (c *widgetConn) handle(ctx context.Context, in widgetIn) error {
	switch in.Type {
	case "send":
		return c.send(ctx, in)
	case "human":
		return c.askForPerson(ctx, in)
	case "csat":
		return c.rate(ctx, in)
	case "seen":
		return c.seen(ctx, in)
	case "typing":
		return c.typing(ctx, in) // typing.go
	case "invalid":
		return protocol.Errorf(protocol.CodeInvalid, "bad frame: %s", in.Text)
	}
	return protocol.Errorf(protocol.CodeInvalid, "unknown frame type %q", textcut.BytesWithEllipsis(in.Type, 40))
}

// send posts the customer's message through the same ingest path as the
// HTTP API: rules, bot, idempotency. The window's id for the message makes
// a resend after a reconnect a duplicate, not a second message.
func (c *widgetConn) send(ctx context.Context, in widgetIn) error {
	if !c.limiter.allow(time.Now()) {
		return &widgetLimited{wait: max(c.limiter.wait(), time.Millisecond)}
	}
	if !clientIDPattern.MatchString(in.ID) {
		return protocol.Errorf(protocol.CodeInvalid, "field \"id\" must be 1–64 letters, digits, - or _")
	}
	if len(in.Text) > c.w.cfg.MaxTextBytes {
		return protocol.Errorf(protocol.CodeInvalid, "message is %d bytes; at most %d", len(in.Text), c.w.cfg.MaxTextBytes)
	}
	sum := sha256.Sum256([]byte(c.id.externalID))
	req := messageReq{APIMessageReq: protocol.APIMessageReq{MessageID: "w-" + hex.EncodeToString(sum[:6]) + "-" + in.ID,
		Channel: c.w.cfg.Channel, ExternalID: c.id.externalID, CustomerName: c.displayName(), Language: c.lang, Text: in.Text,
		Attachments: in.Attachments}, owner: widgetOwner(c.id.externalID)}
	if err := c.w.srv.ch.validateMessage(&req); err != nil {
		return err
	}
	a := c.w.srv.ch.rules.assess(req.Text, c.w.srv.ch.cfg.Sentiment) // outside the write path
	var ans protocol.APIMessageAnswer
	_, err := c.w.srv.store.Apply(ctx, store.System, "", func(tx *store.Tx) (any, error) {
		var err error
		if ans, err = c.w.srv.ch.addMessage(tx, req, &a); err != nil {
			return nil, err
		}
		// Registered before the commit publishes the events: the bot's
		// answer to a new conversation cannot slip past this window.
		c.w.watch(c, ans.Conversation.ID)
		c.w.bind(c, ans.Conversation.CustomerID, c.id.externalID)
		return nil, nil
	})
	if err != nil {
		return err
	}
	c.setCustomer(ans.Conversation.CustomerID)
	c.mu.Lock()
	c.current = ans.Conversation.ID
	c.mu.Unlock()
	return c.sendJSON(map[string]any{"type": "ack", "id": in.ID, "message": c.messageView(ctx, ans.Message),
		"status": customerStatus(ans.Conversation.Status), "duplicate": ans.Duplicate})
}

func (c *widgetConn) displayName() string {
	if c.id.name != "" {
		return c.id.name
	}
	if c.id.verified {
		return strings.TrimPrefix(c.id.externalID, c.site.Key+":u:")
	}
	tail := c.id.externalID[len(c.id.externalID)-4:]
	if c.lang == "zh" {
		return "访客 " + tail
	}
	return "Visitor " + tail
}

// own loads a conversation of this window's customer.
func (c *widgetConn) own(tx *store.Tx, convID string) (protocol.Conversation, error) {
	conv, err := tx.Conversation(convID)
	if err != nil || conv.CustomerID != c.customerIDNow() || conv.Channel != c.w.cfg.Channel {
		return conv, protocol.Errorf(protocol.CodeNotFound, "no conversation %s in this chat", textcut.BytesWithEllipsis(convID, 40))
	}
	return conv, nil
}

// askForPerson is the window's "talk to a person" button: the current chat
// goes to people at once, as if the customer had typed 转人工.
func (c *widgetConn) askForPerson(ctx context.Context, in widgetIn) error {
	c.mu.Lock()
	convID := c.current
	c.mu.Unlock()
	if convID == "" {
		return protocol.Errorf(protocol.CodeConflict, "write your question first")
	}
	_, err := c.w.srv.store.Apply(ctx, store.System, "", func(tx *store.Tx) (any, error) {
		conv, err := c.own(tx, convID)
		if err != nil {
			return nil, err
		}
		if conv.Status != protocol.ConvBot {
			return nil, nil // already with people (or resolved: the next message opens a new chat)
		}
		e := protocol.Escalation{Reason: protocol.ReasonAsksForHuman, Evidence: "asked for a person with the chat window's button",
			Facts: &protocol.EvidenceFacts{Kind: protocol.EvidenceWidgetButton}}
		_, err = c.w.srv.ch.escalate(tx, conv, e, []protocol.Flag{protocol.FlagAsksForHuman}, "", 0)
		return nil, err
	})
	if err != nil {
		return err
	}
	return c.sendJSON(map[string]any{"type": "ack", "id": in.ID})
}

func (c *widgetConn) rate(ctx context.Context, in widgetIn) error {
	if in.Score < 1 || in.Score > 5 {
		return protocol.Errorf(protocol.CodeInvalid, "field \"score\" must be 1 to 5")
	}
	if len(in.Comment) > 2000 {
		return protocol.Errorf(protocol.CodeInvalid, "comment is %d bytes; at most 2000", len(in.Comment))
	}
	_, err := c.w.srv.store.Apply(ctx, store.System, "", func(tx *store.Tx) (any, error) {
		if _, err := c.own(tx, in.ConversationID); err != nil {
			return nil, err
		}
		_, err := tx.RecordCSAT(in.ConversationID, in.Score, in.Comment)
		return nil, err
	})
	if err != nil {
		return err
	}
	return c.sendJSON(map[string]any{"type": "ack", "id": in.ID, "conversation_id": in.ConversationID})
}

// seen marks agents' replies the window has shown as delivered.
func (c *widgetConn) seen(ctx context.Context, in widgetIn) error {
	return c.w.srv.store.Update(ctx, func(tx *store.Tx) error {
		if _, err := c.own(tx, in.ConversationID); err != nil {
			return err
		}
		return tx.MarkSeen(in.ConversationID, in.Seq)
	})
}

func printableNoSpace(s string) bool { return checkID("id", s, 1<<20) == nil }

func hmacEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(b)) == 1
}
