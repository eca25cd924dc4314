package protocol

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// eventPrefix is how every event frame the server encodes begins: Frame's
// fields are marshalled in declaration order (type, seq, kind, at, data).
var eventPrefix = []byte(`{"type":"event","seq":`)

// PeekEvent reads the seq and kind of an event frame without decoding its
// data. It is for readers that see many frames and need only their position
// (load generators, benchmarks, relays). Frames laid out as the server
// encodes them are read with a byte scan that does not validate the rest of
// the frame (it trusts the server's encoder); any other layout falls back to
// a full decode. ok is false for frames that are not events.
func PeekEvent(b []byte) (seq int64, kind string, ok bool) {
	if rest, found := bytes.CutPrefix(b, eventPrefix); found {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i > 0 && i <= 19 && (rest[0] != '0' || i == 1) {
			if n, err := strconv.ParseInt(string(rest[:i]), 10, 64); err == nil {
				if k, found := bytes.CutPrefix(rest[i:], []byte(`,"kind":"`)); found {
					if j := bytes.IndexByte(k, '"'); j > 0 && bytes.IndexByte(k[:j], '\\') < 0 {
						return n, string(k[:j]), true
					}
				}
			}
		}
	}
	var f struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
		Kind string `json:"kind"`
	}
	if json.Unmarshal(b, &f) != nil || f.Type != TypeEvent {
		return 0, "", false
	}
	return f.Seq, f.Kind, true
}
