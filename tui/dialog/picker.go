package dialog

import (
	"sort"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/i18n"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// Target is where the agent picker sends chats: one agent, a team's
// queue, or (a drain) back to the queue or spread over online teammates.
type Target struct {
	Agent, Team   string
	Queue, Spread bool
}

// Picker says what the agent picker offers.
type Picker struct {
	// Agents are the people who may take the chats (the caller filters).
	Agents []protocol.Agent
	// Teams are offered after the agents, as team queues.
	Teams []string
	// ByLoad orders agents of the same status least loaded (load against
	// capacity) first; otherwise by id.
	ByLoad bool
	// Drain offers "spread over online teammates" (all online agents but
	// Me) and "back to the queue" first.
	Drain bool
	Me    string
}

// AgentPicker is the one list of transfer, reassign and drain targets:
// agents online first, then away, then offline, each with status and load.
func AgentPicker(env Env, title string, p Picker, pick func(Target) tea.Cmd) *List[Target] {
	cat := env.Cat
	agents := append([]protocol.Agent(nil), p.Agents...)
	rank := func(s string) int {
		switch s {
		case protocol.StatusOnline:
			return 0
		case protocol.StatusAway:
			return 1
		}
		return 2
	}
	ratio := func(a protocol.Agent) float64 {
		if a.Capacity <= 0 {
			return float64(a.Load)
		}
		return float64(a.Load) / float64(a.Capacity)
	}
	sort.Slice(agents, func(i, j int) bool {
		x, y := agents[i], agents[j]
		if rank(x.Status) != rank(y.Status) {
			return rank(x.Status) < rank(y.Status)
		}
		if p.ByLoad && ratio(x) != ratio(y) {
			return ratio(x) < ratio(y)
		}
		return x.ID < y.ID
	})
	d := &List[Target]{Title: title, OnPick: pick}
	if p.Drain {
		var online []string
		for _, a := range agents {
			if a.Status == protocol.StatusOnline && a.ID != p.Me {
				online = append(online, sanitize.Line(a.Name))
			}
		}
		if len(online) > 0 {
			d.Items = append(d.Items, Item[Target]{Label: cat.Team.DrainSpread, Hint: cat.Team.SpreadHint(online), Value: Target{Spread: true}})
		}
		d.Items = append(d.Items, Item[Target]{Label: cat.Team.DrainToQueue, Value: Target{Queue: true}})
	}
	for _, a := range agents {
		name := sanitize.Line(a.Name)
		if name == "" {
			name = sanitize.Line(a.ID)
		}
		d.Items = append(d.Items, Item[Target]{Label: name,
			Hint: StatusLabel(cat, a.Status) + " · " + cat.Load(a.Load, a.Capacity), Value: Target{Agent: a.ID}})
	}
	for _, t := range p.Teams {
		d.Items = append(d.Items, Item[Target]{Label: sanitize.Line(t), Hint: cat.TeamQueue, Value: Target{Team: t}})
	}
	return d
}

// StatusLabel is an agent status in the desk's words.
func StatusLabel(cat *i18n.Catalog, s string) string {
	switch s {
	case protocol.StatusOnline:
		return cat.StatusOnline
	case protocol.StatusAway:
		return cat.StatusAway
	case protocol.StatusOffline:
		return cat.StatusOffline
	}
	return sanitize.Line(s)
}
