package server

import (
	"context"

	"github.com/agentdesk/agentdesk/protocol"
)

// pinger pings every desk each PingInterval and closes, with 4001, those
// whose token was revoked meanwhile: one goroutine and one read of the
// tokens for all desks, instead of a ticker and a query in every desk's
// writer (a writer never waits on the database). Requests are checked
// against revocation as they come as well (limits.go).
func (s *Server) pinger(ctx context.Context) {
	runEvery(ctx, s.cfg.PingInterval, s.pingAll) // bot.go
}

func (s *Server) pingAll(ctx context.Context) {
	var conns []*conn
	ids := map[string]bool{}
	s.hub.each(func(c *conn) {
		conns = append(conns, c)
		ids[c.tokenID] = true
	})
	if len(conns) == 0 {
		return
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	valid, err := s.store.ValidTokens(ctx, list)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("check desk tokens", "err", err) // checked again at the next ping
	}
	for _, c := range conns {
		if err == nil && !valid[c.tokenID] {
			c.shut(protocol.CloseUnauthorized, "token revoked")
			continue
		}
		c.askPing()
	}
}
