package tui

import (
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/i18n"
)

// A draft that cites nothing is said to once, in the most telling words —
// seen in the demo: "⚠ 未引用任何来源——发送前请核实" above "⚠ 注意: 知识库没有
// 相关文章：…" — and a closing or holding reply, which states no facts, is
// not warned about at all ("好的，收到，我这边马上跟进…" for "好的，那我再等两天。").
func TestDraftSaysOnceThatItCitesNothing(t *testing.T) {
	for _, lg := range []lang.Lang{lang.EN, lang.ZhCN} {
		cat := i18n.For(lg)
		for _, tc := range []struct {
			name     string
			kind     protocol.DraftKind
			warnings []string
			want     string // the one line about sources; "" for none
		}{
			{"no article", "", []string{protocol.WarnNoArticle + ": No article covers this."}, cat.DraftWarning(protocol.WarnNoArticle)},
			{"no citation", "", []string{protocol.WarnNoCitation + ": cites nothing"}, cat.DraftWarning(protocol.WarnNoCitation)},
			{"no warning given", "", nil, cat.DraftNoSources},
			{"closing", protocol.DraftClosing, nil, ""},
			{"holding", protocol.DraftHolding, nil, ""},
		} {
			h := newHarness(t, lg, 160, 48)
			h.m.queue.SelectID("c1")
			h.press("enter")
			d := protocol.Draft{ID: "d9", ConversationID: "c1", Text: "好的，收到，我这边马上跟进，有进展第一时间告诉您。", BasedOnSeq: 3,
				Provider: "offline", Model: "templates", PromptVersion: "v", Status: protocol.DraftOpen, Kind: tc.kind, Warnings: tc.warnings, CreatedAt: ms(0)}
			h.send(UpdatesMsg{Updates: []client.Update{event(50, protocol.EvDraft, &protocol.DraftEvent{Draft: d})}})
			scr := h.screen()
			if !strings.Contains(scr, "我这边马上跟进") {
				t.Fatalf("%s/%s: draft not shown:\n%s", lg, tc.name, scr)
			}
			n := 0
			for _, line := range strings.Split(scr, "\n") {
				for _, s := range []string{cat.DraftNoSources, cat.DraftWarning(protocol.WarnNoCitation), cat.DraftWarning(protocol.WarnNoArticle)} {
					if strings.Contains(line, firstWords(s)) {
						n++
						break
					}
				}
			}
			switch {
			case tc.want == "" && n != 0:
				t.Errorf("%s/%s: %d source warnings on a reply that needs no source:\n%s", lg, tc.name, n, scr)
			case tc.want != "" && (n != 1 || !strings.Contains(scr, firstWords(tc.want))):
				t.Errorf("%s/%s: %d source warnings, want just %q:\n%s", lg, tc.name, n, tc.want, scr)
			}
		}
	}
}

// firstWords is the start of a line as the pane shows it (long lines wrap).
func firstWords(s string) string {
	r := []rune(s)
	return string(r[:min(len(r), 12)])
}
