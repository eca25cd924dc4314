package topics

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"

	"github.com/agentdesk/agentdesk/protocol"
)

// One topic, one line: the keyword "refund" (or 退款) rising with the
// intent "refunds" is the same topic, and the board showed it twice
// (intent refunds 9, keyword refund 7). A keyword that is an intent's own
// name, one of the words it goes by (its KB entries' tags and aliases) or a
// stem of them is folded into the intent's line when that intent is listed.

// foldIntoIntents drops the keywords of ts that name an intent listed in
// ts; names gives each intent the words it goes by besides its own name.
func foldIntoIntents(ts []protocol.Topic, names map[string][]string) []protocol.Topic {
	var latin, han []string
	for _, t := range ts {
		if t.Kind != protocol.TopicIntent {
			continue
		}
		for _, w := range append([]string{t.Name, strings.NewReplacer("_", " ", "-", " ").Replace(t.Name)}, names[t.Name]...) {
			w = strings.ToLower(strings.TrimSpace(w))
			switch {
			case utf8.RuneCountInString(w) < 2:
			case isHanWord(w):
				han = append(han, w)
			default:
				latin = append(latin, stemWord(w))
			}
		}
	}
	if len(latin) == 0 && len(han) == 0 {
		return ts
	}
	out := ts[:0]
	for _, t := range ts {
		if t.Kind == protocol.TopicKeyword && namesIntent(t.Name, latin, han) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// namesIntent: the keyword is one of the words (latin: stems; han: as
// written) or, for Chinese, a phrase holding one or a piece of one ("申请退款"
// and 退款, 到账 and 到账时间).
func namesIntent(kw string, latin, han []string) bool {
	if isHanWord(kw) {
		for _, h := range han {
			if strings.Contains(kw, h) || strings.Contains(h, kw) {
				return true
			}
		}
		return false
	}
	s := stemWord(kw)
	for _, l := range latin {
		if l == s {
			return true
		}
	}
	return false
}

// stemWord stems each word of w: "refunds" and "refund" are one.
func stemWord(w string) string {
	f := strings.Fields(w)
	for i, x := range f {
		f[i] = english.Stem(x, false)
	}
	return strings.Join(f, " ")
}

func isHanWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.Is(unicode.Han, r)
}
