package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/tui/sanitize"
)

// chromium finds the browser for the real-browser tests: $AGENTDESK_CHROMIUM,
// else chromium (Debian's package) or chromium-browser on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AGENTDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium: the real-browser widget test needs it (apt-get install chromium, or set AGENTDESK_CHROMIUM)")
	return ""
}

// browser starts a headless chromium that talks to the test over a pipe
// and never reaches the network beyond loopback.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 860))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// shadow is the widget's shadow root in page JavaScript.
const shadow = `document.querySelector('#agentdesk-widget').shadowRoot`

// TestWidgetInRealBrowser: a page on loopback embeds the widget; in a real
// headless chromium the customer types, the bot answers, the customer asks
// for a person, an agent's desk (the Go client over the desk websocket)
// claims, types and replies, and the page shows it with the agent's name;
// hostile text either way stays text; the server restarts and the window
// resumes with every message once, in order; a reload shows the history;
// the resolution asks for a rating the page sends.
func TestWidgetInRealBrowser(t *testing.T) {
	exe := chromium(t)
	shots := os.Getenv("AGENTDESK_SCREENSHOTS") // a folder: keep screenshots of each step
	snap := func(ctx context.Context, name string) {
		if shots == "" {
			return
		}
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(shots, name+".png"), b, 0o644)
		}
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
		}
	}

	// The shop's page, on its own loopback origin.
	var scriptURL string
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo shop</title></head><body style="font-family:sans-serif;margin:40px"><h1>Demo shop</h1><p>Jackets, chargers, headphones.</p>
<script src="%s" data-site="shop" data-open="true" async></script></body></html>`, scriptURL)
	}))
	defer page.Close()

	eng, err := copilot.New(copilot.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newBackendWith(t, server.Config{RateLimit: -1, Copilot: eng,
		Bot:    server.BotConfig{Enabled: true, Name: "Shopbot"},
		Widget: server.WidgetConfig{Sites: []server.WidgetSite{{Key: "shop", Name: "Demo shop", Origins: []string{page.URL}}}}})
	st := srv.st
	scriptURL = "http://" + srv.addr + "/widget.js"

	var token string
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		if _, err = tx.CreateAgent("test", store.NewAgent{ID: "alice", Name: "Alice Chen", Role: protocol.RoleAgent, Capacity: 5}); err != nil {
			return err
		}
		token, _, err = tx.CreateToken("test", "alice", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	desk := startDesk(t, client.Options{URL: "ws://" + srv.addr, Token: token, OutboxPath: filepath.Join(t.TempDir(), "outbox.jsonl")})
	desk.until(t, "the desk online", online)

	ctx := browser(t, exe)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	run := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// waitFor polls a JavaScript condition on the widget (sr is its shadow root).
	waitFor := func(what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const sr = `+shadow+`; return !!(`+cond+`); })()`,
			chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const sr = `+shadow+`; return String(`+expr+`); })()`))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return s
	}
	textarea := chromedp.JSPath(shadow + `.querySelector('textarea')`)
	typeLine := func(text string) {
		t.Helper()
		run("type "+text, chromedp.SendKeys(textarea, text), chromedp.SendKeys(textarea, "\r"))
	}
	bubbles := `Array.from(sr.querySelectorAll('.msg .bub')).map(b => b.textContent)`

	run("open the page", chromedp.Navigate(page.URL))
	waitFor("the chat window", `sr && sr.querySelector('.panel.open') && sr.querySelector('.head small').textContent.includes('assistant')`)
	snap(ctx, "1-open")

	// The customer asks; the bot answers from the KB.
	typeLine("How long does shipping take?")
	waitFor("the bot's answer", `[...sr.querySelectorAll('.msg:not(.me)')].some(m => m.textContent.includes('Shopbot') && m.textContent.includes('5–7 days'))`)
	snap(ctx, "2-bot-answer")

	run("ask for a person", chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.human')`)))
	waitFor("the handoff", `sr.querySelector('.head small').textContent.includes('Waiting for a person') && `+bubbles+`.some(t => t.includes("OK, I'm handing you over"))`)

	// Hostile text from the customer is shown as text and runs nothing.
	hostile := `<img src=x onerror="window.__xss='customer'"><script>window.__xss='customer2'</script>`
	typeLine(hostile)
	waitFor("the hostile message shown as text", bubbles+`.some(t => t.includes('<img src=x onerror='))`)
	// Escape sequences a script could put in the box reach the desk as data
	// and are stripped before the terminal.
	run("send control characters", chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('textarea').value = 'clipboard \u001b]52;c;cm0gLXJm\u0007 title \u001b]0;pwned\u0007'`),
		chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.send')`)))
	waitFor("the control-character message acked", `!sr.querySelector('.state')`)

	// The agent's desk sees the escalation, claims, types and replies.
	var conv protocol.Conversation
	desk.until(t, "the escalated chat", func(u client.Update) bool {
		if ev, ok := u.(client.Event); ok {
			if ce, ok := ev.Payload.(*protocol.ConversationEvent); ok && ce.Conversation.Status == protocol.ConvQueued && ce.Conversation.Channel == "web" {
				conv = ce.Conversation
				return true
			}
		}
		return false
	})
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	if _, err := desk.c.Claim(dctx, conv.ID, 0); err != nil {
		t.Fatal(err)
	}
	d, err := st.ConversationDetail(dctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sawControl bool
	for _, m := range d.Messages {
		if strings.Contains(m.Text, "\x1b]52") {
			sawControl = true
			if clean := sanitize.Line(m.Text); strings.ContainsAny(clean, "\x1b\x07") {
				t.Errorf("the desk would print escape sequences: %q", clean)
			}
		}
	}
	if !sawControl {
		t.Error("the control characters did not reach the server as data")
	}
	waitFor("the agent's name", `sr.querySelector('.head small').textContent.includes('Alice Chen')`)
	if err := desk.c.Do(dctx, protocol.ReqTyping, protocol.TypingReq{ConversationID: conv.ID}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor("typing", `sr.querySelector('.typing').textContent === 'Alice Chen is typing…'`)
	reply := `Hi, I'm Alice. <b>Bold?</b><script>window.__xss='agent'</script><img src=x onerror="window.__xss='agent2'"> Your parcel leaves today: https://track.example/123`
	if _, err := desk.c.Send(dctx, conv.ID, reply); err != nil {
		t.Fatal(err)
	}
	waitFor("the agent's reply", bubbles+`.some(t => t.startsWith("Hi, I'm Alice. <b>Bold?</b><script>"))`)
	snap(ctx, "3-agent-reply")
	if x := eval(`window.__xss`); x != "undefined" {
		t.Errorf("hostile text ran in the page: window.__xss = %s", x)
	}
	if n := eval(`sr.querySelectorAll('.bub img, .bub script, .bub b').length`); n != "0" {
		t.Errorf("hostile text became %s elements", n)
	}
	if href := eval(`sr.querySelector('.bub a[href^="https://track.example"]').rel`); !strings.Contains(href, "noopener") {
		t.Errorf("link in a reply: rel %q", href)
	}

	// The customer typing (no Enter) reaches the desk that has the chat open.
	if _, err := desk.c.Viewing(dctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	// The window says so at most every 3 s (it may have just said so for
	// the lines above, before the desk had the chat open): keep typing.
	sawTyping := false
	for i := 0; i < 60 && !sawTyping; i++ {
		run("type without sending", chromedp.SendKeys(textarea, "q"))
		for wait := time.After(250 * time.Millisecond); !sawTyping; {
			var u client.Update
			select {
			case u = <-desk.c.Updates():
			case <-wait:
			}
			if u == nil {
				break
			}
			ct, ok := u.(client.CustomerTyping)
			sawTyping = ok && ct.ConversationID == conv.ID
		}
	}
	if !sawTyping {
		t.Fatal("the customer's typing never reached the desk viewing the chat")
	}
	run("clear the box", chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('textarea').value = ''`))

	// Files both ways: the customer attaches a photo from the window; the
	// agent sends one back, which the window shows inline.
	photo := filepath.Join(t.TempDir(), "broken-zipper.png")
	if err := os.WriteFile(photo, pngOf(t, 40, 30), 0o600); err != nil {
		t.Fatal(err)
	}
	run("attach a photo", chromedp.SetUploadFiles(chromedp.JSPath(shadow+`.querySelector('input[type=file]')`), []string{photo}))
	waitFor("the upload", `sr.querySelector('.tray').textContent === 'broken-zipper.png'`)
	typeLine("Here is a photo of it")
	var got protocol.Attachment
	for range 400 {
		d, err := st.ConversationDetail(dctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m := d.Messages[len(d.Messages)-1]; m.Author == protocol.AuthorCustomer && len(m.Attachments) == 1 {
			got = m.Attachments[0]
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Name != "broken-zipper.png" || got.ContentType != "image/png" {
		t.Fatalf("the customer's photo arrived as %+v", got)
	}
	label := deskUpload(t, srv.addr, token, "return-label.png", pngOf(t, 60, 20))
	if err := desk.c.Do(dctx, protocol.ReqSend, protocol.TextReq{ConversationID: conv.ID, Text: "Thanks, here is your return label.",
		Attachments: []string{label.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor("the agent's image shown", `[...sr.querySelectorAll('.msg:not(.me) .file img')].some(i => i.alt === 'return-label.png' && i.complete && i.naturalWidth === 60)`)
	snap(ctx, "3b-files")

	// The server restarts; the agent writes while the window is away; the
	// window reconnects, resumes, and shows everything once, in order.
	srv.stop()
	waitFor("the window noticing", `sr.querySelector('.note.on')`)
	srv.start()
	desk.until(t, "the desk back online", online)
	if _, err := desk.c.Send(dctx, conv.ID, "Written while you were reconnecting."); err != nil {
		t.Fatal(err)
	}
	waitFor("the resumed window", `!sr.querySelector('.note.on') && `+bubbles+`.some(t => t === 'Written while you were reconnecting.')`)
	typeLine("Thanks, one more question: can I get a refund?")
	// Stored before the reply: a reply that wins the race is stored first,
	// while the page still shows the question, pending, at the end.
	waitFor("the question acked", `!sr.querySelector('.state')`)
	if _, err := desk.c.Send(dctx, conv.ID, "Yes, within 7 days."); err != nil {
		t.Fatal(err)
	}
	waitFor("the last reply", bubbles+`.some(t => t === 'Yes, within 7 days.')`)
	want, err := st.ConversationDetail(dctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range want.Messages {
		if m.Author != protocol.AuthorNote && m.Author != protocol.AuthorSystem {
			texts = append(texts, m.Text)
		}
	}
	sameTranscript := func(when string) {
		t.Helper()
		raw := eval(`JSON.stringify(` + bubbles + `)`)
		var got []string
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(texts) {
			t.Fatalf("%s: the page shows %d messages, the conversation has %d:\n%q\n%q", when, len(got), len(texts), got, texts)
		}
		for i := range texts {
			// The window drops control characters from what it shows.
			want := strings.Map(func(r rune) rune {
				if r < 0x20 && r != '\n' {
					return -1
				}
				return r
			}, texts[i])
			if !strings.HasPrefix(got[i], strings.TrimSpace(want[:min(len(want), 30)])) {
				t.Errorf("%s: message %d is %q, want %q", when, i, got[i], texts[i])
			}
		}
	}
	sameTranscript("after the restart")

	// A reload shows the history once, in order.
	run("reload", chromedp.Reload())
	waitFor("the history", `sr && `+bubbles+`.some(t => t === 'Yes, within 7 days.')`)
	sameTranscript("after a reload")

	// The agent resolves; the window asks for a rating and sends it.
	if _, err := desk.c.Resolve(dctx, conv.ID, "answered"); err != nil {
		t.Fatal(err)
	}
	waitFor("the rating card", `sr.querySelector('.csat .stars button')`)
	snap(ctx, "4-rating")
	run("rate 5", chromedp.Click(chromedp.JSPath(shadow+`.querySelectorAll('.csat .stars button')[4]`)),
		chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.csat .go')`)))
	waitFor("the thanks", `sr.querySelector('.csat').textContent.includes('Thank you')`)
	var score int
	for range 200 {
		stats, err := st.TeamStats(dctx, 1, st.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(stats.CSATByAgent) > 0 {
			score = int(stats.CSATByAgent[0].Avg)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if score != 5 {
		t.Errorf("rating stored as %d, want 5", score)
	}

	// On a phone the window takes the whole screen.
	run("phone", chromedp.EmulateViewport(390, 780))
	waitFor("full-screen window", `Math.round(sr.querySelector('.panel').getBoundingClientRect().width) === 390`)
	snap(ctx, "5-phone")
}

// pngOf is a real PNG of w × h pixels.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 36, G: 87, B: 214, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// deskUpload uploads a file as an agent (POST /v1/desk/attachments).
func deskUpload(t *testing.T, addr, token, name string, data []byte) protocol.Attachment {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/desk/attachments", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Attachment protocol.Attachment `json:"attachment"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("desk upload: %d %v", resp.StatusCode, err)
	}
	return out.Attachment
}
