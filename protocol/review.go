package protocol

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// Trainer review: the outcomes stream, labels, promotion of gold replies,
// metrics and dataset export. Trainers and admins may do all of it; leads
// may read the stream and the metrics; agents none of it.
const (
	ReqReviewList    = "review.list"    // ReviewListReq → ReviewListAck
	ReqReviewGet     = "review.get"     // OutcomeRef → ReviewDetail
	ReqLabel         = "label"          // LabelReq → LabelAck
	ReqPromote       = "promote"        // PromoteReq → PromoteAck
	ReqReviewMetrics = "review.metrics" // ReviewMetricsReq → ReviewMetrics
	ReqExport        = "export"         // ExportReq → ExportAck
	ReqKBReload      = "kb.reload"      // KBReloadReq → KBReloadAck
)

// Label severities: how bad the draft's mistake was.
var Severities = []string{"minor", "major", "critical"}

// Promotion targets.
const (
	PromoteExemplar = "exemplar" // the copilot's exemplar memory, at once
	PromoteKB       = "kb"       // a knowledge-base file, pending review until reloaded
)

// Promotion states.
const (
	PromotionActive  = "active"         // in use by the copilot
	PromotionPending = "pending_review" // written, waiting for a reviewer and a KB reload
)

// Review sort orders.
const (
	SortChange = "change" // how much the agent had to change, most first (default)
	SortNewest = "newest"
)

// MaxReviewPage bounds review.list and export pages.
const MaxReviewPage = 200

// ReviewFilter selects outcomes. Empty lists match everything; within a list
// any value matches. Since and Until are unix milliseconds (Until exclusive).
type ReviewFilter struct {
	Actions        []string `json:"actions,omitempty"`
	Reasons        []string `json:"reasons,omitempty"` // the agent's reason or the trainer's label
	Intents        []string `json:"intents,omitempty"`
	Languages      []string `json:"languages,omitempty"`
	Models         []string `json:"models,omitempty"`
	PromptVersions []string `json:"prompt_versions,omitempty"`
	Agents         []string `json:"agents,omitempty"`
	Since          int64    `json:"since,omitempty"`
	Until          int64    `json:"until,omitempty"`
	Labelled       string   `json:"labelled,omitempty"` // "yes", "no" or empty for both
	Golden         bool     `json:"golden,omitempty"`   // golden-set cases only
}

// Validate checks the filter.
func (f ReviewFilter) Validate() error {
	lists := map[string][]string{"actions": f.Actions, "reasons": f.Reasons, "intents": f.Intents, "languages": f.Languages,
		"models": f.Models, "prompt_versions": f.PromptVersions, "agents": f.Agents}
	for name, l := range lists {
		if len(l) > 50 {
			return Errorf(CodeInvalid, "field %q has more than 50 values", name)
		}
		for _, v := range l {
			if v == "" || len(v) > 128 {
				return Errorf(CodeInvalid, "field %q has an empty or over-long value", name)
			}
		}
	}
	for _, a := range f.Actions {
		if !Action(a).Valid() {
			return Errorf(CodeInvalid, "field \"actions\": %q is not accept, edit or reject", a)
		}
	}
	if f.Since < 0 || f.Until < 0 || (f.Until != 0 && f.Until <= f.Since) {
		return Errorf(CodeInvalid, "fields \"since\"/\"until\" must be a non-empty time range")
	}
	if f.Labelled != "" && f.Labelled != "yes" && f.Labelled != "no" {
		return Errorf(CodeInvalid, "field \"labelled\" must be yes, no or empty")
	}
	return nil
}

// ReviewListReq asks for a page of the outcomes stream.
type ReviewListReq struct {
	Filter ReviewFilter `json:"filter"`
	Sort   string       `json:"sort,omitempty"` // change (default) | newest
	Offset int          `json:"offset,omitempty"`
	Limit  int          `json:"limit,omitempty"` // default 50, at most MaxReviewPage
}

// Validate checks the request.
func (r ReviewListReq) Validate() error {
	if r.Sort != "" && r.Sort != SortChange && r.Sort != SortNewest {
		return Errorf(CodeInvalid, "field \"sort\" must be change or newest")
	}
	if r.Offset < 0 || r.Limit < 0 || r.Limit > MaxReviewPage {
		return Errorf(CodeInvalid, "field \"limit\" must be between 0 and %d and \"offset\" not negative", MaxReviewPage)
	}
	return r.Filter.Validate()
}

