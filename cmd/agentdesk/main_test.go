package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
