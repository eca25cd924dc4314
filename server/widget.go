package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The web chat widget: an embeddable script (GET /widget.js), a customer
// websocket per site (GET /v1/widget/ws), and uploads and downloads of the
// customer's files. docs/channels.md ("Web chat widget") is the user's
// guide; the frames are in widget_conn.go.

//go:embed widget/widget.js
var widgetJS []byte

// WidgetConfig configures the widget. Zero values take the defaults in
// brackets; no sites means no widget.
type WidgetConfig struct {
	Sites        []WidgetSite
	Channel      string  // channel of widget conversations [WidgetChannel]
	Rate         float64 // messages a second per chat window [1]
	Burst        int     // [5]
	MaxTextBytes int     // longest customer message [4000]
	MaxConnsIP   int     // chat windows open at once per client address [20]
	History      int     // past conversations shown on load [5]
	// TypingEvery is the shortest gap between two typing frames of a
	// window passed on to desks [protocol.CustomerTypingEvery].
	TypingEvery time.Duration
}

// WidgetSite is one site that embeds the widget.
type WidgetSite struct {
	Key     string   // data-site in the script tag
	Name    string   // the chat window's title
	Origins []string // page origins allowed to open the chat ("*": any)
	// Secret signs logged-in users' ids (HMAC-SHA256, hex): with it a page
	// may pass data-user-id and data-user-hash and the chat is the user's
	// across devices; without it every visitor is anonymous.
	Secret string
}

// WidgetChannel is the channel of widget conversations by default. With the
// widget on, the server delivers that channel's replies to the chat windows
// (not to a webhook): other integrations should post on another channel.
const WidgetChannel = "web"

func (c *WidgetConfig) defaults() {
	if c.Channel == "" {
		c.Channel = WidgetChannel
	}
	if c.Rate <= 0 {
		c.Rate = 1
	}
	if c.Burst <= 0 {
		c.Burst = 5
	}
	if c.MaxTextBytes <= 0 {
		c.MaxTextBytes = 4000
	}
	if c.MaxConnsIP <= 0 {
		c.MaxConnsIP = 20
	}
	if c.History <= 0 {
		c.History = 5
	}
	if c.TypingEvery <= 0 {
		c.TypingEvery = protocol.CustomerTypingEvery
	}
}

// widget is the server's side of the web chat widget: its routes, the
// chat windows connected, and which conversations each one shows.
type widget struct {
	srv   *Server
	cfg   WidgetConfig
	sites map[string]*WidgetSite

	keyOnce sync.Once
	key     []byte // signs session and download tokens (store.Secret)
	keyErr  error

	mu         sync.RWMutex
	byConv     map[string]map[*widgetConn]struct{}
	byCustomer map[string]map[*widgetConn]struct{}
	pending    map[string]map[*widgetConn]struct{} // by identity: visitors with no customer yet
	perIP      map[string]int
}

func newWidget(s *Server, cfg WidgetConfig) *widget {
	cfg.defaults()
	w := &widget{srv: s, cfg: cfg, sites: map[string]*WidgetSite{},
		byConv: map[string]map[*widgetConn]struct{}{}, byCustomer: map[string]map[*widgetConn]struct{}{},
		pending: map[string]map[*widgetConn]struct{}{}, perIP: map[string]int{}}
	for i := range cfg.Sites {
		site := &cfg.Sites[i]
		if site.Name == "" {
			site.Name = site.Key
		}
		w.sites[site.Key] = site
	}
	return w
}

func (w *widget) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /widget.js", w.script)
	mux.HandleFunc("GET /v1/widget/ws", w.connect)
	mux.HandleFunc("OPTIONS /v1/widget/attachments", w.preflight)
	mux.HandleFunc("POST /v1/widget/attachments", w.upload)
	mux.HandleFunc("GET /v1/widget/attachments/{id}", w.download)
}

func (w *widget) script(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	sum := sha256.Sum256(widgetJS)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	rw.Write(widgetJS)
}

