package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// HTTPBackend drives the channel HTTP API (docs/api) with an integration
// token, as a real chat widget or bot would.
type HTTPBackend struct {
	Base   string // e.g. http://127.0.0.1:8080
	Token  string
	Client *http.Client

	mu    sync.Mutex
	known map[string]bool // customers registered (for VIP flags)
}

// NewHTTPBackend returns a backend for the server at base.
func NewHTTPBackend(base, token string) *HTTPBackend {
	base = strings.TrimRight(base, "/")
	base = strings.Replace(strings.Replace(base, "ws://", "http://", 1), "wss://", "https://", 1)
	base = strings.TrimSuffix(base, "/v1/desk")
	return &HTTPBackend{Base: base, Token: token, Client: &http.Client{Timeout: 15 * time.Second}, known: map[string]bool{}}
}

// apiError is the HTTP API's error body.
type apiError struct {
	Status  int           `json:"-"`
	Code    protocol.Code `json:"code"`
	Message string        `json:"message"`
	Field   string        `json:"field"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s (field %s)", e.Status, e.Code, e.Message, e.Field)
}

func (b *HTTPBackend) post(ctx context.Context, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.Base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.Client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode >= 300 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("POST %s: decode answer: %w", path, err)
		}
	}
	return nil
}

// CustomerSays implements Backend.
func (b *HTTPBackend) CustomerSays(ctx context.Context, c Customer, convID, clientID, text string) (string, error) {
	b.mu.Lock()
	known := b.known[c.ExternalID]
	b.mu.Unlock()
	if !known && c.VIP {
		body := map[string]any{"name": c.Name, "vip": true, "language": c.Lang,
			"identities": []map[string]string{{"channel": c.Channel, "external_id": c.ExternalID}}}
		if err := b.post(ctx, "/v1/api/customers", body, nil); err != nil {
			return "", err
		}
	}
	b.mu.Lock()
	b.known[c.ExternalID] = true
	b.mu.Unlock()
	body := map[string]any{"message_id": clientID, "author": "customer", "text": text, "language": c.Lang}
	if convID != "" {
		body["conversation_id"] = convID
	} else {
		body["channel"], body["external_id"], body["customer_name"] = c.Channel, c.ExternalID, c.Name
	}
	var ans struct {
		Conversation protocol.Conversation `json:"conversation"`
	}
	if err := b.post(ctx, "/v1/api/messages", body, &ans); err != nil {
		return "", err
	}
	return ans.Conversation.ID, nil
}

// BotSays implements Backend.
func (b *HTTPBackend) BotSays(ctx context.Context, convID, clientID, text string, confidence float64) error {
	return b.post(ctx, "/v1/api/messages", map[string]any{
		"message_id": clientID, "conversation_id": convID, "author": "bot", "text": text,
		"bot": map[string]any{"confidence": confidence, "fallback": confidence < 0.4},
	}, nil)
}

// Escalate implements Backend. A conversation the rules escalated already
// is not an error.
func (b *HTTPBackend) Escalate(ctx context.Context, convID string, reason protocol.Reason, evidence string, confidence float64, tried []string) error {
	err := b.post(ctx, "/v1/api/conversations/"+convID+"/escalate", map[string]any{
		"reason": reason, "evidence": evidence, "bot_confidence": confidence, "bot_tried": tried,
	}, nil)
	if e, ok := err.(*apiError); ok && e.Code == protocol.CodeConflict {
		return nil
	}
	return err
}

// Rate implements Rater: the customer's satisfaction rating of a resolved
// conversation.
func (b *HTTPBackend) Rate(ctx context.Context, convID string, score int, comment string) error {
	return b.post(ctx, "/v1/api/conversations/"+convID+"/csat", map[string]any{"score": score, "comment": comment}, nil)
}
