package protocol

import (
	"strings"
	"unicode/utf8"
)

// Request types (client → server). Every request is answered by exactly one
// ack or error frame whose re is the request's id.
const (
	ReqClaim           = "claim"            // ClaimReq → ConversationAck
	ReqNext            = "next"             // NextReq → ConversationAck
	ReqRelease         = "release"          // ConversationReq → ConversationAck
	ReqSend            = "send"             // TextReq → MessageAck
	ReqNote            = "note"             // TextReq → MessageAck
	ReqTransfer        = "transfer"         // TransferReq → ConversationAck
	ReqReassign        = "reassign"         // ReassignReq → ReassignAck (lead, admin)
	ReqResolve         = "resolve"          // ResolveReq → ConversationAck
	ReqSnooze          = "snooze"           // SnoozeReq → ConversationAck
	ReqSetStatus       = "set_status"       // SetStatusReq → AgentAck
	ReqSetCapacity     = "set_capacity"     // SetCapacityReq → AgentAck (lead, admin)
	ReqOutcome         = "outcome"          // OutcomeReq → OutcomeAck
	ReqGetConversation = "get_conversation" // GetConversationReq → ConversationDetail (one page of the transcript)
	ReqRegenerate      = "regenerate"       // RegenerateReq → RegenerateAck
)

// Who may send each, and whether it changes state: roles.go.

// ConversationReq names one conversation.
type ConversationReq struct {
	ConversationID string `json:"conversation_id"`
}

// Validate checks the request.
func (r ConversationReq) Validate() error { return needID("conversation_id", r.ConversationID) }

// ClaimReq takes an unassigned conversation. Version, when non-zero, must
// match the conversation's current version (compare-and-set).
type ClaimReq struct {
	ConversationID string `json:"conversation_id"`
	Version        int64  `json:"version,omitempty"`
}

// Validate checks the request.
func (r ClaimReq) Validate() error { return needID("conversation_id", r.ConversationID) }

// NextReq takes the highest-priority unassigned conversation.
type NextReq struct {
	Team string `json:"team,omitempty"` // restrict to a team's queue
}

// Validate checks the request.
func (r NextReq) Validate() error { return ValidTeam("team", r.Team) }

// TextReq sends a reply or writes an internal note. Attachments are ids
// of files the same agent uploaded (POST /v1/desk/attachments) and not yet
// sent; with attachments the text may be empty.
type TextReq struct {
	ConversationID string   `json:"conversation_id"`
	Text           string   `json:"text"`
	Attachments    []string `json:"attachments,omitempty"`
	// WrittenAt is when the agent wrote it (unix ms): a desk that queued it
	// offline sends it later, and the message keeps this time beside the
	// time the server took it. Optional; one in the future is not kept.
	WrittenAt int64 `json:"written_at,omitempty"`
}

// Validate checks the request.
func (r TextReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if r.WrittenAt < 0 {
		return Errorf(CodeInvalid, "field \"written_at\" is negative")
	}
	if len(r.Attachments) > MaxAttachments {
		return Errorf(CodeInvalid, "field \"attachments\" has %d files; at most %d", len(r.Attachments), MaxAttachments)
	}
	for _, id := range r.Attachments {
		if err := needID("attachments", id); err != nil {
			return err
		}
	}
	if len(r.Attachments) > 0 && strings.TrimSpace(r.Text) == "" {
		return nil
	}
	return needText("text", r.Text)
}

// TransferReq hands an owned conversation to another agent or back to a team queue.
type TransferReq struct {
	ConversationID string `json:"conversation_id"`
	ToAgent        string `json:"to_agent,omitempty"`
	ToTeam         string `json:"to_team,omitempty"`
	Note           string `json:"note,omitempty"`
}

// Validate checks the request.
func (r TransferReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if r.ToAgent == "" && r.ToTeam == "" {
		return Errorf(CodeInvalid, "one of to_agent or to_team is required")
	}
	if err := ValidTeam("to_team", r.ToTeam); err != nil {
		return err
	}
	if len(r.Note) > MaxTextBytes {
		return Errorf(CodeInvalid, "field \"note\" is longer than %d bytes", MaxTextBytes)
	}
	return nil
}

// MaxBulk bounds how many conversations one request may touch.
const MaxBulk = 500

