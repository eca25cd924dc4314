package tui

import (
	"testing"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

type slowWorkMsg struct{}

// The harness skips cursor blinks and ticks by what they are and waits
// for real work however long it takes: it used to drop any command slower
// than 40 ms, and under CPU load (load average 15) the fake backend's
// loads were dropped and TestOpenLoadsTranscriptAndShowsDraft failed.
func TestHarnessTellsTimersFromWork(t *testing.T) {
	slow := func() tea.Msg { time.Sleep(120 * time.Millisecond); return slowWorkMsg{} }
	if got := runCmd(tea.Batch(slow, tea.Tick(time.Hour, func(time.Time) tea.Msg { return tickMsg{} }))); len(got) != 1 {
		t.Fatalf("runCmd(slow work + tick) = %#v, want the slow work's message only", got)
	}
	ta := textarea.New()
	ti := textinput.New()
	for name, cmd := range map[string]tea.Cmd{"textarea focus": ta.Focus(), "textinput focus": ti.Focus(),
		"tick": tea.Tick(time.Hour, nil), "every": tea.Every(time.Hour, nil)} {
		if cmd == nil {
			t.Fatalf("%s: no command", name)
		}
		if !isTimer(cmd) {
			t.Errorf("%s: %s is not recognised as a timer (renamed in a dependency update?)", name, cmdName(cmd))
		}
	}
	if isTimer(slow) {
		t.Error("work taken for a timer")
	}
}
