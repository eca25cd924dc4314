package config

import (
	"strings"
	"testing"
	"time"
)

func TestBotAndWidgetSites(t *testing.T) {
	p := writeConfig(t, `
[bot]
enabled = true
name = "Shopbot"
threshold = 0.5
idle_resolve = "10m"
mail_idle_resolve = "48h"

[[widget.sites]]
key = "shop"
name = "Demo shop"
origins = ["https://shop.example.com", "http://localhost:3000"]

[[widget.sites]]
key = "help-center"
origins = ["*"]
secret_env = "HC_SECRET"
`)
	cfg, err := Load(p, env("HOME", "/home/a", "AGENTDESK_WIDGET_SECRET_SHOP", "s3cret", "HC_SECRET", "other"))
	if err != nil {
		t.Fatal(err)
	}
	if b := cfg.Bot; !b.Enabled || b.Name != "Shopbot" || b.Threshold != 0.5 || b.IdleResolve != 10*time.Minute || b.MailIdleResolve != 48*time.Hour {
		t.Errorf("bot = %+v", b)
	}
	s := cfg.Widget.Sites
	if len(s) != 2 || s[0].Key != "shop" || s[0].Name != "Demo shop" || s[0].Secret != "s3cret" || len(s[0].Origins) != 2 ||
		s[1].Name != "help-center" || s[1].Secret != "other" || s[1].SecretEnv != "HC_SECRET" {
		t.Errorf("sites = %+v", s)
	}
}

// TestWidgetSiteErrors: each bad site value names its [[widget.sites]]
// table's line and says what was expected.
func TestWidgetSiteErrors(t *testing.T) {
	p := writeConfig(t, `[bot]
threshold = 1.5

[[widget.sites]]
key = "shop"
origins = ["https://shop.example.com"]

[[widget.sites]]
key = "Bad Key"

[[widget.sites]]
key = "blog"
origins = ["https://blog.example.com/path"]

[[widget.sites]]
key = "shop"
origins = ["https://x.example.com"]

[[widget.sites]]
key = "quiet"
`)
	_, err := Load(p, env("HOME", "/home/a"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		":2: bot.threshold: want a confidence between 0 and 1",
		":9: widget.sites[1].key: want a short key",
		":13: widget.sites[2].origins: want an origin such as https://shop.example.com (scheme and host, no path), got \"https://blog.example.com/path\"",
		":16: widget.sites[3].key: site \"shop\" is configured twice",
		":19: widget.sites[4].origins: site \"quiet\" needs the page origins",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors:\n%v\nwant %q", err, want)
		}
	}
}
