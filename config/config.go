// Package config loads the agentdesk configuration file and resolves the
// places the desk keeps things: $XDG_CONFIG_HOME/agentdesk/config.toml
// (falling back to ~/.config/agentdesk/config.toml), a --config override,
// and the data directory $XDG_DATA_HOME/agentdesk (~/.local/share/agentdesk).
//
// Decoding is strict: an unknown key or a value of the wrong type is an
// error, and every error names the file, the line and the key and says what
// was expected, because a silently ignored typo in a keybinding or a token
// path costs an agent far more time than a refusal to start.
//
// A missing default file is not an error: the desk runs on defaults. The
// environment is read through a getenv function so tests never touch the
// process environment.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/agentdesk/agentdesk/internal/suggest"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/themes"
)

// Config is the resolved configuration.
type Config struct {
	// Path is the file the configuration came from; empty when no file
	// existed and only defaults apply.
	Path string

	Server string // websocket URL of a backend; empty runs the embedded backend
	// Token authenticates against Server: AGENTDESK_TOKEN, else token, else
	// the contents of token_file.
	Token    string
	CAFile   string // PEM file of CAs trusted for wss:// besides the system's; empty: the system pool
	Theme    string // "auto", or a name from themes.Names()
	Language lang.Lang
	Editor   string // command line for editing drafts outside the desk

	Notifications Notifications
	Keys          map[string][]string // action → keys; apply with keymap.Rebind
	// Canned maps a shortcut (without the slash) to a canned reply the
	// agent expands with /shortcut; empty means the desk's built-in set.
	Canned  map[string]string
	Copilot Copilot
	Serve   Serve
	Bot     Bot    // the front-line bot of serve (channels.go)
	Widget  Widget // web chat widget sites of serve (channels.go)
	Email   Email  // [email]: the e-mail channel of serve (email.go)
	DataDir string
}

// Notifications says how the desk announces a new assignment.
type Notifications struct {
	Bell bool `toml:"bell"` // terminal bell
	OSC9 bool `toml:"osc9"` // desktop notification via OSC 9 (iTerm2, kitty, WezTerm, …)
}

// Copilot configures the drafting engine of `agentdesk serve`.
type Copilot struct {
	Provider  string `toml:"provider"`    // offline | openai (any OpenAI-compatible endpoint)
	BaseURL   string `toml:"base_url"`    // e.g. http://localhost:11434/v1 for Ollama
	Model     string `toml:"model"`       // required for openai
	APIKeyEnv string `toml:"api_key_env"` // name of the variable holding the key, never the key itself
	// ResponseFormat is how insights ask for JSON: json_object (default),
	// json_schema, or none for servers that reject response_format.
	ResponseFormat string `toml:"response_format"`
	Concurrency    int    `toml:"concurrency"` // simultaneous remote calls (default 4)
	MaxTokens      int    `toml:"max_tokens"`  // longest draft in tokens (default 600)
	// SentimentModel is a model file from `agentdesk train sentiment`
	// (relative: from the config file's folder); empty = the lexicon.
	SentimentModel string `toml:"sentiment_model"`
}

// Serve configures the backend.
type Serve struct {
	Addr           string   `toml:"addr"`
	DB             string   `toml:"db"`
	AllowedOrigins []string `toml:"allowed_origins"`
	TLSCert        string   `toml:"tls_cert"` // PEM certificate (chain); with tls_key serves wss:// and https://
	TLSKey         string   `toml:"tls_key"`
}

// Copilot providers.
const (
	ProviderOffline = "offline"
	ProviderOpenAI  = "openai"
)

// file mirrors the TOML document. Keys is decoded loosely because users
// write `queue.up = [...]`, which TOML reads as nested tables; it is
// flattened and checked by hand.
type file struct {
	Server        string            `toml:"server"`
	Token         string            `toml:"token"`
	TokenFile     string            `toml:"token_file"`
	CAFile        string            `toml:"ca_file"`
	Theme         string            `toml:"theme"`
	Language      string            `toml:"language"`
	Editor        string            `toml:"editor"`
	Notifications Notifications     `toml:"notifications"`
	Keys          map[string]any    `toml:"keys"`
	Canned        map[string]string `toml:"canned"`
	Copilot       Copilot           `toml:"copilot"`
	Serve         Serve             `toml:"serve"`
	Bot           botFile           `toml:"bot"`
	Widget        widgetFile        `toml:"widget"`
	Email         Email             `toml:"email"`
}

