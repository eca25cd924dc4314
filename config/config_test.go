package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/lang"
)

// env returns a getenv over a fixed map so tests never read the real
// environment.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPaths(t *testing.T) {
	cases := []struct {
		env        func(string) string
		conf, data string
	}{
		{env("HOME", "/home/a"), "/home/a/.config/agentdesk/config.toml", "/home/a/.local/share/agentdesk"},
		{env("HOME", "/home/a", "XDG_CONFIG_HOME", "/xdg/c", "XDG_DATA_HOME", "/xdg/d"), "/xdg/c/agentdesk/config.toml", "/xdg/d/agentdesk"},
		// Relative XDG values are invalid per the spec and ignored.
		{env("HOME", "/home/a", "XDG_CONFIG_HOME", "rel"), "/home/a/.config/agentdesk/config.toml", "/home/a/.local/share/agentdesk"},
	}
	for _, c := range cases {
		if got, _ := DefaultPath(c.env); got != c.conf {
			t.Errorf("DefaultPath = %q, want %q", got, c.conf)
		}
		if got, _ := DefaultDataDir(c.env); got != c.data {
			t.Errorf("DefaultDataDir = %q, want %q", got, c.data)
		}
	}
	if _, err := DefaultPath(env()); err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Errorf("no HOME: err = %v", err)
	}
}

