package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCLIUsageErrors: what an operator sees first — a misspelt flag or
// command is a one-line usage error (exit 2) naming the closest match, and
// `agentdesk -h` lists the subcommands.
func TestCLIUsageErrors(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		want     []string // in stderr
		wantNot  []string // not in stderr
		wantOnce string   // appears exactly once in stderr
	}{
		{args: []string{"serve", "--adr", "x"}, code: 2, want: []string{"unknown flag --adr", "did you mean --addr?", "agentdesk serve -h"}, wantNot: []string{"-allowed-origin"}},
		{args: []string{"--bogus"}, code: 2, want: []string{"unknown flag --bogus"}, wantNot: []string{"did you mean"}},
		{args: []string{"token", "create", "--agnet", "alice"}, code: 2, want: []string{"did you mean --agent?"}},
		{args: []string{"load", "--desks", "abc"}, code: 2, want: []string{`invalid value "abc" for flag -desks`}},
		{args: []string{"export", "--formt", "sft"}, code: 2, want: []string{"did you mean --format?"}},
		{args: []string{"eval", "sentiment", "--dat", "x"}, code: 2, want: []string{"did you mean --data?"}},
		{args: []string{"simulate", "--server"}, code: 2, want: []string{"flag needs an argument"}},
		{args: []string{"agents", "create", "--name", "Bob"}, code: 2, want: []string{"--id is required"}},
		{args: []string{"token", "create", "--name", "Bob"}, code: 2, want: []string{"--agent is required"}},
		{args: []string{"sevre"}, code: 2, want: []string{`unknown command "sevre"`, `did you mean "serve"?`}},
		{args: []string{"--help"}, code: 0, want: []string{"Commands:", "serve ", "token ", "load ", "export ", "-server string"}},
		{args: []string{"eval", "--help"}, code: 0, wantOnce: "Usage: agentdesk eval"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, &stdout, &stderr)
			out := stderr.String()
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("stderr lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("stderr has %q:\n%s", w, out)
				}
			}
			if c.wantOnce != "" && strings.Count(out, c.wantOnce) != 1 {
				t.Errorf("%q appears %d times, want once:\n%s", c.wantOnce, strings.Count(out, c.wantOnce), out)
			}
		})
	}
}

