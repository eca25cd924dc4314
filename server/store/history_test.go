package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// TestConversationDetailHasCustomerAndHistory: get_conversation carries the
// customer's profile with every channel identity, and their other
// conversations on any channel, newest first, at most MaxHistory; never the
// conversation itself nor anyone else's.
func TestConversationDetailHasCustomerAndHistory(t *testing.T) {
	storetest.Each(t, testConversationDetailHasCustomerAndHistory)
}

func testConversationDetailHasCustomerAndHistory(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	clock := time.UnixMilli(1_763_700_000_000)
	st := b.Open(t, store.Options{Now: func() time.Time { return clock }})
	var err error
	tick := func() { clock = clock.Add(time.Minute) }

	var cust store.Customer
	var past []protocol.Conversation // oldest first
	channels := []string{"wechat", "email", "web"}
	for i := range protocol.MaxHistory + 3 {
		ch := channels[i%len(channels)]
		if err := st.Update(ctx, func(tx *store.Tx) error {
			cust, _, err = tx.UpsertCustomer(store.NewCustomer{Name: "王芳", VIP: true, Language: "zh"}, []store.Identity{
				{Channel: "wechat", ExternalID: "wx_wangfang"}, {Channel: "email", ExternalID: "fang@example.com"}})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust.ID, Channel: ch})
			if err != nil {
				return err
			}
			if c, err = tx.Enrich(c.ID, store.Insight{Summary: fmt.Sprintf("问题 %d", i)}); err != nil {
				return err
			}
			if i%2 == 0 {
				tick()
				if _, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "explicit"}, 50, 0); err != nil {
					return err
				}
				if c, err = tx.Resolve(store.System, c.ID, "answered"); err != nil {
					return err
				}
			}
			past = append(past, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		tick()
	}
	// Someone else, later, must not show up.
	if err := st.Update(ctx, func(tx *store.Tx) error {
		other, err := tx.CreateCustomer(store.NewCustomer{Name: "Bob"})
		if err != nil {
			return err
		}
		_, err = tx.CreateConversation(store.NewConversation{CustomerID: other, Channel: "wechat"})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	current := past[5]
	d, err := st.ConversationDetail(ctx, current.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Customer == nil {
		t.Fatal("no customer in the detail")
	}
	wantIDs := []protocol.ChannelIdentity{{Channel: "email", ExternalID: "fang@example.com"}, {Channel: "wechat", ExternalID: "wx_wangfang"}}
	if c := d.Customer; c.ID != cust.ID || c.Name != "王芳" || !c.VIP || c.Language != "zh" || fmt.Sprint(c.Identities) != fmt.Sprint(wantIDs) {
		t.Fatalf("customer = %+v", *c)
	}
	if len(d.History) != protocol.MaxHistory {
		t.Fatalf("history has %d entries, want %d", len(d.History), protocol.MaxHistory)
	}
	// Newest first, skipping the current one.
	var want []protocol.Conversation
	for i := len(past) - 1; i >= 0 && len(want) < protocol.MaxHistory; i-- {
		if past[i].ID != current.ID {
			want = append(want, past[i])
		}
	}
	for i, h := range d.History {
		w := want[i]
		if h.ID != w.ID || h.Channel != w.Channel || h.Status != w.Status || h.CreatedAt != w.CreatedAt ||
			h.ResolvedAt != w.ResolvedAt || h.Disposition != w.Disposition || h.Summary != w.Summary {
			t.Fatalf("history[%d] = %+v, want %+v", i, h, w)
		}
	}
	if d.History[0].Status != protocol.ConvResolved || d.History[0].Disposition != "answered" || d.History[0].ResolvedAt == 0 {
		t.Fatalf("newest past conversation = %+v, want resolved as answered", d.History[0])
	}
	// A first-time customer has an empty history, not a missing one.
	if err := st.Update(ctx, func(tx *store.Tx) error {
		c, _, err := tx.UpsertCustomer(store.NewCustomer{Name: "新客"}, []store.Identity{{Channel: "sms", ExternalID: "+8613800000000"}})
		if err != nil {
			return err
		}
		current, err = tx.CreateConversation(store.NewConversation{CustomerID: c.ID, Channel: "sms"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d, err = st.ConversationDetail(ctx, current.ID); err != nil {
		t.Fatal(err)
	}
	if d.History == nil || len(d.History) != 0 || len(d.Customer.Identities) != 1 || d.Customer.Identities[0].ExternalID != "+8613800000000" {
		t.Fatalf("first-time customer: history %#v customer %+v", d.History, d.Customer)
	}
}
