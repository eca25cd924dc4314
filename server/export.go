package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// Reasons an outcome is left out of an export (ExportAck.Skipped keys).
const (
	SkipNoQuestion    = "no_customer_question"  // the draft answered no customer message
	SkipNoTarget      = "rejected_without_gold" // sft: a rejection with no gold reply has nothing to imitate
	SkipNoPair        = "accepted_without_gold" // dpo: an accepted draft has nothing it was preferred over
	SkipSamePreferred = "preferred_equals_draft"
)

// BuildExport builds one page of dataset records (docs/datasets.md) from the
// outcomes the filter selects, oldest first. Every text is PII-masked with
// the copilot's redactor (one redactor per record, so a phone number keeps
// its placeholder across the record's messages); the record's customer
// becomes [客户]/[customer], and every other name the store knows (any
// customer's, any agent's) and any name a greeting or title points at
// becomes [NAME_n].
func BuildExport(ctx context.Context, st *store.Store, req protocol.ExportReq) (protocol.ExportAck, error) {
	ack := protocol.ExportAck{Format: req.Format, Records: []json.RawMessage{}, Actions: map[string]int{}, Skipped: map[string]int{}}
	limit := req.Limit
	if limit == 0 {
		limit = protocol.MaxReviewPage
	}
	cases, next, err := st.ExportCases(ctx, req.Filter, req.Cursor, limit)
	if err != nil {
		return ack, err
	}
	ack.Next = next
	known, err := st.KnownNames(ctx)
	if err != nil {
		return ack, err
	}
	names := copilot.NewNames(known...)
	size := 512 // the envelope, the counts and the manifest fields
cases:
	for i, c := range cases {
		var recs []any
		if req.Format == protocol.FormatSentiment {
			var skip string
			if recs, skip = sentimentRecords(c, names); skip != "" {
				ack.Skipped[skip]++
				continue
			}
		} else {
			rec, skip := exportRecord(req.Format, c, names)
			if skip != "" {
				ack.Skipped[skip]++
				continue
			}
			recs = []any{rec}
		}
		var page [][]byte
		for _, rec := range recs {
			b, err := json.Marshal(rec)
			if err != nil {
				return ack, fmt.Errorf("encode record for outcome %s: %w", c.Item.Outcome.ID, err)
			}
			// End the page before the reply passes its limit; the next
			// page starts after the last case this one went through.
			if size += len(b) + 1; size > protocol.MaxReplyBytes && len(ack.Records) > 0 {
				ack.Next = store.ExportCursor(cases[i-1].Item.Outcome)
				break cases
			}
			page = append(page, b)
		}
		for _, b := range page {
			ack.Records = append(ack.Records, b)
		}
		ack.Actions[string(c.Item.Outcome.Action)]++
	}
	return ack, nil
}

// SkipNoMood: a sentiment export passes over outcomes with neither a mood
// label nor a CSAT comment.
const SkipNoMood = "no_mood_or_csat"

// sentimentRecords are the sentiment rows of one case: the customer's turn
// the draft answered with the trainer's mood label, and the comment of the
// CSAT rating that followed (1–2 negative, 3 neutral, 4–5 positive). Texts
// are masked like every export.
func sentimentRecords(c store.ExportCase, names *copilot.Names) ([]any, string) {
	red := copilot.NewRedactor()
	red.UseNames(names)
	hideName := customerNameMasker(c.Customer)
	mask := func(s string) string { return red.Redact(hideName(strings.TrimSpace(s))) }
	var out []any
	lang := c.Item.Language
	if l := c.Item.Label; l != nil && l.Mood != "" {
		// The customer's messages since the last agent reply: the turn
		// the trainer read the mood of.
		var turn []string
		for _, m := range c.Context {
			switch m.Author {
			case protocol.AuthorAgent:
				turn = turn[:0]
			case protocol.AuthorCustomer:
				turn = append(turn, m.Text)
			}
		}
		if text := mask(strings.Join(turn, "\n")); text != "" {
			out = append(out, protocol.SentimentRecord{ID: "mood-" + c.Item.Outcome.ID, Text: text, Label: l.Mood, Lang: lang, Source: "mood_label"})
		}
	}
	if r := c.CSAT; r != nil && strings.TrimSpace(r.Comment) != "" {
		label := "neutral"
		switch {
		case r.Score <= 2:
			label = "negative"
		case r.Score >= 4:
			label = "positive"
		}
		text := mask(r.Comment)
		if lang == "" {
			lang = copilot.DetectLanguage(text)
		}
		out = append(out, protocol.SentimentRecord{ID: "csat-" + r.ConversationID + "-" + strconv.FormatInt(r.ResolvedAt, 36), Text: text, Label: label,
			Lang: lang, Source: "csat"})
	}
	if len(out) == 0 {
		return nil, SkipNoMood
	}
	return out, ""
}

