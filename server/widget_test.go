package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
)

const (
	shopOrigin = "https://shop.example.com"
	shopSecret = "s3cret-for-tests"
)

// widgetHarness is a server with the bot and one widget site.
func widgetHarness(t *testing.T, wcfg server.WidgetConfig) *harness {
	t.Helper()
	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := apiConfig()
	cfg.Copilot, cfg.Bot = eng, server.BotConfig{Enabled: true, Name: "Shopbot", Workers: 1}
	if len(wcfg.Sites) == 0 {
		wcfg.Sites = []server.WidgetSite{{Key: "shop", Name: "Demo shop", Origins: []string{shopOrigin}, Secret: shopSecret}}
	}
	cfg.Widget = wcfg
	return newHarness(t, cfg)
}

// chatWindow is a customer's chat window speaking the widget protocol.
type chatWindow struct {
	t       *testing.T
	ws      *websocket.Conn
	welcome map[string]any
	frames  []map[string]any // read while waiting for something else
}

func (h *harness) openChat(t *testing.T, hello map[string]any) *chatWindow {
	t.Helper()
	c, resp, err := h.tryChat("shop", shopOrigin, hello)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("open chat: %v (HTTP %d)", err, status)
	}
	return c
}

func (h *harness) tryChat(site, origin string, hello map[string]any) (*chatWindow, *http.Response, error) {
	hdr := http.Header{}
	if origin != "" {
		hdr.Set("Origin", origin)
	}
	d := websocket.Dialer{Subprotocols: []string{server.WidgetSubprotocol}, HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial("ws://"+h.addr+"/v1/widget/ws?site="+site, hdr)
	if err != nil {
		return nil, resp, err
	}
	h.t.Cleanup(func() { ws.Close() })
	c := &chatWindow{t: h.t.(*testing.T), ws: ws}
	if hello == nil {
		hello = map[string]any{}
	}
	hello["type"] = "hello"
	c.send(hello)
	c.welcome = c.next("welcome")
	return c, resp, nil
}

func (c *chatWindow) send(f map[string]any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(f); err != nil {
		c.t.Fatalf("chat write: %v", err)
	}
}

func (c *chatWindow) read() map[string]any {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f map[string]any
	if err := c.ws.ReadJSON(&f); err != nil {
		c.t.Fatalf("chat read: %v", err)
	}
	return f
}

// next returns the next frame of a type, keeping others for later.
func (c *chatWindow) next(typ string) map[string]any {
	c.t.Helper()
	return c.until(func(f map[string]any) bool { return f["type"] == typ })
}

func (c *chatWindow) until(fn func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for i, f := range c.frames {
		if fn(f) {
			c.frames = append(c.frames[:i:i], c.frames[i+1:]...)
			return f
		}
	}
	for {
		f := c.read()
		if fn(f) {
			return f
		}
		c.frames = append(c.frames, f)
	}
}

// status waits for a status frame saying status.
func (c *chatWindow) status(status string) map[string]any {
	c.t.Helper()
	return c.until(func(f map[string]any) bool { return f["type"] == "status" && f["status"] == status })
}

// message waits for a message frame from author.
func (c *chatWindow) message(author string) map[string]any {
	c.t.Helper()
	f := c.until(func(f map[string]any) bool {
		m, _ := f["message"].(map[string]any)
		return f["type"] == "message" && m["author"] == author
	})
	return f["message"].(map[string]any)
}

func (c *chatWindow) say(id, text string, files ...string) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"type": "send", "id": id, "text": text, "attachments": files})
	ack := c.until(func(f map[string]any) bool { return f["id"] == id && (f["type"] == "ack" || f["type"] == "error") })
	if ack["type"] != "ack" {
		c.t.Fatalf("send %s: %v", id, ack)
	}
	return ack
}

func chats(welcome map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := welcome["chats"].([]any)
	for _, c := range list {
		out = append(out, c.(map[string]any))
	}
	return out
}

