package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTeamBytes bounds a team name. Team names travel in every
// conversation of every snapshot and event, and label metrics, so they are
// short identifiers, never free text.
const MaxTeamBytes = 40

// A conversation holds at most MaxConversationMessages messages and
// MaxConversationBytes of text; past either, writes to it are refused with
// conflict (a customer who keeps writing opens a new conversation once it
// is resolved). They bound what any one chat can cost a reader.
const (
	MaxConversationMessages = 10_000
	MaxConversationBytes    = 8 << 20
)

// MaxTrajectory bounds Conversation.Trajectory: the newest turns' scores.
const MaxTrajectory = 50

// ValidTeam checks a team name given in field: 1–40 bytes of letters (any
// script), digits, '_', '-' and '.'. Empty is allowed where the field is
// optional; callers check presence.
func ValidTeam(field, team string) error {
	if team == "" {
		return nil
	}
	if len(team) > MaxTeamBytes {
		return Errorf(CodeInvalid, "field %q is %d bytes; a team name is at most %d", field, len(team), MaxTeamBytes)
	}
	if !utf8.ValidString(team) {
		return Errorf(CodeInvalid, "field %q is not valid UTF-8", field)
	}
	for _, c := range team {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' && c != '-' && c != '.' {
			return Errorf(CodeInvalid, "field %q: a team name is letters, digits, '_', '-' or '.' (got %q)", field, c)
		}
	}
	return nil
}

// CheckNoNUL refuses a JSON document with a U+0000 in any string, naming
// the field: PostgreSQL cannot store it in text, and no person types it.
// data is raw JSON as received; the check is a byte scan, and only a hit
// decodes to find the field's name.
func CheckNoNUL(data []byte) error {
	if field, ok := FindNUL(data); ok {
		return Errorf(CodeInvalid, "field %q contains a NUL character (U+0000)", field)
	}
	return nil
}

// FindNUL reports the first field of a JSON document whose string (or
// key) holds a U+0000, as a dotted path ("identities[0].external_id").
func FindNUL(data []byte) (string, bool) {
	if !bytes.Contains(data, []byte(`\u0000`)) && !bytes.ContainsRune(data, 0) {
		return "", false
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "", false // the decoder reports malformed JSON itself
	}
	path, ok := findNUL(v, "")
	if ok && path == "" {
		path = "(top level)"
	}
	return path, ok
}

func findNUL(v any, path string) (string, bool) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return join(k), true
			}
			if p, ok := findNUL(e, join(k)); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := findNUL(e, path+"["+itoa(i)+"]"); ok {
				return p, true
			}
		}
	}
	return "", false
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}
