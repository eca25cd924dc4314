// Package server is the agentdesk conversation backend: the websocket API
// the desks use, health and readiness endpoints, the hub that fans events
// out to desks, and the background work (snooze timers, housekeeping). State
// lives in server/store.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Config configures a Server. Zero values take the defaults in brackets.
type Config struct {
	Version        string   // reported in the welcome frame
	AllowedOrigins []string // extra browser origins allowed to open the websocket
	SendBuffer     int      // frames queued per desk before it counts as slow [512]
	// SendBufferBytes bounds the bytes queued per desk as well; a desk
	// past either bound is a slow consumer (close 4008) [4 MiB].
	SendBufferBytes int
	RateLimit       float64       // requests per second per desk; negative = unlimited [50]
	RateBurst       int           // burst of requests [100]
	DesksPerToken   int           // websocket connections one token may hold open [8]
	TextPerHour     int           // bytes of mutating requests per token per hour, also the burst; negative = unlimited [4 MiB]
	PingInterval    time.Duration // [20s]
	PongWait        time.Duration // silence after which a desk is dropped [60s]
	WriteWait       time.Duration // [10s]
	FlushInterval   time.Duration // pause after each write to a desk; 0 or negative = none: write at once, batch what queued meanwhile [none]
	MaxReplay       int64         // events a resuming desk may replay before it gets a snapshot [100000]
	DrainTimeout    time.Duration // graceful shutdown budget [10s]
	// PresenceGrace is how long an agent whose last desk closed still
	// shows their status before showing offline (presence.go) [10s].
	PresenceGrace  time.Duration
	IdleTimeout    time.Duration // an idle keep-alive HTTP connection is closed [2m]
	BodyTimeout    time.Duration // reading one HTTP request's body (not websockets) [30s]
	ConnsPerIP     int           // open connections from one address; negative = unlimited [1000]
	Copilot        Copilot       // enriches escalated conversations; nil = no insights or drafts
	CopilotWorkers int           // concurrent enrichments [2]
	CopilotTimeout time.Duration // one insight + draft [60s]
	Logger         *slog.Logger
	Channels       ChannelsConfig // HTTP API for channels and bots, escalation rules, SLA, webhooks (api.go)
	Routing        Routing        // auto-assignment and the return timer (routing.go); zero = agents pull
	Bot            BotConfig      // the front-line bot (bot.go); off unless Enabled
	Widget         WidgetConfig   // the web chat widget (widget.go); off without sites
	// KBWriteDir is the knowledge-base folder trainers' promoted replies are
	// written to (under promoted/, pending review); empty = promote to the
	// KB is unavailable. See review.go.
	KBWriteDir string
	// Attachments limits uploaded files (attachments.go).
	Attachments AttachmentConfig
}