func messageTexts(chat map[string]any) []string {
	var out []string
	for _, m := range chat["messages"].([]any) {
		out = append(out, m.(map[string]any)["text"].(string))
	}
	return out
}

// TestWidgetRefusals: only configured sites, from their own origins, with
// the widget's subprotocol; the script is served to anyone.
func TestWidgetRefusals(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{})
	for _, c := range []struct {
		site, origin string
		status       int
	}{{"nope", shopOrigin, http.StatusNotFound}, {"shop", "https://evil.example", http.StatusForbidden}, {"shop", "", http.StatusForbidden}} {
		_, resp, err := h.tryChat(c.site, c.origin, nil)
		if err == nil || resp == nil || resp.StatusCode != c.status {
			t.Errorf("site %q origin %q: %v, want HTTP %d", c.site, c.origin, err, c.status)
		}
	}
	resp, err := http.Get("http://" + h.addr + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Contains(body, []byte("agentdesk.widget.v1")) {
		t.Errorf("widget.js: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+h.addr+"/widget.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if again, err := http.DefaultClient.Do(req); err != nil || again.StatusCode != http.StatusNotModified {
		t.Errorf("widget.js again: %v %v, want 304", again, err)
	}
	// A window that never says hello, or says something that is not JSON, is closed.
	c := h.openChat(t, nil)
	c.ws.WriteMessage(websocket.TextMessage, []byte("{nope"))
	c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.ws.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4400 {
		t.Errorf("malformed frame: %v, want close 4400", err)
	}
}

// TestWidgetConversation: a new visitor gets a token to keep, the bot
// answers, the customer asks for a person, an agent claims and replies
// (typing first), the customer sees the agent's name, the resolution asks
// for a rating; a reconnect resumes without repeats and a reload shows the
// history.
func TestWidgetConversation(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{})
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	c := h.openChat(t, map[string]any{"lang": "en-GB"})
	visitor, _ := c.welcome["visitor"].(string)
	if !strings.HasPrefix(visitor, "vt_") || c.welcome["identity"] != "anonymous" || len(chats(c.welcome)) != 0 || c.welcome["session"] == "" {
		t.Fatalf("welcome %v", c.welcome)
	}
	ack := c.say("m1", "How long does shipping take?")
	conv := ack["message"].(map[string]any)["conversation_id"].(string)
	if bot := c.message("bot"); !strings.Contains(bot["text"].(string), "5–7 days") || bot["name"] != "Shopbot" {
		t.Errorf("bot answer %v", bot)
	}
	// The same client id again is the same message.
	if again := c.say("m1", "How long does shipping take?"); again["duplicate"] != true {
		t.Errorf("resent message: %v", again)
	}
	c.send(map[string]any{"type": "human", "id": "h1"})
	if a := c.until(func(f map[string]any) bool { return f["id"] == "h1" }); a["type"] != "ack" {
		t.Fatalf("the button: %v", a)
	}
	c.status(protocol.ConvQueued)
	if m := c.message("bot"); !strings.Contains(m["text"].(string), "handing you over") {
		t.Errorf("handoff notice %v", m)
	}

	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv}))
	if st := c.status(protocol.ConvAssigned); st["agent"] != "alice" {
		t.Errorf("claimed: %v", st)
	}
	if a := decode[protocol.TypingAck](t, alice.do(protocol.ReqTyping, protocol.TypingReq{ConversationID: conv})); a.Windows != 1 {
		t.Errorf("typing reached %d windows", a.Windows)
	}
	if ty := c.next("typing"); ty["name"] != "alice" {
		t.Errorf("typing %v", ty)
	}
	decode[protocol.MessageAck](t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: conv, Text: "Hi, I'm Alice. It ships today."}))
	reply := c.message("agent")
	if reply["name"] != "alice" || reply["text"] != "Hi, I'm Alice. It ships today." {
		t.Errorf("agent reply %v", reply)
	}
	// The window showed it: the desk sees it delivered.
	c.send(map[string]any{"type": "seen", "conversation_id": conv, "seq": reply["seq"]})
	alice.waitEvent(func(f protocol.Frame) bool {
		var me protocol.MessageEvent
		json.Unmarshal(f.Data, &me)
		return f.Kind == protocol.EvMessageUpdated && me.Message.Delivery == "delivered"
	})

	// Reconnect from where the window was: nothing twice.
	c.ws.Close()
	c2 := h.openChat(t, map[string]any{"visitor": visitor, "resume": map[string]any{"conversation_id": conv, "seq": reply["seq"]}})
	if cs := chats(c2.welcome); c2.welcome["resumed"] != true || len(cs) != 1 || len(cs[0]["messages"].([]any)) != 0 || cs[0]["agent"] != "alice" {
		t.Errorf("resume welcome %v", c2.welcome)
	}
	decode[protocol.MessageAck](t, alice.do(protocol.ReqSend, protocol.TextReq{ConversationID: conv, Text: "Anything else?"}))
	if m := c2.message("agent"); m["text"] != "Anything else?" {
		t.Errorf("after resume %v", m)
	}
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: conv, Disposition: "answered"}))
	if st := c2.status(protocol.ConvResolved); st["csat"] != "pending" {
		t.Errorf("resolved: %v", st)
	}
	c2.send(map[string]any{"type": "csat", "id": "r1", "conversation_id": conv, "score": 5, "comment": "quick!"})
	if a := c2.until(func(f map[string]any) bool { return f["id"] == "r1" }); a["type"] != "ack" {
		t.Errorf("rating %v", a)
	}
	c2.send(map[string]any{"type": "csat", "id": "r2", "conversation_id": conv, "score": 1})
	if a := c2.until(func(f map[string]any) bool { return f["id"] == "r2" }); a["type"] != "error" || a["code"] != "conflict" {
		t.Errorf("second rating %v", a)
	}

	// A reload shows the whole chat, in order, once; the rating is done.
	c2.ws.Close()
	c3 := h.openChat(t, map[string]any{"visitor": visitor})
	cs := chats(c3.welcome)
	want := []string{"How long does shipping take?", "", "OK, I'm handing you over", "Hi, I'm Alice. It ships today.", "Anything else?"}
	got := messageTexts(cs[0])
	if len(cs) != 1 || len(got) != len(want) || cs[0]["csat"] != nil || cs[0]["status"] != protocol.ConvResolved {
		t.Fatalf("history %v", c3.welcome)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("history[%d] = %q, want %q…", i, got[i], w)
		}
	}
	// Writing again starts a new chat with the bot.
	ack = c3.say("m2", "Can I get a refund?")
	if id := ack["message"].(map[string]any)["conversation_id"]; id == conv || ack["status"] != protocol.ConvBot {
		t.Errorf("after the resolution: %v", ack)
	}
}

