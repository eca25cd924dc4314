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
	Name   string // model name [sentiment]
	Bits   int    // hashed feature space 2^Bits [18]
	Epochs int    // passes over the rows [6]
	Seed   uint64 // shuffling seed [13]
	L2     float64
	// Rate is AdaGrad's learning rate; 0 = chosen by an inner 3-fold
	// cross-validation on the training rows among 0.05, 0.1 and 0.2.
	Rate float64
	// NB scales the sparse features by NB-SVM log-count ratios with this
	// add-alpha smoothing; 0 = on or off as the inner cross-validation
	// prefers (alpha 1), negative = off.
	NB    float64
	Seeds int      // models with different shuffles averaged [3]
	Files []string // recorded in TrainInfo
	// Related rows (other files of a similar domain) are always trained
	// on and never scored by CrossValidate or the inner tuning.
	Related []SentimentRow
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
	if o.Seeds == 0 {
		o.Seeds = 3
	}
}

// The inner tuning's grid, in order of preference on ties.
var (
	tuneRates = []float64{0.1, 0.05, 0.2}
	tuneNB    = []float64{1, -1}
)

// TrainSentiment fits a model to labelled rows (the sentiment row format of
// `agentdesk eval sentiment` and `agentdesk export --format sentiment`)
// plus o.Related. The same rows and options give the same model, byte for
// byte.
func TrainSentiment(ctx context.Context, rows []SentimentRow, o TrainOptions) (*SentimentModel, error) {
	o.defaults()
	if o.Bits < 10 || o.Bits > 24 {
		return nil, fmt.Errorf("bits %d: want 10–24", o.Bits)
	}
	classes, err := classesOf(append(append([]SentimentRow(nil), rows...), o.Related...))
	if err != nil {
		return nil, err
	}
	m := &SentimentModel{Name: o.Name, Classes: classes, Bits: o.Bits,
		Trained: TrainInfo{Rows: len(rows) + len(o.Related), Files: o.Files, Epochs: o.Epochs, Seed: o.Seed, L2: o.L2, Seeds: o.Seeds}}
	classIdx := map[Label]int{}
	for i, c := range classes {
		classIdx[c] = i
	}
	samples := make([]trainSample, 0, len(rows)+len(o.Related))
	for _, r := range append(append([]SentimentRow(nil), rows...), o.Related...) {
		samples = append(samples, trainSample{fs: extractFeatures(limitText(r.Text), o.Bits, nil), y: classIdx[Label(r.Label)], gold: r.Label})
	}
	if o.Rate == 0 || o.NB == 0 {
		rate, nb, err := tuneRecipe(ctx, samples, len(rows), classes, m.dim(), o)
		if err != nil {
			return nil, err
		}
		o.Rate, o.NB = rate, nb
		m.Trained.Tuned = "inner 3-fold cross-validation"
	}
	m.Trained.Rate, m.Trained.NB = o.Rate, max(o.NB, 0)
	w, err := fitAveraged(ctx, samples, len(classes), m.dim(), 1<<o.Bits, o)
	if err != nil {
		return nil, err
	}
	m.weights = w
	return m, nil
}

// fitAveraged trains o.Seeds models on different shuffles and averages
// their weights (one linear model: averaging them averages their logits).
func fitAveraged(ctx context.Context, samples []trainSample, classes, dim, sparse int, o TrainOptions) ([][]float32, error) {
	var ratio [][]float32
	if o.NB > 0 {
		ratio = nbRatios(samples, classes, dim, sparse, float32(o.NB))
	}
	out := make([][]float32, classes)
	for c := range out {
		out[c] = make([]float32, dim)
	}
	for s := 0; s < o.Seeds; s++ {
		w, err := fitLogistic(ctx, samples, classes, dim, ratio, o, o.Seed+uint64(s)*0x5851f42d)
		if err != nil {
			return nil, err
		}
		for c := range w {
			for i, v := range w[c] {
				out[c][i] += v / float32(o.Seeds)
			}
		}
	}
	return out, nil
}

// tuneRecipe picks the learning rate and NB scaling that score best in a
// 3-fold cross-validation on the first nTarget samples (the rest, related
// rows, are always trained on). Too few rows to fold keep 0.1 and NB on.
func tuneRecipe(ctx context.Context, samples []trainSample, nTarget int, classes []Label, dim int, o TrainOptions) (float64, float64, error) {
	rates, nbs := tuneRates, tuneNB
	if o.Rate != 0 {
		rates = []float64{o.Rate}
	}
	if o.NB != 0 {
		nbs = []float64{o.NB}
	}
	const k = 3
	gold := make([]string, nTarget)
	for i := range gold {
		gold[i] = samples[i].gold
	}
	fold, ok := stratifiedFolds(gold, k, o.Seed+2)
	if !ok {
		return rates[0], nbs[0], nil
	}
	inner := o
	inner.Seeds = 1
	best, bestRate, bestNB := -1.0, rates[0], nbs[0]
	for _, nb := range nbs {
		for _, rate := range rates {
			inner.Rate, inner.NB = rate, nb
			preds := make([]scoredRow, 0, nTarget)
			for f := 0; f < k; f++ {
				var train []trainSample
				for i, s := range samples {
					if i >= nTarget || fold[i] != f {
						train = append(train, s)
					}
				}
				w, err := fitAveraged(ctx, train, len(classes), dim, dim-denseFeatures-1, inner)
				if err != nil {
					return 0, 0, err
				}
				for i := 0; i < nTarget; i++ {
					if fold[i] == f {
						label, score := predictWith(w, classes, samples[i].fs)
						preds = append(preds, scoredRow{gold: samples[i].gold, label: label, score: score})
					}
				}
			}
			if f1 := macroF1(preds); f1 > best+1e-9 {
				best, bestRate, bestNB = f1, rate, nb
			}
		}
	}
	return bestRate, bestNB, nil
}