// ReassignReq moves conversations to an agent or a team queue (lead, admin).
// Versions, when given, maps a conversation id to the version the lead saw;
// a conversation that changed since is refused with conflict and left alone.
type ReassignReq struct {
	ConversationIDs []string         `json:"conversation_ids"`
	ToAgent         string           `json:"to_agent,omitempty"`
	ToTeam          string           `json:"to_team,omitempty"`
	Versions        map[string]int64 `json:"versions,omitempty"`
	Note            string           `json:"note,omitempty"`
}

// Validate checks the request.
func (r ReassignReq) Validate() error {
	if len(r.ConversationIDs) == 0 {
		return Errorf(CodeInvalid, "field \"conversation_ids\" is empty")
	}
	if len(r.ConversationIDs) > MaxBulk {
		return Errorf(CodeInvalid, "field \"conversation_ids\" has %d entries, at most %d allowed", len(r.ConversationIDs), MaxBulk)
	}
	for _, id := range r.ConversationIDs {
		if err := needID("conversation_ids", id); err != nil {
			return err
		}
	}
	if r.ToAgent == "" && r.ToTeam == "" {
		return Errorf(CodeInvalid, "one of to_agent or to_team is required")
	}
	if err := ValidTeam("to_team", r.ToTeam); err != nil {
		return err
	}
	if len(r.Note) > MaxTextBytes {
		return Errorf(CodeInvalid, "field \"note\" is longer than %d bytes", MaxTextBytes)
	}
	return nil
}

// ReassignResult is the outcome for one conversation of a reassign.
type ReassignResult struct {
	ConversationID string        `json:"conversation_id"`
	OK             bool          `json:"ok"`
	Error          *Error        `json:"error,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
}

// ReassignAck answers a reassign: one result per conversation, in order.
type ReassignAck struct {
	Results []ReassignResult `json:"results"`
}

// ResolveReq closes a conversation with a disposition.
type ResolveReq struct {
	ConversationID string `json:"conversation_id"`
	Disposition    string `json:"disposition"`
}

// Validate checks the request.
func (r ResolveReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if strings.TrimSpace(r.Disposition) == "" {
		return Errorf(CodeInvalid, "field \"disposition\" is required")
	}
	if len(r.Disposition) > 64 {
		return Errorf(CodeInvalid, "field \"disposition\" is longer than 64 bytes")
	}
	return nil
}

// SnoozeReq parks an owned conversation for some minutes; it returns to its
// assignee (status assigned) when the time is up or the customer writes.
type SnoozeReq struct {
	ConversationID string `json:"conversation_id"`
	Minutes        int    `json:"minutes"`
}

// Validate checks the request.
func (r SnoozeReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if r.Minutes < 1 || r.Minutes > 7*24*60 {
		return Errorf(CodeInvalid, "field \"minutes\" must be between 1 and 10080")
	}
	return nil
}

// SetStatusReq sets presence. AgentID empty means oneself; another agent's
// status needs the lead or admin role.
type SetStatusReq struct {
	AgentID string `json:"agent_id,omitempty"`
	Status  string `json:"status"`
}

// Validate checks the request.
func (r SetStatusReq) Validate() error {
	if !ValidStatus(r.Status) {
		return Errorf(CodeInvalid, "field \"status\" must be online, away or offline")
	}
	return nil
}

// SetCapacityReq sets how many conversations an agent takes at once (lead, admin).
type SetCapacityReq struct {
	AgentID  string `json:"agent_id"`
	Capacity int    `json:"capacity"`
}

// Validate checks the request.
func (r SetCapacityReq) Validate() error {
	if err := needID("agent_id", r.AgentID); err != nil {
		return err
	}
	if r.Capacity < 0 || r.Capacity > 100 {
		return Errorf(CodeInvalid, "field \"capacity\" must be between 0 and 100")
	}
	return nil
}

// OutcomeReq records what the agent did with a draft. Accept sends the draft
// text as the reply; edit sends FinalText; reject sends nothing and needs a
// Reason. One outcome per draft: IdempotencyKey makes retries safe.
type OutcomeReq struct {
	DraftID        string `json:"draft_id"`
	Action         Action `json:"action"`
	FinalText      string `json:"final_text,omitempty"`
	Reason         string `json:"reason,omitempty"`
	Note           string `json:"note,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
	DraftShownAt   int64  `json:"draft_shown_at,omitempty"`
}

