package copilot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Provider names for Config.Provider.
const (
	ProviderOffline = "offline"
	ProviderOpenAI  = "openai"
)

// OfflinePromptVersion versions the offline engine's templates and rules the
// way PromptVersion versions the LLM prompts, so trainers can compare them.
const OfflinePromptVersion = "offline-2025.1"

// Config configures an Engine. The zero value is the offline engine with the
// embedded demo knowledge base.
type Config struct {
	// Provider is "offline" (default) or "openai" (any OpenAI-compatible
	// endpoint: OpenAI, DeepSeek, Qwen/DashScope, Ollama, vLLM, llama.cpp).
	Provider string
	// BaseURL, Model and APIKey of the endpoint. Empty BaseURL and APIKey are
	// taken from OPENAI_BASE_URL and OPENAI_API_KEY.
	BaseURL string
	Model   string
	APIKey  string
	// Timeout bounds one whole remote generation including retries
	// (default 30s); a hung endpoint then falls back to the offline engine.
	Timeout time.Duration
	// MaxRetries on 429 and 5xx answers (default 2); Retry-After is honoured
	// up to the remaining timeout.
	MaxRetries int
	// Concurrency caps simultaneous remote calls across all conversations
	// (default 4).
	Concurrency int
	// ResponseFormat is how insights ask the model for JSON:
	// ResponseJSONObject (default; OpenAI, DeepSeek, Qwen, vLLM, llama.cpp,
	// Ollama), ResponseJSONSchema (the schema is sent and enforced where the
	// server supports it: OpenAI, vLLM, llama.cpp, Ollama) or ResponseNone
	// (only the prompt asks; for servers that reject response_format). The
	// answer is parsed tolerantly in every mode: fences and prose around the
	// object are fine.
	ResponseFormat string
	// MaxTokens caps one draft's length in tokens (default 600); insights
	// and bot answers are capped at 800.
	MaxTokens int
	// KBDir is a folder of Markdown files; empty means the embedded demo KB.
	// KB, when set, is used as is and KBDir is ignored.
	KBDir string
	KB    *KB
	// KBOverlay is a folder loaded on top of KBDir (or the embedded demo
	// KB): its entries replace same-id ones. Trainers' promoted replies are
	// written there. Created when missing.
	KBOverlay string
	// SentimentModel, when set, scores customer messages instead of the
	// lexicon engine (train one with `agentdesk train sentiment`).
	SentimentModel *SentimentModel
	// Exemplars, when set, is shared (the server may keep its own handle);
	// otherwise the engine creates an empty memory.
	Exemplars *ExemplarMemory
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// HTTPClient is used for remote calls (tests inject one); default is a
	// client without its own timeout, the Timeout above governs.
	HTTPClient *http.Client
}

// Engine produces insights and drafts. Safe for concurrent use.
type Engine struct {
	cfg    Config
	kb     *KB
	mem    *ExemplarMemory
	log    *slog.Logger
	remote *openaiProvider // nil for the offline provider

	mu       sync.Mutex
	inflight map[string]*flight
}

type flight struct {
	cancel context.CancelCauseFunc
}

// New builds an engine from cfg. It loads the knowledge base; an error there
// or in the provider settings is returned, not deferred to the first call.
func New(cfg Config) (*Engine, error) {
	e := &Engine{cfg: cfg, inflight: map[string]*flight{}, log: cfg.Logger}
	if e.log == nil {
		e.log = slog.Default()
	}
	switch {
	case cfg.KB != nil:
		e.kb = cfg.KB
	case cfg.KBOverlay != "":
		kb, err := LoadKBLayers(cfg.KBDir, cfg.KBOverlay)
		if err != nil {
			return nil, err
		}
		e.kb = kb
	case cfg.KBDir != "":
		kb, err := LoadKB(cfg.KBDir)
		if err != nil {
			return nil, err
		}
		e.kb = kb
	default:
		kb, err := DemoKB()
		if err != nil {
			return nil, err
		}
		e.kb = kb
	}
	e.mem = cfg.Exemplars
	if e.mem == nil {
		e.mem = NewExemplarMemory()
	}
	switch strings.ToLower(cfg.Provider) {
	case "", ProviderOffline:
	case ProviderOpenAI:
		p, err := newOpenAIProvider(cfg, e.log)
		if err != nil {
			return nil, err
		}
		e.remote = p
	default:
		return nil, fmt.Errorf("copilot: unknown provider %q (want %q or %q)", cfg.Provider, ProviderOffline, ProviderOpenAI)
	}
	return e, nil
}

