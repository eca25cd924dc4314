package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests against a real model server (llm_test.go) run when .ci/run —
// or a developer — has started llama.cpp's llama-server with the tiny
// random-weight model and named it here; without it they skip, so a plain
// `go test ./...` stays fast:
//
//	AGENTDESK_TEST_LLM_URL      http://127.0.0.1:PORT/v1 of a server whose
//	                            default grammar makes plain text (drafts)
//	AGENTDESK_TEST_LLM_RAW_URL  the same model with no grammar: random
//	                            tokens, as a broken model would send
//
// scripts/llm-test-servers.sh starts both.
func llmURL(t *testing.T, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("no model server: %s is not set (scripts/llm-test-servers.sh starts llama.cpp's llama-server with the tiny test model; .ci/run does)", env)
	}
	return strings.TrimRight(u, "/")
}

// recordingProxy stands between the copilot and the real model server on
// loopback. It keeps every request body (what left the server: the PII
// checks read them), counts requests in flight, and can change a request on
// its way (edit) or slow the stream coming back (chunkDelay).
type recordingProxy struct {
	srv *httptest.Server

	mu          sync.Mutex
	bodies      [][]byte
	inFlight    int
	maxInFlight int
	completed   int // responses that reached their end ([DONE], or EOF of a plain answer)
	aborted     int // responses cut short because the caller went away first
	edit        func(body map[string]any)
	chunkDelay  time.Duration
	firstDelay  time.Duration
	hold        chan struct{} // when set, requests wait until it is closed
}

func newRecordingProxy(t *testing.T, upstream string) *recordingProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = target.Path + strings.TrimPrefix(r.In.URL.Path, "/v1")
			r.Out.Host = target.Host
		},
		FlushInterval: -1, // stream every chunk as it comes
		ModifyResponse: func(resp *http.Response) error {
			release, _ := resp.Request.Context().Value(releaseKey{}).(func())
			resp.Body = &slowBody{ReadCloser: resp.Body, p: p, ctx: resp.Request.Context(), release: release}
			return nil
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		edit, first, hold := p.edit, p.firstDelay, p.hold
		p.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if edit != nil && len(body) > 0 {
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				edit(m)
				body, _ = json.Marshal(m)
			}
		}
		p.mu.Lock()
		p.bodies = append(p.bodies, body)
		p.inFlight++
		p.maxInFlight = max(p.maxInFlight, p.inFlight)
		p.mu.Unlock()
		// A request stops counting as in flight when its answer has been
		// read to the end — before the caller sees that end, so a caller
		// that starts its next request then never overlaps in the count.
		var once sync.Once
		release := func() {
			once.Do(func() {
				p.mu.Lock()
				p.inFlight--
				p.mu.Unlock()
			})
		}
		defer release()
		r = r.WithContext(context.WithValue(r.Context(), releaseKey{}, release))
		if first > 0 {
			select {
			case <-time.After(first):
			case <-r.Context().Done():
				p.mu.Lock()
				p.aborted++
				p.mu.Unlock()
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the proxy's base URL for copilot.Config.BaseURL.
func (p *recordingProxy) URL() string { return p.srv.URL + "/v1" }

func (p *recordingProxy) set(fn func(p *recordingProxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

func (p *recordingProxy) requests() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.bodies...)
}

func (p *recordingProxy) stats() (maxInFlight, completed, aborted int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxInFlight, p.completed, p.aborted
}

// slowBody is an upstream response body on its way back: it may pause
// before each chunk, and it tells whether the response reached its end —
// the SSE "[DONE]" of a stream, EOF of anything else — or the caller hung
// up first.
type slowBody struct {
	io.ReadCloser
	p       *recordingProxy
	ctx     context.Context
	release func() // the request is no longer in flight
	tail    []byte // the last bytes read, to find [DONE] across reads
	sawEnd  bool
	done    bool
}

type releaseKey struct{}

var sseDone = []byte("data: [DONE]")

func (b *slowBody) Read(buf []byte) (int, error) {
	b.p.mu.Lock()
	d := b.p.chunkDelay
	b.p.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-b.ctx.Done():
		}
	}
	n, err := b.ReadCloser.Read(buf)
	if n > 0 && !b.sawEnd {
		b.tail = append(b.tail, buf[:n]...)
		b.sawEnd = bytes.Contains(b.tail, sseDone)
		if b.sawEnd && b.release != nil {
			b.release()
		}
		if len(b.tail) > len(sseDone) {
			b.tail = b.tail[len(b.tail)-len(sseDone):]
		}
	}
	if err == io.EOF && b.ctx.Err() == nil && !bytes.HasPrefix(b.tail, []byte("data:")) {
		b.sawEnd = true // a plain (not streamed) answer read to its end
	}
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b *slowBody) Close() error {
	b.finish()
	return b.ReadCloser.Close()
}

func (b *slowBody) finish() {
	if b.done {
		return
	}
	b.done = true
	if b.release != nil {
		b.release()
	}
	b.p.mu.Lock()
	if b.sawEnd {
		b.p.completed++
	} else {
		b.p.aborted++
	}
	b.p.mu.Unlock()
}
