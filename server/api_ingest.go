package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// The channel API's ingest: what a request body becomes once api.go has
// decoded it — validated, written in one store transaction, and run
// through the escalation rules where it touches a bot conversation. The
// HTTP handlers (api.go) only decode and encode; messages.go holds the
// message path, which built-in channels share (channel_ingest.go).
// Errors are *protocol.APIError naming the field at fault, or store
// errors that asAPIError maps.

func invalid(field, format string, args ...any) *protocol.APIError {
	return &protocol.APIError{Status: http.StatusBadRequest, Code: protocol.CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// withField names the field of a store error (not found, conflict…).
func withField(err error, field string) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return &protocol.APIError{Status: statusOf(pe.Code), Code: pe.Code, Message: pe.Message, Field: field}
	}
	return err
}

// checkText validates free text: present when required, at most maxBytes.
// Control characters are kept as data; the desk neutralises them on render.
func checkText(field, s string, required bool, maxBytes int) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return invalid(field, "field %q is required", field)
		}
		return nil
	}
	if len(s) > maxBytes {
		return invalid(field, "field %q is %d bytes; at most %d", field, len(s), maxBytes)
	}
	return nil
}

// checkID validates an identifier from a client: 1–maxBytes bytes, printable,
// no spaces.
func checkID(field, s string, maxBytes int) error {
	if s == "" {
		return invalid(field, "field %q is required", field)
	}
	if len(s) > maxBytes {
		return invalid(field, "field %q is %d bytes; at most %d", field, len(s), maxBytes)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return invalid(field, "field %q must not contain spaces or control characters", field)
		}
	}
	return nil
}

func (ch *channels) checkChannel(field, name string) error {
	if name == "" {
		return invalid(field, "field %q is required", field)
	}
	if !slices.Contains(ch.cfg.Channels, name) {
		return invalid(field, "unknown channel %q; one of %s", textcut.BytesWithEllipsis(name, 40), strings.Join(ch.cfg.Channels, ", "))
	}
	return nil
}

// apiCustomer is a stored customer as the HTTP API shows it.
func apiCustomer(c store.Customer) protocol.APICustomer {
	return protocol.APICustomer{ID: c.ID, Name: c.Name, VIP: c.VIP, Language: c.Language, Identities: c.Identities, CreatedAt: c.CreatedAt}
}

// upsertCustomer creates the customer of req's identities, or finds the
// one that already holds one of them.
func (ch *channels) upsertCustomer(ctx context.Context, caller store.Actor, req protocol.APICustomerReq) (protocol.APICustomerAnswer, error) {
	var ans protocol.APICustomerAnswer
	if len(req.Identities) == 0 {
		return ans, invalid("identities", "field \"identities\" needs at least one {channel, external_id}")
	}
	if len(req.Identities) > 20 {
		return ans, invalid("identities", "at most 20 identities per customer")
	}
	for i, id := range req.Identities {
		if err := ch.checkChannel(fmt.Sprintf("identities[%d].channel", i), id.Channel); err != nil {
			return ans, err
		}
		if err := checkID(fmt.Sprintf("identities[%d].external_id", i), id.ExternalID, 256); err != nil {
			return ans, err
		}
	}
	if err := checkText("name", req.Name, false, 200); err != nil {
		return ans, err
	}
	if len(req.Language) > 16 {
		return ans, invalid("language", "field \"language\" must be a language tag such as zh-CN or en")
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = req.Identities[0].ExternalID
	}
	_, err := ch.srv.store.Apply(ctx, caller, "", func(tx *store.Tx) (any, error) {
		c, created, err := tx.UpsertCustomer(store.NewCustomer{Name: name, VIP: req.VIP, Language: req.Language}, req.Identities)
		ans = protocol.APICustomerAnswer{Customer: apiCustomer(c), Created: created}
		return nil, withField(err, "identities")
	})
	return ans, err
}

// customerByIdentity finds the customer holding id.
func (ch *channels) customerByIdentity(ctx context.Context, id store.Identity) (protocol.APICustomerAnswer, error) {
	if err := ch.checkChannel("channel", id.Channel); err != nil {
		return protocol.APICustomerAnswer{}, err
	}
	if err := checkID("external_id", id.ExternalID, 256); err != nil {
		return protocol.APICustomerAnswer{}, err
	}
	c, err := ch.srv.store.CustomerByIdentity(ctx, id)
	if err != nil {
		return protocol.APICustomerAnswer{}, withField(err, "external_id")
	}
	return protocol.APICustomerAnswer{Customer: apiCustomer(c)}, nil
}

// customer reads one customer by id.
func (ch *channels) customer(ctx context.Context, id string) (protocol.APICustomerAnswer, error) {
	c, err := ch.srv.store.Customer(ctx, id)
	if err != nil {
		return protocol.APICustomerAnswer{}, withField(err, "id")
	}
	return protocol.APICustomerAnswer{Customer: apiCustomer(c)}, nil
}

