package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/internal/textdiff"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

const goldenSynopsis = `eval golden [--db FILE | --file GOLDEN.jsonl] [--copilot offline|openai --model M --base-url U]
                   [--kb DIR] [--kb-overlay DIR] [--with-memory] [--min SIMILARITY] [--json]

Replays the golden-set cases (outcomes a trainer marked golden, with a gold
reply) through the copilot configured by the flags and reports how similar
each new draft is to the gold reply. --file reads an sft export of the
golden set (agentdesk export --format sft --golden): each line's last
assistant message is the gold reply. --with-memory (with --db) first feeds
the copilot every other stored outcome and promoted reply, as the server
does; the golden cases' own are left out. --min fails (exit 1) when the mean
similarity is below it: a gate before rolling out a prompt or model change.`

// goldenCase is one golden-set case.
type goldenCase struct {
	ID       string
	Language string
	Messages []copilot.Message
	Gold     string
}

// GoldenResult is one replayed case.
type GoldenResult struct {
	ID           string  `json:"id"`
	Language     string  `json:"language,omitempty"`
	Similarity   float64 `json:"similarity"`    // token F1 of draft and gold, 0..1
	EditDistance float64 `json:"edit_distance"` // normalised word-level, 0..1
	Draft        string  `json:"draft"`
	Gold         string  `json:"gold"`
	Provider     string  `json:"provider"`
	Model        string  `json:"model"`
	Prompt       string  `json:"prompt_version"`
}

// GoldenReport is the whole run.
type GoldenReport struct {
	Source         string             `json:"source"`
	Cases          int                `json:"cases"`
	MeanSimilarity float64            `json:"mean_similarity"`
	MeanDistance   float64            `json:"mean_edit_distance"`
	PerLanguage    map[string]float64 `json:"per_language_similarity"`
	Results        []GoldenResult     `json:"results"`
	Passed         *bool              `json:"passed,omitempty"` // with --min
}

