package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// agentStatusEvent waits on d for an agent event of agentID showing status.
func agentStatusEvent(d *desk, agentID, status string) protocol.AgentEvent {
	d.t.Helper()
	var ae protocol.AgentEvent
	d.waitEvent(func(f protocol.Frame) bool {
		if f.Kind != protocol.EvAgent {
			return false
		}
		ae = protocol.AgentEvent{}
		json.Unmarshal(f.Data, &ae)
		return ae.Agent.ID == agentID && ae.Agent.Status == status
	})
	return ae
}

func (h *harness) statusOf(id string) string {
	h.t.Helper()
	a, err := h.st.Agent(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return a.Status
}

// A desk starts with its agent shown online; when the agent's last desk
// closes the team sees them offline after the grace; when they come back
// the status they chose comes back with them.
func TestPresenceFollowsTheConnection(t *testing.T) {
	grace := 300 * time.Millisecond
	h := newHarness(t, server.Config{PresenceGrace: grace})
	alice := h.agent("alice", protocol.RoleAgent)
	lead := h.dial(h.agent("lena", protocol.RoleLead), 0)

	d := h.dial(alice, 0)
	if got := d.welcome.Agent.Status; got != protocol.StatusOnline {
		t.Fatalf("a new agent's desk starts %q, want online", got)
	}
	agentStatusEvent(lead, "alice", protocol.StatusOnline)

	decode[protocol.AgentAck](t, d.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusAway}))
	agentStatusEvent(lead, "alice", protocol.StatusAway)

	d.ws.Close()
	ev := agentStatusEvent(lead, "alice", protocol.StatusOffline)
	if ev.Cause != store.CauseDisconnected {
		t.Fatalf("cause %q, want %q", ev.Cause, store.CauseDisconnected)
	}

	d = h.dial(alice, 0)
	if got := d.welcome.Agent.Status; got != protocol.StatusAway {
		t.Fatalf("reconnected desk shows %q, want the chosen away", got)
	}
	agentStatusEvent(lead, "alice", protocol.StatusAway)

	// A desk that reconnects within the grace never shows offline.
	d.ws.Close()
	d = h.dial(alice, 0)
	time.Sleep(3 * grace)
	if got := h.statusOf("alice"); got != protocol.StatusAway {
		t.Fatalf("after a quick reconnect alice shows %q, want away", got)
	}

	// One of two desks closing changes nothing.
	d2 := h.dial(alice, 0)
	d2.ws.Close()
	time.Sleep(3 * grace)
	if got := h.statusOf("alice"); got != protocol.StatusAway {
		t.Fatalf("with a desk still open alice shows %q, want away", got)
	}

	// An agent who chose offline stays offline on reconnecting.
	decode[protocol.AgentAck](t, d.do(protocol.ReqSetStatus, protocol.SetStatusReq{Status: protocol.StatusOffline}))
	d.ws.Close()
	time.Sleep(3 * grace)
	d = h.dial(alice, 0)
	if got := d.welcome.Agent.Status; got != protocol.StatusOffline {
		t.Fatalf("an agent who chose offline reconnects %q", got)
	}
}

// After a restart (the old process killed), agents shown online in the
// database with no desk connected to the new process show offline once the
// grace has passed.
func TestPresenceAfterRestartShowsAbsentOffline(t *testing.T) {
	grace := 300 * time.Millisecond
	h := newHarness(t, server.Config{PresenceGrace: grace})
	h.agent("bob", protocol.RoleAgent)
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetStatus(store.Actor{ID: "bob", Role: protocol.RoleAgent}, "", protocol.StatusOnline)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.statusOf("bob") != protocol.StatusOffline {
		if time.Now().After(deadline) {
			t.Fatalf("bob without a desk still shows %q", h.statusOf("bob"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
