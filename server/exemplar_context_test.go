package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// An exemplar remembers the state its question was asked in: the agent's
// last message before it, "" for a conversation's first reply.
func TestExemplarsCarryTheirContext(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "desk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agent := store.Actor{ID: "alice", Role: protocol.RoleAgent}
	firstReply := "请问您是咨询之前的问题还是有其他的问题需要处理呢？"
	err = st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("test", store.NewAgent{ID: "alice", Name: "alice", Role: protocol.RoleAgent, Capacity: 5}); err != nil {
			return err
		}
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "孙悦"})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		if err != nil {
			return err
		}
		if _, c, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "在吗"); err != nil {
			return err
		}
		if c, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human"}, 1, 0); err != nil {
			return err
		}
		if _, err = tx.Claim(agent, c.ID, 0); err != nil {
			return err
		}
		reply := func(text, key string) error {
			c, err := tx.Conversation(c.ID)
			if err != nil {
				return err
			}
			d, err := tx.CreateDraft(protocol.Draft{ConversationID: c.ID, Text: text, BasedOnSeq: c.LastSeq, Provider: "offline", Model: "offline", PromptVersion: "v1",
				Sources: []protocol.Source{{Kind: "kb", ID: "membership-zh"}}}) // cited: not a template reply, which is not learnt
			if err != nil {
				return err
			}
			_, err = tx.RecordOutcome(agent, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionAccept, IdempotencyKey: key})
			return err
		}
		if err := reply(firstReply, "k1"); err != nil {
			return err
		}
		if _, _, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "之前的问题"); err != nil {
			return err
		}
		return reply("请稍等，马上为您查看之前的问题处理进度。", "k2")
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []copilot.Exemplar
	if _, _, err := server.LoadExemplars(ctx, st, func(x copilot.Exemplar) error { got = append(got, x); return nil }, nil); err != nil {
		t.Fatal(err)
	}
	// Both outcomes may share a millisecond, so their order is not asked.
	byQuestion := map[string]string{}
	for _, x := range got {
		byQuestion[x.Question] = x.Context
	}
	if c, ok := byQuestion["在吗"]; len(got) != 2 || !ok || c != "" || byQuestion["之前的问题"] != firstReply {
		t.Fatalf("exemplars %+v", got)
	}
}
