package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/server"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simulate --receive is the README set-up's channel: signed replies are
// accepted and printed (sanitized); unsigned ones are refused.
func TestSimulateReceivesAndPrintsReplies(t *testing.T) {
	var out syncBuffer
	addr, stop, err := receiveReplies("127.0.0.1:0", "s3cret", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	body, _ := json.Marshal(server.WebhookPayload{Type: "message", ID: "m1", Channel: "web", CustomerID: "cu_1",
		AuthorName: "Alice", Text: "Your parcel\x1b[2J ships today."})
	post := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/replies", bytes.NewReader(body))
		req.Header.Set(server.HeaderSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("t=1,v1=00"); code != http.StatusUnauthorized {
		t.Errorf("bad signature: HTTP %d, want 401", code)
	}
	if code := post(server.Sign("s3cret", time.Now(), body)); code != http.StatusNoContent {
		t.Fatalf("signed reply: HTTP %d, want 204", code)
	}
	got := out.String()
	if !strings.Contains(got, "reply on web to cu_1 from Alice: Your parcel ships today.") || strings.Contains(got, "\x1b") {
		t.Errorf("printed %q", got)
	}
	if _, _, err := receiveReplies("127.0.0.1:0", "", &out); err == nil {
		t.Error("no secret: want a usage error")
	}
}