func TestMissingDefaultFileGivesDefaults(t *testing.T) {
	home := t.TempDir()
	cfg, err := Load("", env("HOME", home, "LANG", "zh_CN.UTF-8", "EDITOR", "nano"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "" || cfg.Theme != "auto" || cfg.Language != lang.ZhCN || cfg.Editor != "nano" ||
		!cfg.Notifications.Bell || cfg.Copilot.Provider != ProviderOffline ||
		cfg.Serve.DB != filepath.Join(home, ".local/share/agentdesk/agentdesk.db") {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestExplicitMissingFileIsAnError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), env("HOME", "/h"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadFull(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("  s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "config.toml")
	body := `
server = "wss://desk.example.com/ws"
token_file = "token"
theme = "high-contrast"
language = "zh-CN"
editor = "hx"

[notifications]
bell = false
osc9 = true

[keys]
"queue.down" = ["ctrl+n", "down"]
queue.up = "ctrl+o"
draft.edit.external = ["ctrl+e"]

[copilot]
provider = "openai"
base_url = "http://localhost:11434/v1"
model = "qwen2.5:7b"
api_key_env = "DASHSCOPE_API_KEY"

[serve]
addr = ":9000"
db = "~/desk.db"
allowed_origins = ["https://desk.example.com"]
`
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p, env("HOME", "/home/a", "VISUAL", "vim"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != p || cfg.Server != "wss://desk.example.com/ws" || cfg.Token != "s3cret" || cfg.Theme != "high-contrast" ||
		cfg.Language != lang.ZhCN || cfg.Editor != "hx" || cfg.Notifications.Bell || !cfg.Notifications.OSC9 {
		t.Errorf("cfg = %+v", cfg)
	}
	if got := cfg.Keys["queue.up"]; len(got) != 1 || got[0] != "ctrl+o" {
		t.Errorf("dotted key not flattened: %v", cfg.Keys)
	}
	if got := cfg.Keys["draft.edit.external"]; len(got) != 1 || got[0] != "ctrl+e" {
		t.Errorf("deep dotted key not flattened: %v", cfg.Keys)
	}
	if cfg.Copilot.Model != "qwen2.5:7b" || cfg.Copilot.APIKeyEnv != "DASHSCOPE_API_KEY" {
		t.Errorf("copilot = %+v", cfg.Copilot)
	}
	if cfg.Serve.Addr != ":9000" || cfg.Serve.DB != "/home/a/desk.db" || len(cfg.Serve.AllowedOrigins) != 1 {
		t.Errorf("serve = %+v", cfg.Serve)
	}
}

func TestTokenPrecedence(t *testing.T) {
	p := writeConfig(t, `token = "from-file"`)
	cfg, err := Load(p, env("HOME", "/h", "AGENTDESK_TOKEN", "from-env"))
	if err != nil || cfg.Token != "from-env" {
		t.Errorf("env must override: %v %q", err, cfg.Token)
	}
	cfg, err = Load(p, env("HOME", "/h"))
	if err != nil || cfg.Token != "from-file" {
		t.Errorf("token: %v %q", err, cfg.Token)
	}
}

// TestErrors covers each kind of mistake: the message must carry the file,
// the line, the key and what was expected.
func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string // substrings after the file name
	}{
		{"syntax", "theme = \"dark\"\nserver = wss://x\n", []string{":2:", "server"}},
		{"unknown key", "theme = \"dark\"\nthem = \"light\"\n", []string{":2:", "them", "unknown key", `did you mean "theme"`}},
		{"unknown key in table", "[copilot]\nmodle = \"x\"\n", []string{":2:", "copilot.modle", `did you mean "copilot.model"`}},
		{"wrong type", "\n\ntheme = 5\n", []string{":3:", "theme", "want a string"}},
		{"wrong bool", "[notifications]\nbell = \"yes\"\n", []string{":2:", "notifications.bell", "want true or false"}},
		{"bad theme", "language = \"en\"\ntheme = \"solarized\"\n", []string{":2:", "theme", `unknown theme "solarized"`, "high-contrast"}},
		{"bad language", "language = \"fr\"\n", []string{":1:", "language", `want "en" or "zh-CN"`}},
		{"bad server", "server = \"desk.example.com\"\n", []string{":1:", "server", "wss://"}},
		{"token and file", "token = \"a\"\ntoken_file = \"b\"\n", []string{":2:", "token_file", "not both"}},
		{"missing token file", "token_file = \"nope\"\n", []string{":1:", "token_file", "cannot read"}},
		{"bad provider", "[copilot]\nprovider = \"gpt\"\n", []string{":2:", "copilot.provider", `"offline" or "openai"`}},
		{"openai without model", "[copilot]\nprovider = \"openai\"\n", []string{"copilot.model", "needs a model"}},
		{"bad base url", "[copilot]\nbase_url = \"localhost:11434\"\n", []string{":2:", "copilot.base_url", "http(s) URL"}},
		{"bad response format", "[copilot]\n\nresponse_format = \"json\"\n", []string{":3:", "copilot.response_format", `"json_schema"`}},
		{"bad concurrency", "[copilot]\nconcurrency = -1\n", []string{":2:", "copilot.concurrency"}},
		{"bad origin", "[serve]\nallowed_origins = [\"desk.example.com\"]\n", []string{":2:", "serve.allowed_origins"}},
		{"unknown action", "[keys]\n\"queue.donw\" = [\"j\"]\n", []string{":2:", "keys.queue.donw", `did you mean "queue.down"`}},
		{"empty keys", "[keys]\nqueue.down = []\n", []string{":2:", "keys.queue.down", "no keys"}},
		{"bad key name", "[keys]\ndraft.accept = [\"ctrl+entr\"]\n", []string{":2:", "keys.draft.accept", `"ctrl+entr"`, "unknown key"}},
		{"key conflict", "[keys]\n\n\"draft.accept\" = [\"x\"]\n", []string{":3:", "keys.draft.accept", "already bound to draft.reject"}},
		{"keys not strings", "[keys]\n\"queue.up\" = [1, 2]\n", []string{":2:", "keys.queue.up", "list of key names"}},
		{"tls cert without key", "[serve]\ntls_cert = \"cert.pem\"\n", []string{":2:", "serve.tls_cert", "tls_key together"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(p, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, env("HOME", dir))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p) {
				t.Errorf("error does not start with the file: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("not a *config.Error: %T", err)
			}
		})
	}
}

func TestSeveralErrorsReportedTogether(t *testing.T) {
	p := writeConfig(t, "theme = \"x\"\nlanguage = \"y\"\n")
	_, err := Load(p, env("HOME", "/h"))
	if err == nil || !strings.Contains(err.Error(), ":1: theme") || !strings.Contains(err.Error(), ":2: language") {
		t.Fatalf("want both problems: %v", err)
	}
}

// FuzzParse feeds arbitrary documents to the strict parser: it must never
// panic, and every failure must be a located *Error naming the file.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"theme = \"dark\"\nserver = \"wss://desk.example.com\"\n",
		"[serve]\naddr = \"127.0.0.1:8080\"\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n",
		"[keys]\nqueue.down = [\"j\", \"down\"]\n\"draft.accept\" = \"a\"\n",
		"[copilot]\nprovider = \"openai\"\nmodel = \"qwen-plus\"\nbase_url = \"http://127.0.0.1:11434/v1\"\n",
		"[canned]\nrefund = \"退款会在 1-3 个工作日内原路退回\"\n",
		"[notifications]\nbell = true\nosc9 = false\n",
		"theme = 5\n[[keys]]\n",
		"ca_file = \"~/ca.pem\"\nlanguage = \"zh-CN\"\n",
		"a.b.c = {x = [1, {y = 2}]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Defaults(env("HOME", "/home/f"))
		if err != nil {
			t.Fatal(err)
		}
		err = Parse(cfg, "/etc/agentdesk/config.toml", data, env("HOME", "/home/f"))
		if err == nil {
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error is not a located config error: %T %v", err, err)
		}
		if !strings.HasPrefix(err.Error(), "/etc/agentdesk/config.toml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// TestServePathsRelativeToFile: relative db, tls_cert and tls_key are read
// from the config file's folder (serve under systemd starts in /); a
// postgres:// URL is left as it is.
func TestServePathsRelativeToFile(t *testing.T) {
	cfg, err := Defaults(env("HOME", "/home/f"))
	if err != nil {
		t.Fatal(err)
	}
	doc := "[serve]\ndb = \"data/agentdesk.db\"\ntls_cert = \"c.pem\"\ntls_key = \"/abs/k.pem\"\n"
	if err := Parse(cfg, "/etc/agentdesk/config.toml", []byte(doc), env("HOME", "/home/f")); err != nil {
		t.Fatal(err)
	}
	if cfg.Serve.DB != "/etc/agentdesk/data/agentdesk.db" || cfg.Serve.TLSCert != "/etc/agentdesk/c.pem" || cfg.Serve.TLSKey != "/abs/k.pem" {
		t.Errorf("serve paths: db %q cert %q key %q", cfg.Serve.DB, cfg.Serve.TLSCert, cfg.Serve.TLSKey)
	}
	cfg, _ = Defaults(env("HOME", "/home/f"))
	pg := "postgres://agentdesk:pw@db.internal/agentdesk?sslmode=require"
	if err := Parse(cfg, "/etc/agentdesk/config.toml", []byte("[serve]\ndb = \""+pg+"\"\n"), env("HOME", "/home/f")); err != nil {
		t.Fatal(err)
	}
	if cfg.Serve.DB != pg {
		t.Errorf("postgres db became %q", cfg.Serve.DB)
	}
	cfg, _ = Defaults(env("HOME", "/home/f"))
	if err := Parse(cfg, "/etc/agentdesk/config.toml", []byte("[serve]\ndb = \"~/a.db\"\n"), env("HOME", "/home/f")); err != nil {
		t.Fatal(err)
	}
	if cfg.Serve.DB != "/home/f/a.db" {
		t.Errorf("~/a.db became %q", cfg.Serve.DB)
	}
}
