package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

// pngBytes is a small real PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload sends a file to path (/v1/api/attachments or /v1/desk/attachments)
// as multipart form data, or as the raw body named by ?name= when raw.
func (h *harness) upload(token, path, name string, data []byte, raw bool) (int, map[string]any) {
	h.t.Helper()
	var body bytes.Buffer
	ct := "application/octet-stream"
	if raw {
		body.Write(data)
		path += "?name=" + strings.ReplaceAll(name, " ", "%20")
	} else {
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			h.t.Fatal(err)
		}
		fw.Write(data)
		mw.Close()
		ct = mw.FormDataContentType()
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+path, &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatalf("upload answer: %v", err)
	}
	return resp.StatusCode, out
}

func (h *harness) uploaded(token, path, name string, data []byte) protocol.Attachment {
	h.t.Helper()
	status, out := h.upload(token, path, name, data, false)
	if status != http.StatusCreated {
		h.t.Fatalf("upload %s: %d %v", name, status, out)
	}
	b, _ := json.Marshal(out["attachment"])
	var a protocol.Attachment
	json.Unmarshal(b, &a)
	return a
}

func (h *harness) download(token, path string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+h.addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// A customer's photo comes in through the API, rides on the message to the
// desks and downloads back byte for byte, as an attachment with nosniff.
func TestAttachmentFromAPIToDesk(t *testing.T) {
	h := newHarness(t, apiConfig())
	api := h.integration("widget")
	alice := h.dial(h.agent("alice", protocol.RoleLead), 0)
	img := pngBytes(t)

	a := h.uploaded(api, "/v1/api/attachments", "../../破损的包裹 photo", img)
	if a.ContentType != "image/png" || a.Size != int64(len(img)) || a.Name != "破损的包裹 photo.png" || len(a.SHA256) != 64 {
		t.Fatalf("attachment: %+v", a)
	}
	ans := post[msgAnswer](h, api, "/v1/api/messages", map[string]any{
		"message_id": "w-1", "channel": "web", "external_id": "v-1", "text": "", "attachments": []string{a.ID},
	}, http.StatusCreated)
	if len(ans.Message.Attachments) != 1 || ans.Message.Attachments[0] != a {
		t.Fatalf("message attachments: %+v", ans.Message.Attachments)
	}
	ev := alice.waitEvent(func(f protocol.Frame) bool { return f.Kind == protocol.EvMessage })
	var me protocol.MessageEvent
	json.Unmarshal(ev.Data, &me)
	if len(me.Message.Attachments) != 1 || me.Message.Attachments[0].ID != a.ID {
		t.Fatalf("event message: %+v", me.Message)
	}
	detail := decode[protocol.ConversationDetail](t, alice.do(protocol.ReqGetConversation, protocol.ConversationReq{ConversationID: ans.Conversation.ID}))
	if got := detail.Messages[0].Attachments; len(got) != 1 || got[0] != a {
		t.Fatalf("transcript attachments: %+v", got)
	}

	for _, path := range []string{"/v1/desk/attachments/" + a.ID, "/v1/api/attachments/" + a.ID} {
		token := h.tokenFor("alice")
		if strings.HasPrefix(path, "/v1/api") {
			token = api
		}
		resp, body := h.download(token, path)
		if resp.StatusCode != 200 || !bytes.Equal(body, img) {
			t.Fatalf("GET %s: %d, %d bytes", path, resp.StatusCode, len(body))
		}
		for k, want := range map[string]string{
			"Content-Type":            "image/png",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox",
			"Content-Disposition":     `attachment; filename="_____ photo.png"; filename*=UTF-8''%E7%A0%B4%E6%8D%9F%E7%9A%84%E5%8C%85%E8%A3%B9%20photo.png`,
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	// The same sent file cannot ride on a second message.
	status, out := h.call(api, http.MethodPost, "/v1/api/messages", map[string]any{
		"message_id": "w-2", "channel": "web", "external_id": "v-1", "text": "again", "attachments": []string{a.ID}})
	wantAPIError(t, status, out, http.StatusConflict, protocol.CodeConflict, "attachments")
}

// Refusals: types read from the bytes (an executable named .png, HTML,
// SVG), sizes, counts, someone else's upload, roles, tokens.
func TestAttachmentRefusals(t *testing.T) {
	cfg := apiConfig()
	cfg.Attachments.MaxBytes = 4 << 10
	h := newHarness(t, cfg)
	api := h.integration("widget")
	other := h.integration("crm")
	aliceTok := h.agent("alice", protocol.RoleAgent)
	tina := h.agent("tina", protocol.RoleTrainer)

	for _, tc := range []struct {
		name   string
		data   []byte
		status int
	}{
		{"cat.png", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 200)...), http.StatusUnsupportedMediaType},
		{"page.png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType},
		{"logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), http.StatusUnsupportedMediaType},
		{"huge.txt", bytes.Repeat([]byte("a"), 5<<10), http.StatusRequestEntityTooLarge},
		{"empty.txt", nil, http.StatusBadRequest},
	} {
		for _, raw := range []bool{false, true} {
			status, out := h.upload(api, "/v1/api/attachments", tc.name, tc.data, raw)
			wantAPIError(t, status, out, tc.status, protocol.CodeInvalid, "file")
		}
	}
	status, out := h.upload(api, "/v1/api/attachments", "", []byte("hello"), true)
	wantAPIError(t, status, out, http.StatusBadRequest, protocol.CodeInvalid, "name")
	if status, out = h.upload(tina, "/v1/desk/attachments", "a.txt", []byte("hello"), false); status != http.StatusForbidden || out["code"] != "forbidden" {
		t.Fatalf("a trainer uploads: %d %v", status, out)
	}
	status, out = h.upload(aliceTok, "/v1/api/attachments", "a.txt", []byte("hello"), false)
	wantAPIError(t, status, out, http.StatusForbidden, protocol.CodeForbidden, "Authorization")
	status, out = h.upload(api, "/v1/desk/attachments", "a.txt", []byte("hello"), false)
	wantAPIError(t, status, out, http.StatusForbidden, protocol.CodeForbidden, "Authorization")

	mine := h.uploaded(api, "/v1/api/attachments", "run.bat", []byte("@echo off\r\nformat c:\r\n"))
	if mine.ContentType != "text/plain" || mine.Name != "run.bat.txt" {
		t.Fatalf("a batch file is kept as text and never named to run: %+v", mine)
	}
	// Someone else's unsent upload is not found, neither to send nor to read.
	status, out = h.call(other, http.MethodPost, "/v1/api/messages", map[string]any{
		"message_id": "x-1", "channel": "web", "external_id": "v-2", "text": "hi", "attachments": []string{mine.ID}})
	wantAPIError(t, status, out, http.StatusNotFound, protocol.CodeNotFound, "attachments")
	if resp, _ := h.download(other, "/v1/api/attachments/"+mine.ID); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another integration read an unsent upload: %d", resp.StatusCode)
	}
	if resp, _ := h.download(aliceTok, "/v1/desk/attachments/"+mine.ID); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a desk read an unsent upload: %d", resp.StatusCode)
	}
	if resp, _ := h.download("", "/v1/api/attachments/"+mine.ID); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	ids := make([]string, protocol.MaxAttachments+1)
	for i := range ids {
		ids[i] = mine.ID
	}
	status, out = h.call(api, http.MethodPost, "/v1/api/messages", map[string]any{
		"message_id": "x-2", "channel": "web", "external_id": "v-2", "text": "hi", "attachments": ids})
	wantAPIError(t, status, out, http.StatusBadRequest, protocol.CodeInvalid, "attachments")
	status, out = h.call(api, http.MethodPost, "/v1/api/messages", map[string]any{
		"message_id": "x-3", "channel": "web", "external_id": "v-2", "text": " "})
	wantAPIError(t, status, out, http.StatusBadRequest, protocol.CodeInvalid, "text")
}

func TestCleanFileName(t *testing.T) {
	for _, tc := range []struct{ in, ct, want string }{
		{"invoice.pdf.exe", "application/pdf", "invoice.pdf.exe.pdf"},
		{`C:\Users\me\照片.JPG`, "image/jpeg", "照片.JPG"},
		{"../../etc/passwd", "text/plain", "passwd.txt"},
		{"photo\u202egnp.exe", "image/png", "photognp.exe.png"}, // the bidi override is gone
		{"..hidden\x1b[31m.txt", "text/plain", "hidden[31m.txt"},
		{"", "image/gif", "attachment.gif"},
		{"notes.log", "text/plain", "notes.log"},
		{strings.Repeat("长", 100) + ".pdf", "application/pdf", strings.Repeat("长", 58) + ".pdf"},
	} {
		if got := server.CleanFileName(tc.in, tc.ct); got != tc.want {
			t.Errorf("CleanFileName(%q, %s) = %q, want %q", tc.in, tc.ct, got, tc.want)
		}
	}
}

// An agent attaches a file to a reply: it goes out with the webhook as a
// path to fetch, and cannot be sent again.
func TestAgentReplyWithAttachment(t *testing.T) {
	var mu sync.Mutex
	var payloads []server.WebhookPayload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p server.WebhookPayload
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		payloads = append(payloads, p)
		mu.Unlock()
	}))
	defer recv.Close()
	cfg := apiConfig()
	cfg.Channels.Webhooks = map[string]server.Webhook{"*": {URL: recv.URL, Secret: "s"}}
	h := newHarness(t, cfg)
	tok := h.agent("alice", protocol.RoleAgent)
	alice := h.dial(tok, 0)
	c := h.escalated("can you send me the invoice?", 10)
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	a := h.uploaded(tok, "/v1/desk/attachments", "invoice-1042.pdf", pdf)
	if resp, body := h.download(tok, "/v1/desk/attachments/"+a.ID); resp.StatusCode != 200 || !bytes.Equal(body, pdf) {
		t.Fatalf("the uploader reads an unsent upload back: %d", resp.StatusCode)
	}
	ack := decode[protocol.MessageAck](t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "Here it is.", Attachments: []string{a.ID}}))
	if len(ack.Message.Attachments) != 1 || ack.Message.Attachments[0].Name != "invoice-1042.pdf" {
		t.Fatalf("sent message: %+v", ack.Message)
	}
	wantError(t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "again", Attachments: []string{a.ID}}), protocol.CodeConflict)
	wantError(t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Attachments: []string{"a_nope"}}), protocol.CodeNotFound)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(payloads)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(payloads) == 0 || len(payloads[0].Attachments) != 1 || payloads[0].Attachments[0].Path != "/v1/api/attachments/"+a.ID {
		t.Fatalf("webhook payloads: %+v", payloads)
	}
}

