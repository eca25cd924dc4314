package themes

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the desk renders with, built from one palette.
type Styles struct {
	Palette Palette
	NoColor bool

	Pane        lipgloss.Style // unfocused pane frame
	PaneFocused lipgloss.Style // focused pane frame
	Title       lipgloss.Style
	Muted       lipgloss.Style
	Separator   lipgloss.Style

	Queue      QueueStyles
	Badge      BadgeStyles
	Transcript TranscriptStyles
	Draft      DraftStyles
	Status     StatusStyles
	Dialog     DialogStyles
	Diff       DiffStyles
	Help       help.Styles
}

// DiffStyles style a word-level diff of a draft and the reply sent. The
// review view also writes [-deleted-] and {+inserted+} markers, so the diff
// reads without colour too.
type DiffStyles struct {
	Insert, Delete, Marker lipgloss.Style
}

// QueueStyles style the queue list.
type QueueStyles struct {
	Header, Row, Selected, Marked        lipgloss.Style
	Tab, TabActive                       lipgloss.Style
	Filter, FilterPrompt, Empty, Count   lipgloss.Style
	Channel, Customer, Wait, Summary     lipgloss.Style
	Assignee, Unassigned                 lipgloss.Style
	SLAOk, SLASoon, SLABreached, SLANone lipgloss.Style
}

// BadgeStyles style sentiment and flag badges.
type BadgeStyles struct {
	VIP, Angry, ChurnRisk, LegalThreat, Urgent, AsksForHuman lipgloss.Style
	Negative, Neutral, Positive                              lipgloss.Style
}

// TranscriptStyles style the conversation transcript. Each author kind has a
// label style and a body style; notes also get a gutter so they stand out
// even without colour.
type TranscriptStyles struct {
	Customer, Bot, Agent, System, Note                 lipgloss.Style // author labels
	CustomerBody, BotBody, AgentBody, SystemBody       lipgloss.Style
	NoteBody, NoteGutter                               lipgloss.Style
	Time                                               lipgloss.Style
	DeliveryPending, DeliveryDelivered, DeliveryFailed lipgloss.Style
	NewBelow, Empty                                    lipgloss.Style
}

// DraftStyles style the copilot draft panel and handoff card.
type DraftStyles struct {
	Frame, Title, Body, Stale, Streaming lipgloss.Style
	Citation, Warning, Provenance        lipgloss.Style
}

// StatusStyles style the status bar.
type StatusStyles struct {
	Bar, Key, Value                     lipgloss.Style
	Online, Away, Offline               lipgloss.Style
	Connected, Connecting, Disconnected lipgloss.Style
	Demo                                lipgloss.Style
}

// DialogStyles style dialogs, the palette and the help overlay frame.
type DialogStyles struct {
	Frame, Title, Item, Selected, Hint, Input lipgloss.Style
}

