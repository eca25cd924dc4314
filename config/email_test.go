package config

import (
	"strings"
	"testing"
	"time"
)

func TestEmailSection(t *testing.T) {
	cfg, _ := Defaults(env("HOME", "/home/f"))
	doc := "[email]\naddress = \"support@shop.example\"\nimap = \"imap.shop.example:993\"\nsmtp = \"smtp.shop.example:587\"\nsmtp_security = \"starttls\"\npoll = \"30s\"\nbot = false\n"
	if err := Parse(cfg, "/etc/agentdesk/config.toml", []byte(doc), env("HOME", "/home/f")); err != nil {
		t.Fatal(err)
	}
	e := cfg.Email
	if e.IMAPUser != "support@shop.example" || e.SMTPUser != "support@shop.example" || e.PollInterval() != 30*time.Second || e.SMTPSecurity != "starttls" || e.Bot == nil || *e.Bot {
		t.Fatalf("email: %+v", e)
	}
	cfg, _ = Defaults(env("HOME", "/home/f"))
	bad := "[email]\naddress = \"support\"\nimap = \"imap.shop.example\"\nsmtp = \"smtp:25\"\nimap_security = \"ssl\"\npoll = \"5ms\"\npassword = \"x\"\n"
	err := Parse(cfg, "/etc/agentdesk/config.toml", []byte(bad), env("HOME", "/home/f"))
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("a password in the file must be refused as an unknown key: %v", err)
	}
	cfg, _ = Defaults(env("HOME", "/home/f"))
	err = Parse(cfg, "/etc/agentdesk/config.toml", []byte(strings.Replace(bad, "password = \"x\"\n", "", 1)), env("HOME", "/home/f"))
	for _, want := range []string{
		"config.toml:2: email.address: want an address such as support@example.com",
		"config.toml:3: email.imap: want host:port",
		"config.toml:5: email.imap_security: want tls, starttls or none",
		"config.toml:6: email.poll: want a duration of at least 1s",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}