// TestWidgetSignedIdentity: a bad hash is refused; a visitor who logs in
// keeps their anonymous chat, and the same user on another device sees it.
func TestWidgetSignedIdentity(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{})
	anon := h.openChat(t, nil)
	visitor := anon.welcome["visitor"].(string)
	anon.say("m1", "Can I get a refund?")
	anon.message("bot")

	user := map[string]any{"id": "u-1001", "hash": server.SignUser(shopSecret, "u-1001"), "name": "王芳"}
	d := websocket.Dialer{Subprotocols: []string{server.WidgetSubprotocol}}
	ws, _, err := d.Dial("ws://"+h.addr+"/v1/widget/ws?site=shop", http.Header{"Origin": {shopOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteJSON(map[string]any{"type": "hello", "user": map[string]any{"id": "u-1001", "hash": strings.Repeat("0", 64)}})
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ws.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4003 {
		t.Errorf("forged identity: %v, want close 4003", err)
	}

	// Logging in on the same browser (same visitor token) brings the chat.
	in := h.openChat(t, map[string]any{"visitor": visitor, "user": user})
	if in.welcome["identity"] != "verified" || in.welcome["visitor"] != nil || len(chats(in.welcome)) != 1 {
		t.Fatalf("logged-in welcome %v", in.welcome)
	}
	// Another device: no visitor token, same user.
	phone := h.openChat(t, map[string]any{"user": user})
	if cs := chats(phone.welcome); len(cs) != 1 || messageTexts(cs[0])[0] != "Can I get a refund?" {
		t.Fatalf("other device %v", phone.welcome)
	}
	// Both windows see what either writes.
	phone.say("p1", "How long does shipping take?")
	if m := in.message("customer"); m["text"] != "How long does shipping take?" {
		t.Errorf("other window got %v", m)
	}
}

// TestWidgetFiles: the customer uploads an image with the session token
// (CORS answered for the site only) and sends it; the agent's reply with a
// file reaches the window with a signed link that downloads it.
func TestWidgetFiles(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{})
	for origin, want := range map[string]int{shopOrigin: http.StatusNoContent, "https://evil.example": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+h.addr+"/v1/widget/attachments?site=shop", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || (want == http.StatusNoContent && !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")) {
			t.Errorf("preflight from %s: %d %v, want %d", origin, resp.StatusCode, resp.Header, want)
		}
	}
	alice := h.agent("alice", protocol.RoleAgent)
	desk := h.dial(alice, 0)
	c := h.openChat(t, nil)
	session := c.welcome["session"].(string)

	upload := func(origin, token string, data []byte) (int, map[string]any, http.Header) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "../photo.png")
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/v1/widget/attachments?site=shop", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, resp.Header
	}
	if st, _, _ := upload("https://evil.example", session, pngBytes(t)); st != http.StatusForbidden {
		t.Errorf("upload from another origin: %d", st)
	}
	if st, _, _ := upload(shopOrigin, session+"x", pngBytes(t)); st != http.StatusUnauthorized {
		t.Errorf("upload with a bad session: %d", st)
	}
	if st, out, _ := upload(shopOrigin, session, []byte("<html><script>alert(1)</script></html>")); st != http.StatusUnsupportedMediaType {
		t.Errorf("HTML upload: %d %v", st, out)
	}
	if st, _, _ := upload(shopOrigin, session, bytes.Repeat([]byte("a"), 11<<20)); st != http.StatusRequestEntityTooLarge {
		t.Errorf("upload over the limit: %d", st)
	}
	st, out, hdr := upload(shopOrigin, session, pngBytes(t))
	if st != http.StatusCreated || hdr.Get("Access-Control-Allow-Origin") != shopOrigin {
		t.Fatalf("upload: %d %v %v", st, out, hdr)
	}
	att := out["attachment"].(map[string]any)
	if att["name"] != "photo.png" || att["content_type"] != "image/png" {
		t.Errorf("stored as %v", att)
	}
	ack := c.say("f1", "", att["id"].(string))
	conv := ack["message"].(map[string]any)["conversation_id"].(string)
	if files := ack["message"].(map[string]any)["attachments"].([]any); len(files) != 1 {
		t.Errorf("sent message %v", ack)
	}
	c.send(map[string]any{"type": "human", "id": "h"})
	c.status(protocol.ConvQueued)
	decode[protocol.ConversationAck](t, desk.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: conv}))
	mine := h.uploaded(alice, "/v1/desk/attachments", "label.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"))
	decode[protocol.MessageAck](t, desk.do(protocol.ReqSend, protocol.TextReq{ConversationID: conv, Text: "Here is your return label.", Attachments: []string{mine.ID}}))
	reply := c.message("agent")
	files := reply["attachments"].([]any)
	if len(files) != 1 {
		t.Fatalf("agent reply %v", reply)
	}
	f := files[0].(map[string]any)
	resp, err := http.Get("http://" + h.addr + f["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("%PDF")) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %v", resp.StatusCode, resp.Header)
	}
	u := f["url"].(string)
	bad := u[:strings.Index(u, "?")] + "?t=forged"
	if resp, _ := http.Get("http://" + h.addr + bad); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged link: %d", resp.StatusCode)
	}
}

