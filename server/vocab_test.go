package server_test

import (
	"slices"
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
)

// TestCopilotSpeaksProtocolVocabulary: the copilot knows no wire type, so
// it keeps its own copies of the flag and outcome words; the server hands
// them on as protocol's. They must be the same words.
func TestCopilotSpeaksProtocolVocabulary(t *testing.T) {
	all := copilot.Flags{Angry: true, ChurnRisk: true, LegalThreat: true, Urgent: true, AsksForHuman: true}
	got := protocol.FlagsOf(all.Names())
	want := slices.Clone(protocol.Flags)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("copilot flags %v, protocol flags %v", got, want)
	}
	for action, outcome := range map[protocol.Action]copilot.Outcome{
		protocol.ActionAccept: copilot.Accepted, protocol.ActionEdit: copilot.Edited, protocol.ActionReject: copilot.Rejected,
	} {
		if string(action.Status()) != string(outcome) {
			t.Errorf("%s leaves a draft %q; the copilot calls it %q", action, action.Status(), outcome)
		}
	}
}

// TestCopilotDraftWordsAreProtocols: the copilot's draft kinds and the
// warning codes the desk reads are protocol's.
func TestCopilotDraftWordsAreProtocols(t *testing.T) {
	for c, p := range map[string]string{
		copilot.DraftKindClosing: string(protocol.DraftClosing), copilot.DraftKindHolding: string(protocol.DraftHolding),
		copilot.WarnNoCitation: protocol.WarnNoCitation, copilot.WarnNoArticle: protocol.WarnNoArticle,
	} {
		if c != p {
			t.Errorf("copilot says %q, protocol %q", c, p)
		}
	}
	if protocol.DraftKind(copilot.DraftKindClosing).NeedsSource() || protocol.DraftKind(copilot.DraftKindHolding).NeedsSource() {
		t.Error("a closing or holding draft should need no source")
	}
}

// TestCopilotWordsEveryReason: the summary names each of protocol's
// escalation reasons in words, never as its code.
func TestCopilotWordsEveryReason(t *testing.T) {
	for _, r := range []protocol.Reason{protocol.ReasonAsksForHuman, protocol.ReasonNegativeSentiment, protocol.ReasonLegalThreat,
		protocol.ReasonChurnRisk, protocol.ReasonBotFailure, protocol.ReasonVIP, protocol.ReasonExplicit,
		protocol.ReasonLowConfidence, protocol.ReasonEmail} {
		for _, zh := range []bool{false, true} {
			if w := copilot.ReasonWords(string(r)+": evidence", zh); w == "" || w == string(r) || w == "evidence" {
				t.Errorf("reason %s (zh %v) reads %q", r, zh, w)
			}
		}
	}
}