// ReviewItem is one outcome in the review stream.
type ReviewItem struct {
	Outcome   Outcome `json:"outcome"`
	AgentName string  `json:"agent_name,omitempty"`
	Intent    string  `json:"intent,omitempty"`
	Language  string  `json:"language,omitempty"`
	// Change is how much the agent changed the draft, 0..1: 0 accepted as
	// is, the normalised word-level edit distance for an edit, 1 rejected.
	Change float64 `json:"change"`
	Label  *Label  `json:"label,omitempty"`
}

// ReviewListAck is a page of the stream. Total counts every match.
type ReviewListAck struct {
	Items  []ReviewItem `json:"items"`
	Total  int          `json:"total"`
	Offset int          `json:"offset"`
}

// OutcomeRef names one outcome.
type OutcomeRef struct {
	OutcomeID string `json:"outcome_id"`
}

// Validate checks the request.
func (r OutcomeRef) Validate() error { return needID("outcome_id", r.OutcomeID) }

// ReviewDetail is one outcome with what a trainer needs to judge it: the
// conversation up to the draft (Context), what followed it (After, at most
// a few messages), the draft itself and earlier promotions.
type ReviewDetail struct {
	Item       ReviewItem  `json:"item"`
	Draft      Draft       `json:"draft"`
	Context    []Message   `json:"context"`
	After      []Message   `json:"after,omitempty"`
	Promotions []Promotion `json:"promotions,omitempty"`
	Subject    string      `json:"subject,omitempty"`
	Escalation *Escalation `json:"escalation,omitempty"`
	Customer   string      `json:"customer_name,omitempty"`
	Channel    string      `json:"channel,omitempty"`
}

// Label is a trainer's judgement of one outcome.
type Label struct {
	OutcomeID string `json:"outcome_id"`
	Reason    string `json:"reason,omitempty"`   // confirmed or corrected reject reason
	Severity  string `json:"severity,omitempty"` // minor | major | critical
	// Mood is the trainer's reading of the customer's mood at this turn
	// (negative | neutral | positive): the team's own sentiment labels,
	// exported with `export --format sentiment` to train the model.
	Mood       string `json:"mood,omitempty"`
	Comment    string `json:"comment,omitempty"`
	GoldReply  string `json:"gold_reply,omitempty"` // the reply the copilot should have drafted
	Golden     bool   `json:"golden,omitempty"`     // part of the golden set
	LabelledBy string `json:"labelled_by"`
	LabelledAt int64  `json:"labelled_at"`
	Version    int64  `json:"version"`
}

// LabelReq sets the label of an outcome (replacing an earlier one). Version,
// when non-zero, must match the stored label's version (compare-and-set).
type LabelReq struct {
	OutcomeID string `json:"outcome_id"`
	Reason    string `json:"reason,omitempty"`
	Severity  string `json:"severity,omitempty"`
	Mood      string `json:"mood,omitempty"`
	Comment   string `json:"comment,omitempty"`
	GoldReply string `json:"gold_reply,omitempty"`
	Golden    bool   `json:"golden,omitempty"`
	Version   int64  `json:"version,omitempty"`
}

// Moods a trainer can label a customer turn with.
var Moods = []string{"negative", "neutral", "positive"}

// Validate checks the request.
func (r LabelReq) Validate() error {
	if err := needID("outcome_id", r.OutcomeID); err != nil {
		return err
	}
	if r.Reason != "" && !ValidRejectReason(r.Reason) {
		return Errorf(CodeInvalid, "field \"reason\" must be one of %s", strings.Join(RejectReasons, ", "))
	}
	if r.Severity != "" && !validSeverity(r.Severity) {
		return Errorf(CodeInvalid, "field \"severity\" must be one of %s", strings.Join(Severities, ", "))
	}
	if r.Mood != "" && !slices.Contains(Moods, r.Mood) {
		return Errorf(CodeInvalid, "field \"mood\" must be one of %s", strings.Join(Moods, ", "))
	}
	for name, v := range map[string]string{"comment": r.Comment, "gold_reply": r.GoldReply} {
		if len(v) > MaxTextBytes {
			return Errorf(CodeInvalid, "field %q is longer than %d bytes", name, MaxTextBytes)
		}
		if !utf8.ValidString(v) {
			return Errorf(CodeInvalid, "field %q is not valid UTF-8", name)
		}
	}
	if r.Golden && strings.TrimSpace(r.GoldReply) == "" {
		return Errorf(CodeInvalid, "a golden-set case needs a gold_reply")
	}
	return nil
}

