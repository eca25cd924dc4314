package store

import (
	"context"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// The channel API authenticates every request, and reading the token and
// its account was a fifth of the CPU of posting a message. Integration
// tokens that authenticated are therefore remembered for tokenCacheTTL.
// Revoking a token through this store forgets it at once (after the
// commit); a token revoked by another process (`agentdesk token revoke`
// on the same database) or another replica stops working within the TTL.
// Desk tokens are not cached: a desk authenticates once per connection
// and its token is checked again on every ping.

const (
	tokenCacheTTL = 2 * time.Second
	tokenCacheMax = 10_000
)

type cachedToken struct {
	agent   protocol.Agent
	tokenID string
	until   time.Time
}

type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken // by token hash
}

func (c *tokenCache) get(hash string, now time.Time) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[hash]
	if ok && now.After(t.until) {
		delete(c.m, hash)
		ok = false
	}
	return t, ok
}

func (c *tokenCache) put(hash string, t cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = map[string]cachedToken{}
	}
	c.m[hash] = t
}

func (c *tokenCache) forget(tokenID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, t := range c.m {
		if t.tokenID == tokenID {
			delete(c.m, h)
		}
	}
}

// AuthenticateIntegration resolves an integration token to its account and
// token id. Unknown and revoked tokens are CodeUnauthorized; desk tokens are
// CodeForbidden. The account's role and id are current; its status and
// load may be up to tokenCacheTTL old.
func (s *Store) AuthenticateIntegration(ctx context.Context, secret string) (protocol.Agent, string, error) {
	hash := hashToken(secret)
	now := s.now()
	if t, ok := s.tokens.get(hash, now); ok {
		return t.agent, t.tokenID, nil
	}
	a, id, err := s.authenticate(ctx, secret, ScopeIntegration,
		"desk tokens cannot use the integration API; create one with `agentdesk token create --integration`")
	if err == nil {
		s.tokens.put(hash, cachedToken{agent: a, tokenID: id, until: now.Add(tokenCacheTTL)})
	}
	return a, id, err
}
