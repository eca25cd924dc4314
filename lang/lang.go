// Package lang names the languages agentdesk speaks to its users (English
// and Simplified Chinese): the tag written in config files, parsing it, and
// picking one from the POSIX locale. It sits at the bottom of the import
// graph so that config, keymap and the desk's catalog (tui/i18n) can all
// name a language without importing each other.
package lang

import (
	"fmt"
	"strings"
)

// Lang is a UI language.
type Lang int

// Supported languages. English is the zero value so an unset Lang is usable.
const (
	EN Lang = iota
	ZhCN
)

// All lists every supported language, in the order a chooser shows them.
var All = []Lang{EN, ZhCN}

// String returns the BCP 47 tag used in config files.
func (l Lang) String() string {
	if l == ZhCN {
		return "zh-CN"
	}
	return "en"
}

// Parse reads a language tag as written in config ("zh-CN", "zh_CN",
// "zh", "en", "en-US", case-insensitive).
func Parse(tag string) (Lang, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch {
	case t == "zh" || t == "zh-cn" || t == "zh-hans" || strings.HasPrefix(t, "zh-hans-") || t == "zh-sg":
		return ZhCN, nil
	case t == "en" || strings.HasPrefix(t, "en-"):
		return EN, nil
	}
	return EN, fmt.Errorf("unknown language %q (want %q or %q)", tag, "en", "zh-CN")
}

// FromLocale picks a language from POSIX locale variables, read through
// getenv so tests need not touch the process environment. LC_ALL wins over
// LC_MESSAGES over LANG, as in setlocale(3); any Chinese locale selects
// Simplified Chinese, anything else English.
func FromLocale(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "zh") {
			return ZhCN
		}
		return EN
	}
	return EN
}
