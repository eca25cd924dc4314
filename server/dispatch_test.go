package server

import (
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestRoutesCoverProtocol: the route table answers every request type
// protocol knows and no other, and a route is the connection's own exactly
// when protocol says the request is local.
func TestRoutesCoverProtocol(t *testing.T) {
	for _, typ := range protocol.RequestTypes() {
		rt, ok := routes[typ]
		if !ok {
			t.Errorf("no route for %s", typ)
			continue
		}
		a, _ := protocol.AccessOf(typ)
		if rt.local != a.Local {
			t.Errorf("%s: route local=%v, protocol says %v", typ, rt.local, a.Local)
		}
		if len(a.Roles) == 0 {
			t.Errorf("%s: no role may send it", typ)
		}
	}
	for typ := range routes {
		if !protocol.KnownRequest(typ) {
			t.Errorf("route for %s, which protocol does not know", typ)
		}
	}
}