func validSeverity(s string) bool {
	for _, x := range Severities {
		if x == s {
			return true
		}
	}
	return false
}

// LabelAck answers label.
type LabelAck struct {
	Label Label `json:"label"`
}

// PromoteReq puts an outcome's gold reply (or, without one, the reply the
// agent sent) to use: into the exemplar memory, or as a knowledge-base file
// that waits for review. Title names the KB entry (default: the question).
type PromoteReq struct {
	OutcomeID string `json:"outcome_id"`
	Target    string `json:"target"`
	Title     string `json:"title,omitempty"`
}

// Validate checks the request.
func (r PromoteReq) Validate() error {
	if err := needID("outcome_id", r.OutcomeID); err != nil {
		return err
	}
	if r.Target != PromoteExemplar && r.Target != PromoteKB {
		return Errorf(CodeInvalid, "field \"target\" must be exemplar or kb")
	}
	if len(r.Title) > 200 || strings.ContainsAny(r.Title, "\n\r") {
		return Errorf(CodeInvalid, "field \"title\" must be one line of at most 200 bytes")
	}
	return nil
}

// Promotion records a gold reply put to use.
type Promotion struct {
	ID        string `json:"id"`
	OutcomeID string `json:"outcome_id"`
	Target    string `json:"target"`
	Ref       string `json:"ref"` // exemplar id, or the KB file path relative to the KB folder
	Status    string `json:"status"`
	Question  string `json:"question"`
	Reply     string `json:"reply"`
	Language  string `json:"language,omitempty"`
	By        string `json:"by"`
	At        int64  `json:"at"`
}

// PromoteAck answers promote.
type PromoteAck struct {
	Promotion Promotion `json:"promotion"`
}

// ReviewMetricsReq asks for metrics over the outcomes a filter selects.
// Days are cut at midnight UTC shifted by UTCOffsetMinutes.
type ReviewMetricsReq struct {
	Filter           ReviewFilter `json:"filter"`
	UTCOffsetMinutes int          `json:"utc_offset_minutes,omitempty"`
}

// Validate checks the request.
func (r ReviewMetricsReq) Validate() error {
	if r.UTCOffsetMinutes < -14*60 || r.UTCOffsetMinutes > 14*60 {
		return Errorf(CodeInvalid, "field \"utc_offset_minutes\" must be within ±840")
	}
	return r.Filter.Validate()
}

// OutcomeStats are the rates of one group of outcomes.
type OutcomeStats struct {
	Key      string `json:"key,omitempty"`
	Total    int    `json:"total"`
	Accepted int    `json:"accepted"`
	Edited   int    `json:"edited"`
	Rejected int    `json:"rejected"`
	// AcceptRate, EditRate and RejectRate are shares of Total, 0..1.
	AcceptRate float64 `json:"accept_rate"`
	EditRate   float64 `json:"edit_rate"`
	RejectRate float64 `json:"reject_rate"`
	// MeanEditDistance is the mean normalised word-level edit distance of
	// the replies sent (accepted count as 0); MeanChange also counts
	// rejections as 1.
	MeanEditDistance float64 `json:"mean_edit_distance"`
	MeanChange       float64 `json:"mean_change"`
}

// ReviewMetrics answers review.metrics.
type ReviewMetrics struct {
	Overall         OutcomeStats   `json:"overall"`
	Reasons         map[string]int `json:"reasons"` // rejections by reason (label reason wins)
	Days            []OutcomeStats `json:"days"`    // key: YYYY-MM-DD, oldest first
	ByIntent        []OutcomeStats `json:"by_intent"`
	ByModel         []OutcomeStats `json:"by_model"` // key: provider/model
	ByPromptVersion []OutcomeStats `json:"by_prompt_version"`
}

