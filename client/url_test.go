package client

import (
	"strings"
	"testing"
)

// TestDeskURL: the server URL a desk is given is read as a websocket URL,
// and a mistyped one says what is wanted.
func TestDeskURL(t *testing.T) {
	for raw, want := range map[string]string{
		"ws://127.0.0.1:8080":      "ws://127.0.0.1:8080" + DeskPath,
		"https://desk.example.com": "wss://desk.example.com" + DeskPath,
		"wss://h:8443/custom":      "wss://h:8443/custom",
		"127.0.0.1:8080":           "want ws://host:port or wss://host",
		"localhost:8080":           "scheme must be ws, wss, http or https",
		"ftp://desk.example.com":   "scheme must be ws, wss, http or https",
		"ws://":                    "has no host",
	} {
		u, err := deskURL(raw)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = u.String()
		}
		if !strings.Contains(got, want) {
			t.Errorf("deskURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