// envOr returns v, or the environment variable key when v is empty.
func envOr(v, key string) string {
	if v != "" {
		return v
	}
	return os.Getenv(key)
}

// KB returns the engine's knowledge base.
func (e *Engine) KB() *KB { return e.kb }

// IntentWords maps each intent of the KB to the words it goes by: the tags
// and aliases of its entries, in every language (refunds: refund, 退款…).
func (e *Engine) IntentWords() map[string][]string {
	out := map[string][]string{}
	for _, ent := range e.kb.Entries() {
		if ent.Intent == "" {
			continue
		}
		for _, w := range append(append([]string(nil), ent.Tags...), ent.Aliases...) {
			if !slices.Contains(out[ent.Intent], w) {
				out[ent.Intent] = append(out[ent.Intent], w)
			}
		}
	}
	return out
}

// Exemplars returns the engine's exemplar memory.
func (e *Engine) Exemplars() *ExemplarMemory { return e.mem }

// AddExemplar feeds one outcome into the exemplar memory.
func (e *Engine) AddExemplar(x Exemplar) error { return e.mem.Add(x) }

// ReloadKB re-reads the knowledge-base files.
func (e *Engine) ReloadKB() error { return e.kb.Reload() }

// begin registers a generation for a conversation, cancelling the one in
// flight (it returns ErrSuperseded). Conversations without an ID are never
// superseded.
func (e *Engine) begin(ctx context.Context, key string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	if key == "" {
		return ctx, func() { cancel(nil) }
	}
	f := &flight{cancel: cancel}
	e.mu.Lock()
	if old := e.inflight[key]; old != nil {
		old.cancel(ErrSuperseded)
	}
	e.inflight[key] = f
	e.mu.Unlock()
	return ctx, func() {
		e.mu.Lock()
		if e.inflight[key] == f {
			delete(e.inflight, key)
		}
		e.mu.Unlock()
		cancel(nil)
	}
}

// ctxErr maps a cancelled generation context to the reason.
func ctxErr(ctx context.Context) error {
	if err := context.Cause(ctx); errors.Is(err, ErrSuperseded) {
		return ErrSuperseded
	}
	return ctx.Err()
}

// Insight analyses a conversation for the handoff card. With the openai
// provider it asks the model and falls back to the offline analysis (noted
// in Provenance.Fallback) when the endpoint fails or answers nonsense.
func (e *Engine) Insight(ctx context.Context, c Conversation) (Insight, error) {
	start := time.Now()
	ctx, done := e.begin(ctx, keyFor(c.ID, "insight"))
	defer done()
	off := e.offlineInsight(c)
	off.Provenance.Provider = ProviderOffline
	off.Provenance.Model = "rules"
	off.Provenance.PromptVersion = OfflinePromptVersion
	off.Provenance.Seq = c.LastSeq()
	if e.remote == nil || len(customerTurns(c)) == 0 {
		off.Provenance.Elapsed = time.Since(start)
		return off, ctxErr(ctx)
	}
	ins, err := e.remote.insight(ctx, c, off)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return Insight{}, cerr
		}
		e.log.WarnContext(ctx, "copilot: remote insight failed, using offline", "conversation", c.ID, "err", err)
		off.Provenance.Fallback = "remote model failed (" + shortErr(err) + "); offline analysis shown"
		off.Provenance.Elapsed = time.Since(start)
		return off, nil
	}
	ins.Provenance.Seq = c.LastSeq()
	ins.Provenance.Elapsed = time.Since(start)
	return ins, nil
}

