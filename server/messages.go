package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// POST /v1/api/messages: the channel API's hot path. A posted message is
// stored once per (channel, message_id); customer messages of
// conversations with the bot go through the escalation rules (rules.go,
// with their running state per conversation in rulestate.go).

// messageReq is a message to add: the HTTP API's body, or the same from a
// built-in channel (e-mail, the web chat, the server's bot).
type messageReq struct {
	protocol.APIMessageReq
	// owner is who uploaded the attachments: the caller, or a built-in
	// channel's principal. Not part of the JSON.
	owner string
	// deliver queues the message for the channel's Sender (the server's
	// bot on e-mail, bot_mail.go). Not part of the JSON.
	deliver bool
}

func (ch *channels) validateMessage(req *messageReq) error {
	if err := checkID("message_id", req.MessageID, 128); err != nil {
		return err
	}
	if req.Author == "" {
		req.Author = protocol.AuthorCustomer
	}
	if req.Author != protocol.AuthorCustomer && req.Author != protocol.AuthorBot {
		return invalid("author", "field \"author\" must be customer or bot, not %q", textcut.BytesWithEllipsis(req.Author, 40))
	}
	if len(req.Attachments) > protocol.MaxAttachments {
		return invalid("attachments", "field \"attachments\" has %d files; at most %d", len(req.Attachments), protocol.MaxAttachments)
	}
	for i, id := range req.Attachments {
		if err := checkID(fmt.Sprintf("attachments[%d]", i), id, 128); err != nil {
			return err
		}
	}
	if err := checkText("text", req.Text, len(req.Attachments) == 0, protocol.MaxTextBytes); err != nil {
		return err
	}
	if err := checkText("author_name", req.AuthorName, false, 200); err != nil {
		return err
	}
	if err := checkText("customer_name", req.CustomerName, false, 200); err != nil {
		return err
	}
	if err := checkText("subject", req.Subject, false, 500); err != nil {
		return err
	}
	if len(req.Language) > 16 {
		return invalid("language", "field \"language\" must be a language tag such as zh-CN or en")
	}
	if req.Bot != nil {
		if req.Author != protocol.AuthorBot {
			return invalid("bot", "field \"bot\" is only for messages with author bot")
		}
		if c := req.Bot.Confidence; c != nil && (*c < 0 || *c > 1) {
			return invalid("bot.confidence", "field \"bot.confidence\" must be between 0 and 1")
		}
		if err := checkSources(req.Bot.Sources); err != nil {
			return err
		}
		if k := req.Bot.Kind; k != "" && !slices.Contains(protocol.BotKinds, k) {
			return invalid("bot.kind", "field \"bot.kind\" must be answer, clarify, handoff or bye, not %q", textcut.BytesWithEllipsis(string(k), 40))
		}
	}
	if req.ConversationID != "" {
		if err := checkID("conversation_id", req.ConversationID, 128); err != nil {
			return err
		}
		if req.Channel != "" {
			return ch.checkChannel("channel", req.Channel)
		}
		return nil
	}
	if err := ch.checkChannel("channel", req.Channel); err != nil {
		return invalid("channel", "%s (or give conversation_id)", err.(*protocol.APIError).Message)
	}
	if req.CustomerID == "" && req.ExternalID == "" {
		return invalid("external_id", "give conversation_id, or channel with external_id (or customer_id)")
	}
	if req.ExternalID != "" {
		return checkID("external_id", req.ExternalID, 256)
	}
	return checkID("customer_id", req.CustomerID, 128)
}

