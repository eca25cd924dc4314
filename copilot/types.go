package copilot

import (
	"errors"
	"time"
)

// Role says who wrote a message. The copilot only distinguishes the customer
// (whose words are analysed), the bot (whose attempts go into the summary) and
// the humans on the desk; notes and system events are context, never replied to.
type Role string

// Roles of messages in a Conversation.
const (
	RoleCustomer Role = "customer"
	RoleBot      Role = "bot"
	RoleAgent    Role = "agent"
	RoleNote     Role = "note"
	RoleSystem   Role = "system"
)

// Message is one turn of a conversation.
type Message struct {
	Seq  int64     `json:"seq"`
	Role Role      `json:"role"`
	Text string    `json:"text"`
	At   time.Time `json:"at,omitzero"`
	// Notice marks a bot message that tried nothing: that a person will
	// reply, or a goodbye. The summary does not count it as what the bot
	// tried.
	Notice bool `json:"notice,omitempty"`
}

// Conversation is the copilot's own view of a chat. The server converts its
// stored conversation into this type; the copilot never sees wire types.
type Conversation struct {
	// ID keys the one-generation-in-flight rule; it may be empty for one-off
	// calls (evaluation), which then never supersede each other.
	ID       string    `json:"id"`
	Messages []Message `json:"messages"`
	// Optional context for the summary and the greeting.
	CustomerName     string   `json:"customer_name,omitempty"`
	Channel          string   `json:"channel,omitempty"`
	EscalationReason string   `json:"escalation_reason,omitempty"`
	BotAttempts      []string `json:"bot_attempts,omitempty"`
}

// LastSeq is the highest message seq in the conversation: the seq a result is
// computed from, so the desk can mark it stale when the customer writes again.
func (c Conversation) LastSeq() int64 {
	var m int64
	for _, msg := range c.Messages {
		if msg.Seq > m {
			m = msg.Seq
		}
	}
	return m
}

// Label is a sentiment class.
type Label string

// Sentiment labels.
const (
	Negative Label = "negative"
	Neutral  Label = "neutral"
	Positive Label = "positive"
)

// Sentiment of the customer side of a conversation.
type Sentiment struct {
	Label Label `json:"label"`
	// Score is in [-1, 1]; below zero is negative.
	Score float64 `json:"score"`
	// Trajectory holds one point per customer turn, oldest first.
	Trajectory []TurnSentiment `json:"trajectory"`
	// Trend is "improving", "worsening" or "steady" over the trajectory.
	Trend string `json:"trend"`
}

// TurnSentiment is the sentiment of one customer message.
type TurnSentiment struct {
	Seq   int64   `json:"seq"`
	Score float64 `json:"score"`
	Label Label   `json:"label"`
}

// Flags are the risk signals the queue orders by.
type Flags struct {
	Angry        bool `json:"angry"`
	ChurnRisk    bool `json:"churn_risk"`
	LegalThreat  bool `json:"legal_threat"`
	Urgent       bool `json:"urgent"`
	AsksForHuman bool `json:"asks_for_human"`
	// Evidence holds the short cue phrases that raised the flags, for the card.
	Evidence []string `json:"evidence,omitempty"`
}

// Any reports whether any flag is raised.
func (f Flags) Any() bool {
	return f.Angry || f.ChurnRisk || f.LegalThreat || f.Urgent || f.AsksForHuman
}

// Insight is what the handoff card shows.
type Insight struct {
	// Summary is at most three short lines.
	Summary          []string   `json:"summary"`
	Sentiment        Sentiment  `json:"sentiment"`
	Flags            Flags      `json:"flags"`
	Intent           string     `json:"intent"`
	IntentConfidence float64    `json:"intent_confidence"`
	Language         string     `json:"language"`
	Provenance       Provenance `json:"provenance"`
}

// Source is a knowledge-base entry or exemplar a result drew on.
type Source struct {
	Kind  string `json:"kind"` // SourceKB or SourceExemplar
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Passage is the cited passage of a KB entry ("refunds-en#3", see
	// PassageRef); Title then names it too.
	Passage string  `json:"passage,omitempty"`
	Score   float64 `json:"score"`
}

// Kinds of Source.
const (
	SourceKB       = "kb"
	SourceExemplar = "exemplar"
)

// Provenance says where a result came from, so trainers can compare models
// and prompt versions and the desk can mark stale results.
type Provenance struct {
	Provider      string   `json:"provider"`
	Model         string   `json:"model"`
	PromptVersion string   `json:"prompt_version"`
	Sources       []Source `json:"sources,omitempty"`
	// Seq is the last message seq the result was computed from.
	Seq int64 `json:"seq"`
	// Fallback is set when the configured provider failed and the offline
	// engine answered instead; it says why, for the agent to see.
	Fallback string        `json:"fallback,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// Warning is something the agent should check before sending a draft.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnNoCitation     = "no_citation"
	WarnUnsupportedPay = "unsupported_promise"
	WarnFallback       = "fallback"
	WarnInjection      = "injection_suspected"
	// WarnNoArticle: no KB article answers the question with confidence;
	// the draft acknowledges it and asks only for what is missing.
	WarnNoArticle = "no_article"
	// DraftKindClosing: the draft confirms a customer's thanks or
	// agreement; DraftKindHolding: it answers a bare greeting or says the
	// agent is looking into what the customer sent. Neither needs a source.
	DraftKindClosing = "closing"
	DraftKindHolding = "holding"
	// WarnAdvice: a model's draft points the customer to a regulator,
	// court or lawyer.
	WarnAdvice = "regulator_advice"
)

// Draft is a suggested reply.
type Draft struct {
	Text     string `json:"text"`
	Language string `json:"language"`
	// Citations are the sources the reply relies on (KB entry ids and exemplar ids).
	Citations []Source  `json:"citations"`
	Warnings  []Warning `json:"warnings,omitempty"`
	// Kind is DraftKindClosing or DraftKindHolding for a short templated
	// turn that states no facts (it needs no source); "" for an answer.
	Kind       string     `json:"kind,omitempty"`
	Provenance Provenance `json:"provenance"`
}

// Delta is one piece of a streamed draft. When Reset is true the receiver must
// discard what it has shown so far (a remote stream failed midway and the
// offline engine starts over); Text then starts the new draft.
type Delta struct {
	Text  string
	Reset bool
}

// ErrSuperseded is returned by a generation cancelled because a newer one for
// the same conversation started.
var ErrSuperseded = errors.New("copilot: superseded by a newer generation")

// ErrEmpty is returned when a conversation has nothing to work on.
var ErrEmpty = errors.New("copilot: conversation has no customer text")
