// Package media draws image thumbnails in the desk's transcript on
// terminals with the kitty graphics protocol, the way that coexists with
// Bubble Tea v2's cell renderer: Unicode placeholders.
//
// The renderer parses every frame into cells and keeps only SGR and OSC 8
// sequences, so graphics escapes in a View are dropped. Instead the image
// is transmitted once, out of band (tea.Raw), as a virtual placement of
// cols×rows cells (a=T,U=1), and the transcript holds ordinary cells of
// U+10EEEE with diacritics naming each cell's row and column, coloured
// with the image id (38;5;id). The renderer diffs, scrolls, truncates and
// overwrites those cells like text; the terminal paints the image into
// whichever cells hold them, so nothing the renderer does can leave a
// stale or torn picture. Only bytes this package decoded as an image and
// encoded again as PNG reach the terminal, never the attachment's own.
//
// Sixel is not offered: sixel pixels are drawn at the cursor outside the
// cell grid, and the renderer, which does not know they are there, erases
// them whenever it writes a cell under them (a scroll, a notice, a resize)
// and never redraws them (docs/channels.md, "Thumbnails").
package media

import (
	"strings"
)

// Protocol is how the terminal can show images.
type Protocol int

const (
	None  Protocol = iota // text lines only
	Kitty                 // kitty graphics with Unicode placeholders
)

func (p Protocol) String() string {
	if p == Kitty {
		return "kitty"
	}
	return "none"
}

// Detect says whether the terminal shows kitty images with Unicode
// placeholders, from the environment only (no query, so nothing waits on
// a terminal that does not answer), and why not when it does not.
// AGENTDESK_IMAGES=kitty forces them on (a terminal this does not know),
// =off off. Inside tmux or screen they are off: the multiplexer would have
// to pass the graphics through, and the placeholders' colours through
// unchanged, which their defaults do not. NO_COLOR is off too: the image
// id rides in the placeholders' colour.
func Detect(getenv func(string) string) (Protocol, string) {
	switch strings.ToLower(strings.TrimSpace(getenv("AGENTDESK_IMAGES"))) {
	case "off", "none", "no", "0", "false":
		return None, "AGENTDESK_IMAGES=off"
	case "kitty":
		return Kitty, "AGENTDESK_IMAGES=kitty"
	}
	term := strings.ToLower(getenv("TERM"))
	switch {
	case getenv("TMUX") != "" || strings.HasPrefix(term, "tmux") || strings.HasPrefix(term, "screen"):
		return None, "inside tmux or screen"
	case getenv("NO_COLOR") != "":
		return None, "NO_COLOR is set"
	case term == "xterm-kitty" || getenv("KITTY_WINDOW_ID") != "":
		return Kitty, "kitty"
	case term == "xterm-ghostty" || strings.EqualFold(getenv("TERM_PROGRAM"), "ghostty"):
		return Kitty, "ghostty"
	}
	return None, "the terminal is not known to show kitty images with Unicode placeholders (AGENTDESK_IMAGES=kitty forces them)"
}
