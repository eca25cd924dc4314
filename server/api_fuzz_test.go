package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// FuzzAPIMessages posts arbitrary bodies to POST /v1/api/messages, the
// ingest endpoint every channel and bot calls. Whatever the body, the
// answer is 2xx with a JSON body, or 4xx with a JSON error naming a code
// and a message; never 5xx, never a panic. The seed corpus is in
// testdata/fuzz/FuzzAPIMessages (valid messages, escalations, duplicates,
// type confusions, oversized and non-UTF-8 input).
func FuzzAPIMessages(f *testing.F) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(f.TempDir(), "agentdesk.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	cfg := apiConfig()
	cfg.Channels.MaxBodyBytes = 64 << 10
	cfg.Routing = server.Routing{AutoAssign: true}
	srv := server.New(st, cfg)
	var token string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("fuzz", store.NewAgent{ID: "bot", Name: "bot", Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		if _, err := tx.CreateAgent("fuzz", store.NewAgent{ID: "ann", Name: "ann", Role: protocol.RoleAgent, Capacity: 3}); err != nil {
			return err
		}
		var err error
		token, _, err = tx.CreateIntegrationToken("fuzz", "bot", "fuzz")
		return err
	}); err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/api/messages", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		status, answer := rec.Code, rec.Body.Bytes()
		if status >= 500 || status < 200 || (status >= 300 && status < 400) {
			t.Fatalf("status %d for body %q: %s", status, body, answer)
		}
		var out map[string]any
		if err := json.Unmarshal(answer, &out); err != nil {
			t.Fatalf("status %d answer is not a JSON object (%v): %s", status, err, answer)
		}
		if status >= 400 {
			code, _ := out["code"].(string)
			msg, _ := out["message"].(string)
			if code == "" || msg == "" {
				t.Fatalf("status %d error without code or message: %s", status, answer)
			}
			return
		}
		if _, ok := out["message"].(map[string]any); !ok {
			t.Fatalf("status %d answer without the message: %s", status, answer)
		}
	})
}
