package e2e

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/tui"
)

// TestDeskOpensAndAttachesFiles: a customer's photo shows in the
// transcript as a line with name, type and size; o downloads it into a
// private folder and hands it to the viewer; ctrl+o in the reply box
// uploads a file that goes out with the reply — real client, real server.
func TestDeskOpensAndAttachesFiles(t *testing.T) {
	b := newBackend(t)
	token := b.account("alice", protocol.RoleAgent)
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 3, 3)))
	var conv protocol.Conversation
	if err := b.st.Update(context.Background(), func(tx *store.Tx) error {
		cust, err := tx.CreateCustomer(store.NewCustomer{Name: "王芳"})
		if err != nil {
			return err
		}
		if conv, err = tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "email"}); err != nil {
			return err
		}
		a, err := tx.PutAttachment(store.NewAttachment{Name: "破损\x1b]52;c;ZXZpbA==\x07.png", ContentType: "image/png", Data: img.Bytes(), Owner: "email", Source: store.SourceEmail})
		if err != nil {
			return err
		}
		if _, _, err = tx.AddMessageWith(conv.ID, protocol.AuthorCustomer, "", "盒子压坏了", store.Attach{IDs: []string{a.ID}, Owner: "email"}); err != nil {
			return err
		}
		conv, err = tx.Escalate(conv.ID, protocol.Escalation{Reason: "email"}, 50, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "opened")
	opener := filepath.Join(dir, "viewer.sh")
	os.WriteFile(opener, []byte("#!/bin/sh\nprintf '%s' \"$1\" > "+record+".tmp && mv "+record+".tmp "+record+"\n"), 0o700)
	l := startDeskModelWith(t, b, token, func(d *tui.Deps) { d.Opener, d.FilesDir = opener, filepath.Join(dir, "files") })
	m := l.m
	l.until("the escalation", func() bool { _, ok := m.Conversation(conv.ID); return ok })
	l.press("c")
	l.until("the transcript with its file", func() bool {
		return m.Open() == conv.ID && strings.Contains(ansi.Strip(m.Render()), "📎 破损.png  image/png · 75 B")
	})
	if strings.Contains(m.Render(), "\x1b]52") {
		t.Fatal("the file name's OSC 52 reached the screen")
	}

	l.press("o")
	var opened string
	l.until("the file to be opened", func() bool { return strings.Contains(ansi.Strip(m.Render()), "Opened 破损.png") })
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(record) // the viewer runs on its own
		if err == nil {
			opened = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the viewer never ran")
		}
	}
	got, err := os.ReadFile(opened)
	if err != nil || !bytes.Equal(got, img.Bytes()) {
		t.Fatalf("opened %s: %v", opened, err)
	}
	if !strings.HasPrefix(opened, filepath.Join(dir, "files")+"/") {
		t.Fatalf("saved outside the desk's private folder: %s", opened)
	}
	for path, want := range map[string]os.FileMode{opened: 0o600, filepath.Dir(opened): 0o700, filepath.Dir(filepath.Dir(opened)): 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, want %v (%v)", path, st.Mode().Perm(), want, err)
		}
	}
	if base := filepath.Base(opened); strings.ContainsAny(base, "\x1b\x07/") || !strings.HasSuffix(base, ".png") {
		t.Fatalf("saved as %q", base)
	}

	pdf := filepath.Join(dir, "invoice-1042.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600)
	l.press("r")
	l.typeText("这是发票，新杯子今天寄出。")
	l.press("ctrl+o")
	l.typeText(filepath.Join(dir, "invoice-"))
	l.apply(tea.KeyPressMsg{Code: tea.KeyTab})
	l.press("enter")
	l.until("the file in the reply box", func() bool {
		return strings.Contains(ansi.Strip(m.Render()), "📎 invoice-1042.pdf (")
	})
	l.press("ctrl+s")
	l.until("the reply with its file", func() bool {
		d, err := b.st.ConversationDetail(context.Background(), conv.ID)
		if err != nil {
			return false
		}
		last := d.Messages[len(d.Messages)-1]
		return last.Author == protocol.AuthorAgent && len(last.Attachments) == 1 && last.Attachments[0].Name == "invoice-1042.pdf" &&
			last.Attachments[0].ContentType == "application/pdf" && last.Text == "这是发票，新杯子今天寄出。"
	})
}
