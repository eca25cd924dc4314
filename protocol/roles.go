package protocol

import (
	"maps"
	"slices"
)

// Access is what the server needs to know about a request type before it
// reads the data: who may send it, whether it changes state, and whether
// the connection that received it answers it itself.
type Access struct {
	// Roles may send the request. The server refuses anyone else with
	// forbidden before decoding the data; finer rules ("own conversation,
	// or a lead") are the store's, on top of this.
	Roles []string
	// Mutating requests change server state and are idempotent on (agent,
	// request id): a retry with the same id gets the first answer again.
	Mutating bool
	// Local requests concern the connection itself (what it views, its
	// team_stats subscription, typing to a chat window): nothing is
	// stored and the answer comes from the connection, not the store.
	Local bool
}

var (
	staff      = []string{RoleAgent, RoleLead, RoleTrainer, RoleAdmin}
	talkers    = []string{RoleAgent, RoleLead, RoleAdmin} // everyone who talks to customers
	leads      = []string{RoleLead, RoleAdmin}
	reviewers  = []string{RoleTrainer, RoleLead, RoleAdmin} // read the outcomes stream
	reviewEdit = []string{RoleTrainer, RoleAdmin}           // label, promote, export
)

// requests is the one table of request types: docs/protocol.md's "who"
// column is checked against it (protocol_doc_test.go), the server's route
// table admits by it, the store's own role checks and the desk's key
// bindings ask it.
var requests = map[string]Access{
	ReqClaim:           {Roles: talkers, Mutating: true},
	ReqNext:            {Roles: talkers, Mutating: true},
	ReqRelease:         {Roles: talkers, Mutating: true},
	ReqSend:            {Roles: talkers, Mutating: true},
	ReqNote:            {Roles: talkers, Mutating: true},
	ReqTransfer:        {Roles: talkers, Mutating: true},
	ReqReassign:        {Roles: leads, Mutating: true},
	ReqResolve:         {Roles: talkers, Mutating: true},
	ReqSnooze:          {Roles: talkers, Mutating: true},
	ReqSetStatus:       {Roles: staff, Mutating: true},
	ReqSetCapacity:     {Roles: leads, Mutating: true},
	ReqOutcome:         {Roles: talkers, Mutating: true},
	ReqGetConversation: {Roles: staff},
	ReqRegenerate:      {Roles: talkers},
	ReqDrain:           {Roles: leads, Mutating: true},
	ReqTakeover:        {Roles: leads, Mutating: true},
	ReqTeamBoard:       {Roles: leads, Local: true},
	ReqViewing:         {Roles: staff, Local: true},
	ReqTyping:          {Roles: talkers, Local: true},
	ReqReviewList:      {Roles: reviewers},
	ReqReviewGet:       {Roles: reviewers},
	ReqReviewMetrics:   {Roles: reviewers},
	ReqLabel:           {Roles: reviewEdit, Mutating: true},
	ReqPromote:         {Roles: reviewEdit, Mutating: true},
	ReqExport:          {Roles: reviewEdit},
	ReqKBReload:        {Roles: reviewEdit, Mutating: true},
}

// AccessOf returns the access rules of request type t; ok is false for an
// unknown type.
func AccessOf(t string) (a Access, ok bool) {
	a, ok = requests[t]
	a.Roles = slices.Clone(a.Roles)
	return a, ok
}

// KnownRequest reports whether t is a request type the server understands.
func KnownRequest(t string) bool {
	_, ok := requests[t]
	return ok
}

// RequestTypes lists every known request type, sorted.
func RequestTypes() []string { return slices.Sorted(maps.Keys(requests)) }

// Mutating reports whether request type t changes server state (see
// Access.Mutating). Unknown types count as mutating.
func Mutating(t string) bool {
	a, ok := requests[t]
	return !ok || a.Mutating
}

// MayRequest reports whether role may send request type t.
func MayRequest(role, t string) bool {
	return slices.Contains(requests[t].Roles, role)
}

// Privileged reports whether role acts on any conversation and any agent,
// not only its own: the roles that may reassign (leads and admins).
func Privileged(role string) bool { return MayRequest(role, ReqReassign) }
