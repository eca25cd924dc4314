package i18n

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/lang"
)

// TestCatalogsComplete fails when a field is added to Catalog and one
// language forgets it: the zero value would show up as a blank label.
func TestCatalogsComplete(t *testing.T) {
	for _, l := range lang.All {
		v := reflect.ValueOf(*For(l))
		for i := 0; i < v.NumField(); i++ {
			f, name := v.Field(i), v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", l, name)
				}
			case reflect.Func:
				if f.IsNil() {
					t.Errorf("%s: %s is nil", l, name)
				}
			}
		}
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		d      time.Duration
		en, zh string
	}{
		{42 * time.Second, "42s", "42秒"},
		{5 * time.Minute, "5m", "5分"},
		{65 * time.Minute, "1h5m", "1时5分"},
		{2 * time.Hour, "2h", "2时"},
		{50 * time.Hour, "2d2h", "2天2时"},
	}
	for _, c := range cases {
		if got := For(lang.EN).Duration(c.d); got != c.en {
			t.Errorf("en %v = %q, want %q", c.d, got, c.en)
		}
		if got := For(lang.ZhCN).Duration(c.d); got != c.zh {
			t.Errorf("zh %v = %q, want %q", c.d, got, c.zh)
		}
	}
	if got := For(lang.EN).SLAOverdue(3 * time.Minute); got != "-3m" {
		t.Errorf("overdue = %q", got)
	}
}

// Durations in narrow columns drop the smaller unit rather than being cut
// to "1时4…" or "超1时…".
func TestFitDuration(t *testing.T) {
	zh, en := For(lang.ZhCN), For(lang.EN)
	cases := []struct {
		format func(time.Duration) string
		d      time.Duration
		w      int
		want   string
	}{
		{zh.Duration, 105 * time.Minute, 7, "1时45分"},
		{zh.Duration, 105 * time.Minute, 5, "1时"},
		{zh.SLAOverdue, 90 * time.Minute, 6, "超1时"},
		{zh.Duration, 51 * time.Hour, 5, "2天"},
		{zh.Duration, 40 * time.Minute, 5, "40分"},
		{en.Duration, 105 * time.Minute, 5, "1h45m"},
		{en.SLAOverdue, 105 * time.Minute, 5, "-1h"},
		{en.Duration, 26*time.Hour + 30*time.Minute, 3, "1d"},
	}
	for _, c := range cases {
		if got := FitDuration(c.format, c.d, c.w); got != c.want {
			t.Errorf("FitDuration(%v, %d) = %q, want %q", c.d, c.w, got, c.want)
		}
	}
}

// Draft warnings show in the desk's words, never as "no_article: …".
func TestDraftWarningInWords(t *testing.T) {
	zh, en := For(lang.ZhCN), For(lang.EN)
	for _, c := range []struct {
		cat      *Catalog
		in, want string
	}{
		{zh, "no_article: No article covers this: the draft acknowledges the problem.", zhDraftWarns["no_article"]},
		{en, "no_citation: The draft cites nothing.", enDraftWarns["no_citation"]},
		{zh, "new_check: Something new to check.", "Something new to check."},
		{en, "plain text warning", "plain text warning"},
	} {
		if got := c.cat.DraftWarning(c.in); got != c.want {
			t.Errorf("DraftWarning(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for code := range enDraftWarns {
		if zhDraftWarns[code] == "" {
			t.Errorf("no Chinese words for draft warning %s", code)
		}
	}
}

func TestLookups(t *testing.T) {
	c := For(lang.ZhCN)
	if c.RejectReason("wrong_tone") != "语气不当" || c.RejectReason("new_reason") != "new_reason" {
		t.Error("RejectReason lookup wrong")
	}
	if c.Flag("legal_threat") != "法律" || c.Flag("x") != "" {
		t.Error("Flag lookup wrong")
	}
	if l, ok := c.Channel("wechat"); !ok || l != "微信" {
		t.Error("Channel lookup wrong")
	}
	if c.Author("note") != "内部备注" || c.Author("weird") != "系统" {
		t.Error("Author lookup wrong")
	}
}

// TestTeamCatalogsComplete is TestCatalogsComplete for the team board's
// nested catalog.
func TestTeamCatalogsComplete(t *testing.T) {
	for _, l := range lang.All {
		for _, v := range []reflect.Value{reflect.ValueOf(For(l).Team), reflect.ValueOf(For(l).Conn)} {
			for i := 0; i < v.NumField(); i++ {
				f, name := v.Field(i), v.Type().Field(i).Name
				switch f.Kind() {
				case reflect.String:
					if f.String() == "" {
						t.Errorf("%s: %s.%s is empty", l, v.Type().Name(), name)
					}
				case reflect.Func:
					if f.IsNil() {
						t.Errorf("%s: %s.%s is nil", l, v.Type().Name(), name)
					}
				}
			}
		}
	}
}

// TestIntentNamesCoverTheDemoKB: every intent of the demo knowledge base
// has a name in both catalogs (read from the KB files: the desk imports
// no copilot).
func TestIntentNamesCoverTheDemoKB(t *testing.T) {
	files, err := filepath.Glob("../../copilot/kb/demo/*.md")
	if err != nil || len(files) < 10 {
		t.Fatalf("demo KB: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			code, ok := strings.CutPrefix(line, "intent:")
			if !ok {
				continue
			}
			code = strings.TrimSpace(code)
			if _, ok := enIntents[code]; !ok {
				t.Errorf("%s: intent %q has no English name", f, code)
			}
			if _, ok := zhIntents[code]; !ok {
				t.Errorf("%s: intent %q has no Chinese name", f, code)
			}
		}
	}
}

// TestPromotedKBSaysHowToApprove: a promoted KB file joins the KB only with
// "status: approved" (copilot.StatusApproved; deleting the status line is
// no approval since issue 19), so the desk's instruction must say that — it
// told trainers to delete the line, and their entries never went live.
func TestPromotedKBSaysHowToApprove(t *testing.T) {
	for _, l := range lang.All {
		msg := For(l).Review.PromotedKB("promoted/p_1.md")
		if !strings.Contains(msg, "approved") || !strings.Contains(msg, "status") || strings.Contains(msg, "删除") || strings.Contains(msg, "delete") {
			t.Errorf("%s: %q does not say to set the status to approved", l, msg)
		}
	}
}
