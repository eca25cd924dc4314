package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/agentdesk/agentdesk/copilot"
)

func init() {
	register(command{name: "train", summary: "train the copilot's sentiment model on labelled rows (pure Go, minutes on two cores)", run: runTrain})
}

const trainSynopsis = `train sentiment --data F.jsonl [--data G.jsonl …] --out FILE [--cv K] [--name NAME]
       agentdesk train sentiment --data F.jsonl --cv 5          (cross-validate only)

Rows are the sentiment rows of ` + "`agentdesk eval sentiment`" + ` and of
` + "`agentdesk export --format sentiment`" + ` (a team's own mood labels and CSAT):
{"text":"…","label":"negative|neutral|positive"}. The model is logistic
regression over hashed character and word n-grams (NB-SVM scaled when that
helps) plus the lexicon's own readings, its learning rate chosen by an inner
3-fold cross-validation, three shuffles averaged; the same rows and flags
give the same file. With several --data files --cv scores each file's rows
with the other files always in training. Use it with
` + "`agentdesk serve --sentiment-model FILE`" + ` and measure it with
` + "`agentdesk eval sentiment --model FILE`" + `; --cv K reports K-fold
cross-validated macro-F1 (the figure to quote — never the score on the
training rows).`

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", trainSynopsis, stderr)
	var data stringList
	fs.Var(&data, "data", "JSON Lines file of labelled rows (repeatable)")
	out := fs.String("out", "", "model file to write")
	cv := fs.Int("cv", 0, "K-fold cross-validate the recipe on the rows and print macro-F1 per fold (0 = no)")
	name := fs.String("name", "", "model name shown in provenance (default: the --out file's name)")
	epochs := fs.Int("epochs", 0, "passes over the rows (default 6)")
	seed := fs.Uint64("seed", 0, "shuffling seed (default 13)")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) == 0 {
			fs.Usage()
			return fmt.Errorf("%w: what to train? sentiment", errUsage)
		}
		return parseFlags(fs, args)
	}
	if args[0] != "sentiment" {
		return fmt.Errorf("%w: unknown model %q (want sentiment)", errUsage, args[0])
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case len(data) == 0:
		return fmt.Errorf("%w: --data FILE is required", errUsage)
	case *out == "" && *cv == 0:
		return fmt.Errorf("%w: --out FILE (or --cv K to only cross-validate) is required", errUsage)
	case *cv == 1 || *cv < 0:
		return fmt.Errorf("%w: --cv %d: want 2 or more folds", errUsage, *cv)
	}
	var rows []copilot.SentimentRow
	perFile := make([][]copilot.SentimentRow, len(data))
	for i, p := range data {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open data: %w", err)
		}
		rs, err := copilot.ReadJSONL[copilot.SentimentRow](f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		perFile[i] = rs
		rows = append(rows, rs...)
	}
	opts := copilot.TrainOptions{Name: *name, Epochs: *epochs, Seed: *seed}
	for _, p := range data {
		opts.Files = append(opts.Files, filepath.Base(p))
	}
	if opts.Name == "" && *out != "" {
		opts.Name = filepath.Base(*out)
	}
	// With several files each is cross-validated on its own rows, the
	// other files always in training (as in the model --out writes): no
	// row is scored by a model that saw it.
	for i := range data {
		if *cv == 0 {
			break
		}
		o := opts
		o.Related = nil
		for j, rs := range perFile {
			if j != i {
				o.Related = append(o.Related, rs...)
			}
		}
		rep, err := copilot.CrossValidate(ctx, perFile[i], *cv, o)
		if err != nil {
			return fmt.Errorf("%s: %w", data[i], err)
		}
		with := ""
		if len(data) > 1 {
			with = fmt.Sprintf(" of %s (the other files' %d rows always in training)", filepath.Base(data[i]), len(o.Related))
		}
		fmt.Fprintf(stdout, "%d-fold cross-validation on %d rows%s: macro-F1 %.3f (folds %v); lexicon on the same rows %.3f\n",
			rep.Folds, rep.Rows, with, rep.MacroF1, rep.PerFold, rep.Lexicon)
	}
	if *out == "" {
		return nil
	}
	m, err := copilot.TrainSentiment(ctx, rows, opts)
	if err != nil {
		return err
	}
	if err := m.SaveFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d rows, classes %v, rate %g, NB-scaled %v (%s)\n", *out, len(rows), m.Classes,
		m.Trained.Rate, m.Trained.NB > 0, cmp.Or(m.Trained.Tuned, "as given"))
	return nil
}
