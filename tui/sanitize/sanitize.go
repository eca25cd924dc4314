// Package sanitize makes untrusted text (customer messages and names, KB
// articles, model output) safe to put on a terminal.
//
// A terminal obeys escape sequences embedded in whatever it prints: OSC 52
// writes the agent's clipboard, OSC 8 hides a link target, OSC 0/2 retitles
// the window, CSI 2J wipes the screen, a bare CR or BS overwrites what was
// printed before. Bidi overrides reorder text so the agent reads something
// other than what was sent ("Trojan Source"), and invisible characters
// (zero-width spaces, Unicode tag characters) hide content or break
// alignment. Every string from outside the process goes through [Line] or
// [Text] before it is rendered.
//
// Both functions return their input unchanged, without allocating, when it is
// already clean — the common case — so they can run on every render.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

// TabWidth is how many spaces a tab becomes in multi-line text. Real tab
// stops depend on the column the text starts at, which the sanitizer cannot
// know; a fixed width keeps the output stable and measurable.
const TabWidth = 4

// Line returns s made safe for a single line: escape sequences and control
// characters removed, line breaks and tabs turned into single spaces, bidi
// controls and invisible characters removed, invalid UTF-8 replaced by U+FFFD.
func Line(s string) string { return clean(s, false) }

// Text is like [Line] but keeps line breaks as "\n" (CRLF, lone CR, U+2028
// and U+2029 all become "\n") and expands tabs to [TabWidth] spaces.
func Text(s string) string { return clean(s, true) }

const (
	esc = 0x1b
	bel = 0x07
	can = 0x18 // CAN and SUB abort a sequence in progress on real terminals
	sub = 0x1a
)

// clean scans for the first byte that needs work and only then starts
// building output, so clean input costs one pass and no allocation.
func clean(s string, multiline bool) string {
	i := firstDirty(s, multiline)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		if c < 0x80 {
			i = controlByte(&b, s, i, multiline)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		switch {
		case r >= 0x80 && r <= 0x9f:
			// C1 controls: 8-bit CSI/OSC/DCS/… are honoured by some terminals,
			// so they introduce a sequence exactly like their 7-bit forms.
			i = skipSequence(s, i+size, c1Kind(r))
		case r == 0x2028 || r == 0x2029:
			lineBreak(&b, multiline)
			i += size
		case invisible(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// firstDirty returns the index of the first byte that clean must change, or
// len(s) when s is clean.
func firstDirty(s string, multiline bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if (c < 0x20 && !(multiline && c == '\n')) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0x80 && r <= 0x9f) ||
			r == 0x2028 || r == 0x2029 || invisible(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// controlByte handles the ASCII control byte at s[i] and returns the index
// after whatever it consumed.
func controlByte(b *strings.Builder, s string, i int, multiline bool) int {
	switch c := s[i]; c {
	case esc:
		if i+1 >= len(s) {
			return i + 1 // lone ESC at the end
		}
		return skipEscape(s, i+1)
	case '\n':
		lineBreak(b, multiline)
		return i + 1
	case '\r':
		lineBreak(b, multiline)
		if i+1 < len(s) && s[i+1] == '\n' {
			return i + 2
		}
		return i + 1
	case '\t':
		if multiline {
			b.WriteString("    "[:TabWidth])
		} else {
			b.WriteByte(' ')
		}
		return i + 1
	default:
		// BEL, BS, NUL, SO/SI, DEL, …: nothing visible to keep.
		return i + 1
	}
}

func lineBreak(b *strings.Builder, multiline bool) {
	if multiline {
		b.WriteByte('\n')
	} else {
		b.WriteByte(' ')
	}
}

type seqKind int

const (
	seqNone   seqKind = iota // a single control, nothing follows
	seqCSI                   // parameters, intermediates, one final byte
	seqString                // runs to ST (or BEL): OSC, DCS, SOS, PM, APC
)

func c1Kind(r rune) seqKind {
	switch r {
	case 0x9b:
		return seqCSI
	case 0x9d, 0x90, 0x98, 0x9e, 0x9f:
		return seqString
	}
	return seqNone
}

// skipEscape skips the sequence whose ESC was just before s[i].
func skipEscape(s string, i int) int {
	switch c := s[i]; {
	case c == '[':
		return skipSequence(s, i+1, seqCSI)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipSequence(s, i+1, seqString)
	case c >= 0x20 && c <= 0x2f:
		// nF sequences such as ESC ( B: intermediates, then one final byte.
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // two-byte sequences: ESC 7, ESC c (full reset), ESC M, …
	default:
		// ESC followed by a control or non-ASCII byte: drop the ESC only and
		// let the next byte be judged on its own.
		return i
	}
}

// skipSequence skips the body of a sequence starting at s[i].
func skipSequence(s string, i int, kind seqKind) int {
	switch kind {
	case seqCSI:
		for i < len(s) {
			c := s[i]
			switch {
			case c >= 0x20 && c <= 0x3f: // parameters and intermediates
				i++
			case c >= 0x40 && c <= 0x7e: // final byte ends it
				return i + 1
			default:
				// Anything else aborts the sequence; that byte is text (or
				// another control) and is judged on its own.
				return i
			}
		}
		return i
	case seqString:
		for j := i; j < len(s); j++ {
			switch s[j] {
			case bel, can, sub:
				return j + 1
			case esc:
				if j+1 < len(s) && s[j+1] == '\\' {
					return j + 2
				}
				// A new ESC aborts the string on real terminals and starts
				// another sequence, which the caller then skips too.
				return j
			case 0xc2:
				if j+1 < len(s) && s[j+1] == 0x9c { // ST as a UTF-8 C1
					return j + 2
				}
			}
		}
		// Unterminated: no terminal acts on it once the introducer is gone,
		// and swallowing the rest would let one stray byte hide a whole
		// message from the agent, so the remainder stays visible as text.
		return i
	}
	return i
}

// invisible reports whether r is a bidi control or an invisible character
// that is removed. ZWJ and ZWNJ stay: emoji sequences and Persian/Indic
// scripts need them. Variation selectors stay: emoji presentation and CJK
// ideographic variants need them.
func invisible(r rune) bool {
	switch {
	case r < 0xad:
		return false
	case r == 0xad: // soft hyphen: width disagrees between terminals
		return true
	case r == 0x061c: // Arabic letter mark
		return true
	case r == 0x180e: // Mongolian vowel separator
		return true
	case r == 0x200b: // zero-width space
		return true
	case r == 0x200e || r == 0x200f: // LRM, RLM
		// Terminals do not run the bidi algorithm, so the marks only
		// make strings that look equal compare unequal.
		return true
	case r >= 0x202a && r <= 0x202e: // LRE RLE PDF LRO RLO
		return true
	case r >= 0x2060 && r <= 0x2064: // word joiner, invisible operators
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI RLI FSI PDI
		return true
	case r >= 0x206a && r <= 0x206f: // deprecated format characters
		return true
	case r == 0xfeff: // BOM / zero-width no-break space
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation
		return true
	case r >= 0xe0000 && r <= 0xe007f:
		// Tag characters render as nothing yet are read by language
		// models: text hidden in them ("ASCII smuggling") could steer the
		// copilot without the agent seeing it.
		return true
	}
	return false
}