// ingestMessage is POST /v1/api/messages once decoded: validate, work out
// what the rules read from the text alone before the write transaction
// (the single writer only does the part that needs the conversation's
// state), then store it and run the rules (addMessage).
func (ch *channels) ingestMessage(ctx context.Context, caller store.Actor, body protocol.APIMessageReq) (protocol.APIMessageAnswer, error) {
	req := messageReq{APIMessageReq: body}
	if err := ch.validateMessage(&req); err != nil {
		return protocol.APIMessageAnswer{}, err
	}
	req.owner = caller.ID
	var a assessment
	if req.Author == protocol.AuthorCustomer {
		a = ch.rules.assess(req.Text, ch.cfg.Sentiment)
	}
	var ans protocol.APIMessageAnswer
	_, err := ch.srv.store.Apply(ctx, caller, "", func(tx *store.Tx) (any, error) {
		var err error
		ans, err = ch.addMessage(tx, req, &a)
		return nil, err
	})
	return ans, err
}

// maxRuleStates bounds the conversations whose rule state is cached.
const maxRuleStates = 20_000

// addMessage stores a posted message, once per (channel, message_id), and
// runs the escalation rules on customer messages of bot conversations (a
// is the customer message's assessment, nil to assess it here).
func (ch *channels) addMessage(tx *store.Tx, req messageReq, a *assessment) (protocol.APIMessageAnswer, error) {
	var ans protocol.APIMessageAnswer
	var conv protocol.Conversation
	channel := req.Channel
	if req.ConversationID != "" {
		var err error
		if conv, err = tx.Conversation(req.ConversationID); err != nil {
			return ans, withField(err, "conversation_id")
		}
		if channel != "" && channel != conv.Channel {
			return ans, invalid("channel", "conversation %s is on channel %s, not %s", conv.ID, conv.Channel, channel)
		}
		channel = conv.Channel
	}
	hash := store.HashText(req.Author, req.Text)
	prior, m, err := tx.InboundByClientID(channel, req.MessageID)
	switch {
	case err == nil:
		if prior.TextHash != hash || (req.ConversationID != "" && prior.ConversationID != req.ConversationID) {
			return ans, &protocol.APIError{Status: http.StatusConflict, Code: protocol.CodeConflict, Field: "message_id",
				Message: fmt.Sprintf("message_id %s was already used on %s for a different message", req.MessageID, channel)}
		}
		c, err := tx.Conversation(prior.ConversationID)
		if err != nil {
			return ans, err
		}
		// A duplicate is the same message of the same customer: a reused
		// message_id for someone else once answered with another
		// customer's message.
		if err := sameCustomer(tx, req, c); err != nil {
			return ans, err
		}
		return protocol.APIMessageAnswer{Message: m, Conversation: c, Duplicate: true}, nil
	case protocol.CodeOf(err) != protocol.CodeNotFound:
		return ans, err
	}
	if conv.ID == "" {
		if conv, err = ch.conversationFor(tx, req); err != nil {
			return ans, err
		}
	}
	if ch.srv.bot != nil && req.Author == protocol.AuthorCustomer && conv.Status == protocol.ConvResolved {
		if conv, err = tx.ReopenForBot(conv.ID); err != nil { // bot.go: after a resolution the bot answers first
			return ans, err
		}
	}
	before := conv
	var kind protocol.BotKind
	if req.Bot != nil {
		kind = req.Bot.Kind
	}
	m, conv, err = tx.AddMessageTo(conv, store.NewMessage{Author: req.Author, AuthorName: req.AuthorName, Text: req.Text, BotKind: kind,
		Attach: store.Attach{IDs: req.Attachments, Owner: req.owner}, ExternalID: req.MessageID, Deliver: req.deliver})
	if err != nil {
		return ans, withField(err, "attachments")
	}
	in := store.Inbound{Channel: channel, ClientID: req.MessageID, MessageID: m.ID, ConversationID: conv.ID,
		Author: req.Author, TextHash: hash, BotConfidence: -1}
	if req.Bot != nil {
		in.BotFallback = req.Bot.Fallback
		if req.Bot.Confidence != nil {
			in.BotConfidence = *req.Bot.Confidence
		}
		in.BotSources = req.Bot.Sources
	}
	if err := tx.RecordInbound(in); err != nil {
		return ans, err
	}
	ans = protocol.APIMessageAnswer{Message: m, Conversation: conv}
	if conv.Status != protocol.ConvBot {
		tx.OnCommit(func() { ch.states.drop(conv.ID) }) // the rules are done with it
		return ans, nil
	}
	if req.Author == protocol.AuthorBot {
		// Keep a current running state current; a missing one is rebuilt
		// when the customer next writes.
		if st := ch.states.at(before); st != nil {
			failed := in.BotFallback || (in.BotConfidence >= 0 && in.BotConfidence < ch.rules.LowConfidence)
			next := st.after(conv, false, fingerprint{}, failed)
			tx.OnCommit(func() { ch.states.put(conv.ID, next) })
		}
		return ans, nil
	}
	st, err := ch.ruleStateBefore(tx, before, m.Seq)
	if err != nil {
		return ans, err
	}
	if a == nil {
		as := ch.rules.assess(req.Text, ch.cfg.Sentiment)
		a = &as
	}
	v := ch.rules.decide(*a, history{vip: conv.VIP, botFailures: st.botFailures, previous: st.previous})
	if !v.Escalate {
		next := st.after(conv, true, a.print, false)
		tx.OnCommit(func() { ch.states.put(conv.ID, next) })
		return ans, nil
	}
	e := protocol.Escalation{Reason: v.Reason, Evidence: v.Evidence, Facts: v.Facts}
	if ans.Conversation, err = ch.escalate(tx, conv, e, v.Flags, v.Sentiment, v.Score); err != nil {
		return ans, err
	}
	ans.Escalated = true
	tx.OnCommit(func() { ch.states.drop(conv.ID) })
	return ans, nil
}

