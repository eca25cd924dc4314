package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// ChannelsConfig configures the HTTP API for channels and bots (/v1/api/…),
// the escalation rules, priority and SLA, and outbound webhooks. Zero values
// take the defaults in brackets. docs/api/README.md is the user's guide.
type ChannelsConfig struct {
	Channels     []string      // accepted channel names [DefaultChannels]
	RateLimit    float64       // requests per second per integration token; negative = unlimited [20]
	RateBurst    int           // [40]
	MaxBodyBytes int64         // largest request body [256 KiB]
	Rules        *Rules        // escalation rules [DefaultRules()]
	Sentiment    SentimentFunc // reads customer messages for the rules [the Copilot's Analyze, else copilot.Analyze]
	SLA          []SLATarget   // first-response targets per priority band [DefaultSLA()]
	SLACheck     time.Duration // how often breaches are looked for [10s]
	// Webhooks maps a channel to the receiver of agent replies on it; the key
	// "*" serves every channel without its own. Replies on a channel with no
	// receiver stay pending until one is configured.
	Webhooks map[string]Webhook
	Outbound OutboundConfig
}

// DefaultChannels are the channel names accepted when none are configured.
var DefaultChannels = []string{"web", "app", "wechat", "wecom", "whatsapp", "email", "sms", "line", "telegram", "messenger", "voice"}

func (c *ChannelsConfig) defaults() {
	if len(c.Channels) == 0 {
		c.Channels = DefaultChannels
	}
	if c.RateLimit == 0 {
		c.RateLimit = 20
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 40
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = protocol.MaxFrameBytes
	}
	if c.Rules == nil {
		r := DefaultRules()
		c.Rules = &r
	}
	if len(c.SLA) == 0 {
		c.SLA = DefaultSLA()
	}
	if c.SLACheck <= 0 {
		c.SLACheck = 10 * time.Second
	}
	c.Outbound.defaults()
}

// channels is the server's side of channels and bots: the HTTP API, the
// rules, the SLA check and the outbound webhook worker.
type channels struct {
	srv    *Server
	cfg    ChannelsConfig
	rules  *Rules
	states *ruleStates // the rules' running state per conversation (rulestate.go)
	sla    []SLATarget
	out    *outbound

	mu       sync.Mutex
	limiters map[string]*rateLimiter // per token id
}

func newChannels(s *Server, cfg ChannelsConfig) *channels {
	cfg.defaults()
	if cfg.Sentiment == nil {
		cfg.Sentiment = analyserOf(s.cfg.Copilot)
	}
	ch := &channels{srv: s, cfg: cfg, rules: cfg.Rules, states: newRuleStates(maxRuleStates),
		sla: sortSLA(cfg.SLA), limiters: map[string]*rateLimiter{}}
	ch.out = newOutbound(s, cfg.Webhooks, cfg.Outbound)
	return ch
}

func (ch *channels) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/api/customers", ch.api(ch.postCustomer))
	mux.HandleFunc("GET /v1/api/customers", ch.api(ch.findCustomer))
	mux.HandleFunc("GET /v1/api/customers/{id}", ch.api(ch.getCustomer))
	mux.HandleFunc("POST /v1/api/messages", ch.api(ch.postMessage))
	mux.HandleFunc("GET /v1/api/conversations/{id}", ch.api(ch.getConversation))
	mux.HandleFunc("POST /v1/api/conversations/{id}/escalate", ch.api(ch.postEscalate))
	mux.HandleFunc("POST /v1/api/conversations/{id}/csat", ch.api(ch.postCSAT))
	mux.HandleFunc("/v1/api/", ch.api(func(r *http.Request, _ store.Actor) (int, any, error) {
		return 0, nil, &protocol.APIError{Status: http.StatusNotFound, Code: protocol.CodeNotFound, Field: "path",
			Message: fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path)}
	}))
}

