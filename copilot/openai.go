package copilot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// openaiProvider talks to any OpenAI-compatible chat-completions endpoint.
type openaiProvider struct {
	client     *openai.Client
	model      string
	timeout    time.Duration
	maxRetries int
	format     string
	maxTokens  int
	sem        chan struct{}
	log        *slog.Logger
	baseDelay  time.Duration
}

const defaultModel = "gpt-4o-mini"

// Response formats for insights (Config.ResponseFormat).
const (
	ResponseJSONObject = "json_object"
	ResponseJSONSchema = "json_schema"
	ResponseNone       = "none"
)

const (
	defaultDraftTokens = 600
	jsonTokens         = 800 // insights and bot answers
)

func newOpenAIProvider(cfg Config, log *slog.Logger) (*openaiProvider, error) {
	base := envOr(cfg.BaseURL, "OPENAI_BASE_URL")
	key := envOr(cfg.APIKey, "OPENAI_API_KEY")
	if base == "" && key == "" {
		return nil, errors.New("copilot: openai provider needs an API key (OPENAI_API_KEY) or a base URL (OPENAI_BASE_URL) of a local server")
	}
	oc := openai.DefaultConfig(key)
	if base != "" {
		oc.BaseURL = strings.TrimRight(base, "/")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = retryAfterDoer{hc}
	p := &openaiProvider{
		client:     openai.NewClientWithConfig(oc),
		model:      cfg.Model,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		format:     strings.ToLower(cfg.ResponseFormat),
		maxTokens:  cfg.MaxTokens,
		log:        log,
		baseDelay:  400 * time.Millisecond,
	}
	switch p.format {
	case "":
		p.format = ResponseJSONObject
	case ResponseJSONObject, ResponseJSONSchema, ResponseNone:
	default:
		return nil, fmt.Errorf("copilot: unknown response format %q (want %s, %s or %s)", cfg.ResponseFormat, ResponseJSONObject, ResponseJSONSchema, ResponseNone)
	}
	if p.maxTokens <= 0 {
		p.maxTokens = defaultDraftTokens
	}
	if p.model == "" {
		p.model = defaultModel
	}
	if p.timeout <= 0 {
		p.timeout = 30 * time.Second
	}
	if p.maxRetries < 0 {
		p.maxRetries = 0
	} else if p.maxRetries == 0 {
		p.maxRetries = 2
	}
	n := cfg.Concurrency
	if n <= 0 {
		n = 4
	}
	p.sem = make(chan struct{}, n)
	return p, nil
}

// retryAfterDoer records the Retry-After header of a response in a holder
// carried by the request context: go-openai's errors do not expose headers.
type retryAfterDoer struct{ c *http.Client }

type retryHolder struct{ after time.Duration }

type retryKey struct{}

func (d retryAfterDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err == nil {
		if h, ok := req.Context().Value(retryKey{}).(*retryHolder); ok {
			h.after = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// retryable reports whether an error is worth another attempt: rate limits,
// server errors and transport failures, not bad requests or bad keys.
func retryable(err error) bool {
	var api *openai.APIError
	if errors.As(err, &api) {
		return api.HTTPStatusCode == 429 || api.HTTPStatusCode >= 500
	}
	var req *openai.RequestError
	if errors.As(err, &req) {
		return req.HTTPStatusCode == 429 || req.HTTPStatusCode >= 500
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return false // an endpoint answering HTML will keep doing so
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "connection")
}

// do runs call with the concurrency limit, retries and backoff. call may be
// retried only while it has not streamed anything; it says so by returning
// committed=true.
func (p *openaiProvider) do(ctx context.Context, call func(ctx context.Context) (committed bool, err error)) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for a model slot: %w", ctx.Err())
	}
	defer func() { <-p.sem }()
	var err error
	for attempt := 0; ; attempt++ {
		holder := &retryHolder{}
		var committed bool
		committed, err = call(context.WithValue(ctx, retryKey{}, holder))
		if err == nil || committed || attempt >= p.maxRetries || !retryable(err) {
			return err
		}
		wait := holder.after
		if wait == 0 {
			// Exponential backoff with full jitter around the base delay.
			d := p.baseDelay << attempt
			wait = d/2 + time.Duration(rand.Int64N(int64(d)))
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("retry after %s exceeds the time left: %w", wait.Round(time.Millisecond), err)
		}
		p.log.DebugContext(ctx, "copilot: retrying model call", "attempt", attempt+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		}
	}
}

// insightJSON is the loose shape the model is asked for; numbers and
// booleans may arrive as strings from weaker models.
type insightJSON struct {
	Summary   json.RawMessage `json:"summary"`
	Sentiment struct {
		Label string          `json:"label"`
		Score json.RawMessage `json:"score"`
	} `json:"sentiment"`
	Flags    map[string]any `json:"flags"`
	Intent   string         `json:"intent"`
	Language string         `json:"language"`
}

func (p *openaiProvider) insight(ctx context.Context, c Conversation, off Insight) (Insight, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	red := NewRedactor()
	msgs := redactMessages(c, red)
	user := transcriptBlock(msgs)
	if len(c.EscalationReason) > 0 {
		user += "\nEscalation reason recorded by the system: " + red.Redact(c.EscalationReason)
	}
	content, err := p.completeJSON(ctx, insightSystem, user, "insight", insightSchema)
	if err != nil {
		return Insight{}, fmt.Errorf("insight call: %w", err)
	}
	var raw insightJSON
	if err := ParseLooseJSON(content, &raw); err != nil {
		return Insight{}, fmt.Errorf("insight answer: %w", err)
	}
	ins := off // offline trajectory and evidence stay; the model refines the rest
	if lines := summaryLines(raw.Summary); len(lines) > 0 {
		for i := range lines {
			lines[i] = textcut.Runes(red.Restore(lines[i]), 120)
		}
		ins.Summary = lines
	}
	switch Label(strings.ToLower(raw.Sentiment.Label)) {
	case Negative, Neutral, Positive:
		ins.Sentiment.Label = Label(strings.ToLower(raw.Sentiment.Label))
		if s, ok := looseFloat(raw.Sentiment.Score); ok {
			ins.Sentiment.Score = round2(max(-1, min(1, s)))
		}
	}
	// Rule flags are high-precision keyword hits: the model can add flags
	// but not clear them.
	f := &ins.Flags
	f.Angry = f.Angry || looseBool(raw.Flags[FlagAngry])
	f.ChurnRisk = f.ChurnRisk || looseBool(raw.Flags[FlagChurnRisk])
	f.LegalThreat = f.LegalThreat || looseBool(raw.Flags[FlagLegalThreat])
	f.Urgent = f.Urgent || looseBool(raw.Flags[FlagUrgent])
	f.AsksForHuman = f.AsksForHuman || looseBool(raw.Flags[FlagAsksForHuman])
	if raw.Intent != "" {
		ins.Intent = textcut.Runes(raw.Intent, 40)
		ins.IntentConfidence = 0
	}
	if raw.Language != "" && len(raw.Language) <= 8 {
		ins.Language = strings.ToLower(raw.Language)
	}
	ins.Provenance = Provenance{Provider: ProviderOpenAI, Model: p.model, PromptVersion: InsightPromptVersion, Sources: off.Provenance.Sources}
	return ins, nil
}

// insightSchema is the insight answer as a JSON schema. Every string and
// array is bounded, so a server that compiles the schema into a grammar
// (llama.cpp, vLLM) can only produce an object that ends.
var insightSchema = json.RawMessage(`{
  "type": "object",
  "additionalProperties": false,
  "required": ["summary", "sentiment", "flags", "intent", "language"],
  "properties": {
    "summary": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string", "maxLength": 120}},
    "sentiment": {
      "type": "object",
      "additionalProperties": false,
      "required": ["label", "score"],
      "properties": {
        "label": {"type": "string", "enum": ["negative", "neutral", "positive"]},
        "score": {"type": "number"}
      }
    },
    "flags": {
      "type": "object",
      "additionalProperties": false,
      "required": ["angry", "churn_risk", "legal_threat", "urgent", "asks_for_human"],
      "properties": {
        "angry": {"type": "boolean"},
        "churn_risk": {"type": "boolean"},
        "legal_threat": {"type": "boolean"},
        "urgent": {"type": "boolean"},
        "asks_for_human": {"type": "boolean"}
      }
    },
    "intent": {"type": "string", "maxLength": 40},
    "language": {"type": "string", "maxLength": 8}
  }
}`)

// responseFormat is the response_format of a JSON call in the provider's
// mode (Config.ResponseFormat).
func (p *openaiProvider) responseFormat(name string, schema json.RawMessage) *openai.ChatCompletionResponseFormat {
	switch p.format {
	case ResponseNone:
		return nil
	case ResponseJSONSchema:
		return &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: schema},
		}
	}
	return &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
}

