package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Bot configures the front-line bot of `agentdesk serve` ([bot]).
type Bot struct {
	Enabled     bool          // serve --bot
	Name        string        // author name on its messages
	Threshold   float64       // confidence an answer needs; 0 = the server's default
	Clarify     int           // requests for detail before a handoff; 0 = default, -1 = none
	IdleResolve time.Duration // close chats gone quiet after the bot's message; 0 = default, negative = never
	// MailIdleResolve is IdleResolve for chats the bot answers by e-mail.
	MailIdleResolve time.Duration
}

// Widget configures the web chat widget ([widget]).
type Widget struct {
	Sites []WidgetSite
}

// WidgetSite is one site that embeds the widget: the key its script tag
// names (data-site), the page origins allowed to open the chat, and the
// variable holding the secret for signed identities (never the secret).
type WidgetSite struct {
	Key       string   `toml:"key"`
	Name      string   `toml:"name"`       // title of the chat window; default the key
	Origins   []string `toml:"origins"`    // e.g. https://shop.example.com; "*" allows any (development only)
	SecretEnv string   `toml:"secret_env"` // default AGENTDESK_WIDGET_SECRET_<KEY>
	Secret    string   `toml:"-"`          // read from SecretEnv; empty: no signed identities
}

type botFile struct {
	Enabled     bool    `toml:"enabled"`
	Name        string  `toml:"name"`
	Threshold   float64 `toml:"threshold"`
	Clarify     int     `toml:"clarify"`
	IdleResolve string  `toml:"idle_resolve"`
	MailIdle    string  `toml:"mail_idle_resolve"`
}

type widgetFile struct {
	Sites []WidgetSite `toml:"sites"`
}

// SiteKeyPattern is what a widget site key may look like.
var SiteKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// SecretEnvFor is the default variable holding a site's identity secret.
func SecretEnvFor(key string) string {
	return "AGENTDESK_WIDGET_SECRET_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(key))
}

// CheckOrigin validates one allowed origin: scheme://host[:port], or "*".
func CheckOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("want an origin such as https://shop.example.com (scheme and host, no path), got %q", o)
	}
	return nil
}

// parseChannels applies [bot] and [widget]; problems are *Error values
// pointing at the line (of the right [[widget.sites]] table).
func parseChannels(cfg *Config, b botFile, w widgetFile, path string, data []byte, getenv func(string) string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		line := findKeyLine(data, key)
		if site, field, ok := siteKey(key); ok {
			line = findSiteLine(data, site, field)
		}
		errs = append(errs, &Error{File: path, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	cfg.Bot = Bot{Enabled: b.Enabled, Name: strings.TrimSpace(b.Name), Threshold: b.Threshold, Clarify: b.Clarify}
	if b.Threshold < 0 || b.Threshold > 1 {
		bad("bot.threshold", "want a confidence between 0 and 1 (e.g. 0.45), got %g", b.Threshold)
	}
	if b.Clarify < -1 || b.Clarify > 5 {
		bad("bot.clarify", "want how many times the bot asks for detail before handing over, 0 to 5 (or -1 for never), got %d", b.Clarify)
	}
	if len(cfg.Bot.Name) > 60 {
		bad("bot.name", "at most 60 bytes")
	}
	for _, idle := range []struct {
		key, v string
		dst    *time.Duration
	}{{"bot.idle_resolve", b.IdleResolve, &cfg.Bot.IdleResolve}, {"bot.mail_idle_resolve", b.MailIdle, &cfg.Bot.MailIdleResolve}} {
		if idle.v == "" {
			continue
		}
		d, err := time.ParseDuration(idle.v)
		if err != nil {
			bad(idle.key, "want a duration such as \"30m\" or \"2h\" (\"-1s\" for never), got %q", idle.v)
		}
		*idle.dst = d
	}
	seen := map[string]bool{}
	cfg.Widget.Sites = nil
	for i, s := range w.Sites {
		key := fmt.Sprintf("widget.sites[%d]", i)
		if !SiteKeyPattern.MatchString(s.Key) {
			bad(key+".key", "want a short key of lower-case letters, digits, - and _ (it goes in data-site), got %q", s.Key)
			continue
		}
		if seen[s.Key] {
			bad(key+".key", "site %q is configured twice", s.Key)
			continue
		}
		seen[s.Key] = true
		if len(s.Origins) == 0 {
			bad(key+".origins", "site %q needs the page origins allowed to open the chat, e.g. origins = [\"https://shop.example.com\"]", s.Key)
		}
		for _, o := range s.Origins {
			if err := CheckOrigin(o); err != nil {
				bad(key+".origins", "%v", err)
			}
		}
		if s.SecretEnv == "" {
			s.SecretEnv = SecretEnvFor(s.Key)
		}
		s.Secret = getenv(s.SecretEnv)
		if s.Name == "" {
			s.Name = s.Key
		}
		cfg.Widget.Sites = append(cfg.Widget.Sites, s)
	}
	return errs
}

var reSiteKey = regexp.MustCompile(`^widget\.sites\[(\d+)\]\.(\w+)$`)

func siteKey(key string) (int, string, bool) {
	m := reSiteKey.FindStringSubmatch(key)
	if m == nil {
		return 0, "", false
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n, m[2], true
}

// findSiteLine is the line of field in the site-th [[widget.sites]] table
// (or of the table's header when the field is not written).
func findSiteLine(data []byte, site int, field string) int {
	n, header := -1, 0
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "[") {
			if n == site {
				break
			}
			if normKey(strings.Trim(line, "[]")) == "widget.sites" && strings.HasPrefix(line, "[[") {
				n++
				header = i + 1
			}
			continue
		}
		if n == site {
			if k, _, ok := strings.Cut(line, "="); ok && normKey(k) == field {
				return i + 1
			}
		}
	}
	if n >= site {
		return header
	}
	return 0
}
