package copilot

import (
	"strconv"
	"strings"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Passage is one retrievable piece of a KB article: a bullet, a numbered
// step or a paragraph, with the section heading it sits under. Drafts quote
// passages, not whole articles, and citations name them.
type Passage struct {
	// Heading is the nearest heading above the passage ("" at the top).
	Heading string `json:"heading,omitempty"`
	// Intro is the line that introduces the list the passage is an item
	// of ("Once a refund is approved it goes back to …:"): an item means
	// little without it.
	Intro string `json:"intro,omitempty"`
	Text  string `json:"text"`
	// Item: the passage is a list item (else a paragraph).
	Item bool `json:"item,omitempty"`
}

// splitPassages cuts a Markdown body into passages: each list item (with
// its continuation lines) and each paragraph is one; headings are not
// passages but name the ones below them.
func splitPassages(body string) []Passage {
	var out []Passage
	var heading, intro string
	var cur []string
	inItem := false
	flush := func() {
		if len(cur) == 0 {
			return
		}
		text := strings.Join(cur, " ")
		p := Passage{Heading: heading, Text: text, Item: inItem}
		if inItem {
			p.Intro = intro
		}
		out = append(out, p)
		cur = cur[:0]
	}
	for _, raw := range strings.Split(body, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			flush()
			if !inItem {
				intro = ""
			}
		case strings.HasPrefix(line, "#"):
			flush()
			heading = strings.TrimSpace(strings.TrimLeft(line, "#"))
			intro, inItem = "", false
		case isListItem(line):
			flush()
			if !inItem && len(out) > 0 {
				// The paragraph just before a list introduces it when it
				// ends in a colon.
				if last := out[len(out)-1]; last.Heading == heading && (strings.HasSuffix(last.Text, ":") || strings.HasSuffix(last.Text, "：")) {
					intro = last.Text
				}
			}
			inItem = true
			cur = append(cur, listItemText(line))
		default:
			if inItem && len(cur) == 0 {
				inItem, intro = false, ""
			}
			if inItem && raw != line && len(cur) > 0 {
				cur = append(cur, line) // an indented continuation of the item
				continue
			}
			if inItem {
				flush()
				inItem, intro = false, ""
			}
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

func isListItem(line string) bool {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ ") {
		return true
	}
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 0 && i < 4 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' '
}

func listItemText(line string) string {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ ") {
		return strings.TrimSpace(line[2:])
	}
	i := strings.IndexAny(line, ".)")
	return strings.TrimSpace(line[i+1:])
}

// passageLabel names a passage in a citation: the article title, then the
// passage's opening words. "Refund timelines › Debit card: 3–7 business days…"
func passageLabel(title string, p Passage) string {
	return title + " › " + textcut.Runes(strings.TrimSpace(p.Text), 28)
}

// PassageRef is the citation id of an entry's n-th passage (0-based):
// "refunds-en#3".
func PassageRef(entryID string, n int) string { return entryID + "#" + strconv.Itoa(n+1) }

// passageText is a passage with its list's intro, as a draft quotes it.
func passageText(p Passage) string {
	if p.Intro != "" {
		if strings.HasSuffix(p.Intro, "：") {
			return p.Intro + p.Text
		}
		return p.Intro + " " + p.Text
	}
	return p.Text
}

// addsCoverage: passage b of an article answers a part of the question
// that passage a does not — it names one of the query's words (or a
// thesaurus neighbour of it, or an answer-type cue such as 工作日 for 多久)
// that a lacks. Both share the article's heading, which does not count.
// The runner-up for "订单的地址写错了，能改吗", about merging orders to one
// address, only repeats 订单 and 地址: it stays out.
func addsCoverage(q []string, ps []Passage, a, b int) bool {
	if a >= len(ps) || b >= len(ps) {
		return true
	}
	covers := func(n int) map[string]bool {
		have := map[string]bool{}
		for _, t := range Tokens(ps[n].Intro + "\n" + ps[n].Text) {
			have[t] = true
		}
		out := map[string]bool{}
		for _, t := range q {
			if have[t] {
				out[t] = true
				continue
			}
			for _, o := range thesaurus[t] {
				if have[o] {
					out[t] = true
				}
			}
		}
		return out
	}
	ca := covers(a)
	for t := range covers(b) {
		if !ca[t] {
			return true
		}
	}
	return false
}
