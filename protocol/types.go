package protocol

// Roles an agent account can have. Leads can do everything agents can plus
// reassign, set capacity and status of others; trainers read and review but
// never talk to customers; admins can do everything.
const (
	RoleAgent   = "agent"
	RoleLead    = "lead"
	RoleTrainer = "trainer"
	RoleAdmin   = "admin"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	switch r {
	case RoleAgent, RoleLead, RoleTrainer, RoleAdmin:
		return true
	}
	return false
}

// Agent presence.
const (
	StatusOnline  = "online"
	StatusAway    = "away"
	StatusOffline = "offline"
)

// ValidStatus reports whether s is a known presence status.
func ValidStatus(s string) bool {
	return s == StatusOnline || s == StatusAway || s == StatusOffline
}

// Agent is a person with an account: agent, lead, trainer or admin.
type Agent struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	Team        string `json:"team,omitempty"`
	Status      string `json:"status"`
	StatusSince int64  `json:"status_since"` // unix ms
	Capacity    int    `json:"capacity"`
	Load        int    `json:"load"` // open conversations assigned
	Version     int64  `json:"version"`
}

// TakesChats reports whether a chat may be handed to a: agents and leads
// with room for at least one chat. Trainers never talk to customers, admin
// accounts are integrations and operators (the demo's shop bot), and a
// capacity of 0 means "takes nothing" — a chat handed to any of them would
// sit with nobody to answer it.
func (a Agent) TakesChats() bool {
	return (a.Role == RoleAgent || a.Role == RoleLead) && a.Capacity > 0
}

// Conversation states.
const (
	ConvBot      = "bot"      // handled by the front-line bot, not escalated
	ConvQueued   = "queued"   // escalated, waiting for a person
	ConvAssigned = "assigned" // an agent owns it
	ConvSnoozed  = "snoozed"  // parked by its assignee until SnoozedUntil
	ConvResolved = "resolved" // closed with a disposition
)

// Conversation is the desk's view of one customer conversation.
type Conversation struct {
	ID           string      `json:"id"`
	CustomerID   string      `json:"customer_id"`
	CustomerName string      `json:"customer_name"`
	VIP          bool        `json:"vip,omitempty"`
	Channel      string      `json:"channel"`
	Status       string      `json:"status"`
	Priority     int         `json:"priority"` // higher first
	Assignee     string      `json:"assignee,omitempty"`
	Team         string      `json:"team,omitempty"`
	Version      int64       `json:"version"` // bumped on every change; compare-and-set
	Subject      string      `json:"subject,omitempty"`
	Summary      string      `json:"summary,omitempty"`
	Sentiment    string      `json:"sentiment,omitempty"` // negative | neutral | positive
	Flags        []Flag      `json:"flags,omitempty"`     // FlagAngry, FlagChurnRisk, ...
	Intent       string      `json:"intent,omitempty"`
	Trajectory   []float64   `json:"trajectory,omitempty"` // sentiment score per customer turn, -1..1, oldest first
	Escalation   *Escalation `json:"escalation,omitempty"`
	Language     string      `json:"language,omitempty"`
	LastSeq      int         `json:"last_seq"`          // seq of the newest message
	LastCustomer int         `json:"last_customer_seq"` // seq of the newest customer message
	CreatedAt    int64       `json:"created_at"`
	UpdatedAt    int64       `json:"updated_at"`
	EscalatedAt  int64       `json:"escalated_at,omitempty"`
	FirstReplyAt int64       `json:"first_reply_at,omitempty"`
	// WaitingSince is when the customer's oldest message no agent has
	// answered yet was written (0: no such message). See WaitStart.
	WaitingSince int64  `json:"waiting_since,omitempty"`
	SLADueAt     int64  `json:"sla_due_at,omitempty"`
	SnoozedUntil int64  `json:"snoozed_until,omitempty"`
	ResolvedAt   int64  `json:"resolved_at,omitempty"`
	Disposition  string `json:"disposition,omitempty"`
}

// Customer is the person behind a conversation, as get_conversation shows
// them: profile and every channel identity they have reached us from.
type Customer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	VIP        bool              `json:"vip,omitempty"`
	Language   string            `json:"language,omitempty"`
	Identities []ChannelIdentity `json:"identities"` // by channel, then external id
}

// ChannelIdentity is a customer's address on one channel (a WeChat openid,
// a phone number, an e-mail address).
type ChannelIdentity struct {
	Channel    string `json:"channel"`
	ExternalID string `json:"external_id"`
}

// MaxHistory bounds ConversationDetail.History.
const MaxHistory = 20

