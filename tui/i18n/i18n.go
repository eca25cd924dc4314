// Package i18n holds the desk's UI strings in English and Simplified
// Chinese as a typed catalog: one Catalog struct whose fields are the
// strings (and small functions for strings with values in them), one value
// per language. A missing translation is a test failure, not a blank label
// found by a user, and call sites read c.QueueEmpty rather than a magic key.
//
// Only the desk's own words live here. Untrusted text (customer messages,
// names) is never a catalog entry and still goes through tui/sanitize.
package i18n

import "github.com/agentdesk/agentdesk/lang"

// For returns the catalog of l.
func For(l lang.Lang) *Catalog {
	if l == lang.ZhCN {
		return &zhCN
	}
	return &en
}