// TestWidgetLimits: over the rate the window is told when to retry;
// messages over the size limit and ids of the wrong shape are refused.
func TestWidgetLimits(t *testing.T) {
	h := widgetHarness(t, server.WidgetConfig{Rate: 0.5, Burst: 2, MaxTextBytes: 100})
	c := h.openChat(t, nil)
	c.send(map[string]any{"type": "send", "id": "big", "text": strings.Repeat("x", 101)})
	if e := c.until(func(f map[string]any) bool { return f["id"] == "big" }); e["type"] != "error" || e["code"] != "invalid" {
		t.Errorf("oversized: %v", e)
	}
	c.send(map[string]any{"type": "send", "id": "bad id!", "text": "hi"})
	if e := c.until(func(f map[string]any) bool { return f["id"] == "bad id!" }); e["code"] != "invalid" {
		t.Errorf("bad id: %v", e)
	}
	c.send(map[string]any{"type": "send", "id": "r3", "text": "third"})
	if e := c.until(func(f map[string]any) bool { return f["id"] == "r3" }); e["type"] != "error" || e["code"] != "rate_limited" || e["retry_after_ms"].(float64) <= 0 {
		t.Errorf("over the rate: %v", e)
	}
	// One address may hold only so many windows.
	h2 := widgetHarness(t, server.WidgetConfig{MaxConnsIP: 1})
	h2.openChat(t, nil)
	if _, resp, err := h2.tryChat("shop", shopOrigin, nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second window from one address: %v, want 429", err)
	}
	c.send(map[string]any{"type": "dance", "id": "d"})
	if e := c.until(func(f map[string]any) bool { return f["id"] == "d" }); e["code"] != "invalid" {
		t.Errorf("unknown frame: %v", e)
	}
	// Frames are decoded as strictly as desk requests (protocol.UnmarshalStrict):
	// an unknown field or a second value after the object is refused, and
	// the window stays open. (A new window: this one's rate is spent.)
	c = h.openChat(t, nil)
	c.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"seen","id":"u","conversation_id":"x","colour":"red"}`))
	if e := c.until(func(f map[string]any) bool { return f["id"] == "u" }); e["type"] != "error" || e["code"] != "invalid" {
		t.Errorf("unknown field: %v", e)
	}
	c.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"send","id":"tr","text":"hi"} {"type":"send","id":"tr2","text":"again"}`))
	if e := c.until(func(f map[string]any) bool { return f["id"] == "tr" }); e["type"] != "error" || e["code"] != "invalid" {
		t.Errorf("trailing data: %v", e)
	}
	c.send(map[string]any{"type": "send", "id": "ok", "text": "hi"})
	if e := c.until(func(f map[string]any) bool { return f["id"] == "ok" }); e["type"] != "ack" {
		t.Errorf("a good frame after the bad ones: %v", e)
	}
}

// TestWidgetStatusesInOpenAPI: the statuses the widget's endpoints answer
// in the tests above (and 503 while the server shuts down) are listed in
// openapi.yaml.
func TestWidgetStatusesInOpenAPI(t *testing.T) {
	spec := openAPIResponses(t)
	for path, methods := range map[string]map[string][]string{
		"/widget.js":                  {"GET": {"200", "304"}},
		"/v1/widget/ws":               {"GET": {"101", "403", "404", "429", "503"}},
		"/v1/widget/attachments":      {"OPTIONS": {"204", "403"}, "POST": {"201", "401", "403", "413", "415"}},
		"/v1/widget/attachments/{id}": {"GET": {"200", "403", "404"}},
	} {
		for method, statuses := range methods {
			for _, st := range statuses {
				if !spec[path][method][st] {
					t.Errorf("%s %s answers %s, which openapi.yaml does not list", method, path, st)
				}
			}
		}
	}
}