// PastConversation is one of a customer's other conversations, on any
// channel: the history an agent reads before answering.
type PastConversation struct {
	ID          string `json:"id"`
	Channel     string `json:"channel"`
	Status      string `json:"status"`
	CreatedAt   int64  `json:"created_at"`
	ResolvedAt  int64  `json:"resolved_at,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Summary     string `json:"summary,omitempty"`
}

// Escalation records why a conversation was handed to people.
type Escalation struct {
	Reason   Reason `json:"reason"`   // Reason* constants, or a reason an integration gave
	Evidence string `json:"evidence"` // the words or facts that triggered it, in English
	// Facts are the same evidence in parts, for a desk to word in its own
	// language; absent when an integration gave only its own evidence text.
	Facts         *EvidenceFacts `json:"facts,omitempty"`
	BotConfidence float64        `json:"bot_confidence,omitempty"`
	BotTried      []string       `json:"bot_tried,omitempty"` // what the bot already said or promised
	// BotTurns is how many times the bot answered before the handoff;
	// BotSources the knowledge-base entries its last answer drew on.
	BotTurns   int      `json:"bot_turns,omitempty"`
	BotSources []Source `json:"bot_sources,omitempty"`
	At         int64    `json:"at"`
	// Seq is the conversation's newest message when it was escalated:
	// messages with a higher seq came after the handoff (times in
	// milliseconds cannot tell within the same one).
	Seq int `json:"seq,omitempty"`
}

// EvidenceFacts is an escalation's evidence in parts (Kind says which
// fields are set).
type EvidenceFacts struct {
	Kind      EvidenceKind `json:"kind"`
	Cues      []string     `json:"cues,omitempty"`      // the customer's words that raised the flag
	Score     float64      `json:"score,omitempty"`     // sentiment score, or the bot's confidence
	Threshold float64      `json:"threshold,omitempty"` // the confidence the bot's answers needed
	Count     int          `json:"count,omitempty"`     // bot failures, or times the customer repeated themselves
	Excerpt   string       `json:"excerpt,omitempty"`   // the start of the customer's message
	Channel   string       `json:"channel,omitempty"`
}

// Dispositions the server sets itself: the front-line bot answered and the
// customer was done (thanked, or went quiet after an answer), or the
// customer went quiet while the bot still had no answer.
const (
	DispositionBotResolved = "bot_resolved"
	DispositionNoReply     = "no_reply"
)

// Message authors.
const (
	AuthorCustomer = "customer"
	AuthorBot      = "bot"
	AuthorAgent    = "agent"
	AuthorSystem   = "system"
	AuthorNote     = "note" // internal note, never sent to the customer
)

// Message is one entry of a transcript.
type Message struct {
	ID             string        `json:"id"`
	ConversationID string        `json:"conversation_id"`
	Seq            int           `json:"seq"` // position in the conversation, from 1
	Author         string        `json:"author"`
	AuthorID       string        `json:"author_id,omitempty"`
	AuthorName     string        `json:"author_name,omitempty"`
	Text           string        `json:"text"`
	DraftID        string        `json:"draft_id,omitempty"` // set when the reply came from an AI draft
	Delivery       DeliveryState `json:"delivery,omitempty"` // agent and bot replies on their way
	CreatedAt      int64         `json:"created_at"`         // when the server took it
	// WrittenAt is when the agent wrote it, when that was earlier than
	// CreatedAt (a reply or note queued on a desk while offline); 0 if not.
	WrittenAt int64 `json:"written_at,omitempty"`
	// Attachments are the files sent with the message: metadata only, the
	// bytes are downloaded from the attachment endpoints (docs/api).
	Attachments []Attachment `json:"attachments,omitempty"`
	// BotKind is what a bot message is (an answer, a handoff notice…),
	// when the bot said.
	BotKind BotKind `json:"bot_kind,omitempty"`
	// Withheld: the server sent this desk the message's metadata only
	// (WithheldMessage), in an event about a conversation it may not read
	// in full; the text is not empty, it is not here. docs/protocol.md
	// ("Message events a desk may not read").
	Withheld bool `json:"withheld,omitempty"`
}

// WithheldMessage is what a desk that may not read m is sent of it: who
// wrote it, where and when, and its delivery — no text, author name,
// draft, attachments or bot kind.
func WithheldMessage(m Message) Message {
	return Message{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Author: m.Author, AuthorID: m.AuthorID,
		Delivery: m.Delivery, CreatedAt: m.CreatedAt, Withheld: true}
}

// MaxAttachments bounds the files one message may carry.
const MaxAttachments = 10

// Attachment is a file sent with a message. The content type is what the
// server sniffed from the bytes, never what the sender claimed.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Source is a knowledge-base entry or exemplar a draft drew on.
type Source struct {
	Kind  string  `json:"kind"` // kb | exemplar
	ID    string  `json:"id"`
	Title string  `json:"title,omitempty"`
	Score float64 `json:"score,omitempty"`
}

// Draft is an AI-generated reply suggestion.
type Draft struct {
	ID             string   `json:"id"`
	ConversationID string   `json:"conversation_id"`
	Text           string   `json:"text"`
	BasedOnSeq     int      `json:"based_on_seq"` // newest message seq it saw; stale when the customer wrote after
	Provider       string   `json:"provider"`
	Model          string   `json:"model"`
	PromptVersion  string   `json:"prompt_version"`
	Sources        []Source `json:"sources,omitempty"`
	Warnings       []string `json:"warnings,omitempty"`
	// Kind is what the draft is: an answer (""), or a short confirmation
	// or greeting that states no facts and needs no source.
	Kind        DraftKind   `json:"kind,omitempty"`
	Instruction string      `json:"instruction,omitempty"`
	Status      DraftStatus `json:"status"`
	CreatedAt   int64       `json:"created_at"`
}

// Reject reasons (one keystroke each in the desk).
var RejectReasons = []string{
	"wrong_facts", "wrong_tone", "wrong_language", "unsafe", "incomplete", "should_escalate", "other",
}

// ValidRejectReason reports whether r is a known reject reason.
func ValidRejectReason(r string) bool {
	for _, x := range RejectReasons {
		if x == r {
			return true
		}
	}
	return false
}

// Outcome is a training signal: what an agent did with a draft.
type Outcome struct {
	ID             string   `json:"id"`
	DraftID        string   `json:"draft_id"`
	ConversationID string   `json:"conversation_id"`
	AgentID        string   `json:"agent_id"`
	Action         Action   `json:"action"`
	DraftText      string   `json:"draft_text"`
	FinalText      string   `json:"final_text,omitempty"`
	Reason         string   `json:"reason,omitempty"`
	Note           string   `json:"note,omitempty"`
	MessageID      string   `json:"message_id,omitempty"` // the reply sent, for accept / edit
	Provider       string   `json:"provider"`
	Model          string   `json:"model"`
	PromptVersion  string   `json:"prompt_version"`
	Sources        []Source `json:"sources,omitempty"`
	IdempotencyKey string   `json:"idempotency_key"`
	DraftShownAt   int64    `json:"draft_shown_at,omitempty"`
	CreatedAt      int64    `json:"created_at"`
}

// Snapshot is the state a desk starts from: the open conversations it may
// see and the team. Sent in the welcome frame when the desk connects fresh
// or is too far behind to replay.
type Snapshot struct {
	Conversations []Conversation `json:"conversations"`
	Agents        []Agent        `json:"agents"`
}

// Welcome is the data of the first frame on every connection.
type Welcome struct {
	Protocol      int       `json:"protocol"`
	ServerVersion string    `json:"server_version"`
	Agent         Agent     `json:"agent"`
	Seq           int64     `json:"seq"`    // events that follow have seq > Seq (= since when replaying)
	Resume        string    `json:"resume"` // "replay": events after the client's seq follow; "snapshot": start from Snapshot
	Snapshot      *Snapshot `json:"snapshot,omitempty"`
	// SnapshotMore says the snapshot goes on in "snapshot" frames
	// (SnapshotPage) that follow the welcome before any event; the desk
	// appends their conversations and applies the snapshot once the last
	// page (More false) has arrived. Each frame stays near MaxReplyBytes.
	SnapshotMore bool `json:"snapshot_more,omitempty"`
	// Delivery says which channels agent replies are delivered to; nil from
	// a server that does not say (then every channel is assumed covered).
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery lists where the server delivers agent replies: every channel
// (All) or only those named. A reply on another channel is stored but
// reaches no customer, and a desk should say so instead of "sending…".
type Delivery struct {
	All      bool     `json:"all,omitempty"`
	Channels []string `json:"channels,omitempty"`
}

// Covers reports whether replies on channel are delivered.
func (d *Delivery) Covers(channel string) bool {
	if d == nil || d.All {
		return true
	}
	for _, c := range d.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// TypeSnapshot is the frame type of a snapshot's further pages.
const TypeSnapshot = "snapshot"

// SnapshotPage is the data of a "snapshot" frame: more open conversations
// of the welcome's snapshot, in the same order; More false on the last.
type SnapshotPage struct {
	Conversations []Conversation `json:"conversations"`
	More          bool           `json:"more"`
}

// Resume modes.
const (
	ResumeReplay   = "replay"
	ResumeSnapshot = "snapshot"
)
