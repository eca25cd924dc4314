package store_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// TestDeliveryFailureReasonIsCutWhole: a receiver's long error (here in
// Chinese) is kept to 500 bytes without splitting a character, so the
// stored reason stays valid UTF-8 (it was cut at byte 500).
func TestDeliveryFailureReasonIsCutWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Open(t, store.Options{})
		var msg string
		reason := "收件方错误：" + strings.Repeat("网关超时", 60)
		if err := st.Update(ctx, func(tx *store.Tx) error {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "王芳"})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			if err != nil {
				return err
			}
			m, _, err := tx.AddMessageTo(c, store.NewMessage{Author: protocol.AuthorBot, Text: "您好", Deliver: true})
			if err != nil {
				return err
			}
			msg = m.ID
			return tx.DeliveryFailed(msg, reason, 0)
		}); err != nil {
			t.Fatal(err)
		}
		var d store.DeliveryState
		if err := st.Update(ctx, func(tx *store.Tx) (err error) { d, err = tx.Delivery(msg); return err }); err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(d.LastError) || len(d.LastError) > 500 || !strings.HasPrefix(reason, d.LastError) || len(d.LastError) < 490 {
			t.Fatalf("stored reason (%d bytes, valid %v): %q", len(d.LastError), utf8.ValidString(d.LastError), d.LastError)
		}
	})
}
