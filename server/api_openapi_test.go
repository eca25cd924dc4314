package server_test

import (
	"bufio"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPIResponses reads docs/api/openapi.yaml's paths section: path →
// method → the response statuses it lists. The file is laid out one key a
// line at fixed indents (paths at 2, methods at 4, statuses at 8), which is
// all this needs; no YAML library is worth a dependency for a test.
func openAPIResponses(t *testing.T) map[string]map[string]map[string]bool {
	t.Helper()
	f, err := os.Open("../docs/api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRe := regexp.MustCompile(`^  (/\S+):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|post|put|patch|delete|options):\s*$`)
	statusRe := regexp.MustCompile(`^        "(\d{3})":`)
	out := map[string]map[string]map[string]bool{}
	var path, method string
	inPaths := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 0 && line[0] != ' ' && line[0] != '#' {
			inPaths = strings.HasPrefix(line, "paths:")
			continue
		}
		if !inPaths {
			continue
		}
		if m := pathRe.FindStringSubmatch(line); m != nil {
			path, method = m[1], ""
			out[path] = map[string]map[string]bool{}
		} else if m := methodRe.FindStringSubmatch(line); m != nil && path != "" {
			method = strings.ToUpper(m[1])
			out[path][method] = map[string]bool{}
		} else if m := statusRe.FindStringSubmatch(line); m != nil && method != "" {
			out[path][method][m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no paths read from openapi.yaml")
	}
	return out
}

// TestOpenAPIMatchesServer: every status the server answers an operation
// with — no token, a desk token, a wrong content type, an oversized or
// malformed body, an unknown id — is one openapi.yaml lists for it, and
// every operation it lists exists.
func TestOpenAPIMatchesServer(t *testing.T) {
	spec := openAPIResponses(t)
	cfg := apiConfig()
	cfg.Attachments.MaxBytes = 64 << 10
	h := newHarness(t, cfg)
	api := h.integration("bot")
	desk := h.agent("alice", "agent")
	conv := h.escalated("where is my parcel", 10)

	type probe struct {
		name          string
		token         string
		body          string
		contentType   string
		unknownID     bool
		wantStatus    int
		onlyForPost   bool
		onlyWithIDArg bool
		// file, when set, is uploaded raw as ?name=file to the upload
		// endpoints only; the JSON probes skip them.
		file []byte
	}
	big := `{"text":"` + strings.Repeat("a", 300<<10) + `"}`
	probes := []probe{
		{name: "no token", wantStatus: 401},
		{name: "desk token", token: desk, wantStatus: 403},
		{name: "text/plain body", token: api, body: `{}`, contentType: "text/plain", wantStatus: 415, onlyForPost: true},
		{name: "body over 256 KiB", token: api, body: big, wantStatus: 413, onlyForPost: true},
		{name: "unknown field", token: api, body: `{"bogus":1}`, wantStatus: 400, onlyForPost: true},
		{name: "unknown id", token: api, unknownID: true, wantStatus: 404, onlyWithIDArg: true},
		{name: "an executable", token: api, file: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), wantStatus: 415, onlyForPost: true},
		{name: "a file over the limit", token: api, file: []byte(strings.Repeat("a", 65<<10)), wantStatus: 413, onlyForPost: true},
		{name: "an empty file", token: api, file: []byte{}, wantStatus: 400, onlyForPost: true},
	}
	paths := make([]string, 0, len(spec))
	for p := range spec {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if p == "/widget.js" || strings.HasPrefix(p, "/v1/widget/") {
			continue // the chat window's own auth (origin, session): TestWidgetStatusesInOpenAPI
		}
		for method, statuses := range spec[p] {
			for _, pr := range probes {
				if pr.onlyForPost && method != http.MethodPost || pr.onlyWithIDArg && !strings.Contains(p, "{id}") {
					continue
				}
				upload := method == http.MethodPost && strings.HasSuffix(p, "/attachments")
				if upload != (pr.file != nil) && (pr.file != nil || pr.body != "" || pr.contentType != "") {
					continue // JSON probes are not for uploads, files only for them
				}
				token := pr.token
				if strings.HasPrefix(p, "/v1/desk/") { // desk tokens are the right ones here
					switch token {
					case desk:
						token = api
					case api:
						token = desk
					}
				}
				id := conv.ID
				if pr.unknownID {
					id = "c_doesnotexist"
				}
				if strings.HasPrefix(p, "/v1/api/customers/") {
					id = conv.CustomerID
					if pr.unknownID {
						id = "u_doesnotexist"
					}
				}
				url := strings.ReplaceAll(p, "{id}", id)
				var body any
				if method == http.MethodPost {
					body = pr.body
					if body == "" {
						body = `{}`
						if strings.HasSuffix(p, "/csat") {
							body = `{"score":5}`
						}
					}
				}
				var hdr http.Header
				if pr.contentType != "" {
					hdr = http.Header{"Content-Type": {pr.contentType}}
				}
				if pr.file != nil {
					body, url = pr.file, url+"?name=probe.png"
					hdr = http.Header{"Content-Type": {"application/octet-stream"}}
				}
				got, raw := h.callRaw(token, method, url, body, hdr)
				if got != pr.wantStatus {
					t.Errorf("%s %s (%s): status %d, want %d: %s", method, p, pr.name, got, pr.wantStatus, raw)
				}
				if !statuses[strconv.Itoa(got)] {
					t.Errorf("%s %s (%s): the server answers %d, which openapi.yaml does not list (it lists %v)", method, p, pr.name, got, keys(statuses))
				}
			}
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
