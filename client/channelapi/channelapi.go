// Package channelapi is a small client of the channel HTTP API (/v1/api,
// docs/api): what a chat widget, a bot or an IM bridge calls with an
// integration token. It sends and reads protocol's API types; every
// error answer comes back as a *protocol.APIError with its HTTP status.
// The demo world (sim) and the load generator use it.
package channelapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
)

// maxAnswer bounds an answer body the client reads.
const maxAnswer = 4 << 20

// Client calls one server's channel API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// New returns a client for the server at base (http://host:port; a ws://
// desk URL or one ending in /v1/desk is accepted too) with an integration
// token. hc nil means http.DefaultClient.
func New(base, token string, hc *http.Client) *Client {
	base = strings.TrimRight(base, "/")
	base = strings.Replace(strings.Replace(base, "ws://", "http://", 1), "wss://", "https://", 1)
	base = strings.TrimSuffix(base, "/v1/desk")
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: base, token: token, http: hc}
}

// PostMessage posts a message (POST /v1/api/messages); retries with the
// same MessageID are safe.
func (c *Client) PostMessage(ctx context.Context, req protocol.APIMessageReq) (protocol.APIMessageAnswer, error) {
	var ans protocol.APIMessageAnswer
	return ans, c.do(ctx, http.MethodPost, "/v1/api/messages", req, &ans)
}

// PostCustomer creates or updates a customer (POST /v1/api/customers).
func (c *Client) PostCustomer(ctx context.Context, req protocol.APICustomerReq) (protocol.APICustomerAnswer, error) {
	var ans protocol.APICustomerAnswer
	return ans, c.do(ctx, http.MethodPost, "/v1/api/customers", req, &ans)
}

// Conversation reads a conversation with its newest page of messages
// (GET /v1/api/conversations/{id}).
func (c *Client) Conversation(ctx context.Context, id string) (protocol.APIConversationAnswer, error) {
	var ans protocol.APIConversationAnswer
	return ans, c.do(ctx, http.MethodGet, "/v1/api/conversations/"+url.PathEscape(id), nil, &ans)
}

// Escalate hands a conversation with the bot to people.
func (c *Client) Escalate(ctx context.Context, id string, req protocol.APIEscalateReq) (protocol.APIConversationAnswer, error) {
	var ans protocol.APIConversationAnswer
	return ans, c.do(ctx, http.MethodPost, "/v1/api/conversations/"+url.PathEscape(id)+"/escalate", req, &ans)
}

// RateCSAT records the customer's rating of a resolved conversation.
func (c *Client) RateCSAT(ctx context.Context, id string, req protocol.APICSATReq) (protocol.APICSATAnswer, error) {
	var ans protocol.APICSATAnswer
	return ans, c.do(ctx, http.MethodPost, "/v1/api/conversations/"+url.PathEscape(id)+"/csat", req, &ans)
}

// do sends one request with body (nil: none) and decodes a 2xx answer into
// out. Transport failures are returned as they are; error answers as
// *protocol.APIError.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &protocol.APIError{}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Code, e.Message = protocol.CodeInternal, strings.TrimSpace(string(data))
		}
		e.Status = resp.StatusCode
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			e.RetryAfterSeconds = s
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}
