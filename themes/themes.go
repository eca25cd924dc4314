// Package themes turns a small semantic palette into the lipgloss styles of
// every part of the desk. A theme is only a [Palette]; [New] derives the one
// [Styles] struct components read, so adding a theme never touches a
// component and a component never picks a colour itself.
//
// Meaning never rests on colour alone: components also print labels
// ("angry", "-3m", "Internal note"), and with NO_COLOR set the styles keep
// bold, italic, underline and reverse so selection and urgency stay visible.
package themes

import (
	"fmt"
	"image/color"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is a theme: a handful of colours named for what they mean.
type Palette struct {
	Name          string
	Primary       color.Color // focus, active tab, titles
	Secondary     color.Color // the bot, secondary accents
	Text          color.Color // body text
	Muted         color.Color // timestamps, hints, help descriptions
	Subtle        color.Color // separators, disabled things
	Surface       color.Color // panel backgrounds (status bar, dialogs)
	SurfaceAlt    color.Color // internal notes, draft panel
	Border        color.Color // pane borders when unfocused
	Selection     color.Color // cursor row background
	SelectionText color.Color // cursor row text
	Danger        color.Color // breached SLA, angry, legal threat, failed delivery
	Warning       color.Color // SLA close to breach, internal notes, stale drafts
	Success       color.Color // agent messages, delivered, online
	Info          color.Color // customer messages, neutral accents
}

func c(s string) color.Color { return lipgloss.Color(s) }

// Dark is the default palette for dark terminals.
var Dark = Palette{
	Name: "dark", Primary: c("#A594FD"), Secondary: c("#5EC4E8"), Text: c("#E4E4E7"),
	Muted: c("#8A8A93"), Subtle: c("#4A4A55"), Surface: c("#1E1E24"), SurfaceAlt: c("#26262E"),
	Border: c("#3C3C46"), Selection: c("#3B3262"), SelectionText: c("#FFFFFF"),
	Danger: c("#F7768E"), Warning: c("#E0AF68"), Success: c("#9ECE6A"), Info: c("#7AA2F7"),
}

// Light is the palette for light terminals.
var Light = Palette{
	Name: "light", Primary: c("#5B3FD6"), Secondary: c("#0B7DA3"), Text: c("#1F1F24"),
	Muted: c("#6B6B76"), Subtle: c("#B8B8C2"), Surface: c("#F1F1F5"), SurfaceAlt: c("#E8E8EF"),
	Border: c("#C8C8D0"), Selection: c("#DCD5FF"), SelectionText: c("#111111"),
	Danger: c("#C4264A"), Warning: c("#A05A00"), Success: c("#2E7D32"), Info: c("#1F5FBF"),
}

// HighContrast is for low vision and bright rooms: pure black and white
// with saturated accents.
var HighContrast = Palette{
	Name: "high-contrast", Primary: c("#FFFF00"), Secondary: c("#00FFFF"), Text: c("#FFFFFF"),
	Muted: c("#DADADA"), Subtle: c("#A8A8A8"), Surface: c("#000000"), SurfaceAlt: c("#1A1A1A"),
	Border: c("#FFFFFF"), Selection: c("#FFFFFF"), SelectionText: c("#000000"),
	Danger: c("#FF5F5F"), Warning: c("#FFD75F"), Success: c("#5FFF5F"), Info: c("#5FD7FF"),
}

var byName = map[string]Palette{Dark.Name: Dark, Light.Name: Light, HighContrast.Name: HighContrast}

// Names lists the built-in themes, sorted.
func Names() []string {
	out := make([]string, 0, len(byName))
	for n := range byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ByName returns a built-in palette. "" and "auto" are not names: the caller
// resolves them with [ForBackground] once the terminal reports its colour.
func ByName(name string) (Palette, error) {
	if p, ok := byName[strings.ToLower(name)]; ok {
		return p, nil
	}
	return Palette{}, fmt.Errorf("unknown theme %q (want auto, %s)", name, strings.Join(Names(), ", "))
}

// ForBackground picks the palette for a terminal background, as reported by
// tea.BackgroundColorMsg.IsDark().
func ForBackground(isDark bool) Palette {
	if isDark {
		return Dark
	}
	return Light
}

// NoColorRequested reports whether the NO_COLOR convention (no-color.org)
// asks for no colour: the variable is set and not empty.
func NoColorRequested(getenv func(string) string) bool { return getenv("NO_COLOR") != "" }