// TestTokenCommands: token list says each token's kind (desk or integration);
// `token revoke TOKEN_ID [--db F]` is how the
// synopsis writes it, so flags after a positional argument are parsed.
func TestTokenCommands(t *testing.T) {
	db := t.TempDir() + "/a.db"
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"token", "create", "--agent", "alice", "--db", db}, &stdout, &stderr); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr.String())
	}
	// The new database is its owner's only: it holds customers' messages.
	if fi, err := os.Stat(db); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("new database: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}
	// Listing or revoking on a mistyped --db is an error, and makes no file.
	typo := filepath.Join(filepath.Dir(db), "typo.db")
	for _, args := range [][]string{{"token", "list"}, {"token", "revoke", "t_x"}, {"agents", "list"}} {
		var e bytes.Buffer
		if code := run(ctx, append(args, "--db", typo), &bytes.Buffer{}, &e); code != 1 || !strings.Contains(e.String(), "typo.db") {
			t.Errorf("%v --db typo.db: exit %d: %s", args, code, e.String())
		}
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("a listing made a database at the mistyped path")
	}
	stdout.Reset()
	if code := run(ctx, []string{"token", "list", "--db", db, "--agent", "alice"}, &stdout, &stderr); code != 0 {
		t.Fatalf("token list: exit %d: %s", code, stderr.String())
	}
	if code := run(ctx, []string{"token", "create", "--agent", "shop", "--role", "admin", "--integration", "--label", "web chat", "--db", db}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("token create --integration: exit %d: %s", code, stderr.String())
	}
	// A second token for an existing account: --role cannot change it, and
	// the command says so.
	stderr.Reset()
	if code := run(ctx, []string{"token", "create", "--agent", "alice", "--role", "admin", "--db", db}, &bytes.Buffer{}, &stderr); code != 0 ||
		!strings.Contains(stderr.String(), "--role only apply when the account is created") || !strings.Contains(stderr.String(), "(alice, agent)") {
		t.Errorf("token create for an existing agent with --role: exit %d: %s", code, stderr.String())
	}
	// token list says which tokens open the desk and which only call the API.
	var list bytes.Buffer
	if code := run(ctx, []string{"token", "list", "--db", db}, &list, &stderr); code != 0 {
		t.Fatalf("token list: exit %d: %s", code, stderr.String())
	}
	for _, l := range strings.Split(list.String(), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && ((f[1] == "alice" && f[2] != "desk") || (f[1] == "shop" && f[2] != "integration")) {
			t.Errorf("token list row %q: wrong KIND", l)
		}
	}
	if !strings.Contains(list.String(), "KIND") || !strings.Contains(list.String(), "integration") {
		t.Errorf("token list lacks the KIND column:\n%s", list.String())
	}
	var id string
	for _, f := range strings.Fields(stdout.String()) {
		if strings.HasPrefix(f, "t_") {
			id = f
		}
	}
	if id == "" {
		t.Fatalf("no token id in %q", stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"token", "revoke", id, "--db", db}, &stdout, &stderr); code != 0 {
		t.Fatalf("token revoke ID --db F: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "revoked "+id) {
		t.Errorf("revoke printed %q", stdout.String())
	}
	// Two ids are still one too many, wherever the flags are.
	stderr.Reset()
	if code := run(ctx, []string{"token", "revoke", id, "--db", db, "t_other"}, &stdout, &stderr); code != 2 {
		t.Errorf("two ids: exit %d, want 2: %s", code, stderr.String())
	}
	// After "--" everything is an argument.
	stderr.Reset()
	if code := run(ctx, []string{"serve", "--", "--addr"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unexpected argument "--addr"`) {
		t.Errorf("serve -- --addr: exit %d: %s", code, stderr.String())
	}
}

// TestSimulateUnreachableServer: simulate against a server that is not
// there stops at once with an error saying so (it used to retry for ever).
func TestSimulateUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"simulate", "--server", "http://" + addr, "--db", filepath.Join(t.TempDir(), "a.db")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot reach the server at http://"+addr) || time.Since(start) > 15*time.Second {
		t.Errorf("exit %d after %s: %s", code, time.Since(start), stderr.String())
	}
	stderr.Reset()
	if code := run(ctx, []string{"simulate", "--server", "127.0.0.1:8080"}, &stdout, &stderr); code != 2 {
		t.Errorf("a --server without a scheme: exit %d: %s", code, stderr.String())
	}
}

// TestServeOpenAIWithoutKey: the documented Ollama line (--copilot openai
// --base-url http://127.0.0.1:11434/v1) starts without OPENAI_API_KEY —
// local servers need no key — while the OpenAI API itself still asks for
// one, said once.
func TestServeOpenAIWithoutKey(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	db := filepath.Join(t.TempDir(), "a.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--copilot", "openai",
		"--base-url", "http://127.0.0.1:11434/v1", "--model", "qwen2.5"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "agentdesk serving") {
		t.Errorf("serve with a local --base-url and no key: exit %d: %s", code, stderr.String())
	}
	stderr.Reset()
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--copilot", "openai", "--model", "gpt-4o-mini"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "needs an API key (OPENAI_API_KEY)") || strings.Contains(stderr.String(), "copilot: copilot:") {
		t.Errorf("serve against OpenAI without a key: exit %d: %s", code, stderr.String())
	}
}

// A lead, trainer or admin made without --capacity takes no chats: the
// server auto-assigns to every online account with room, and in the README's
// team set-up the lead watching the board was handed chats nobody answered.
// Agents get 5; --capacity is kept for anyone.
func TestNewAccountsCapacityByRole(t *testing.T) {
	db := t.TempDir() + "/a.db"
	ctx := context.Background()
	for _, args := range [][]string{
		{"token", "create", "--agent", "alice"},
		{"token", "create", "--agent", "lena", "--role", "lead"},
		{"token", "create", "--agent", "tom", "--role", "lead", "--capacity", "3"},
		{"agents", "create", "--id", "tina", "--role", "trainer"},
		{"agents", "create", "--id", "bob", "--capacity", "2"},
	} {
		var stderr bytes.Buffer
		if code := run(ctx, append(args, "--db", db), &bytes.Buffer{}, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	var list bytes.Buffer
	if code := run(ctx, []string{"agents", "list", "--db", db}, &list, &bytes.Buffer{}); code != 0 {
		t.Fatal("agents list failed")
	}
	want := map[string]string{"alice": "0/5", "lena": "0/0", "tom": "0/3", "tina": "0/0", "bob": "0/2"}
	for _, l := range strings.Split(list.String(), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if w, ok := want[f[0]]; ok {
			if f[len(f)-1] != w {
				t.Errorf("%s: load %s, want %s\n%s", f[0], f[len(f)-1], w, list.String())
			}
			delete(want, f[0])
		}
	}
	if len(want) > 0 {
		t.Errorf("not listed: %v\n%s", want, list.String())
	}
}