// Draft writes a reply to the conversation, calling onDelta (if not nil) with
// pieces of text as they are generated, then returning the whole draft. A
// newer Draft for the same conversation ID cancels this one, which then
// returns ErrSuperseded. instruction may be empty or a request such as
// "shorter", "more formal", "answer in English", "更正式".
func (e *Engine) Draft(ctx context.Context, c Conversation, instr string, onDelta func(Delta)) (Draft, error) {
	start := time.Now()
	ctx, done := e.begin(ctx, keyFor(c.ID, "draft"))
	defer done()
	if onDelta == nil {
		onDelta = func(Delta) {}
	}
	in := parseInstruction(instr)
	ins := e.offlineInsight(c)
	plan := e.planDraft(c, ins, in)
	if e.remote != nil && len(customerTurns(c)) > 0 {
		d, err := e.remote.draft(ctx, c, instr, plan, onDelta)
		if err == nil {
			var cited []KBEntry
			for _, s := range d.Citations {
				if s.Kind == SourceKB {
					if kbe, ok := e.kb.Get(s.ID); ok {
						cited = append(cited, kbe)
					}
				}
			}
			d.Warnings = append(d.Warnings, checkDraft(d.Text, d.Citations, cited, c)...)
			if mentionsAdvice(d.Text) {
				d.Warnings = append(d.Warnings, Warning{Code: WarnAdvice, Message: "The draft points the customer to a regulator, court or lawyer; take it out before sending."})
			}
			d.Provenance.Seq = c.LastSeq()
			d.Provenance.Elapsed = time.Since(start)
			return d, nil
		}
		if cerr := ctxErr(ctx); cerr != nil {
			return Draft{}, cerr
		}
		e.log.WarnContext(ctx, "copilot: remote draft failed, using offline", "conversation", c.ID, "err", err)
		d = e.offlineDraft(ctx, c, plan, in, onDelta, true)
		d.Provenance.Fallback = "remote model failed (" + shortErr(err) + "); offline draft shown"
		d.Warnings = append(d.Warnings, Warning{Code: WarnFallback, Message: "The model endpoint failed; this is the offline engine's draft."})
		d.Provenance.Elapsed = time.Since(start)
		return d, ctxErr(ctx)
	}
	d := e.offlineDraft(ctx, c, plan, in, onDelta, false)
	d.Provenance.Elapsed = time.Since(start)
	return d, ctxErr(ctx)
}

func (e *Engine) offlineDraft(ctx context.Context, c Conversation, plan draftPlan, in instruction, onDelta func(Delta), reset bool) Draft {
	text := dropAdvice(plan.render(in))
	d := Draft{Text: text, Language: plan.lang, Citations: plan.citations, Kind: plan.kind()}
	if d.Citations == nil {
		d.Citations = []Source{}
	}
	if plan.noArticle {
		d.Warnings = append(d.Warnings, Warning{Code: WarnNoArticle, Message: "No article covers this: the draft only acknowledges the problem (and asks for what is missing)."})
	}
	for _, w := range checkDraft(text, plan.citations, plan.kbUsed, c) {
		// No article says so itself; a closing or holding reply needs no source.
		if !(w.Code == WarnNoCitation && (plan.noArticle || d.Kind != "")) {
			d.Warnings = append(d.Warnings, w)
		}
	}
	d.Provenance = Provenance{Provider: ProviderOffline, Model: "templates", PromptVersion: OfflinePromptVersion,
		Sources: plan.citations, Seq: c.LastSeq()}
	// Stream line by line so the desk shows the same progressive arrival
	// it shows for a model.
	first := true
	for _, line := range strings.SplitAfter(text, "\n") {
		if ctx.Err() != nil {
			break
		}
		onDelta(Delta{Text: line, Reset: reset && first})
		first = false
	}
	return d
}

func keyFor(id, kind string) string {
	if id == "" {
		return ""
	}
	return kind + ":" + id
}

// shortErr is an error message cut to fit a note on the card.
func shortErr(err error) string {
	return textcut.Runes(err.Error(), 120)
}