// Error is a configuration problem located in a file.
type Error struct {
	File   string
	Line   int    // 1-based; 0 when the problem has no single line
	Column int    // 1-based; 0 when unknown
	Key    string // dotted key, e.g. "copilot.provider"
	Msg    string // what is wrong and what was expected
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// DefaultPath returns where the config file lives when --config is not given.
func DefaultPath(getenv func(string) string) (string, error) {
	return xdgPath(getenv, "XDG_CONFIG_HOME", ".config", "config.toml")
}

// DefaultDataDir returns where the desk keeps its data (embedded database,
// outbox).
func DefaultDataDir(getenv func(string) string) (string, error) {
	return xdgPath(getenv, "XDG_DATA_HOME", filepath.Join(".local", "share"), "")
}

func xdgPath(getenv func(string) string, xdgVar, homeRel, name string) (string, error) {
	base := getenv(xdgVar)
	// The XDG spec says relative values are invalid and must be ignored.
	if base == "" || !filepath.IsAbs(base) {
		home := getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("cannot locate %s: neither $%s nor $HOME is set", filepath.Join("agentdesk", name), xdgVar)
		}
		base = filepath.Join(home, homeRel)
	}
	return filepath.Join(base, "agentdesk", name), nil
}

// Defaults returns the configuration used when there is no file.
func Defaults(getenv func(string) string) (*Config, error) {
	data, err := DefaultDataDir(getenv)
	if err != nil {
		return nil, err
	}
	editor := getenv("VISUAL")
	if editor == "" {
		editor = getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	return &Config{
		Theme:         "auto",
		Language:      lang.FromLocale(getenv),
		Editor:        editor,
		Notifications: Notifications{Bell: true},
		Keys:          map[string][]string{},
		Copilot:       Copilot{Provider: ProviderOffline, APIKeyEnv: "OPENAI_API_KEY"},
		Serve:         Serve{Addr: "127.0.0.1:8080", DB: filepath.Join(data, "agentdesk.db")},
		DataDir:       data,
		Token:         getenv("AGENTDESK_TOKEN"),
	}, nil
}

// Load reads the configuration. With explicit == "" it reads the default
// path and a missing file yields [Defaults]; a file named with --config must
// exist. Problems in the file are *Error values (joined when several).
func Load(explicit string, getenv func(string) string) (*Config, error) {
	cfg, err := Defaults(getenv)
	if err != nil {
		return nil, err
	}
	path := explicit
	if path == "" {
		if path, err = DefaultPath(getenv); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if explicit == "" && errors.Is(err, fs.ErrNotExist) {
			return cfg, nil
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := Parse(cfg, path, data, getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse applies the TOML document data (read from path, used in errors and
// to resolve a relative token_file) on top of cfg.
func Parse(cfg *Config, path string, data []byte, getenv func(string) string) error {
	var f file
	f.Notifications = cfg.Notifications
	f.Copilot = cfg.Copilot
	f.Serve = cfg.Serve
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return decodeError(path, data, err)
	}
	cfg.Path = path
	var errs []error
	bad := func(key, format string, args ...any) {
		line := findKeyLine(data, key)
		errs = append(errs, &Error{File: path, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
	}

	if f.Server != "" {
		u, err := url.Parse(f.Server)
		if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") {
			bad("server", "want a URL such as wss://desk.example.com/ws, got %q", f.Server)
		} else {
			cfg.Server = f.Server
		}
	}

	switch {
	case f.Token != "" && f.TokenFile != "":
		bad("token_file", "set token or token_file, not both")
	case getenv("AGENTDESK_TOKEN") != "":
		// The environment wins so a secret never has to be written to disk.
	case f.Token != "":
		cfg.Token = f.Token
	case f.TokenFile != "":
		tf := expandHome(f.TokenFile, getenv)
		if !filepath.IsAbs(tf) {
			tf = filepath.Join(filepath.Dir(path), tf)
		}
		b, err := os.ReadFile(tf)
		if err != nil {
			bad("token_file", "cannot read token file: %v", err)
		} else if tok := strings.TrimSpace(string(b)); tok == "" {
			bad("token_file", "token file %s is empty", tf)
		} else {
			cfg.Token = tok
		}
	}

	if f.Theme != "" {
		if f.Theme == "auto" {
			cfg.Theme = "auto"
		} else if _, err := themes.ByName(f.Theme); err != nil {
			bad("theme", "unknown theme %q, want auto or one of %s", f.Theme, strings.Join(themes.Names(), ", "))
		} else {
			cfg.Theme = strings.ToLower(f.Theme)
		}
	}
	if f.Language != "" {
		if l, err := lang.Parse(f.Language); err != nil {
			bad("language", "unknown language %q, want \"en\" or \"zh-CN\"", f.Language)
		} else {
			cfg.Language = l
		}
	}
	if f.Editor != "" {
		cfg.Editor = f.Editor
	}
	cfg.Notifications = f.Notifications
	for name, text := range f.Canned {
		switch {
		case name == "" || strings.ContainsAny(name, " \t/"):
			bad("canned."+name, "shortcut names are one word without spaces or slashes (written /name in the reply box), got %q", name)
		case strings.TrimSpace(text) == "":
			bad("canned."+name, "canned reply is empty")
		default:
			if cfg.Canned == nil {
				cfg.Canned = map[string]string{}
			}
			cfg.Canned[name] = text
		}
	}

	switch f.Copilot.Provider {
	case ProviderOffline:
	case ProviderOpenAI:
		if f.Copilot.Model == "" {
			bad("copilot.model", "provider \"openai\" needs a model name, e.g. model = \"qwen-plus\"")
		}
	default:
		bad("copilot.provider", "want \"offline\" or \"openai\", got %q", f.Copilot.Provider)
	}
	if f.Copilot.BaseURL != "" {
		if u, err := url.Parse(f.Copilot.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			bad("copilot.base_url", "want an http(s) URL such as http://localhost:11434/v1, got %q", f.Copilot.BaseURL)
		}
	}
	switch f.Copilot.ResponseFormat {
	case "", "json_object", "json_schema", "none":
	default:
		bad("copilot.response_format", "want \"json_object\", \"json_schema\" or \"none\", got %q", f.Copilot.ResponseFormat)
	}
	if f.Copilot.Concurrency < 0 {
		bad("copilot.concurrency", "want a positive number of simultaneous calls, got %d", f.Copilot.Concurrency)
	}
	if f.Copilot.MaxTokens < 0 {
		bad("copilot.max_tokens", "want a positive number of tokens, got %d", f.Copilot.MaxTokens)
	}
	f.Copilot.SentimentModel = relTo(path, expandHome(f.Copilot.SentimentModel, getenv))
	cfg.Copilot = f.Copilot
	if f.Serve.Addr == "" {
		bad("serve.addr", "must not be empty (want host:port, e.g. 127.0.0.1:8080)")
	}
	for _, o := range f.Serve.AllowedOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Scheme == "" || u.Host == "") {
			bad("serve.allowed_origins", "want origins such as https://desk.example.com, got %q", o)
		}
	}
	// A relative SQLite file is next to the config file, as tls_cert and
	// ca_file are, not wherever serve happens to be started.
	if f.Serve.DB = expandHome(f.Serve.DB, getenv); !isPostgresURL(f.Serve.DB) {
		f.Serve.DB = relTo(path, f.Serve.DB)
	}
	if (f.Serve.TLSCert == "") != (f.Serve.TLSKey == "") {
		bad("serve.tls_cert", "set tls_cert and tls_key together (PEM files), or neither")
	}
	f.Serve.TLSCert = relTo(path, expandHome(f.Serve.TLSCert, getenv))
	f.Serve.TLSKey = relTo(path, expandHome(f.Serve.TLSKey, getenv))
	cfg.Serve = f.Serve
	checkEmail(&f.Email, bad)
	cfg.Email = f.Email
	if f.CAFile != "" {
		cfg.CAFile = relTo(path, expandHome(f.CAFile, getenv))
	}

	errs = append(errs, parseChannels(cfg, f.Bot, f.Widget, path, data, getenv)...)

	keys, keyErrs := flattenKeys(f.Keys, path, data)
	errs = append(errs, keyErrs...)
	if len(keyErrs) == 0 && len(keys) > 0 {
		if err := keymap.New(cfg.Language).Rebind(keys); err != nil {
			errs = append(errs, bindErrors(err, path, data)...)
		} else {
			cfg.Keys = keys
		}
	}
	return errors.Join(errs...)
}

// flattenKeys turns the [keys] table into action → keys. Both
// `"queue.up" = ["k"]` and `queue.up = ["k"]` (nested tables to TOML) are
// accepted, and a single string stands for a one-key list.
func flattenKeys(tbl map[string]any, path string, data []byte) (map[string][]string, []error) {
	out := map[string][]string{}
	var errs []error
	var walk func(prefix string, v map[string]any)
	walk = func(prefix string, v map[string]any) {
		names := make([]string, 0, len(v))
		for n := range v {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			action := n
			if prefix != "" {
				action = prefix + "." + n
			}
			switch x := v[n].(type) {
			case map[string]any:
				walk(action, x)
			case string:
				out[action] = []string{x}
			case []any:
				ks := make([]string, 0, len(x))
				ok := true
				for _, e := range x {
					s, isStr := e.(string)
					if !isStr {
						ok = false
						break
					}
					ks = append(ks, s)
				}
				if !ok {
					errs = append(errs, &Error{File: path, Line: findKeyLine(data, "keys."+action), Key: "keys." + action,
						Msg: "want a list of key names such as [\"j\", \"down\"]"})
					continue
				}
				out[action] = ks
			default:
				errs = append(errs, &Error{File: path, Line: findKeyLine(data, "keys."+action), Key: "keys." + action,
					Msg: fmt.Sprintf("want a list of key names such as [\"j\", \"down\"], got %T", x)})
			}
		}
	}
	walk("", tbl)
	return out, errs
}

func bindErrors(err error, path string, data []byte) []error {
	var out []error
	var joined interface{ Unwrap() []error }
	list := []error{err}
	if errors.As(err, &joined) {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var be *keymap.BindError
		if !errors.As(e, &be) {
			out = append(out, &Error{File: path, Key: "keys", Msg: e.Error()})
			continue
		}
		msg := be.Msg
		if be.Key != "" {
			msg = fmt.Sprintf("%q: %s", be.Key, be.Msg)
		}
		out = append(out, &Error{File: path, Line: findKeyLine(data, "keys."+be.Action), Key: "keys." + be.Action, Msg: msg})
	}
	return out
}

// decodeError turns go-toml's errors into *Error with the position it
// reports and a plain sentence instead of Go type names where it can.
func decodeError(path string, data []byte, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		errs := make([]error, 0, len(strict.Errors))
		for i := range strict.Errors {
			de := &strict.Errors[i]
			line, col := de.Position()
			key := strings.Join(de.Key(), ".")
			errs = append(errs, &Error{File: path, Line: line, Column: col, Key: key,
				Msg: "unknown key" + suggestKey(key)})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		e := &Error{File: path, Line: line, Column: col, Key: strings.Join(de.Key(), "."),
			Msg: plainDecodeMessage(strings.TrimPrefix(de.Error(), "toml: "))}
		if e.Key == "" {
			// Syntax errors carry no key; quoting the line shows what
			// the parser choked on.
			if lines := strings.Split(string(data), "\n"); line > 0 && line <= len(lines) {
				e.Msg += fmt.Sprintf(" in %q", strings.TrimSpace(lines[line-1]))
			}
		}
		return e
	}
	return &Error{File: path, Msg: err.Error()}
}

// plainDecodeMessage rewrites go-toml's type errors, which name Go types,
// into what the user has to write.
func plainDecodeMessage(msg string) string {
	switch {
	case strings.Contains(msg, "into a Go value of type string"), strings.Contains(msg, "of type string"):
		return "want a string in quotes (" + msg + ")"
	case strings.Contains(msg, "of type bool"):
		return "want true or false (" + msg + ")"
	case strings.Contains(msg, "of type []string"):
		return "want a list of strings such as [\"a\", \"b\"] (" + msg + ")"
	}
	return msg
}

var knownKeys = []string{
	"server", "token", "token_file", "theme", "language", "editor",
	"notifications", "notifications.bell", "notifications.osc9", "keys",
	"copilot", "copilot.provider", "copilot.base_url", "copilot.model", "copilot.api_key_env",
	"copilot.response_format", "copilot.concurrency", "copilot.max_tokens", "copilot.sentiment_model",
	"serve", "serve.addr", "serve.db", "serve.allowed_origins",
	"bot", "bot.enabled", "bot.name", "bot.threshold", "bot.clarify", "bot.idle_resolve",
	"widget", "widget.sites", "widget.sites.key", "widget.sites.name", "widget.sites.origins", "widget.sites.secret_env",
}

func suggestKey(key string) string {
	best := suggest.Closest(key, knownKeys, 3)
	if best == "" {
		return " (known keys: server, token, token_file, theme, language, editor, [notifications], [keys], [copilot], [serve], [bot], [[widget.sites]])"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func expandHome(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// findKeyLine returns the 1-based line where dotted key is assigned, or 0.
// It understands [table] headers, dotted and quoted keys — enough to point
// at a value that decoded fine but means nothing valid, which go-toml has no
// position for.
func findKeyLine(data []byte, key string) int {
	table := ""
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				continue
			}
			table = normKey(strings.Trim(line[:end], "[]"))
			if table == key {
				return i + 1
			}
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		k := normKey(line[:eq])
		if table != "" {
			k = table + "." + k
		}
		if k == key {
			return i + 1
		}
	}
	return 0
}

// normKey writes a TOML key as plain dotted text: `"queue.up"` and
// `queue . up` both become queue.up.
func normKey(k string) string {
	k = strings.TrimSpace(k)
	var b strings.Builder
	inQuote := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case inQuote != 0 && c == inQuote:
			inQuote = 0
		case inQuote == 0 && (c == '"' || c == '\''):
			inQuote = c
		case inQuote == 0 && (c == ' ' || c == '\t'):
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// relTo resolves a relative file name against the config file's directory.
// isPostgresURL mirrors store.IsPostgres (config does not import the store).
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func relTo(configPath, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(configPath), name)
}
