package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
)

// A teammate's reply reaches alice's desk withheld (metadata only): the
// queue takes what it changed, no blank message joins a transcript, and
// the teammate's chat she has open is read again so the reply shows.
func TestWithheldMessageReloadsTheOpenTranscript(t *testing.T) {
	h := newHarness(t, lang.EN, 160, 48)
	c4 := conv(h, "c4") // bob's chat, its customer waiting
	h.be.detail["c4"] = protocol.ConversationDetail{Conversation: c4, Messages: []protocol.Message{
		{ID: "m41", ConversationID: "c4", Seq: 4, Author: protocol.AuthorCustomer, Text: "Can I change the address?", CreatedAt: ms(-3 * time.Minute)}}}
	h.m.openConv("c4")
	h.send(resultMsg{kind: protocol.ReqGetConversation, convID: "c4", detail: h.be.detail["c4"]})
	if h.m.Open() != "c4" || h.m.transcript.Len() != 1 {
		t.Fatalf("open %q with %d messages", h.m.Open(), h.m.transcript.Len())
	}
	h.be.reset()

	reply := protocol.Message{ID: "m42", ConversationID: "c4", Seq: 5, Author: protocol.AuthorAgent, AuthorID: "bob",
		Text: "Done, the parcel goes to the new address.", Delivery: "pending", CreatedAt: ms(0)}
	after := c4
	after.Version, after.LastSeq, after.WaitingSince, after.FirstReplyAt = c4.Version+1, 5, 0, ms(0)
	detail := h.be.detail["c4"]
	detail.Conversation, detail.Messages = after, append(detail.Messages, reply)
	h.be.detail["c4"] = detail

	h.send(UpdatesMsg{Updates: []client.Update{event(70, protocol.EvMessage,
		&protocol.MessageEvent{Message: protocol.WithheldMessage(reply), Conversation: protocol.ChangeOf(after)})}})
	if got := conv(h, "c4"); got.WaitingSince != 0 || got.FirstReplyAt != ms(0) || got.LastSeq != 5 {
		t.Fatalf("the desk keeps %+v", got)
	}
	if len(h.be.find("get")) != 1 {
		t.Fatalf("transcript loads after the withheld reply: %v", h.be.find("get"))
	}
	if h.m.transcript.Len() != 2 || !strings.Contains(h.screen(), "Done, the parcel goes") {
		t.Fatalf("transcript has %d messages:\n%s", h.m.transcript.Len(), h.screen())
	}

	// One that comes while the transcript loads: loaded again once it is in.
	h.be.reset()
	later := reply
	later.ID, later.Seq, later.Text = "m43", 6, "Anything else?"
	after.Version, after.LastSeq = after.Version+1, 6
	detail.Conversation, detail.Messages = after, append(detail.Messages, later)
	h.be.detail["c4"] = detail
	h.m.loading = true
	h.send(UpdatesMsg{Updates: []client.Update{event(71, protocol.EvMessage,
		&protocol.MessageEvent{Message: protocol.WithheldMessage(later), Conversation: protocol.ChangeOf(after)})}})
	if len(h.be.find("get")) != 0 || h.m.transcript.Len() != 2 {
		t.Fatalf("while loading: %d loads, %d messages", len(h.be.find("get")), h.m.transcript.Len())
	}
	stale := detail
	stale.Messages = detail.Messages[:2]
	h.send(resultMsg{kind: protocol.ReqGetConversation, convID: "c4", detail: stale})
	if len(h.be.find("get")) != 1 || h.m.transcript.Len() != 3 || !strings.Contains(h.screen(), "Anything else?") {
		t.Fatalf("after the load: %d loads, %d messages:\n%s", len(h.be.find("get")), h.m.transcript.Len(), h.screen())
	}

	// A withheld message of a chat not on screen loads nothing.
	h.be.reset()
	c1 := conv(h, "c1")
	c1.Version, c1.LastSeq = c1.Version+1, c1.LastSeq+1
	h.send(UpdatesMsg{Updates: []client.Update{event(72, protocol.EvMessage, &protocol.MessageEvent{
		Message:      protocol.Message{ID: "m9", ConversationID: "c1", Seq: c1.LastSeq, Author: protocol.AuthorNote, Withheld: true},
		Conversation: protocol.ChangeOf(c1)})}})
	if len(h.be.find("get")) != 0 || h.m.transcript.Len() != 3 {
		t.Fatalf("a chat not on screen: %d loads, %d messages", len(h.be.find("get")), h.m.transcript.Len())
	}
}