// Validate checks the request.
func (r OutcomeReq) Validate() error {
	if err := needID("draft_id", r.DraftID); err != nil {
		return err
	}
	if err := needID("idempotency_key", r.IdempotencyKey); err != nil {
		return err
	}
	switch r.Action {
	case ActionAccept:
		if r.FinalText != "" {
			return Errorf(CodeInvalid, "field \"final_text\" must be empty for accept (the draft is sent as is)")
		}
	case ActionEdit:
		if err := needText("final_text", r.FinalText); err != nil {
			return err
		}
	case ActionReject:
		if !ValidRejectReason(r.Reason) {
			return Errorf(CodeInvalid, "field \"reason\" must be one of %s", strings.Join(RejectReasons, ", "))
		}
	default:
		return Errorf(CodeInvalid, "field \"action\" must be accept, edit or reject")
	}
	if len(r.Note) > MaxTextBytes {
		return Errorf(CodeInvalid, "field \"note\" is longer than %d bytes", MaxTextBytes)
	}
	return nil
}

// RegenerateReq asks the copilot for a new draft, optionally steered by an
// instruction ("shorter", "more formal", "answer in English"). The draft
// arrives later as a draft.updated event; earlier open drafts are superseded.
type RegenerateReq struct {
	ConversationID string `json:"conversation_id"`
	Instruction    string `json:"instruction,omitempty"`
}

// Validate checks the request.
func (r RegenerateReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if len(r.Instruction) > 500 {
		return Errorf(CodeInvalid, "field \"instruction\" is longer than 500 bytes")
	}
	return nil
}

// RegenerateAck answers regenerate: the request was queued.
type RegenerateAck struct {
	Queued bool `json:"queued"`
}

// ConversationAck answers requests that change one conversation.
type ConversationAck struct {
	Conversation Conversation `json:"conversation"`
}

// MessageAck answers send and note.
type MessageAck struct {
	Message      Message      `json:"message"`
	Conversation Conversation `json:"conversation"`
}

// AgentAck answers set_status and set_capacity.
type AgentAck struct {
	Agent Agent `json:"agent"`
}

// OutcomeAck answers outcome. Duplicate is true when the outcome had already
// been recorded under the same idempotency key (a retry).
type OutcomeAck struct {
	Outcome   Outcome  `json:"outcome"`
	Message   *Message `json:"message,omitempty"`
	Duplicate bool     `json:"duplicate,omitempty"`
}

// Transcript pages: get_conversation and GET /v1/api/conversations/{id}
// answer the newest TranscriptPage messages (at most MaxTranscriptPage),
// and end a page early before its texts pass MaxReplyBytes/2.
const (
	TranscriptPage    = 200
	MaxTranscriptPage = 500
	// MaxDrafts bounds the drafts a paged get_conversation carries (the newest).
	MaxDrafts = 20
)

// GetConversationReq asks for a conversation and one page of its
// transcript. BeforeSeq 0 means the newest page; Limit 0 the default.
type GetConversationReq struct {
	ConversationID string `json:"conversation_id"`
	BeforeSeq      int    `json:"before_seq,omitempty"`
	Limit          int    `json:"limit,omitempty"`
}

// Validate checks the request.
func (r GetConversationReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if r.BeforeSeq < 0 || r.Limit < 0 || r.Limit > MaxTranscriptPage {
		return Errorf(CodeInvalid, "field \"limit\" must be between 0 and %d and \"before_seq\" not negative", MaxTranscriptPage)
	}
	return nil
}

// ConversationDetail answers get_conversation: the conversation with its
// transcript and drafts, the customer's profile, and their other
// conversations across channels (newest first, at most MaxHistory).
// Customer is nil from servers older than these fields.
type ConversationDetail struct {
	Conversation Conversation `json:"conversation"`
	// Messages is one page of the transcript, oldest first: the newest
	// messages before GetConversationReq.BeforeSeq. More is true when older
	// ones exist: ask again with BeforeSeq = Messages[0].Seq.
	Messages []Message          `json:"messages"`
	More     bool               `json:"more,omitempty"`
	Drafts   []Draft            `json:"drafts"`
	Customer *Customer          `json:"customer,omitempty"`
	History  []PastConversation `json:"history"`
}

func needID(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return Errorf(CodeInvalid, "field %q is required", field)
	}
	if len(v) > 128 {
		return Errorf(CodeInvalid, "field %q is longer than 128 bytes", field)
	}
	return nil
}

func needText(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return Errorf(CodeInvalid, "field %q is empty", field)
	}
	if len(v) > MaxTextBytes {
		return Errorf(CodeInvalid, "field %q is longer than %d bytes", field, MaxTextBytes)
	}
	if !utf8.ValidString(v) {
		return Errorf(CodeInvalid, "field %q is not valid UTF-8", field)
	}
	return nil
}
