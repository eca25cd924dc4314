package email

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText renders an HTML mail body as plain text for the transcript:
// blocks become lines, list items get a dash, links keep their address when
// it is not the link text, blockquotes become "> " lines (so StripReply can
// drop a quoted thread), <hr> a rule; scripts, styles and the head vanish.
// Whitespace collapses as a browser would, except in <pre>.
func HTMLToText(r io.Reader) (string, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return "", err
	}
	w := &textWriter{}
	w.walk(doc)
	lines := strings.Split(w.b.String(), "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0")
		if strings.TrimSpace(strings.TrimLeft(l, "> ")) == "" && !strings.HasPrefix(l, ">") {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")), nil
}

type textWriter struct {
	b      strings.Builder
	quote  int  // blockquote depth
	pre    int  // inside <pre>
	space  bool // a collapsed space is pending
	atLine bool // nothing written on the current line yet
}

func (w *textWriter) newline() {
	w.b.WriteByte('\n')
	w.atLine, w.space = true, false
}

// block ends the current line if anything is on it.
func (w *textWriter) block() {
	if !w.atLine && w.b.Len() > 0 {
		w.newline()
	}
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				w.newline()
			}
			w.word(part)
		}
		return
	}
	for i, f := range strings.Fields(s) {
		if i > 0 || (len(s) > 0 && isSpace(s[0])) {
			w.space = true
		}
		w.word(f)
	}
	if len(s) > 0 && isSpace(s[len(s)-1]) {
		w.space = true
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func (w *textWriter) word(s string) {
	if s == "" {
		return
	}
	if w.atLine || w.b.Len() == 0 {
		w.b.WriteString(strings.Repeat("> ", w.quote))
		w.atLine, w.space = false, false
	} else if w.space {
		w.b.WriteByte(' ')
	}
	w.space = false
	w.b.WriteString(s)
}

func (w *textWriter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript:
			return
		case atom.Br:
			w.newline()
			return
		case atom.Hr:
			w.block()
			w.word("________________________________")
			w.newline()
			return
		case atom.Img:
			if alt := attr(n, "alt"); strings.TrimSpace(alt) != "" {
				w.word("[" + strings.TrimSpace(alt) + "]")
			}
			return
		}
	}
	blockish := n.Type == html.ElementNode && isBlock(n.DataAtom)
	if blockish {
		w.block()
	}
	switch n.DataAtom {
	case atom.Blockquote:
		w.quote++
		defer func() { w.block(); w.quote-- }()
	case atom.Pre:
		w.pre++
		defer func() { w.pre-- }()
	case atom.Li:
		w.word("-")
		w.space = true
	case atom.Td, atom.Th:
		if n.PrevSibling != nil {
			w.space = true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if n.DataAtom == atom.A {
		href := attr(n, "href")
		if (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) && !strings.Contains(textOf(n), href) {
			w.space = true
			w.word("(" + href + ")")
		}
	}
	if blockish {
		w.block()
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Blockquote, atom.Pre,
		atom.Ul, atom.Ol, atom.Li, atom.Table, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Address, atom.Center, atom.Dl, atom.Dt, atom.Dd, atom.Form, atom.Fieldset, atom.Main, atom.Nav, atom.Body:
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}