// start runs the background work (SLA check, outbound deliveries) until the
// returned function is called; that function waits for in-flight work.
func (ch *channels) start(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		runEvery(ctx, ch.cfg.SLACheck, ch.checkSLA)
	}()
	go func() {
		defer wg.Done()
		ch.out.run(ctx)
	}()
	return func() { cancel(); wg.Wait() }
}

// observe sees every committed batch of events (after the hub) and wakes
// the outbound worker when messages were added.
func (ch *channels) observe(events []store.Event) {
	for i := range events {
		if events[i].Kind == protocol.EvMessage {
			ch.out.poke()
			return
		}
	}
}

func statusOf(c protocol.Code) int {
	switch c {
	case protocol.CodeInvalid:
		return http.StatusBadRequest
	case protocol.CodeUnauthorized:
		return http.StatusUnauthorized
	case protocol.CodeForbidden:
		return http.StatusForbidden
	case protocol.CodeNotFound:
		return http.StatusNotFound
	case protocol.CodeConflict:
		return http.StatusConflict
	case protocol.CodeRateLimited:
		return http.StatusTooManyRequests
	case protocol.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

type apiHandler func(r *http.Request, caller store.Actor) (status int, body any, err error)

// api wraps an endpoint with authentication (integration tokens only), the
// per-token rate limit and JSON answers.
func (ch *channels) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body, err := ch.serveAPI(w, r, h)
		if err != nil {
			writeAPIError(w, ch.asAPIError(r, err))
			return
		}
		writeJSON(w, status, body)
	}
}

func (ch *channels) serveAPI(w http.ResponseWriter, r *http.Request, h apiHandler) (int, any, error) {
	if ch.srv.draining.Load() {
		return 0, nil, protocol.Errorf(protocol.CodeUnavailable, "server shutting down; retry shortly")
	}
	token := bearer(r)
	if token == "" {
		return 0, nil, withField(protocol.Errorf(protocol.CodeUnauthorized, "missing bearer token"), "Authorization")
	}
	agent, tokenID, err := ch.srv.store.AuthenticateIntegration(r.Context(), token)
	if err != nil {
		return 0, nil, withField(err, "Authorization")
	}
	if !ch.allow(tokenID) {
		return 0, nil, protocol.Errorf(protocol.CodeRateLimited, "too many requests for this token; slow down")
	}
	if strings.ContainsRune(r.URL.Path, 0) {
		return 0, nil, invalid("path", "the path contains a NUL character (U+0000)")
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(k, 0) {
				return 0, nil, invalid(k, "query parameter %q contains a NUL character (U+0000)", k)
			}
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, ch.cfg.MaxBodyBytes)
	return h(r, store.Actor{ID: agent.ID, Role: agent.Role})
}

