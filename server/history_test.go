package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// TestGetConversationCarriesCustomerAndHistory: the wire answer of
// get_conversation has the customer with their channel identities and their
// other conversations (the store test covers order and the limit).
func TestGetConversationCarriesCustomerAndHistory(t *testing.T) {
	h := newHarness(t, server.Config{})
	token := h.agent("alice", protocol.RoleAgent)
	c := h.escalated("我要人工", 50)
	var earlier protocol.Conversation
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		if _, _, err := tx.UpsertCustomer(store.NewCustomer{ID: c.CustomerID}, []store.Identity{{Channel: "wechat", ExternalID: "wx_1"}}); err != nil {
			return err
		}
		var err error
		earlier, err = tx.CreateConversation(store.NewConversation{CustomerID: c.CustomerID, Channel: "wechat"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	d := h.dial(token, 0)
	f := d.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: c.ID})
	if !strings.Contains(string(f.Data), `"identities":[{"channel":"wechat","external_id":"wx_1"}]`) {
		t.Fatalf("no identities on the wire: %s", f.Data)
	}
	detail := decode[protocol.ConversationDetail](t, f)
	if detail.Customer == nil || detail.Customer.ID != c.CustomerID || detail.Customer.Name != c.CustomerName {
		t.Fatalf("customer = %+v", detail.Customer)
	}
	if len(detail.History) != 1 || detail.History[0].ID != earlier.ID || detail.History[0].Channel != "wechat" {
		t.Fatalf("history = %+v", detail.History)
	}
}