func runEvalGolden(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval golden", goldenSynopsis, stderr)
	db := fs.String("db", "", "database with the golden set: SQLite file or postgres:// URL (default: $AGENTDESK_DB, else "+defaultDBPath()+", unless --file)")
	file := fs.String("file", "", "sft export of the golden set instead of a database")
	provider := fs.String("copilot", envOr("AGENTDESK_COPILOT", "offline"), "copilot provider: offline or openai")
	model := fs.String("model", envOr("AGENTDESK_MODEL", ""), "model for --copilot openai")
	baseURL := fs.String("base-url", "", "OpenAI-compatible endpoint (default $OPENAI_BASE_URL)")
	kbDir := fs.String("kb", envOr("AGENTDESK_KB", ""), "knowledge-base folder (default: the demo KB)")
	kbOverlay := fs.String("kb-overlay", "", "KB overlay folder, as serve -kb-overlay")
	withMemory := fs.Bool("with-memory", false, "feed the copilot the database's other outcomes and promoted replies first")
	minSim := fs.Float64("min", 0, "fail when the mean similarity is below this (0..1)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *file != "" && (*db != "" || *withMemory) {
		return fmt.Errorf("%w: --file excludes --db and --with-memory", errUsage)
	}
	mem := copilot.NewExemplarMemory()
	eng, err := copilot.New(copilot.Config{Provider: *provider, Model: *model, BaseURL: *baseURL, KBDir: *kbDir,
		KBOverlay: *kbOverlay, Exemplars: mem, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return fmt.Errorf("copilot: %w", err)
	}
	var cases []goldenCase
	source := *file
	if *file != "" {
		if cases, err = goldenFromFile(*file); err != nil {
			return err
		}
	} else {
		st, name, err := openExisting(ctx, *db)
		if err != nil {
			return err
		}
		source = name
		defer st.Close()
		skip := map[string]bool{}
		if cases, err = goldenFromDB(ctx, st, skip); err != nil {
			return err
		}
		if *withMemory {
			if err := loadMemory(ctx, st, mem, skip); err != nil {
				return err
			}
		}
	}
	if len(cases) == 0 {
		return fmt.Errorf("no golden-set cases in %s: mark reviewed outcomes golden (with a gold reply) first", source)
	}
	rep := GoldenReport{Source: source, PerLanguage: map[string]float64{}}
	perN := map[string]int{}
	for _, c := range cases {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		d, err := eng.Draft(cctx, copilot.Conversation{Messages: c.Messages}, "", nil)
		cancel()
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		r := GoldenResult{ID: c.ID, Language: c.Language, Similarity: round3(copilot.Similarity(d.Text, c.Gold)),
			EditDistance: round3(textdiff.Distance(d.Text, c.Gold)), Draft: d.Text, Gold: c.Gold,
			Provider: d.Provenance.Provider, Model: d.Provenance.Model, Prompt: d.Provenance.PromptVersion}
		if r.Language == "" {
			r.Language = d.Language
		}
		rep.Results = append(rep.Results, r)
		rep.MeanSimilarity += r.Similarity
		rep.MeanDistance += r.EditDistance
		rep.PerLanguage[r.Language] += r.Similarity
		perN[r.Language]++
	}
	rep.Cases = len(rep.Results)
	rep.MeanSimilarity = round3(rep.MeanSimilarity / float64(rep.Cases))
	rep.MeanDistance = round3(rep.MeanDistance / float64(rep.Cases))
	for l, n := range perN {
		rep.PerLanguage[l] = round3(rep.PerLanguage[l] / float64(n))
	}
	if *minSim > 0 {
		ok := rep.MeanSimilarity >= *minSim
		rep.Passed = &ok
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		printGolden(stdout, rep, *minSim)
	}
	if rep.Passed != nil && !*rep.Passed {
		return fmt.Errorf("mean similarity %.3f is below --min %.3f", rep.MeanSimilarity, *minSim)
	}
	return nil
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// goldenFromDB reads the golden set; skip collects the outcome ids.
func goldenFromDB(ctx context.Context, st *store.Store, skip map[string]bool) ([]goldenCase, error) {
	var out []goldenCase
	cursor := ""
	for {
		page, next, err := st.ExportCases(ctx, protocol.ReviewFilter{Golden: true}, cursor, protocol.MaxReviewPage)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.Item.Label == nil || c.Item.Label.GoldReply == "" {
				continue
			}
			gc := goldenCase{ID: c.Item.Outcome.ID, Language: c.Item.Language, Gold: c.Item.Label.GoldReply}
			for _, m := range c.Context {
				gc.Messages = append(gc.Messages, copilot.Message{Seq: int64(m.Seq), Role: copilot.Role(m.Author), Text: m.Text,
					At: time.UnixMilli(m.CreatedAt)})
			}
			skip[gc.ID] = true
			out = append(out, gc)
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// loadMemory feeds the exemplar memory as the server does at start
// (server.LoadExemplars), leaving out the golden cases' own outcomes and
// promotions.
func loadMemory(ctx context.Context, st *store.Store, mem *copilot.ExemplarMemory, skip map[string]bool) error {
	_, _, err := server.LoadExemplars(ctx, st, mem.Add, func(id string) bool { return skip[id] })
	return err
}

// goldenFromFile reads an sft export: every line's last message is the gold
// reply, the ones before it the conversation.
func goldenFromFile(path string) ([]goldenCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r protocol.SFTRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if len(r.Messages) < 2 || r.Messages[len(r.Messages)-1].Role != "assistant" {
			return nil, fmt.Errorf("%s:%d: want messages ending with the assistant's gold reply", path, n)
		}
		gc := goldenCase{ID: fmt.Sprintf("%s:%d", path, n), Gold: r.Messages[len(r.Messages)-1].Content}
		for i, m := range r.Messages[:len(r.Messages)-1] {
			role := copilot.Role(protocol.AuthorCustomer)
			switch m.Role {
			case "assistant":
				role = copilot.Role(protocol.AuthorAgent)
			case "system":
				continue
			}
			gc.Messages = append(gc.Messages, copilot.Message{Seq: int64(i + 1), Role: role, Text: m.Content})
		}
		out = append(out, gc)
	}
	return out, sc.Err()
}

func printGolden(w io.Writer, r GoldenReport, minSim float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "golden set\t%s\t(%d cases)\n\n", r.Source, r.Cases)
	fmt.Fprintln(tw, "case\tlang\tsimilarity\tedit distance\tdraft")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%s\n", x.ID, x.Language, x.Similarity, x.EditDistance, preview(x.Draft, 60))
	}
	fmt.Fprintln(tw)
	langs := make([]string, 0, len(r.PerLanguage))
	for l := range r.PerLanguage {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		fmt.Fprintf(tw, "lang %s\t\t%.3f\n", l, r.PerLanguage[l])
	}
	fmt.Fprintf(tw, "mean\t\t%.3f\t%.3f\n", r.MeanSimilarity, r.MeanDistance)
	if r.Passed != nil {
		verdict := "PASS"
		if !*r.Passed {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "gate\t\t%s (min %.3f)\n", verdict, minSim)
	}
	tw.Flush()
}

// preview is the first n runes of s on one line.
func preview(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