func (c *Config) defaults() {
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = 512
	}
	if c.RateLimit == 0 {
		c.RateLimit = 50
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 100
	}
	if c.DesksPerToken <= 0 {
		c.DesksPerToken = defaultDesksPerToken
	}
	if c.TextPerHour == 0 {
		c.TextPerHour = defaultTextPerHour
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PongWait <= 0 {
		c.PongWait = 60 * time.Second
	}
	if c.WriteWait <= 0 {
		c.WriteWait = 10 * time.Second
	}
	if c.SendBufferBytes <= 0 {
		c.SendBufferBytes = 4 << 20 // room for a full reply page (protocol.MaxReplyBytes) and events behind it
	}
	if c.MaxReplay <= 0 {
		c.MaxReplay = 100_000
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.PresenceGrace <= 0 {
		c.PresenceGrace = defaultPresenceGrace
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = defaultBodyTimeout
	}
	if c.ConnsPerIP == 0 {
		c.ConnsPerIP = defaultConnsPerIP
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.CopilotWorkers <= 0 {
		c.CopilotWorkers = 2
	}
	if c.CopilotTimeout <= 0 {
		c.CopilotTimeout = 60 * time.Second
	}
}

// Server is the backend. Create with New, run with Serve.
type Server struct {
	cfg      Config
	store    *store.Store
	hub      *hub
	log      *slog.Logger
	upgrader websocket.Upgrader
	mux      *http.ServeMux
	draining atomic.Bool
	conns    sync.WaitGroup
	enricher *enricher // nil without a copilot
	ch       *channels
	router   *router
	bot      *bot        // nil when the front-line bot is off
	botModes sync.Map    // channel → BotMode (bot_mail.go)
	widget   *widget     // nil without widget sites
	presence *presence   // who has which conversation open (team.go)
	floor    *floor      // team_stats pushes and queue samples (team.go)
	metrics  *metrics    // /metrics (metrics.go)
	drafts   draftMarks  // replicas: finished generations (replicas.go)
	relayq   chan []byte // replicas: viewer changes to send, in order (replicas.go)
	att      *Attachments
	heavy    *heavyReads // concurrent transcript/review/export reads per agent (transcript.go)
	tokens   tokenTable  // per-token limits across connections (limits.go)
	regen    regenQuota  // regenerate per agent and conversation (limits.go)
	// diskFullAt is when a write last failed for want of space (httplimits.go).
	diskFullAt atomic.Int64
}

// New builds a server on a store and registers as the store's publisher.
func New(st *store.Store, cfg Config) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, store: st, hub: newHub(), log: cfg.Logger, heavy: newHeavyReads()}
	s.upgrader = websocket.Upgrader{
		Subprotocols:      []string{protocol.Subprotocol, protocol.SubprotocolV1},
		CheckOrigin:       s.checkOrigin,
		ReadBufferSize:    1024, // requests are small; a larger frame is read in pieces (idle desks hold this)
		WriteBufferSize:   4096,
		WriteBufferPool:   &sync.Pool{},
		EnableCompression: false,
	}
	if iw, ok := cfg.Copilot.(intentWorder); ok {
		st.SetIntentWords(iw.IntentWords)
	}
	if cfg.Copilot != nil {
		s.enricher = newEnricher(st, cfg.Copilot, cfg.Logger, cfg.CopilotTimeout)
		s.enricher.deltas = s.publishDelta
	}
	cfg.Attachments.defaults()
	s.att = &Attachments{srv: s, cfg: cfg.Attachments}
	s.ch = newChannels(s, cfg.Channels)
	if cfg.Bot.Enabled {
		if cfg.Bot.Answerer == nil {
			cfg.Bot.Answerer, _ = cfg.Copilot.(Answerer)
		}
		if cfg.Bot.Answerer != nil {
			s.bot = newBot(s, cfg.Bot)
		} else {
			s.log.Error("the front-line bot needs a copilot that can answer from the knowledge base; the bot is off")
		}
	}
	s.router = newRouter(s, cfg.Routing)
	s.presence = newPresence(s.hub)
	s.floor = newFloor(s)
	s.metrics = newMetrics(s)
	s.hub.observe = s.metrics.observeFanout
	if s.enricher != nil {
		s.enricher.observe = s.metrics.observeCopilot
	}
	if st.Postgres() {
		s.hub.presence = st.SetPresentAgents
		s.relayq = make(chan []byte, 1024)
		st.SetBroadcastHandler(s.relayed)
		s.presence.relay = s.relayViewers
	}
	st.SetPublisher(s.publish)
	s.mux = http.NewServeMux()
	s.ch.routes(s.mux)
	s.att.routes(s.mux)
	if len(cfg.Widget.Sites) > 0 {
		s.widget = newWidget(s, cfg.Widget)
		s.widget.routes(s.mux)
		s.AddSender(s.widget.cfg.Channel, s.widget) // replies on the widget's channel go to its windows
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /v1/desk", s.desk)
	s.mux.Handle("GET /metrics", s.metrics)
	return s
}

// publish receives committed events from the store, in seq order.
func (s *Server) publish(events []store.Event) {
	if s.store.Postgres() {
		s.drafts.observe(events, func() { s.hub.publish(events) })
	} else {
		s.hub.publish(events)
	}
	s.ch.observe(events)
	if s.bot != nil {
		s.bot.notice(events)
	}
	if s.widget != nil {
		s.widget.publish(events)
	}
	if s.enricher != nil {
		s.enricher.notice(events)
	}
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Store is the server's store.
func (s *Server) Store() *store.Store { return s.store }

// Connections is the number of connected desks.
func (s *Server) Connections() int { return s.hub.count() }

// Serve accepts connections on ln until ctx is done, then shuts down
// gracefully: it stops accepting, tells every desk it is going away after
// flushing what was queued for it, and waits for in-flight requests.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config) error {
	hs := &http.Server{
		Handler:           withReadDeadline(s.mux, s.cfg.BodyTimeout), // httplimits.go
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if s.cfg.ConnsPerIP > 0 {
		ln = newIPLimitListener(ln, s.cfg.ConnsPerIP)
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	ln = corkListener{ln}
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go s.background(bg)
	go s.router.run(bg)
	go s.pinger(bg)
	go s.runPresence(bg)
	go s.floor.run(bg)
	defer s.ch.start(bg)() // SLA check and outbound webhooks; waits for deliveries in flight
	if s.enricher != nil {
		go s.enricher.run(bg, s.cfg.CopilotWorkers)
	}
	if s.bot != nil {
		go s.bot.run(bg)
	}
	if s.store.Postgres() {
		go s.runRelay(bg)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(hs)
}

func (s *Server) shutdown(hs *http.Server) error {
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.DrainTimeout)
	defer cancel()
	err := hs.Shutdown(sctx) // hijacked websockets are not tracked by net/http
	s.hub.each(func(c *conn) { c.shut(protocol.CloseGoingAway, "server shutting down") })
	if s.widget != nil {
		s.widget.each(func(c *widgetConn) { c.shut(protocol.CloseGoingAway, "server restarting; reconnecting") })
	}
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		s.log.Warn("shutdown: desks still connected after drain timeout", "count", s.hub.count())
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// background runs timers: snoozed conversations wake, old idempotency
// records are pruned.
func (s *Server) background(ctx context.Context) {
	wake := time.NewTicker(5 * time.Second)
	defer wake.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake.C:
			if err := s.store.Update(ctx, func(tx *store.Tx) error { _, err := tx.WakeDue(); return err }); err != nil && ctx.Err() == nil {
				s.log.Error("wake snoozed conversations", "err", err)
			}
		case <-prune.C:
			if _, err := s.store.PruneRequests(ctx, 7*24*time.Hour); err != nil && ctx.Err() == nil {
				s.log.Error("prune request log", "err", err)
			}
			if err := s.att.pruneUnsent(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("prune unsent attachments", "err", err)
			}
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "shutting down"))
		return
	}
	if s.storageFull() {
		writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "storage full: writes are refused"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		// The cause (host, user, database) goes to the log, not to whoever
		// asks: the probe needs no token.
		s.log.Warn("readyz: database unreachable", "err", err)
		writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "database unreachable"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "desks": s.hub.count(), "seq": s.hub.lastSeq.Load()})
}

