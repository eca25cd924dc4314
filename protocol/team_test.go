package protocol

import "testing"

func TestTeamRequestsKnownAndValidated(t *testing.T) {
	for _, typ := range []string{ReqDrain, ReqTakeover, ReqTeamBoard, ReqViewing} {
		if !KnownRequest(typ) {
			t.Errorf("%s unknown", typ)
		}
	}
	if Mutating(ReqTeamBoard) || Mutating(ReqViewing) || !Mutating(ReqDrain) || !Mutating(ReqTakeover) {
		t.Error("team_board and viewing change nothing; drain and takeover do")
	}
	bad := []interface{ Validate() error }{
		DrainReq{},
		DrainReq{AgentID: "omar", ToAgents: []string{"omar"}},
		DrainReq{AgentID: "omar", ToAgents: []string{"mei"}, ToTeam: "billing"},
		DrainReq{AgentID: "omar", Status: StatusOnline},
		TakeoverReq{},
		TeamBoardReq{DayStart: -1},
	}
	for _, r := range bad {
		if err := r.Validate(); CodeOf(err) != CodeInvalid {
			t.Errorf("%+v: %v, want invalid", r, err)
		}
	}
	good := []interface{ Validate() error }{
		DrainReq{AgentID: "omar"},
		DrainReq{AgentID: "omar", ToAgents: []string{"mei", "jun"}, Status: StatusOffline},
		DrainReq{AgentID: "omar", ToTeam: "billing", Status: StatusAway},
		TakeoverReq{ConversationID: "c_1", Version: 3},
		ViewingReq{},
	}
	for _, r := range good {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
}
