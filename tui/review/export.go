package review

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/dataset"
	"github.com/agentdesk/agentdesk/protocol"
)

// export writes both datasets for the current filter under ExportDir.
func (m *Model) export() tea.Cmd {
	if m.o.ExportDir == "" {
		m.say(m.cat.Failed(m.cat.ActExport, "no export folder"), true)
		return nil
	}
	m.busy = m.cat.Exporting
	dir, filter, now := m.o.ExportDir, m.filter, m.o.Now()
	page := func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error) {
		var ack protocol.ExportAck
		err := m.call(protocol.ReqExport, req, &ack)
		return ack, err
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(m.o.Context, 10*time.Minute)
		defer cancel()
		out := exportMsg{dir: dir}
		for _, f := range []string{protocol.FormatSFT, protocol.FormatDPO} {
			res, err := dataset.Write(ctx, dir, f, filter, "desk", now, page)
			if err != nil {
				out.err = err
				return out
			}
			if f == protocol.FormatSFT {
				out.sft = res.Manifest.Records
			} else {
				out.dpo = res.Manifest.Records
			}
		}
		return out
	}
}

// filterKeys are the keys a filter expression understands.
var filterKeys = map[string]func(f *protocol.ReviewFilter, vals []string) error{
	"action": func(f *protocol.ReviewFilter, v []string) error { f.Actions = append(f.Actions, v...); return nil },
	"reason": func(f *protocol.ReviewFilter, v []string) error { f.Reasons = append(f.Reasons, v...); return nil },
	"intent": func(f *protocol.ReviewFilter, v []string) error { f.Intents = append(f.Intents, v...); return nil },
	"lang":   func(f *protocol.ReviewFilter, v []string) error { f.Languages = append(f.Languages, v...); return nil },
	"model":  func(f *protocol.ReviewFilter, v []string) error { f.Models = append(f.Models, v...); return nil },
	"prompt": func(f *protocol.ReviewFilter, v []string) error {
		f.PromptVersions = append(f.PromptVersions, v...)
		return nil
	},
	"agent": func(f *protocol.ReviewFilter, v []string) error { f.Agents = append(f.Agents, v...); return nil },
	"since": func(f *protocol.ReviewFilter, v []string) error { return parseDay(v, &f.Since) },
	"until": func(f *protocol.ReviewFilter, v []string) error { return parseDay(v, &f.Until) },
	"labelled": func(f *protocol.ReviewFilter, v []string) error {
		f.Labelled = v[0]
		return nil
	},
}

func parseDay(v []string, dst *int64) error {
	t, err := time.ParseInLocation(time.DateOnly, v[0], time.Local)
	if err != nil {
		return fmt.Errorf("%q is not a date (YYYY-MM-DD)", v[0])
	}
	*dst = t.UnixMilli()
	return nil
}

// ParseFilter reads a filter expression: space-separated key:value[,value]
// terms (action, reason, intent, lang, model, prompt, agent, since, until,
// labelled), the bare words golden, labelled and unlabelled, and bare
// actions (reject, edit, accept) or reject reasons.
func ParseFilter(s string) (protocol.ReviewFilter, error) {
	var f protocol.ReviewFilter
	for _, term := range strings.Fields(s) {
		k, v, ok := strings.Cut(term, ":")
		if !ok {
			switch {
			case term == "golden":
				f.Golden = true
			case term == "labelled" || term == "labeled":
				f.Labelled = "yes"
			case term == "unlabelled" || term == "unlabeled":
				f.Labelled = "no"
			case protocol.Action(term).Valid():
				f.Actions = append(f.Actions, term)
			case protocol.ValidRejectReason(term):
				f.Reasons = append(f.Reasons, term)
			default:
				return f, fmt.Errorf("unknown term %q", term)
			}
			continue
		}
		set, known := filterKeys[k]
		if !known {
			return f, fmt.Errorf("unknown key %q", k)
		}
		var vals []string
		for _, x := range strings.Split(v, ",") {
			if x != "" {
				vals = append(vals, x)
			}
		}
		if len(vals) == 0 {
			return f, fmt.Errorf("%s: no value", k)
		}
		if err := set(&f, vals); err != nil {
			return f, err
		}
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

// FormatFilter writes a filter back as an expression ParseFilter reads.
func FormatFilter(f protocol.ReviewFilter) string {
	var parts []string
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+":"+strings.Join(v, ","))
		}
	}
	add("action", f.Actions)
	add("reason", f.Reasons)
	add("intent", f.Intents)
	add("lang", f.Languages)
	add("model", f.Models)
	add("prompt", f.PromptVersions)
	add("agent", f.Agents)
	if f.Since > 0 {
		parts = append(parts, "since:"+time.UnixMilli(f.Since).Format(time.DateOnly))
	}
	if f.Until > 0 {
		parts = append(parts, "until:"+time.UnixMilli(f.Until).Format(time.DateOnly))
	}
	if f.Labelled != "" {
		parts = append(parts, "labelled:"+f.Labelled)
	}
	if f.Golden {
		parts = append(parts, "golden")
	}
	return strings.Join(parts, " ")
}
