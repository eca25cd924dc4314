package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/agentdesk/agentdesk/copilot"
)

// eval replays labelled JSON Lines through the offline copilot and prints
// the figures docs/copilot.md reports.
func init() {
	register(command{
		name:    "eval",
		summary: "measure the copilot on labelled data (sentiment, faq, dialogues) or the golden set (golden)",
		run:     runEval,
	})
}

const evalSynopsis = `eval sentiment|faq|dialogues|drafts --data FILE [--json] [--kb DIR] [--max-per-dialogue N] [--model FILE]
       agentdesk eval golden [--db FILE | --file FILE] ... (agentdesk eval golden -h)

  sentiment   rows {"text","label",["lang","emotion","emotions"]}: accuracy and macro-F1
              per language; angry-flag precision/recall where rows carry emotions
  faq         rows {"question","answer"}: hit@1 / hit@3 of each question against all answers
  drafts      rows {"question","answer"}: the answers become a KB; a draft for every question,
              token-F1 to its answer (draft_f1) and how often it cites its own entry (cite_at_1)
  dialogues   rows {"turns":[{"role","text"}]}: draft similarity to the agent's real reply,
              cold and with earlier dialogues fed as exemplars`

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", evalSynopsis, stderr)
	data := fs.String("data", "", "JSON Lines file to evaluate (required)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	kbDir := fs.String("kb", "", "knowledge-base folder for dialogues (default: the embedded demo KB)")
	maxPer := fs.Int("max-per-dialogue", 3, "agent replies scored per dialogue")
	modelFile := fs.String("model", "", "sentiment: score with this trained model (agentdesk train sentiment) instead of the lexicon")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) == 0 {
			fs.Usage()
			return fmt.Errorf("%w: which evaluation? sentiment, faq, dialogues or golden", errUsage)
		}
		return parseFlags(fs, args) // prints the usage once and reports flag.ErrHelp
	}
	kind, rest := args[0], args[1:]
	if kind == "golden" {
		return runEvalGolden(ctx, rest, stdout, stderr)
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *data == "" {
		return fmt.Errorf("%w: --data FILE is required", errUsage)
	}
	switch kind {
	case "sentiment", "faq", "dialogues", "drafts":
	default:
		return fmt.Errorf("%w: unknown evaluation %q (want sentiment, faq, dialogues, drafts or golden)", errUsage, kind)
	}
	f, err := os.Open(*data)
	if err != nil {
		return fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	switch kind {
	case "sentiment":
		rows, err := copilot.ReadJSONL[copilot.SentimentRow](f)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		var model *copilot.SentimentModel
		if *modelFile != "" {
			if model, err = copilot.LoadSentimentModelFile(*modelFile); err != nil {
				return err
			}
		}
		rep, err := copilot.EvalSentimentModel(ctx, rows, model)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		printSentiment(stdout, *data, rep)
	case "faq":
		rows, err := copilot.ReadJSONL[copilot.FAQRow](f)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		rep, err := copilot.EvalFAQ(ctx, rows)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		printFAQ(stdout, *data, rep)
	case "drafts":
		rows, err := copilot.ReadJSONL[copilot.FAQRow](f)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		rep, err := copilot.EvalDrafts(ctx, rows)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		printDrafts(stdout, *data, rep)
	case "dialogues":
		rows, err := copilot.ReadJSONL[copilot.DialogueRow](f)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		var kb *copilot.KB
		if *kbDir != "" {
			if kb, err = copilot.LoadKB(*kbDir); err != nil {
				return err
			}
		}
		rep, err := copilot.EvalDialogues(ctx, rows, kb, *maxPer)
		if err != nil {
			return fmt.Errorf("%s: %w", *data, err)
		}
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		printDialogues(stdout, *data, rep)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func printSentiment(w io.Writer, name string, r copilot.SentimentReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "sentiment\t%s\n\n", name)
	fmt.Fprintln(tw, "group\trows\taccuracy\tmacro-F1\tclasses")
	row := func(g string, s copilot.SentimentScores) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t", g, s.N, s.Accuracy, s.MacroF1)
		for _, l := range s.Labels {
			c := s.Classes[l]
			fmt.Fprintf(tw, "%s F1 %.2f (P %.2f R %.2f)  ", l, c.F1, c.Precision, c.Recall)
		}
		fmt.Fprintln(tw)
	}
	row("all", r.SentimentScores)
	for _, l := range sortedKeys(r.PerLanguage) {
		row("lang "+l, r.PerLanguage[l])
	}
	if a := r.Angry; a != nil {
		fmt.Fprintf(tw, "\nangry flag\t%d rows\tgold %d\tpredicted %d\tP %.3f  R %.3f  F1 %.3f\n", a.N, a.Gold, a.Predicted, a.Precision, a.Recall, a.F1)
	}
	tw.Flush()
}

func printFAQ(w io.Writer, name string, r copilot.FAQReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "faq retrieval\t%s\n\n", name)
	fmt.Fprintln(tw, "group\tquestions\thit@1\thit@3\tMRR@10")
	row := func(g string, s copilot.FAQScores) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\n", g, s.N, s.HitAt1, s.HitAt3, s.MRR)
	}
	row("all", r.FAQScores)
	for _, l := range sortedKeys(r.PerLanguage) {
		row("lang "+l, r.PerLanguage[l])
	}
	for _, c := range sortedKeys(r.PerCategory) {
		row("category "+c, r.PerCategory[c])
	}
	tw.Flush()
}

func printDialogues(w io.Writer, name string, r copilot.DialogueReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "draft similarity\t%s\t(%d dialogues)\n\n", name, r.Dialogues)
	fmt.Fprintln(tw, "group\treplies\tcold\tfed\texemplar used")
	row := func(g string, s copilot.DialogueScores) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.0f%%\n", g, s.N, s.SimilarityCold, s.SimilarityFed, 100*s.ExemplarUsed)
	}
	row("all", r.DialogueScores)
	for _, l := range sortedKeys(r.PerLanguage) {
		row("lang "+l, r.PerLanguage[l])
	}
	row("second half", r.SecondHalf)
	tw.Flush()
}

func printDrafts(w io.Writer, name string, r copilot.DraftReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "drafts from an FAQ knowledge base\t%s\n\n", name)
	fmt.Fprintln(tw, "group\tquestions\tdraft F1\tcite@1\tno article")
	row := func(g string, s copilot.DraftScores) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.0f%%\n", g, s.N, s.DraftF1, s.CiteAt1, 100*s.NoArticle)
	}
	row("all", r.DraftScores)
	for _, l := range sortedKeys(r.PerLanguage) {
		row("lang "+l, r.PerLanguage[l])
	}
	tw.Flush()
}