func summaryLines(raw json.RawMessage) []string {
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		lines = strings.Split(one, "\n")
	}
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && len(out) < 3 {
			out = append(out, l)
		}
	}
	return out
}

func looseFloat(raw json.RawMessage) (float64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func looseBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true") || x == "yes" || x == "1"
	case float64:
		return x != 0
	}
	return false
}

func redactMessages(c Conversation, red *Redactor) []Message {
	red.AddNames(c.CustomerName)
	msgs := make([]Message, 0, len(c.Messages))
	// Only the latest 40 messages go out: older context rarely changes the
	// reply and long chats would blow the model's context.
	start := max(0, len(c.Messages)-40)
	for _, m := range c.Messages[start:] {
		if m.Role == RoleNote {
			continue // internal notes stay internal
		}
		text := StripInvisible(m.Text) // what the agent cannot see must not steer the model
		if len(text) > 8000 {
			text = textcut.Bytes(text, 8000) + " …(truncated)"
		}
		msgs = append(msgs, Message{Seq: m.Seq, Role: m.Role, Text: red.Redact(text)})
	}
	return msgs
}

func (p *openaiProvider) draft(ctx context.Context, c Conversation, instr string, plan draftPlan, onDelta func(Delta)) (Draft, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	red := NewRedactor()
	msgs := redactMessages(c, red)
	// Sources: the KB entries and exemplars retrieval found for the plan.
	kb, ex := plan.candKB, plan.candEx
	user := sourcesBlock(kb, ex, red) + "\n" + transcriptBlock(msgs)
	if strings.TrimSpace(instr) != "" {
		user += "\n\nInstruction from the agent (trusted): " + red.Redact(instr)
	}
	var text strings.Builder
	f := newStreamFilter(red, func(s string) {
		text.WriteString(s)
		onDelta(Delta{Text: s})
	})
	err := p.do(ctx, func(ctx context.Context) (bool, error) {
		stream, err := p.client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
			Model: p.model,
			Messages: []openai.ChatCompletionMessage{
				{Role: openai.ChatMessageRoleSystem, Content: draftSystemPrompt(plan.lang, plan)},
				{Role: openai.ChatMessageRoleUser, Content: user},
			},
			Temperature: 0.3,
			MaxTokens:   p.maxTokens,
			Stream:      true,
		})
		if err != nil {
			return false, err
		}
		defer stream.Close()
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return f.emitted, nil
			}
			if err != nil {
				return f.emitted, fmt.Errorf("stream: %w", err)
			}
			for _, ch := range resp.Choices {
				f.write(ch.Delta.Content)
			}
		}
	})
	if err != nil {
		return Draft{}, fmt.Errorf("draft call: %w", err)
	}
	f.flush()
	out := strings.TrimSpace(text.String())
	if out == "" {
		return Draft{}, errors.New("draft call: model returned an empty reply")
	}
	d := Draft{Text: out, Language: plan.lang, Citations: []Source{}}
	byID := map[string]Source{}
	for _, e := range kb {
		byID["kb:"+e.ID] = Source{Kind: SourceKB, ID: e.ID, Title: e.Title}
	}
	for _, x := range ex {
		byID["ex:"+x.ID] = Source{Kind: SourceExemplar, ID: x.ID}
	}
	var sources []Source
	for _, s := range byID {
		sources = append(sources, s)
	}
	for _, id := range f.cited {
		if s, ok := byID[id]; ok && !containsSource(d.Citations, s) {
			d.Citations = append(d.Citations, s)
		}
	}
	d.Provenance = Provenance{Provider: ProviderOpenAI, Model: p.model, PromptVersion: DraftPromptVersion, Sources: sortSources(sources)}
	return d, nil
}

