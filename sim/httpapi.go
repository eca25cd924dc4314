package sim

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/client/channelapi"
	"github.com/agentdesk/agentdesk/protocol"
)

// HTTPBackend drives the channel HTTP API (docs/api) with an integration
// token, as a real chat widget or bot would.
type HTTPBackend struct {
	api *channelapi.Client

	mu    sync.Mutex
	known map[string]bool // customers registered (for VIP flags)
}

// NewHTTPBackend returns a backend for the server at base.
func NewHTTPBackend(base, token string) *HTTPBackend {
	return &HTTPBackend{api: channelapi.New(base, token, &http.Client{Timeout: 15 * time.Second}), known: map[string]bool{}}
}

// CustomerSays implements Backend.
func (b *HTTPBackend) CustomerSays(ctx context.Context, c Customer, convID, clientID, text string) (string, error) {
	b.mu.Lock()
	known := b.known[c.ExternalID]
	b.mu.Unlock()
	if !known && c.VIP {
		_, err := b.api.PostCustomer(ctx, protocol.APICustomerReq{Name: c.Name, VIP: true, Language: c.Lang,
			Identities: []protocol.ChannelIdentity{{Channel: c.Channel, ExternalID: c.ExternalID}}})
		if err != nil {
			return "", err
		}
	}
	b.mu.Lock()
	b.known[c.ExternalID] = true
	b.mu.Unlock()
	req := protocol.APIMessageReq{MessageID: clientID, Author: protocol.AuthorCustomer, Text: text, Language: c.Lang}
	if convID != "" {
		req.ConversationID = convID
	} else {
		req.Channel, req.ExternalID, req.CustomerName = c.Channel, c.ExternalID, c.Name
	}
	ans, err := b.api.PostMessage(ctx, req)
	if err != nil {
		return "", err
	}
	return ans.Conversation.ID, nil
}

// BotSays implements Backend.
func (b *HTTPBackend) BotSays(ctx context.Context, convID, clientID, text string, confidence float64) error {
	_, err := b.api.PostMessage(ctx, protocol.APIMessageReq{MessageID: clientID, ConversationID: convID,
		Author: protocol.AuthorBot, Text: text, Bot: &protocol.APIBotTurn{Confidence: &confidence, Fallback: confidence < 0.4}})
	return err
}

// Escalate implements Backend. A conversation the rules escalated already
// is not an error.
func (b *HTTPBackend) Escalate(ctx context.Context, convID string, reason protocol.Reason, evidence string, confidence float64, tried []string) error {
	_, err := b.api.Escalate(ctx, convID, protocol.APIEscalateReq{Reason: reason, Evidence: evidence, BotConfidence: &confidence, BotTried: tried})
	var e *protocol.APIError
	if errors.As(err, &e) && e.Code == protocol.CodeConflict {
		return nil
	}
	return err
}

// Rate implements Rater: the customer's satisfaction rating of a resolved
// conversation.
func (b *HTTPBackend) Rate(ctx context.Context, convID string, score int, comment string) error {
	_, err := b.api.RateCSAT(ctx, convID, protocol.APICSATReq{Score: score, Comment: comment})
	return err
}