// exportRecord turns one case into a record, or says why it is skipped.
func exportRecord(format string, c store.ExportCase, names *copilot.Names) (any, string) {
	red := copilot.NewRedactor()
	red.UseNames(names)
	hideName := customerNameMasker(c.Customer)
	mask := func(s string) string { return red.Redact(hideName(strings.TrimSpace(s))) }
	var ctxMsgs []protocol.ChatMessage
	for _, m := range c.Context {
		role := ""
		switch m.Author {
		case protocol.AuthorCustomer:
			role = "user"
		case protocol.AuthorAgent, protocol.AuthorBot:
			role = "assistant"
		default:
			continue // system lines and internal notes are not dialogue
		}
		text := mask(m.Text)
		if text == "" {
			continue
		}
		// Consecutive turns of one side are one message.
		if n := len(ctxMsgs); n > 0 && ctxMsgs[n-1].Role == role {
			ctxMsgs[n-1].Content += "\n" + text
			continue
		}
		ctxMsgs = append(ctxMsgs, protocol.ChatMessage{Role: role, Content: text})
	}
	// The draft answers the newest customer turn: what the bot said after
	// it is not part of the question.
	for len(ctxMsgs) > 0 && ctxMsgs[len(ctxMsgs)-1].Role != "user" {
		ctxMsgs = ctxMsgs[:len(ctxMsgs)-1]
	}
	if len(ctxMsgs) == 0 {
		return nil, SkipNoQuestion
	}
	o := c.Item.Outcome
	preferred := ""
	if c.Item.Label != nil {
		preferred = c.Item.Label.GoldReply
	}
	if preferred == "" && o.Action != protocol.ActionReject {
		preferred = o.FinalText
	}
	switch format {
	case protocol.FormatSFT:
		if preferred == "" {
			return nil, SkipNoTarget
		}
		return protocol.SFTRecord{Messages: append(ctxMsgs, protocol.ChatMessage{Role: "assistant", Content: mask(preferred)})}, ""
	default:
		if preferred == "" {
			return nil, SkipNoTarget
		}
		if o.Action == protocol.ActionAccept && (c.Item.Label == nil || c.Item.Label.GoldReply == "") {
			return nil, SkipNoPair
		}
		if strings.TrimSpace(preferred) == strings.TrimSpace(o.DraftText) {
			return nil, SkipSamePreferred
		}
		return protocol.DPORecord{
			Input:              protocol.DPOInput{Messages: ctxMsgs},
			PreferredOutput:    []protocol.ChatMessage{{Role: "assistant", Content: mask(preferred)}},
			NonPreferredOutput: []protocol.ChatMessage{{Role: "assistant", Content: mask(o.DraftText)}},
		}, ""
	}
}

// customerNameMasker returns a function that replaces the customer's name
// in a text with a placeholder: the whole name, and for names written in
// Latin letters each part of three letters or more ("Hi Kenji," as well as
// "Kenji Watanabe"). Latin-script names match whole words only ("Ann" is
// not masked inside "Announcement"); a Chinese name of two characters or
// more matches anywhere, as Chinese has no spaces. The copilot's redactor
// masks numbers and addresses but cannot know names; the conversation does.
func customerNameMasker(name string) func(string) string {
	name = strings.TrimSpace(name)
	hasHan := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	type part struct {
		text, placeholder string
		word              bool // match whole words only
	}
	var parts []part
	add := func(p string) {
		switch n := utf8.RuneCountInString(p); {
		case hasHan(p) && n >= 2:
			parts = append(parts, part{p, "[客户]", false})
		case !hasHan(p) && n >= 3:
			parts = append(parts, part{p, "[customer]", true})
		}
	}
	add(name) // the whole name first: it wins over its parts
	for _, f := range strings.Fields(name) {
		if f != name && !hasHan(f) {
			add(f)
		}
	}
	if len(parts) == 0 {
		return func(s string) string { return s }
	}
	isWordRune := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	return func(s string) string {
		for _, p := range parts {
			var b strings.Builder
			rest := s
			for {
				i := strings.Index(rest, p.text)
				if i < 0 {
					b.WriteString(rest)
					break
				}
				end := i + len(p.text)
				before, _ := utf8.DecodeLastRuneInString(rest[:i])
				after, _ := utf8.DecodeRuneInString(rest[end:])
				if p.word && (i > 0 && isWordRune(before) || end < len(rest) && isWordRune(after)) {
					b.WriteString(rest[:end])
				} else {
					b.WriteString(rest[:i])
					b.WriteString(p.placeholder)
				}
				rest = rest[end:]
			}
			s = b.String()
		}
		return s
	}
}

// ValidateSFT checks an sft record against docs/datasets.md: at least one
// user message, roles user/assistant (system only first), no empty content,
// and an assistant message last.
func ValidateSFT(r protocol.SFTRecord) error {
	if err := validateDialogue(r.Messages); err != nil {
		return err
	}
	if r.Messages[len(r.Messages)-1].Role != "assistant" {
		return fmt.Errorf("the last message must be the assistant's reply")
	}
	return nil
}

// ValidateDPO checks a dpo record against docs/datasets.md: the input is a
// dialogue ending with the user, each output exactly one non-empty
// assistant message, and the two outputs differ.
func ValidateDPO(r protocol.DPORecord) error {
	if err := validateDialogue(r.Input.Messages); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	if r.Input.Messages[len(r.Input.Messages)-1].Role != "user" {
		return fmt.Errorf("input: the last message must be the user's")
	}
	for name, out := range map[string][]protocol.ChatMessage{"preferred_output": r.PreferredOutput, "non_preferred_output": r.NonPreferredOutput} {
		if len(out) != 1 || out[0].Role != "assistant" || strings.TrimSpace(out[0].Content) == "" {
			return fmt.Errorf("%s must be one non-empty assistant message", name)
		}
	}
	if r.PreferredOutput[0].Content == r.NonPreferredOutput[0].Content {
		return fmt.Errorf("preferred and non-preferred outputs are the same")
	}
	return nil
}

func validateDialogue(ms []protocol.ChatMessage) error {
	if len(ms) == 0 {
		return fmt.Errorf("no messages")
	}
	users := 0
	for i, m := range ms {
		switch m.Role {
		case "system":
			if i != 0 {
				return fmt.Errorf("message %d: a system message may only come first", i+1)
			}
		case "user":
			users++
		case "assistant":
		default:
			return fmt.Errorf("message %d: role %q is not system, user or assistant", i+1, m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Errorf("message %d: empty content", i+1)
		}
	}
	if users == 0 {
		return fmt.Errorf("no user message")
	}
	return nil
}
