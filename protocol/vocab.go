package protocol

import "strings"

// The desk's vocabulary: the words that name a draft's state, what an
// agent did with a draft, a conversation's risk flags, why it went to
// people and where a reply is on its way to the customer. They are typed
// so that a bare string cannot stand in for one; every package spells them
// through these constants (internal/archtest's vocabulary check enforces
// it). The copilot, which knows no wire type, keeps its own copies of the
// flag and outcome words; server/vocab_test.go checks they agree.

// DraftStatus is where an AI draft stands.
type DraftStatus string

// Draft states. A draft is open until an agent decides on it (accepted,
// edited, rejected) or a newer draft replaces it (superseded; a superseded
// draft may still be decided on).
const (
	DraftOpen       DraftStatus = "open"
	DraftAccepted   DraftStatus = "accepted"
	DraftEdited     DraftStatus = "edited"
	DraftRejected   DraftStatus = "rejected"
	DraftSuperseded DraftStatus = "superseded"
)

// Action is what an agent did with a draft: the outcome's decision. Its
// past tense is the draft's state afterwards (Action.Status).
type Action string

// Outcome actions.
const (
	ActionAccept Action = "accept"
	ActionEdit   Action = "edit"
	ActionReject Action = "reject"
)

// Actions lists the outcome actions in the order the desk offers them.
var Actions = []Action{ActionAccept, ActionEdit, ActionReject}

// Status is the draft state the action leaves: accept → accepted, edit →
// edited, reject → rejected; "" for an unknown action.
func (a Action) Status() DraftStatus {
	switch a {
	case ActionAccept:
		return DraftAccepted
	case ActionEdit:
		return DraftEdited
	case ActionReject:
		return DraftRejected
	}
	return ""
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return a.Status() != "" }

// Flag is a risk flag on a conversation (Conversation.Flags), set from the
// copilot's reading of the customer's messages.
type Flag string

// Conversation flags.
const (
	FlagAngry        Flag = "angry"
	FlagChurnRisk    Flag = "churn_risk"
	FlagLegalThreat  Flag = "legal_threat"
	FlagUrgent       Flag = "urgent"
	FlagAsksForHuman Flag = "asks_for_human"
)

// Flags lists the flags, most severe first (the order the queue ranks them).
var Flags = []Flag{FlagLegalThreat, FlagAngry, FlagChurnRisk, FlagUrgent, FlagAsksForHuman}

// FlagsOf converts names (the copilot's) to flags.
func FlagsOf(names []string) []Flag {
	if names == nil {
		return nil
	}
	out := make([]Flag, len(names))
	for i, n := range names {
		out[i] = Flag(n)
	}
	return out
}

// Reason is why a conversation was handed to people (Escalation.Reason).
// The server's rules and bot give the Reason* values; an integration may
// give its own (a short lower-case word, docs/channels.md).
type Reason string

// Escalation reasons.
const (
	ReasonAsksForHuman      Reason = "asks_for_human"
	ReasonNegativeSentiment Reason = "negative_sentiment"
	ReasonLegalThreat       Reason = "legal_threat"
	ReasonChurnRisk         Reason = "churn_risk"
	ReasonBotFailure        Reason = "bot_failure"
	ReasonVIP               Reason = "vip"
	ReasonExplicit          Reason = "explicit"
	// ReasonLowConfidence: the front-line bot had no answer it trusted.
	ReasonLowConfidence Reason = "low_confidence"
	// ReasonEmail: a mail queued for people because the bot does not answer mail.
	ReasonEmail Reason = "email"
)

// DraftKind says what a draft is (Draft.Kind): an answer, which states
// facts and should cite where they come from (the default, ""), or a short
// templated turn that states none — a confirmation of a customer's thanks
// or agreement (closing), or a holding reply to a bare greeting or a sent
// reference ("How can I help?", "One moment while I look into it") —
// which needs no source.
type DraftKind string

// Draft kinds.
const (
	DraftAnswer  DraftKind = ""
	DraftClosing DraftKind = "closing"
	DraftHolding DraftKind = "holding"
)

// NeedsSource reports whether a draft of this kind should cite a source.
func (k DraftKind) NeedsSource() bool { return k != DraftClosing && k != DraftHolding }

// Draft warning codes (Draft.Warnings are "code: message"). The copilot
// keeps its own copies; server/vocab_test.go checks they agree.
const (
	// WarnNoCitation: the draft cites nothing.
	WarnNoCitation = "no_citation"
	// WarnNoArticle: no article covers the question; the draft says so
	// and asks for what is needed (it cites nothing, and says why).
	WarnNoArticle = "no_article"
)

// WarningCode is the code of a draft warning ("no_citation: …" →
// "no_citation").
func WarningCode(w string) string {
	code, _, _ := strings.Cut(w, ":")
	return strings.TrimSpace(code)
}

// BotKind says what a bot message is (Message.BotKind, APIBotTurn.Kind):
// an answer, a request for detail, a notice that a person will reply, or a
// goodbye. Only answers and requests are what the bot tried; a handoff
// notice or a goodbye answers nothing (the summary and the handoff card
// leave them out). Empty: not said (an integration's bot, older messages).
type BotKind string

// Bot message kinds.
const (
	BotAnswer  BotKind = "answer"
	BotClarify BotKind = "clarify"
	BotHandoff BotKind = "handoff"
	BotBye     BotKind = "bye"
)

// BotKinds lists the bot message kinds.
var BotKinds = []BotKind{BotAnswer, BotClarify, BotHandoff, BotBye}

// Tried reports whether a bot message of this kind is something the bot
// tried for the customer (an answer, a question, or a message of no
// stated kind), not a notice.
func (k BotKind) Tried() bool { return k != BotHandoff && k != BotBye }

// EvidenceKind says what an escalation's evidence is made of
// (EvidenceFacts.Kind): the desk words each kind in its own language.
type EvidenceKind string

// Evidence kinds.
const (
	EvidenceCues          EvidenceKind = "cues"           // the customer's words (Cues)
	EvidenceAngry         EvidenceKind = "angry"          // Score, Cues, Excerpt
	EvidenceNegative      EvidenceKind = "negative"       // Score, Excerpt
	EvidenceBotFailures   EvidenceKind = "bot_failures"   // Count bot turns under Threshold
	EvidenceRepeats       EvidenceKind = "repeats"        // Count, Excerpt
	EvidenceVIP           EvidenceKind = "vip"            // a VIP customer
	EvidenceLowConfidence EvidenceKind = "low_confidence" // Score (the bot's confidence) under Threshold on Excerpt
	EvidenceNoBot         EvidenceKind = "no_bot"         // no bot answers on Channel
	EvidenceWidgetButton  EvidenceKind = "widget_button"  // the chat window's "talk to a person" button
)

// DeliveryState is where a reply stands on its way to the customer's
// channel (Message.Delivery); empty for messages that are not delivered
// (customer messages, notes).
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)