// Attachment bytes never reach the model nor an export: only the message
// text does.
func TestAttachmentBytesNeverReachModelOrExport(t *testing.T) {
	const secret = "ATTACHMENT-BYTES-ONLY-7f3a9c"
	var mu sync.Mutex
	var prompts []string
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		prompts = append(prompts, string(b))
		mu.Unlock()
		http.Error(w, "model down", http.StatusInternalServerError) // the offline engine answers instead
	}))
	defer llm.Close()
	eng, err := copilot.New(copilot.Config{Provider: copilot.ProviderOpenAI, BaseURL: llm.URL + "/v1", Model: "m", APIKey: "k", Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := apiConfig()
	cfg.Copilot = eng
	h := newHarness(t, cfg)
	api := h.integration("widget")
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	a := h.uploaded(api, "/v1/api/attachments", "notes.txt", []byte(secret+"\n"+secret))
	ans := post[msgAnswer](h, api, "/v1/api/messages", map[string]any{
		"message_id": "w-1", "channel": "web", "external_id": "v-1", "text": "I want a human, see the file for my order", "attachments": []string{a.ID},
	}, http.StatusCreated)
	if !ans.Escalated {
		t.Fatal("not escalated")
	}
	f := alice.waitEvent(func(f protocol.Frame) bool { _, open := draftEvent(f); return open })
	d, _ := draftEvent(f)
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: ans.Conversation.ID}))
	decode[protocol.OutcomeAck](t, alice.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionAccept, IdempotencyKey: "k1"}))

	var exports []byte
	for _, format := range []string{protocol.FormatSFT, protocol.FormatDPO} {
		ack := decode[protocol.ExportAck](t, trainer.do(protocol.ReqExport, protocol.ExportReq{Format: format}))
		b, _ := json.Marshal(ack)
		exports = append(exports, b...)
	}
	if built, err := server.BuildExport(context.Background(), h.st, protocol.ExportReq{Format: protocol.FormatSFT}); err != nil {
		t.Fatal(err)
	} else {
		b, _ := json.Marshal(built)
		exports = append(exports, b...)
	}
	if !bytes.Contains(exports, []byte("I want a human")) {
		t.Fatalf("the export should hold the conversation's text: %s", exports)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(prompts) == 0 {
		t.Fatal("the model was never asked")
	}
	enc := base64.StdEncoding.EncodeToString([]byte(secret))
	for _, hay := range append(prompts, string(exports)) {
		if strings.Contains(hay, secret) || strings.Contains(hay, enc[:16]) {
			t.Fatalf("attachment bytes leaked: %.300s", hay)
		}
	}
}

// On PostgreSQL every replica serves every file: the bytes live in the
// shared database, not on the disk of the replica that took the upload.
func TestAttachmentServedByEveryReplica(t *testing.T) {
	rs := newReplicas(t, 2, apiConfig())
	api := rs[0].integration("widget")
	img := pngBytes(t)
	a := rs[0].uploaded(api, "/v1/api/attachments", "photo.png", img)
	post[msgAnswer](rs[0], api, "/v1/api/messages", map[string]any{
		"message_id": "w-1", "channel": "web", "external_id": "v-1", "text": "look", "attachments": []string{a.ID},
	}, http.StatusCreated)
	tok := rs[1].agent("alice", protocol.RoleAgent)
	resp, body := rs[1].download(tok, "/v1/desk/attachments/"+a.ID)
	if resp.StatusCode != 200 || !bytes.Equal(body, img) {
		t.Fatalf("replica 2: %d, %d bytes", resp.StatusCode, len(body))
	}
}