func containsSource(xs []Source, s Source) bool {
	for _, x := range xs {
		if x.Kind == s.Kind && x.ID == s.ID {
			return true
		}
	}
	return false
}

func sortSources(xs []Source) []Source {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j].Kind+xs[j].ID < xs[j-1].Kind+xs[j-1].ID; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs
}

// streamFilter sits between the model's stream and the desk: it restores
// masked personal data and lifts citation markers out of the text. Both are
// bracketed, and a bracket can be split across stream chunks, so text from
// an unclosed "[" is held back until it closes (or grows too long to be a
// marker).
type streamFilter struct {
	red     *Redactor
	out     func(string)
	pending strings.Builder
	cited   []string
	emitted bool
}

var reCite = regexp.MustCompile(`^\[((?:kb|ex):[^\]\s]{1,80})\]$`)

func newStreamFilter(red *Redactor, out func(string)) *streamFilter {
	return &streamFilter{red: red, out: out}
}

func (f *streamFilter) write(s string) {
	f.pending.WriteString(s)
	buf := f.pending.String()
	var ready strings.Builder
	for {
		i := strings.IndexByte(buf, '[')
		if i < 0 {
			ready.WriteString(buf)
			buf = ""
			break
		}
		ready.WriteString(buf[:i])
		buf = buf[i:]
		j := strings.IndexByte(buf, ']')
		if j < 0 {
			if len(buf) > 90 {
				ready.WriteString(buf[:1])
				buf = buf[1:]
				continue
			}
			break // wait for the closing bracket
		}
		tok := buf[:j+1]
		buf = buf[j+1:]
		if m := reCite.FindStringSubmatch(tok); m != nil {
			f.cited = append(f.cited, m[1])
			continue
		}
		ready.WriteString(f.red.Restore(tok))
	}
	f.pending.Reset()
	f.pending.WriteString(buf)
	if r := ready.String(); r != "" {
		f.emitted = true
		f.out(r)
	}
}

func (f *streamFilter) flush() {
	if f.pending.Len() > 0 {
		s := f.pending.String()
		f.pending.Reset()
		f.emitted = true
		f.out(f.red.Restore(s))
	}
}

// ParseLooseJSON decodes the first JSON object in s into v, tolerating what
// models wrap around it: Markdown code fences, prose before and after, and a
// byte-order mark. It fails clearly on truncated or absent JSON.
func ParseLooseJSON(s string, v any) error {
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return fmt.Errorf("no JSON object in the answer (%q)", textcut.Runes(s, 60))
	}
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				if err := json.Unmarshal([]byte(s[start:i+1]), v); err != nil {
					return fmt.Errorf("decode JSON: %w", err)
				}
				return nil
			}
		}
	}
	return errors.New("truncated JSON object in the answer")
}