// checkOrigin allows non-browser clients (no Origin), same-host origins and
// configured ones.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range s.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}

// bearer extracts the token from the Authorization header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// desk upgrades an authenticated request to the desk websocket.
func (s *Server) desk(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, protocol.Errorf(protocol.CodeUnavailable, "server shutting down; reconnect shortly"))
		return
	}
	token := bearer(r)
	if token == "" {
		writeError(w, http.StatusUnauthorized, protocol.Errorf(protocol.CodeUnauthorized, "missing bearer token"))
		return
	}
	agent, tokenID, err := s.store.Authenticate(r.Context(), token)
	if err != nil {
		if protocol.CodeOf(err) == protocol.CodeUnauthorized {
			writeError(w, http.StatusUnauthorized, err)
			return
		}
		if protocol.CodeOf(err) == protocol.CodeForbidden { // an integration token
			writeError(w, http.StatusForbidden, err)
			return
		}
		s.log.Error("authenticate", "err", err)
		writeError(w, http.StatusInternalServerError, protocol.Errorf(protocol.CodeInternal, "internal error"))
		return
	}
	if !s.checkOrigin(r) {
		writeError(w, http.StatusForbidden, protocol.Errorf(protocol.CodeForbidden, "origin %q is not allowed", r.Header.Get("Origin")))
		return
	}
	if !offersSubprotocol(r) {
		writeError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeInvalid, "offer the websocket subprotocol %s", protocol.Subprotocol))
		return
	}
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		since, err = strconv.ParseInt(v, 10, 64)
		if err != nil || since < 0 {
			writeError(w, http.StatusBadRequest, protocol.Errorf(protocol.CodeInvalid, "query parameter since must be a non-negative integer"))
			return
		}
	}
	tok, err := s.openToken(tokenID)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusTooManyRequests, err)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.closeToken(tok)
		return // the upgrader has answered
	}
	c := newConn(context.WithoutCancel(r.Context()), s, ws, agent, tokenID)
	c.tok = tok
	s.conns.Add(1)
	s.hub.add(c)
	s.router.nudge() // an online agent may be reachable now
	ctx := c.ctx
	go func() {
		defer s.conns.Done()
		defer s.closeToken(tok)
		defer s.hub.remove(c)
		defer s.presence.drop(c)
		s.deskConnected(ctx, c)
		if err := c.start(ctx, since); err != nil && !errors.Is(err, errClosed) {
			c.logger().Error("start desk stream", "err", err)
			c.shut(websocket.CloseInternalServerErr, "internal error")
		} else if err == nil {
			s.presence.greet(c)
		}
		c.readLoop(ctx)
		<-c.done
	}()
}

func offersSubprotocol(r *http.Request) bool {
	for _, p := range websocket.Subprotocols(r) {
		if p == protocol.Subprotocol || p == protocol.SubprotocolV1 {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers an HTTP request with err in the one error shape of
// every endpoint (protocol.APIError; attachments_http.go writes it).
func writeError(w http.ResponseWriter, status int, err error) {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		pe = protocol.Errorf(protocol.CodeInternal, "internal error")
	}
	writeAPIError(w, &protocol.APIError{Status: status, Code: pe.Code, Message: pe.Message})
}