// originAllowed reports whether a page origin may open site's chat.
func (site *WidgetSite) originAllowed(origin string) bool {
	if origin == "" {
		return false // browsers always send it on websockets and CORS requests
	}
	for _, o := range site.Origins {
		if o == "*" || strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}

// clientIP is the connecting address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ---- identity ----

// identity is who a chat window speaks for: an anonymous visitor (a random
// token the page keeps in a first-party cookie) or a user the site signed.
type identity struct {
	site       *WidgetSite
	externalID string // the customer's identity on the widget channel
	verified   bool
	name       string
}

// visitorIdentity is the identity of an anonymous visitor token. Only a hash
// of the token is stored, so the id agents see cannot open the chat.
func visitorIdentity(site, token string) string {
	sum := sha256.Sum256([]byte("visitor\x00" + site + "\x00" + token))
	return site + ":v:" + hex.EncodeToString(sum[:16])
}

// SignUser is the hash a site's backend puts in data-user-hash: hex
// HMAC-SHA256 of the user id with the site's secret.
func SignUser(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}

// ---- tokens ----

// signingKey is the server-wide key of widget tokens, shared by replicas.
func (w *widget) signingKey(ctx context.Context) ([]byte, error) {
	w.keyOnce.Do(func() { w.key, w.keyErr = w.srv.store.Secret(ctx, "widget") })
	return w.key, w.keyErr
}

// token signs fields with an expiry: base64url(fields…|exp).base64url(mac).
func (w *widget) token(ctx context.Context, ttl time.Duration, fields ...string) (string, error) {
	key, err := w.signingKey(ctx)
	if err != nil {
		return "", err
	}
	body := strings.Join(append(fields, strconv.FormatInt(time.Now().Add(ttl).Unix(), 10)), "\x1f")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString([]byte(body)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// checkToken returns the fields of a valid, unexpired token.
func (w *widget) checkToken(ctx context.Context, tok string, n int) ([]string, bool) {
	key, err := w.signingKey(ctx)
	if err != nil {
		return nil, false
	}
	b64, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, false
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	want := hmac.New(sha256.New, key)
	want.Write(body)
	if !hmac.Equal(mac, want.Sum(nil)) {
		return nil, false
	}
	fields := strings.Split(string(body), "\x1f")
	if len(fields) != n+1 {
		return nil, false
	}
	exp, err := strconv.ParseInt(fields[n], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return nil, false
	}
	return fields[:n], true
}

const (
	sessionTTL  = 12 * time.Hour
	downloadTTL = 12 * time.Hour
)

// ---- uploads and downloads ----

// cors answers a browser on a site's page: the origin is echoed only when
// the site allows it.
func (w *widget) cors(rw http.ResponseWriter, r *http.Request, site *WidgetSite) bool {
	origin := r.Header.Get("Origin")
	rw.Header().Add("Vary", "Origin")
	if site == nil || !site.originAllowed(origin) {
		return false
	}
	rw.Header().Set("Access-Control-Allow-Origin", origin)
	return true
}

func (w *widget) preflight(rw http.ResponseWriter, r *http.Request) {
	site := w.sites[r.URL.Query().Get("site")]
	if !w.cors(rw, r, site) {
		rw.WriteHeader(http.StatusForbidden)
		return
	}
	h := rw.Header()
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-File-Name")
	h.Set("Access-Control-Max-Age", "600")
	rw.WriteHeader(http.StatusNoContent)
}

// upload stores a file a customer attaches in the chat window. The session
// token from the welcome frame says whose it is; the file can then be sent
// only by that customer's window.
func (w *widget) upload(rw http.ResponseWriter, r *http.Request) {
	site := w.sites[r.URL.Query().Get("site")]
	w.cors(rw, r, site)
	if site == nil || !site.originAllowed(r.Header.Get("Origin")) {
		writeAPIError(rw, &protocol.APIError{Status: http.StatusForbidden, Code: protocol.CodeForbidden, Field: "Origin", Message: "this page may not use the chat"})
		return
	}
	fields, ok := w.checkToken(r.Context(), bearer(r), 2)
	if !ok || fields[0] != site.Key {
		writeAPIError(rw, &protocol.APIError{Status: http.StatusUnauthorized, Code: protocol.CodeUnauthorized, Field: "Authorization", Message: "chat session expired; reload the page"})
		return
	}
	w.srv.Attachments().accept(rw, r, widgetOwner(fields[1]), store.SourceWidget)
}

// widgetOwner is the uploader of a widget customer's files.
func widgetOwner(externalID string) string { return "widget:" + externalID }

// download serves a file of a message the customer was shown, by the
// signed link in that message.
func (w *widget) download(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	fields, ok := w.checkToken(r.Context(), r.URL.Query().Get("t"), 2)
	if !ok || fields[0] != "file" || fields[1] != id {
		writeAPIError(rw, &protocol.APIError{Status: http.StatusForbidden, Code: protocol.CodeForbidden, Field: "t", Message: "link expired; reopen the chat"})
		return
	}
	w.srv.Attachments().ServeAttachment(rw, r, id)
}

// ---- fan-out to chat windows ----

// watch registers a window for a conversation's events.
func (w *widget) watch(c *widgetConn, convID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	add(w.byConv, convID, c)
}

// bind registers a window for its customer (and, while the visitor has no
// customer record yet, for its identity).
func (w *widget) bind(c *widgetConn, customerID, externalID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if customerID == "" {
		add(w.pending, externalID, c)
		return
	}
	add(w.byCustomer, customerID, c)
	// Other windows of the same new visitor learn their customer now.
	for o := range w.pending[externalID] {
		o.setCustomer(customerID)
		add(w.byCustomer, customerID, o)
	}
	delete(w.pending, externalID)
}

// each calls fn for every open chat window.
func (w *widget) each(fn func(*widgetConn)) {
	w.mu.RLock()
	seen := map[*widgetConn]bool{}
	for _, m := range []map[string]map[*widgetConn]struct{}{w.byCustomer, w.pending} {
		for _, set := range m {
			for c := range set {
				seen[c] = true
			}
		}
	}
	w.mu.RUnlock()
	for c := range seen {
		fn(c)
	}
}

func (w *widget) drop(c *widgetConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range []map[string]map[*widgetConn]struct{}{w.byConv, w.byCustomer, w.pending} {
		for k, set := range m {
			delete(set, c)
			if len(set) == 0 {
				delete(m, k)
			}
		}
	}
	if w.perIP[c.ip]--; w.perIP[c.ip] <= 0 {
		delete(w.perIP, c.ip)
	}
}

func add(m map[string]map[*widgetConn]struct{}, key string, c *widgetConn) {
	set := m[key]
	if set == nil {
		set = map[*widgetConn]struct{}{}
		m[key] = set
	}
	set[c] = struct{}{}
}

// publish offers committed events to the windows showing their
// conversations (called in seq order; never blocks). Only events of watched
// conversations, and conversation creations of connected customers, are
// decoded at all.
func (w *widget) publish(events []store.Event) {
	w.mu.RLock()
	if len(w.byConv) == 0 && len(w.byCustomer) == 0 {
		w.mu.RUnlock()
		return
	}
	var fresh []protocol.Conversation
	for i := range events {
		ev := &events[i]
		conns := w.byConv[ev.ConversationID]
		if ev.Kind == protocol.EvConversation && ev.Detail == protocol.CauseCreated && len(w.byCustomer) > 0 {
			var ce protocol.ConversationEvent
			if decodeEvent(ev, &ce) && len(w.byCustomer[ce.Conversation.CustomerID]) > 0 && ce.Conversation.Channel == w.cfg.Channel {
				fresh = append(fresh, ce.Conversation)
				conns = w.byCustomer[ce.Conversation.CustomerID]
			}
		}
		for c := range conns {
			c.offer(ev)
		}
	}
	w.mu.RUnlock()
	for _, cv := range fresh { // a conversation another window of theirs opened
		w.mu.Lock()
		for c := range w.byCustomer[cv.CustomerID] {
			add(w.byConv, cv.ID, c)
		}
		w.mu.Unlock()
	}
}

// decodeEvent reads the payload of a committed event's frame.
func decodeEvent(ev *store.Event, v any) bool {
	f, err := protocol.DecodeFrame(ev.Frame)
	return err == nil && json.Unmarshal(f.Data, v) == nil
}

// typing answers a desk's typing request: the windows of the conversation
// are told the agent is writing. Only the conversation's assignee, or a
// lead or admin, may say so; a server without the widget tells nobody.
func (c *conn) typing(ctx context.Context, r protocol.TypingReq) (protocol.TypingAck, error) {
	conv, err := c.srv.store.Conversation(ctx, r.ConversationID)
	if err != nil {
		return protocol.TypingAck{}, err
	}
	if conv.Assignee != c.actor.ID && !c.actor.Privileged() {
		return protocol.TypingAck{}, protocol.Errorf(protocol.CodeForbidden, "conversation %s is not yours", r.ConversationID)
	}
	n := 0
	if w := c.srv.widget; w != nil {
		frame, err := json.Marshal(map[string]any{"type": "typing", "conversation_id": r.ConversationID, "name": c.agent.Name})
		if err != nil {
			return protocol.TypingAck{}, err
		}
		w.mu.RLock()
		for wc := range w.byConv[r.ConversationID] {
			wc.sendEphemeral(frame)
			n++
		}
		w.mu.RUnlock()
	}
	return protocol.TypingAck{Windows: n}, nil
}

// agentName is the display name an agent id shows to customers.
func (w *widget) agentName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	a, err := w.srv.store.Agent(ctx, id)
	if err != nil || a.Name == "" {
		return id
	}
	return a.Name
}

// Deliver is the widget's side of the reply outbox (a Sender for its
// channel): a reply is delivered when a chat window of its customer is
// open, which the event stream has already handed it to; otherwise it is
// retried with the outbox's backoff. A window that shows a reply marks it
// delivered whatever the outbox's state (seen frames, store.MarkSeen).
func (w *widget) Deliver(ctx context.Context, r Reply) error {
	w.mu.RLock()
	n := len(w.byCustomer[r.CustomerID])
	w.mu.RUnlock()
	if n == 0 {
		return fmt.Errorf("the customer has no chat window open; the reply shows when they open one")
	}
	return nil
}

// SnippetFor is the script tag a site pastes into its pages.
func SnippetFor(baseURL, siteKey string) string {
	return fmt.Sprintf(`<script src="%s/widget.js" data-site="%s" async></script>`, strings.TrimRight(baseURL, "/"), siteKey)
}
