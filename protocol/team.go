package protocol

// Team-lead requests and the ephemeral frames of the team board
// (docs/team.md). Leads and admins may send drain, takeover and team_board;
// every desk may send viewing.
const (
	ReqDrain     = "drain"      // DrainReq → DrainAck (lead, admin)
	ReqTakeover  = "takeover"   // TakeoverReq → ConversationAck (lead, admin)
	ReqTeamBoard = "team_board" // TeamBoardReq → TeamStats (lead, admin); also subscribes to team_stats frames
	ReqViewing   = "viewing"    // ViewingReq → ViewingAck (any desk)
)

// Ephemeral frame types of the team board. Like draft_delta they have no
// seq, are never replayed, and a desk must not advance its last seq on them.
const (
	// TypePresence (data: Presence) says who has a conversation open right
	// now. Sent to every desk that may see the conversation whenever the
	// set changes, and once per open conversation when a desk goes live.
	TypePresence = "presence"
	// TypeTeamStats (data: TeamStats) is pushed to the lead and admin desks
	// that asked for team_board, every StatsInterval and after a drain or
	// bulk reassign. It is never polled for.
	TypeTeamStats = "team_stats"
)

// DrainReq moves every open conversation of an agent (assigned or snoozed)
// elsewhere, keeping priority and history, in one transaction:
//   - ToAgents: spread over these agents, each chat to whoever has the
//     lowest load for their capacity at that moment (ties: the order given);
//   - ToTeam: into that team's queue;
//   - neither: back into the queue of the chat's own team.
//
// Status, when set, also sets the drained agent away or offline first, so
// nothing new is routed to them.
type DrainReq struct {
	AgentID  string   `json:"agent_id"`
	ToAgents []string `json:"to_agents,omitempty"`
	ToTeam   string   `json:"to_team,omitempty"`
	Status   string   `json:"status,omitempty"` // "", away or offline
	Note     string   `json:"note,omitempty"`   // left on every moved chat for its new owner
}

// Validate checks the request.
func (r DrainReq) Validate() error {
	if err := needID("agent_id", r.AgentID); err != nil {
		return err
	}
	if len(r.ToAgents) > 50 {
		return Errorf(CodeInvalid, "field \"to_agents\" has %d entries, at most 50 allowed", len(r.ToAgents))
	}
	for _, id := range r.ToAgents {
		if err := needID("to_agents", id); err != nil {
			return err
		}
		if id == r.AgentID {
			return Errorf(CodeInvalid, "cannot drain %s into themselves", id)
		}
	}
	if len(r.ToAgents) > 0 && r.ToTeam != "" {
		return Errorf(CodeInvalid, "give to_agents or to_team, not both")
	}
	if err := ValidTeam("to_team", r.ToTeam); err != nil {
		return err
	}
	if r.Status != "" && r.Status != StatusAway && r.Status != StatusOffline {
		return Errorf(CodeInvalid, "field \"status\" must be away, offline or empty")
	}
	if len(r.Note) > MaxTextBytes {
		return Errorf(CodeInvalid, "field \"note\" is longer than %d bytes", MaxTextBytes)
	}
	return nil
}

// DrainAck answers drain: one result per moved conversation (highest
// priority first) and the drained agent afterwards.
type DrainAck struct {
	Results []ReassignResult `json:"results"`
	Agent   Agent            `json:"agent"`
}

// TakeoverReq makes the lead the owner of a conversation, queued or
// someone else's, keeping priority and history. Version, when non-zero,
// must match (compare-and-set), so a lead never takes a chat that moved
// since they looked.
type TakeoverReq struct {
	ConversationID string `json:"conversation_id"`
	Version        int64  `json:"version,omitempty"`
	Note           string `json:"note,omitempty"`
}

// Validate checks the request.
func (r TakeoverReq) Validate() error {
	if err := needID("conversation_id", r.ConversationID); err != nil {
		return err
	}
	if len(r.Note) > MaxTextBytes {
		return Errorf(CodeInvalid, "field \"note\" is longer than %d bytes", MaxTextBytes)
	}
	return nil
}

// ViewingReq tells the server which conversation the desk has on screen
// (empty: none). It is not stored; it feeds presence frames.
type ViewingReq struct {
	ConversationID string `json:"conversation_id,omitempty"`
}

// Validate checks the request.
func (r ViewingReq) Validate() error {
	if len(r.ConversationID) > 128 {
		return Errorf(CodeInvalid, "field \"conversation_id\" is longer than 128 bytes")
	}
	return nil
}

