package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// Uploads never sent expire, bytes and all; sent ones stay, and their
// metadata rides on the message wherever it is read.
func TestAttachmentsLinkAndPrune(t *testing.T) { storetest.Each(t, testAttachmentsLinkAndPrune) }

func testAttachmentsLinkAndPrune(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	clock := time.UnixMilli(1_763_700_000_000)
	st := b.Open(t, store.Options{Now: func() time.Time { return clock }})
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0}, 1000) // bytes of every value survive the round trip
	var sent, unsent protocol.Attachment
	var convID string
	err := st.Update(ctx, func(tx *store.Tx) error {
		var err error
		if sent, err = tx.PutAttachment(store.NewAttachment{Name: "a.png", ContentType: "image/png", Data: data, Owner: "bot", Source: store.SourceAPI}); err != nil {
			return err
		}
		if unsent, err = tx.PutAttachment(store.NewAttachment{Name: "b.png", ContentType: "image/png", Data: data, Owner: "bot", Source: store.SourceAPI}); err != nil {
			return err
		}
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "Sam"})
		if err != nil {
			return err
		}
		c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
		if err != nil {
			return err
		}
		convID = c.ID
		if _, _, err := tx.AddMessageWith(c.ID, protocol.AuthorCustomer, "", "", store.Attach{IDs: []string{unsent.ID}, Owner: "someone else"}); protocol.CodeOf(err) != protocol.CodeNotFound {
			t.Errorf("linking another owner's upload: %v", err)
		}
		_, _, err = tx.AddMessageWith(c.ID, protocol.AuthorCustomer, "", "photo", store.Attach{IDs: []string{sent.ID}, Owner: "bot"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.ConversationDetail(ctx, convID)
	if err != nil || len(d.Messages) != 1 || len(d.Messages[0].Attachments) != 1 || d.Messages[0].Attachments[0] != sent {
		t.Fatalf("transcript: %+v %v", d.Messages, err)
	}
	if got, err := st.AttachmentData(ctx, sent.ID); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("bytes back: %d %v", len(got), err)
	}
	clock = clock.Add(25 * time.Hour)
	var pruned int64
	if err := st.Update(ctx, func(tx *store.Tx) error {
		pruned, err = tx.PruneAttachments((24 * time.Hour).Milliseconds())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if pruned != 1 {
		t.Fatalf("pruned %d, want 1", pruned)
	}
	if _, err := st.AttachmentData(ctx, unsent.ID); protocol.CodeOf(err) != protocol.CodeNotFound {
		t.Fatalf("unsent upload still there: %v", err)
	}
	if rec, err := st.Attachment(ctx, sent.ID); err != nil || rec.MessageID == "" || rec.ConversationID != convID {
		t.Fatalf("sent attachment: %+v %v", rec, err)
	}
}