// conversationPage reads a page of a conversation for an integration:
// internal notes are for staff, integrations face customers, so they are
// left out. Transcript reads share the heavy-read slots.
func (ch *channels) conversationPage(ctx context.Context, caller store.Actor, id string, before, limit int) (protocol.APIConversationAnswer, error) {
	var ans protocol.APIConversationAnswer
	release, err := ch.srv.heavy.acquire(ctx, caller.ID)
	if err != nil {
		return ans, err
	}
	defer release()
	d, err := ch.srv.store.ConversationPage(ctx, id, transcriptPage(before, limit))
	if err != nil {
		return ans, withField(err, "id")
	}
	ans.Conversation = d.Conversation
	if d.More && len(d.Messages) > 0 {
		ans.More, ans.NextBefore = true, d.Messages[0].Seq
	}
	msgs := make([]protocol.Message, 0, len(d.Messages))
	for _, m := range d.Messages {
		if m.Author != protocol.AuthorNote {
			msgs = append(msgs, m)
		}
	}
	ans.Messages = msgs
	return ans, nil
}

var reasonPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateEscalation checks an escalation request and fills its default
// reason (explicit).
func validateEscalation(req *protocol.APIEscalateReq) error {
	if req.Reason == "" {
		req.Reason = protocol.ReasonExplicit
	}
	if !reasonPattern.MatchString(string(req.Reason)) {
		return invalid("reason", "field \"reason\" must be a short snake_case code such as explicit or refund_over_limit")
	}
	if err := checkText("evidence", req.Evidence, false, 2000); err != nil {
		return err
	}
	if c := req.BotConfidence; c != nil && (*c < 0 || *c > 1) {
		return invalid("bot_confidence", "field \"bot_confidence\" must be between 0 and 1")
	}
	if len(req.BotTried) > 20 {
		return invalid("bot_tried", "at most 20 entries in bot_tried")
	}
	for i, t := range req.BotTried {
		if err := checkText(fmt.Sprintf("bot_tried[%d]", i), t, true, 2000); err != nil {
			return err
		}
	}
	return nil
}

// escalateOnRequest hands conversation id from the bot (or a resolved
// chat) to people because an integration asked: validate, then in one
// transaction read the conversation, run the rules over the newest
// customer message (its flags set the priority whatever reason the bot
// gives) and escalate. A conversation already with people is a conflict.
func (ch *channels) escalateOnRequest(ctx context.Context, caller store.Actor, id string, req protocol.APIEscalateReq) (protocol.Conversation, error) {
	if err := validateEscalation(&req); err != nil {
		return protocol.Conversation{}, err
	}
	var conv protocol.Conversation
	_, err := ch.srv.store.Apply(ctx, caller, "", func(tx *store.Tx) (any, error) {
		c, err := tx.Conversation(id)
		if err != nil {
			return nil, withField(err, "id")
		}
		e := protocol.Escalation{Reason: req.Reason, Evidence: req.Evidence, BotTried: req.BotTried}
		if req.BotConfidence != nil {
			e.BotConfidence = *req.BotConfidence
		}
		var v Verdict
		if texts, err := tx.CustomerTexts(id, 1); err != nil {
			return nil, err
		} else if len(texts) > 0 {
			v = ch.rules.Evaluate(Turn{Text: texts[0]}, ch.cfg.Sentiment)
		}
		if c.Status != protocol.ConvBot && c.Status != protocol.ConvResolved {
			return nil, withField(protocol.Errorf(protocol.CodeConflict, "conversation %s is already with people (%s)", id, c.Status), "id")
		}
		conv, err = ch.escalate(tx, c, e, v.Flags, v.Sentiment, v.Score)
		return nil, err
	})
	return conv, err
}

// recordCSAT stores a customer's rating of resolved conversation id.
func (ch *channels) recordCSAT(ctx context.Context, caller store.Actor, id string, req protocol.APICSATReq) (protocol.APICSAT, error) {
	if req.Score < 1 || req.Score > 5 {
		return protocol.APICSAT{}, invalid("score", "field \"score\" must be an integer from 1 to 5")
	}
	if err := checkText("comment", req.Comment, false, 4000); err != nil {
		return protocol.APICSAT{}, err
	}
	var rating store.CSAT
	_, err := ch.srv.store.Apply(ctx, caller, "", func(tx *store.Tx) (any, error) {
		var err error
		rating, err = tx.RecordCSAT(id, req.Score, req.Comment)
		return nil, withField(err, "id")
	})
	return protocol.APICSAT{ConversationID: rating.ConversationID, Score: rating.Score,
		Comment: rating.Comment, ResolvedAt: rating.ResolvedAt, CreatedAt: rating.CreatedAt}, err
}