func (ch *channels) asAPIError(r *http.Request, err error) *protocol.APIError {
	err = ch.srv.asUnavailable(store.AsInvalid(err))
	var ae *protocol.APIError
	if errors.As(err, &ae) {
		return ae
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return &protocol.APIError{Status: statusOf(pe.Code), Code: pe.Code, Message: pe.Message}
	}
	if store.Unreachable(err) {
		ch.srv.log.Warn("api request: database unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
		return &protocol.APIError{Status: http.StatusServiceUnavailable, Code: protocol.CodeUnavailable, Message: "database unavailable; retry shortly"}
	}
	ch.srv.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return &protocol.APIError{Status: http.StatusInternalServerError, Code: protocol.CodeInternal, Message: "internal error; try again"}
}

func (ch *channels) allow(tokenID string) bool {
	if ch.cfg.RateLimit < 0 {
		return true
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	l := ch.limiters[tokenID]
	if l == nil {
		l = newRateLimiter(ch.cfg.RateLimit, ch.cfg.RateBurst)
		ch.limiters[tokenID] = l
	}
	return l.allow(time.Now())
}

var unknownField = regexp.MustCompile(`unknown field "([^"]*)"`)

// decodeJSON reads the request body into v strictly: one JSON object, no
// unknown fields, right types. Every failure names the field at fault.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &protocol.APIError{Status: http.StatusUnsupportedMediaType, Code: protocol.CodeInvalid, Field: "Content-Type",
				Message: fmt.Sprintf("content type %q: send application/json", ct)}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &protocol.APIError{Status: http.StatusRequestEntityTooLarge, Code: protocol.CodeInvalid, Field: "body",
				Message: fmt.Sprintf("request body larger than %d bytes", mbe.Limit)}
		}
		return invalid("body", "reading the body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("body", "empty body: send a JSON object")
	}
	if !utf8.Valid(body) {
		return invalid("body", "body is not valid UTF-8")
	}
	if err := protocol.UnmarshalStrict(body, v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			if te.Field == "" {
				return invalid("body", "body must be a JSON object, not %s", te.Value)
			}
			return invalid(te.Field, "field %q must be %s, not %s", te.Field, jsonType(te.Type.String()), te.Value)
		case errors.As(err, &se):
			return invalid("body", "invalid JSON at byte %d: %v", se.Offset, se)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return invalid("body", "invalid JSON: unexpected end of input")
		case errors.Is(err, protocol.ErrTrailingData):
			return invalid("body", "trailing data after the JSON object")
		}
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return invalid(m[1], "unknown field %q", m[1])
		}
		return invalid("body", "invalid JSON: %v", err)
	}
	if field, ok := protocol.FindNUL(body); ok {
		return invalid(field, "field %q contains a NUL character (U+0000)", field)
	}
	return nil
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// ---- the endpoints: decode, call the ingest (api_ingest.go, messages.go), encode ----

func (ch *channels) postCustomer(r *http.Request, caller store.Actor) (int, any, error) {
	var req protocol.APICustomerReq
	if err := decodeJSON(r, &req); err != nil {
		return 0, nil, err
	}
	ans, err := ch.upsertCustomer(r.Context(), caller, req)
	if err != nil {
		return 0, nil, err
	}
	if ans.Created {
		return http.StatusCreated, ans, nil
	}
	return http.StatusOK, ans, nil
}

func (ch *channels) findCustomer(r *http.Request, _ store.Actor) (int, any, error) {
	q := r.URL.Query()
	ans, err := ch.customerByIdentity(r.Context(), store.Identity{Channel: q.Get("channel"), ExternalID: q.Get("external_id")})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ans, nil
}

func (ch *channels) getCustomer(r *http.Request, _ store.Actor) (int, any, error) {
	ans, err := ch.customer(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ans, nil
}

func (ch *channels) postMessage(r *http.Request, caller store.Actor) (int, any, error) {
	var req protocol.APIMessageReq
	if err := decodeJSON(r, &req); err != nil {
		return 0, nil, err
	}
	ans, err := ch.ingestMessage(r.Context(), caller, req)
	if err != nil {
		return 0, nil, err
	}
	if ans.Duplicate {
		return http.StatusOK, ans, nil
	}
	return http.StatusCreated, ans, nil
}

func (ch *channels) getConversation(r *http.Request, caller store.Actor) (int, any, error) {
	before, limit, err := pageParams(r)
	if err != nil {
		return 0, nil, err
	}
	ans, err := ch.conversationPage(r.Context(), caller, r.PathValue("id"), before, limit)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ans, nil
}

func (ch *channels) postEscalate(r *http.Request, caller store.Actor) (int, any, error) {
	var req protocol.APIEscalateReq
	if err := decodeJSON(r, &req); err != nil {
		return 0, nil, err
	}
	conv, err := ch.escalateOnRequest(r.Context(), caller, r.PathValue("id"), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, protocol.APIConversationAnswer{Conversation: conv}, nil
}

func (ch *channels) postCSAT(r *http.Request, caller store.Actor) (int, any, error) {
	var req protocol.APICSATReq
	if err := decodeJSON(r, &req); err != nil {
		return 0, nil, err
	}
	rating, err := ch.recordCSAT(r.Context(), caller, r.PathValue("id"), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, protocol.APICSATAnswer{CSAT: rating}, nil
}