// stratifiedFolds assigns each row a fold 0..k-1, dealing each label's rows
// round-robin after a seeded shuffle; false when some label has fewer than
// k rows (too few to fold).
func stratifiedFolds(gold []string, k int, seed uint64) ([]int, bool) {
	byLabel := map[string][]int{}
	for i, g := range gold {
		byLabel[g] = append(byLabel[g], i)
	}
	labels := make([]string, 0, len(byLabel))
	for l, idx := range byLabel {
		if len(idx) < k {
			return nil, false
		}
		labels = append(labels, l)
	}
	sort.Strings(labels)
	fold := make([]int, len(gold))
	rng := rand.New(rand.NewPCG(seed, 7))
	n := 0
	for _, l := range labels {
		idx := byLabel[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			fold[i] = n % k
			n++
		}
	}
	return fold, true
}

type trainSample struct {
	fs   []feature
	y    int
	gold string
}

// nbRatios are NB-SVM's log-count ratios: for each class and hashed slot,
// how much more often the slot occurs in that class's rows than in the
// others' (add-alpha smoothed, over the slots seen). Training scales each
// sparse feature by its class's ratio, which the weights absorb afterwards,
// so a model file and Predict are unchanged.
func nbRatios(samples []trainSample, classes, dim, sparse int, alpha float32) [][]float32 {
	counts := make([][]float32, classes)
	for c := range counts {
		counts[c] = make([]float32, sparse)
	}
	seen := make([]bool, sparse)
	for _, s := range samples {
		for _, f := range s.fs {
			if f.i < sparse {
				counts[s.y][f.i]++
				seen[f.i] = true
			}
		}
	}
	total := make([]float32, sparse)
	for c := range counts {
		for i, v := range counts[c] {
			total[i] += v
		}
	}
	out := make([][]float32, classes)
	for c := range out {
		var pn, qn float64
		for i := range seen {
			if seen[i] {
				pn += float64(alpha + counts[c][i])
				qn += float64(alpha + total[i] - counts[c][i])
			}
		}
		r := make([]float32, dim)
		for i := range r {
			r[i] = 1
		}
		for i := range seen {
			if seen[i] {
				p := float64(alpha+counts[c][i]) / pn
				q := float64(alpha+total[i]-counts[c][i]) / qn
				r[i] = float32(math.Abs(math.Log(p / q)))
			}
		}
		out[c] = r
	}
	return out
}

// fitLogistic runs AdaGrad on the multinomial logistic loss; with ratios,
// class c sees feature i as x_i·ratio[c][i] and the returned weights have
// the ratios folded in.
func fitLogistic(ctx context.Context, samples []trainSample, classes, dim int, ratio [][]float32, o TrainOptions, seed uint64) ([][]float32, error) {
	w := make([][]float32, classes)
	acc := make([][]float32, classes)
	for c := range w {
		w[c] = make([]float32, dim)
		acc[c] = make([]float32, dim)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	bias := dim - 1
	rate, l2 := float32(o.Rate), float32(o.L2)
	step := func(c, i int, grad float32) {
		grad += l2 * w[c][i]
		acc[c][i] += grad * grad
		w[c][i] -= rate * grad / float32(math.Sqrt(float64(acc[c][i])+1e-8))
	}
	z := make([]float64, classes)
	for epoch := 0; epoch < o.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			s := samples[k]
			for c := range z {
				v := float64(w[c][bias])
				for _, f := range s.fs {
					x := f.v
					if ratio != nil {
						x *= ratio[c][f.i]
					}
					v += float64(w[c][f.i] * x)
				}
				z[c] = v
			}
			softmax(z)
			for c := range z {
				g := float32(z[c])
				if c == s.y {
					g--
				}
				if g == 0 {
					continue
				}
				for _, f := range s.fs {
					x := f.v
					if ratio != nil {
						x *= ratio[c][f.i]
					}
					step(c, f.i, g*x)
				}
				step(c, bias, g)
			}
		}
	}
	if ratio != nil {
		for c := range w {
			for i := range w[c] {
				w[c][i] *= ratio[c][i]
			}
		}
	}
	return w, nil
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
	// Rates and NB are what each fold's inner tuning chose.
	Rates []float64 `json:"rates"`
	NB    []bool    `json:"nb"`
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
	gold := make([]string, len(rows))
	for i, r := range rows {
		gold[i] = r.Label
	}
	fold, ok := stratifiedFolds(gold, k, o.Seed+1)
	if !ok {
		return CVReport{}, fmt.Errorf("%d folds need at least %d rows of every label", k, k)
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
		rep.Rates = append(rep.Rates, m.Trained.Rate)
		rep.NB = append(rep.NB, m.Trained.NB > 0)
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