// New builds the styles of a palette. With noColor every colour is dropped
// and emphasis falls back to bold, italic, underline and reverse video.
func New(p Palette, noColor bool) *Styles {
	b := builder{p: p, noColor: noColor}
	if noColor {
		none := lipgloss.NoColor{}
		p = Palette{Name: p.Name, Primary: none, Secondary: none, Text: none, Muted: none,
			Subtle: none, Surface: none, SurfaceAlt: none, Border: none, Selection: none,
			SelectionText: none, Danger: none, Warning: none, Success: none, Info: none}
		b.p = p
	}
	ns := lipgloss.NewStyle

	s := &Styles{Palette: p, NoColor: noColor}
	s.Pane = ns().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border)
	s.PaneFocused = ns().Border(lipgloss.RoundedBorder()).BorderForeground(p.Primary)
	if noColor {
		// Without colour the focused pane needs another shape to be found.
		s.PaneFocused = ns().Border(lipgloss.ThickBorder())
	}
	s.Title = b.fg(p.Primary).Bold(true)
	s.Muted = b.fg(p.Muted)
	s.Separator = b.fg(p.Subtle)

	selected := ns().Background(p.Selection).Foreground(p.SelectionText).Bold(true)
	if noColor {
		selected = ns().Reverse(true).Bold(true)
	}
	s.Queue = QueueStyles{
		Header:       b.fg(p.Muted).Bold(true),
		Row:          b.fg(p.Text),
		Selected:     selected,
		Marked:       b.fg(p.Primary).Bold(true),
		Tab:          b.fg(p.Muted),
		TabActive:    b.fg(p.Primary).Bold(true).Underline(true),
		Filter:       b.fg(p.Text),
		FilterPrompt: b.fg(p.Primary).Bold(true),
		Empty:        b.fg(p.Muted).Italic(true),
		Count:        b.fg(p.Muted),
		Channel:      b.fg(p.Secondary),
		Customer:     b.fg(p.Text).Bold(true),
		Wait:         b.fg(p.Muted),
		Summary:      b.fg(p.Text),
		Assignee:     b.fg(p.Info),
		Unassigned:   b.fg(p.Subtle),
		SLANone:      b.fg(p.Subtle),
		SLAOk:        b.fg(p.Success),
		SLASoon:      b.fg(p.Warning).Bold(true),
		SLABreached:  b.fg(p.Danger).Bold(true).Underline(noColor),
	}
	s.Badge = BadgeStyles{
		VIP:          b.fg(p.Primary).Bold(true),
		Angry:        b.fg(p.Danger).Bold(true),
		ChurnRisk:    b.fg(p.Warning).Bold(true),
		LegalThreat:  b.fg(p.Danger).Bold(true).Underline(true),
		Urgent:       b.fg(p.Warning).Bold(true),
		AsksForHuman: b.fg(p.Info),
		Negative:     b.fg(p.Danger),
		Neutral:      b.fg(p.Muted),
		Positive:     b.fg(p.Success),
	}
	s.Transcript = TranscriptStyles{
		Customer:          b.fg(p.Info).Bold(true),
		Bot:               b.fg(p.Secondary).Bold(true),
		Agent:             b.fg(p.Success).Bold(true),
		System:            b.fg(p.Muted).Italic(true),
		Note:              b.fg(p.Warning).Bold(true).Italic(true),
		CustomerBody:      b.fg(p.Text),
		BotBody:           b.fg(p.Text),
		AgentBody:         b.fg(p.Text),
		SystemBody:        b.fg(p.Muted).Italic(true),
		NoteBody:          b.fg(p.Warning).Italic(true),
		NoteGutter:        b.fg(p.Warning).Bold(true),
		Time:              b.fg(p.Muted),
		DeliveryPending:   b.fg(p.Muted).Italic(true),
		DeliveryDelivered: b.fg(p.Success),
		DeliveryFailed:    b.fg(p.Danger).Bold(true).Underline(noColor),
		NewBelow:          b.fg(p.Primary).Bold(true),
		Empty:             b.fg(p.Muted).Italic(true),
	}
	s.Draft = DraftStyles{
		Frame:      ns().Border(lipgloss.NormalBorder()).BorderForeground(p.Border),
		Title:      b.fg(p.Primary).Bold(true),
		Body:       b.fg(p.Text),
		Stale:      b.fg(p.Warning).Bold(true).Underline(noColor),
		Streaming:  b.fg(p.Muted).Italic(true),
		Citation:   b.fg(p.Info).Underline(true),
		Warning:    b.fg(p.Danger).Bold(true),
		Provenance: b.fg(p.Muted),
	}
	s.Status = StatusStyles{
		Bar:          ns().Background(p.Surface).Foreground(p.Text),
		Key:          b.fg(p.Muted),
		Value:        b.fg(p.Text),
		Online:       b.fg(p.Success).Bold(true),
		Away:         b.fg(p.Warning),
		Offline:      b.fg(p.Muted),
		Connected:    b.fg(p.Success),
		Connecting:   b.fg(p.Warning).Bold(true),
		Disconnected: b.fg(p.Danger).Bold(true).Reverse(noColor),
		Demo:         ns().Background(p.Warning).Foreground(p.Surface).Bold(true).Reverse(noColor),
	}
	s.Dialog = DialogStyles{
		Frame:    ns().Border(lipgloss.RoundedBorder()).BorderForeground(p.Primary).Padding(0, 1),
		Title:    b.fg(p.Primary).Bold(true),
		Item:     b.fg(p.Text),
		Selected: selected,
		Hint:     b.fg(p.Muted),
		Input:    b.fg(p.Text),
	}
	keyStyle := b.fg(p.Primary).Bold(noColor)
	descStyle := b.fg(p.Muted)
	sepStyle := b.fg(p.Subtle)
	s.Help = help.Styles{
		Ellipsis: sepStyle, ShortKey: keyStyle, ShortDesc: descStyle, ShortSeparator: sepStyle,
		FullKey: keyStyle, FullDesc: descStyle, FullSeparator: sepStyle,
	}
	s.Diff = DiffStyles{
		Insert: b.fg(p.Success).Bold(true).Underline(noColor),
		Delete: b.fg(p.Danger).Strikethrough(true),
		Marker: b.fg(p.Muted),
	}
	return s
}

type builder struct {
	p       Palette
	noColor bool
}

func (b builder) fg(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