// sameCustomer checks that a retried message names the customer of the
// conversation the first copy went to.
func sameCustomer(tx *store.Tx, req messageReq, c protocol.Conversation) error {
	other := func(field string) error {
		return &protocol.APIError{Status: http.StatusConflict, Code: protocol.CodeConflict, Field: field,
			Message: fmt.Sprintf("message_id %s was already used for another customer", req.MessageID)}
	}
	if req.CustomerID != "" && req.CustomerID != c.CustomerID {
		return other("customer_id")
	}
	if req.ExternalID != "" {
		cust, err := tx.CustomerByIdentity(store.Identity{Channel: c.Channel, ExternalID: req.ExternalID})
		if protocol.CodeOf(err) == protocol.CodeNotFound || err == nil && cust.ID != c.CustomerID {
			return other("external_id")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// conversationFor finds the customer (creating them from the channel
// identity if new) and their open conversation on the channel, opening one
// if there is none.
func (ch *channels) conversationFor(tx *store.Tx, req messageReq) (protocol.Conversation, error) {
	var cust store.Customer
	var err error
	if req.ExternalID != "" {
		name := strings.TrimSpace(req.CustomerName)
		if name == "" {
			name = req.ExternalID
		}
		cust, _, err = tx.UpsertCustomer(store.NewCustomer{Name: name, Language: req.Language},
			[]store.Identity{{Channel: req.Channel, ExternalID: req.ExternalID}})
		if err != nil {
			return protocol.Conversation{}, withField(err, "external_id")
		}
		if req.CustomerID != "" && req.CustomerID != cust.ID {
			return protocol.Conversation{}, &protocol.APIError{Status: http.StatusConflict, Code: protocol.CodeConflict, Field: "customer_id",
				Message: fmt.Sprintf("%s identity %s belongs to customer %s, not %s", req.Channel, req.ExternalID, cust.ID, req.CustomerID)}
		}
	} else if cust, err = tx.Customer(req.CustomerID); err != nil {
		return protocol.Conversation{}, withField(err, "customer_id")
	}
	c, err := tx.OpenConversation(cust.ID, req.Channel)
	if protocol.CodeOf(err) != protocol.CodeNotFound {
		return c, err
	}
	return tx.CreateConversation(store.NewConversation{CustomerID: cust.ID, Channel: req.Channel, Subject: req.Subject, Language: req.Language})
}
