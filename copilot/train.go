package copilot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// TrainOptions tune TrainSentiment; the zero value is the recipe
// docs/copilot.md reports figures for.
type TrainOptions struct {
	Name   string   // model name [sentiment]
	Bits   int      // hashed feature space 2^Bits [18]
	Epochs int      // passes over the rows [6]
	Seed   uint64   // shuffling seed [13]
	L2     float64  // weight decay per update [1e-6]
	Rate   float64  // AdaGrad learning rate [0.4]
	Files  []string // recorded in TrainInfo
}

func (o *TrainOptions) defaults() {
	if o.Name == "" {
		o.Name = "sentiment"
	}
	if o.Bits == 0 {
		o.Bits = 18
	}
	if o.Epochs == 0 {
		o.Epochs = 6
	}
	if o.Seed == 0 {
		o.Seed = 13
	}
	if o.L2 == 0 {
		o.L2 = 1e-6
	}
	if o.Rate == 0 {
		o.Rate = 0.4
	}
}

// TrainSentiment fits a model to labelled rows (the sentiment row format of
// `agentdesk eval sentiment` and `agentdesk export --format sentiment`).
// The same rows and options give the same model, byte for byte.
func TrainSentiment(ctx context.Context, rows []SentimentRow, o TrainOptions) (*SentimentModel, error) {
	o.defaults()
	if o.Bits < 10 || o.Bits > 24 {
		return nil, fmt.Errorf("bits %d: want 10–24", o.Bits)
	}
	classes, err := classesOf(rows)
	if err != nil {
		return nil, err
	}
	m := &SentimentModel{Name: o.Name, Classes: classes, Bits: o.Bits,
		Trained: TrainInfo{Rows: len(rows), Files: o.Files, Epochs: o.Epochs, Seed: o.Seed, L2: o.L2}}
	dim := m.dim()
	m.weights = make([][]float32, len(classes))
	acc := make([][]float32, len(classes))
	for c := range classes {
		m.weights[c] = make([]float32, dim)
		acc[c] = make([]float32, dim)
	}
	classIdx := map[Label]int{}
	for i, c := range classes {
		classIdx[c] = i
	}
	type sample struct {
		fs []feature
		y  int
	}
	samples := make([]sample, len(rows))
	for i, r := range rows {
		samples[i] = sample{fs: extractFeatures(limitText(r.Text), o.Bits, nil), y: classIdx[Label(r.Label)]}
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	bias := dim - 1
	rate, l2 := float32(o.Rate), float32(o.L2)
	step := func(c, i int, grad float32) {
		w := m.weights[c]
		grad += l2 * w[i]
		acc[c][i] += grad * grad
		w[i] -= rate * grad / float32(math.Sqrt(float64(acc[c][i])+1e-8))
	}
	for epoch := 0; epoch < o.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			s := samples[k]
			p := m.probs(s.fs)
			for c := range classes {
				g := float32(p[c])
				if c == s.y {
					g--
				}
				if g == 0 {
					continue
				}
				for _, f := range s.fs {
					step(c, f.i, g*f.v)
				}
				step(c, bias, g)
			}
		}
	}
	return m, nil
}

// classesOf lists the labels of rows in model order, checking them.
func classesOf(rows []SentimentRow) ([]Label, error) {
	if len(rows) == 0 {
		return nil, errors.New("no rows to train on")
	}
	seen := map[Label]int{}
	for i, r := range rows {
		l := Label(r.Label)
		if l != Negative && l != Neutral && l != Positive {
			return nil, fmt.Errorf("row %d (%s): label %q: want negative, neutral or positive", i+1, r.ID, r.Label)
		}
		seen[l]++
	}
	var out []Label
	for _, l := range []Label{Negative, Neutral, Positive} {
		if seen[l] > 0 {
			out = append(out, l)
		}
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("all %d rows are %s: a model needs at least two labels", len(rows), out[0])
	}
	return out, nil
}

// CVReport is a k-fold cross-validation of the training recipe.
type CVReport struct {
	Folds   int       `json:"folds"`
	Rows    int       `json:"rows"`
	MacroF1 float64   `json:"macro_f1"` // over all held-out predictions pooled
	PerFold []float64 `json:"per_fold_macro_f1"`
	// Lexicon is the lexicon engine's macro-F1 on the same rows, for
	// comparison.
	Lexicon float64 `json:"lexicon_macro_f1"`
}

// CrossValidate trains k models, each on all rows but one fold, and scores
// each on its held-out fold: the figure to report for a model trained on a
// file (never its accuracy on the rows it was trained on). Folds are
// stratified by label and fixed by the seed.
func CrossValidate(ctx context.Context, rows []SentimentRow, k int, o TrainOptions) (CVReport, error) {
	o.defaults()
	if k < 2 || k > len(rows) {
		return CVReport{}, fmt.Errorf("folds %d: want 2 to %d", k, len(rows))
	}
	fold := make([]int, len(rows))
	byLabel := map[string][]int{}
	for i, r := range rows {
		byLabel[r.Label] = append(byLabel[r.Label], i)
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	rng := rand.New(rand.NewPCG(o.Seed+1, 7))
	n := 0
	for _, l := range labels {
		idx := byLabel[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			fold[i] = n % k
			n++
		}
	}
	rep := CVReport{Folds: k, Rows: len(rows)}
	preds := make([]scoredRow, len(rows))
	for f := 0; f < k; f++ {
		var train, test []SentimentRow
		var testIdx []int
		for i, r := range rows {
			if fold[i] == f {
				test = append(test, r)
				testIdx = append(testIdx, i)
			} else {
				train = append(train, r)
			}
		}
		m, err := TrainSentiment(ctx, train, o)
		if err != nil {
			return CVReport{}, fmt.Errorf("fold %d: %w", f+1, err)
		}
		var fp []scoredRow
		for j, r := range test {
			label, score := m.Predict(r.Text)
			p := scoredRow{gold: r.Label, label: label, score: score}
			preds[testIdx[j]] = p
			fp = append(fp, p)
		}
		rep.PerFold = append(rep.PerFold, round3(macroF1(fp)))
	}
	rep.MacroF1 = round3(macroF1(preds))
	lex := make([]scoredRow, len(rows))
	for i, r := range rows {
		ms := analyzeSentiment(r.Text)
		lex[i] = scoredRow{gold: r.Label, label: ms.label, score: ms.raw}
	}
	rep.Lexicon = round3(macroF1(lex))
	return rep, nil
}

// scoredRow is one prediction against its gold label.
type scoredRow struct {
	gold  string
	label Label
	score float64
}

// macroF1 scores predictions the way EvalSentiment does: when the gold
// labels are only positive and negative, the score's sign decides.
func macroF1(ps []scoredRow) float64 {
	gold := map[string]bool{}
	for _, p := range ps {
		gold[p.gold] = true
	}
	binary := len(gold) == 2 && gold["positive"] && gold["negative"]
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	for _, p := range ps {
		got := string(p.label)
		if binary {
			got = string(binaryLabel(p.score))
		}
		if got == p.gold {
			tp[got]++
		} else {
			fp[got]++
			fn[p.gold]++
		}
	}
	var f1 float64
	for l := range gold {
		f1 += prf(tp[l], fp[l], fn[l]).F1
	}
	return f1 / float64(len(gold))
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