// ViewingAck answers viewing with who else has that conversation open.
type ViewingAck struct {
	Presence Presence `json:"presence"`
}

// Presence is the data of a presence frame: the agents (ids, sorted) with
// the conversation open on a connected desk. An agent with two desks on
// the same chat counts once.
type Presence struct {
	ConversationID string   `json:"conversation_id"`
	Viewers        []string `json:"viewers"`
}

// TeamBoardReq asks for the floor aggregates. DayStart is the start of
// "today" for the desk (its local midnight, unix ms); zero means the
// server's midnight (UTC).
type TeamBoardReq struct {
	DayStart int64 `json:"day_start,omitempty"`
}

// Validate checks the request.
func (r TeamBoardReq) Validate() error {
	if r.DayStart < 0 {
		return Errorf(CodeInvalid, "field \"day_start\" must not be negative")
	}
	return nil
}

// StatsInterval is how often the server pushes team_stats, in seconds.
const StatsInterval = 15

// TeamStats is what the desk cannot compute from the event stream: per
// agent figures for today, first-response times and queue depth over the
// last hour, hot topics, CSAT by agent and by topic, and when each open
// conversation's customer started waiting. Everything else on the board
// (status, load, queue, SLA, sentiment) is live from events.
type TeamStats struct {
	At       int64       `json:"at"` // when computed, unix ms
	DayStart int64       `json:"day_start"`
	Agents   []AgentDay  `json:"agents"`
	Minutes  []MinuteBin `json:"minutes"` // the last 60 minutes, oldest first
	// Waiting maps an open conversation to when its customer started
	// waiting for a person (first customer message after the newest agent
	// reply); absent when nobody is waiting.
	Waiting     map[string]int64 `json:"waiting"`
	HotHour     []Topic          `json:"hot_hour"` // rising in the last hour against the last 7 days
	HotDay      []Topic          `json:"hot_day"`  // rising in the last 24 hours against the 7 days before
	CSATByAgent []CSATRow        `json:"csat_by_agent"`
	CSATByTopic []CSATRow        `json:"csat_by_topic"`
	Viewers     []Presence       `json:"viewers"`
	Bot         BotDay           `json:"bot"`
}

// BotDay is the front-line bot's work since DayStart: its answers (and the
// turns where it had none and asked the customer to say more), the chats it
// closed itself, and the handoffs to people by reason.
type BotDay struct {
	Answers   int           `json:"answers"`
	Fallbacks int           `json:"fallbacks"`
	Resolved  int           `json:"resolved"`
	Handoffs  int           `json:"handoffs"`
	Reasons   []ReasonCount `json:"reasons"` // most frequent first
}

// ReasonCount is how many handoffs had one escalation reason.
type ReasonCount struct {
	Reason Reason `json:"reason"`
	Count  int    `json:"count"`
}

// AgentDay is one agent's work since DayStart.
type AgentDay struct {
	AgentID        string `json:"agent_id"`
	Resolved       int    `json:"resolved"`
	HandleMs       int64  `json:"handle_ms"` // summed from taking each chat to resolving it
	DraftsAccepted int    `json:"drafts_accepted"`
	DraftsEdited   int    `json:"drafts_edited"`
	DraftsRejected int    `json:"drafts_rejected"`
}

// MinuteBin is one minute of the last hour: the queue depth the server
// sampled in it (-1 when it was not running then), and the first responses
// given in it with their mean wait.
type MinuteBin struct {
	Start        int64 `json:"start"`
	QueueDepth   int   `json:"queue_depth"`
	FirstReplies int   `json:"first_replies"`
	FirstRespMs  int64 `json:"first_response_ms"` // mean; 0 when FirstReplies is 0
}

// Topic kinds.
const (
	TopicIntent  = "intent"
	TopicKeyword = "keyword"
)

// Topic is an intent or keyword whose rate is up against its baseline.
// Count is what was seen in the window; Expected is the baseline rate
// scaled to the window. Thin is true when the counts are too small to call
// a trend with confidence (shown, but marked).
type Topic struct {
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
	Count    int     `json:"count"`
	Expected float64 `json:"expected"`
	Thin     bool    `json:"thin,omitempty"`
}

// CSATRow is an average customer satisfaction score (1-5) over N ratings
// in the last 7 days, for an agent or an intent.
type CSATRow struct {
	Key   string  `json:"key"`
	Avg   float64 `json:"avg"`
	Count int     `json:"count"`
}