// Dataset formats for export.
const (
	FormatSFT = "sft" // OpenAI chat fine-tuning: {"messages": [...]}
	FormatDPO = "dpo" // OpenAI preference fine-tuning: input, preferred_output, non_preferred_output
	// FormatSentiment: sentiment rows {"id","text","label","lang","source"}
	// from trainers' mood labels and CSAT comments, for `agentdesk train sentiment`.
	FormatSentiment = "sentiment"
)

// SentimentRecord is one row of the sentiment format: the row format of
// `agentdesk eval sentiment` and `agentdesk train sentiment`.
type SentimentRecord struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Label  string `json:"label"`
	Lang   string `json:"lang,omitempty"`
	Source string `json:"source"` // "mood_label" or "csat"
}

// DatasetSchemaVersion versions the exported records and manifest.
const DatasetSchemaVersion = "agentdesk.dataset/1"

// ExportReq asks for a page of dataset records. Cursor is empty for the
// first page and ExportAck.Next after; Next is empty on the last page.
type ExportReq struct {
	Format string       `json:"format"`
	Filter ReviewFilter `json:"filter"`
	Cursor string       `json:"cursor,omitempty"`
	Limit  int          `json:"limit,omitempty"` // default and maximum MaxReviewPage
}

// Validate checks the request.
func (r ExportReq) Validate() error {
	if r.Format != FormatSFT && r.Format != FormatDPO && r.Format != FormatSentiment {
		return Errorf(CodeInvalid, "field \"format\" must be sft, dpo or sentiment")
	}
	if r.Limit < 0 || r.Limit > MaxReviewPage {
		return Errorf(CodeInvalid, "field \"limit\" must be between 0 and %d", MaxReviewPage)
	}
	if len(r.Cursor) > 128 {
		return Errorf(CodeInvalid, "field \"cursor\" is longer than 128 bytes")
	}
	return r.Filter.Validate()
}

// ExportAck is a page of records, each one JSONL line of the format, PII
// masked. Skipped counts outcomes the page passed over, by why.
type ExportAck struct {
	Format  string            `json:"format"`
	Records []json.RawMessage `json:"records"`
	Actions map[string]int    `json:"actions"` // records by outcome action
	Skipped map[string]int    `json:"skipped,omitempty"`
	Next    string            `json:"next,omitempty"`
}

// ChatMessage is one message of a dataset record.
type ChatMessage struct {
	Role    string `json:"role"` // system | user | assistant
	Content string `json:"content"`
}

// SFTRecord is one line of an sft export.
type SFTRecord struct {
	Messages []ChatMessage `json:"messages"`
}

// DPOInput is the prompt side of a preference record.
type DPOInput struct {
	Messages []ChatMessage `json:"messages"`
}

// DPORecord is one line of a dpo export.
type DPORecord struct {
	Input              DPOInput      `json:"input"`
	PreferredOutput    []ChatMessage `json:"preferred_output"`
	NonPreferredOutput []ChatMessage `json:"non_preferred_output"`
}

// DatasetManifest is written beside an export's JSONL file.
type DatasetManifest struct {
	SchemaVersion string         `json:"schema_version"`
	Format        string         `json:"format"`
	File          string         `json:"file"`
	Records       int            `json:"records"`
	Actions       map[string]int `json:"actions"`
	Skipped       map[string]int `json:"skipped"`
	Filter        ReviewFilter   `json:"filter"`
	CreatedAt     string         `json:"created_at"` // RFC 3339, UTC
	Source        string         `json:"source"`     // the database or server exported from
	PIIMasked     bool           `json:"pii_masked"`
	SHA256        string         `json:"sha256"` // of the JSONL file
}

// KBReloadReq asks the server to re-read its knowledge-base folder, after a
// reviewer approved promoted entries.
type KBReloadReq struct{}

// Validate checks the request.
func (KBReloadReq) Validate() error { return nil }

// KBReloadAck answers kb.reload.
type KBReloadAck struct {
	Entries int      `json:"entries"`
	Pending []string `json:"pending,omitempty"` // files still marked pending review
}
