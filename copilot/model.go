package copilot

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A trained sentiment model: multinomial logistic regression over hashed
// features of the text (Chinese character 1–3-grams, English words and word
// pairs, emoji and punctuation cues) plus the lexicon engine's own readings
// as dense features. Small (a few MB), fast (microseconds a message), pure
// Go, and trained by TrainSentiment from a team's labelled rows in minutes
// on two cores. The lexicon engine stays the default; a model replaces only
// the sentiment label and score, the risk flags stay rules.

// modelMagic starts a model file; the version bumps with the feature set.
const modelMagic = "agentdesk-sentiment-v1\n"

// SentimentModel is a trained classifier. Safe for concurrent Predict.
type SentimentModel struct {
	// Name is shown in provenance and in `agentdesk eval` output.
	Name string `json:"name"`
	// Classes are the labels in weight order (2 or 3 of negative,
	// neutral, positive).
	Classes []Label `json:"classes"`
	// Bits of the hashed feature space (2^Bits slots).
	Bits int `json:"bits"`
	// Trained records how: rows, files, epochs, seed (not the time, so the
	// same data gives the same file).
	Trained TrainInfo `json:"trained"`
	// weights[c][i] for class c; the last denseFeatures slots are the
	// lexicon features, then one bias.
	weights [][]float32
}

// TrainInfo describes a model's training run.
type TrainInfo struct {
	Rows   int      `json:"rows"`
	Files  []string `json:"files,omitempty"`
	Epochs int      `json:"epochs"`
	Seed   uint64   `json:"seed"`
	L2     float64  `json:"l2"`
	Rate   float64  `json:"rate,omitempty"`
	NB     float64  `json:"nb,omitempty"`    // NB-SVM smoothing, 0 = off
	Seeds  int      `json:"seeds,omitempty"` // shuffles averaged
	Tuned  string   `json:"tuned,omitempty"` // how Rate and NB were chosen
}

// English words of four letters and more also give their character
// 4-grams (boundaries marked), for spelling variants and small data.
const featLatinGrams = true

// denseScale weighs the lexicon features against the hashed ones.
const denseScale float32 = 1

// denseFeatures: the lexicon's score, its raw sum (squashed), anger cues,
// shouting, a negated evaluative word, a question, exclamation marks, the
// lexicon's label (one-hot) and the strength of its score.
const denseFeatures = 11

type feature struct {
	i int
	v float32
}

func (m *SentimentModel) dim() int { return 1<<m.Bits + denseFeatures + 1 }

// Predict returns the model's label and a score in [-1, 1]: P(positive) −
// P(negative).
func (m *SentimentModel) Predict(text string) (Label, float64) {
	var buf [512]feature
	fs := extractFeatures(limitText(text), m.Bits, buf[:0])
	return predictWith(m.weights, m.Classes, fs)
}

func predictWith(weights [][]float32, classes []Label, fs []feature) (Label, float64) {
	probs := probsOf(weights, fs)
	best := 0
	var score float64
	for c, p := range probs {
		if p > probs[best] {
			best = c
		}
		switch classes[c] {
		case Positive:
			score += p
		case Negative:
			score -= p
		}
	}
	return classes[best], score
}

func probsOf(weights [][]float32, fs []feature) []float64 {
	out := make([]float64, len(weights))
	bias := len(weights[0]) - 1
	for c, w := range weights {
		z := float64(w[bias])
		for _, f := range fs {
			z += float64(w[f.i] * f.v)
		}
		out[c] = z
	}
	softmax(out)
	return out
}

// softmax turns logits into probabilities in place.
func softmax(z []float64) {
	top := math.Inf(-1)
	for _, v := range z {
		top = max(top, v)
	}
	var sum float64
	for c := range z {
		z[c] = math.Exp(z[c] - top)
		sum += z[c]
	}
	for c := range z {
		z[c] /= sum
	}
}

// extractFeatures hashes text into at most a few hundred (index, value)
// pairs: sparse features L2-normalised, then the dense lexicon features.
func extractFeatures(text string, bits int, dst []feature) []feature {
	mask := uint32(1)<<bits - 1
	t := FoldText(text)
	add := func(kind byte, s string) {
		h := uint32(2166136261)
		h = (h ^ uint32(kind)) * 16777619
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
		dst = append(dst, feature{i: int(h & mask), v: 1})
	}
	var han []rune
	var words []string
	flushHan := func() {
		for n := 1; n <= 3; n++ {
			for i := 0; i+n <= len(han); i++ {
				add(byte('0'+n), string(han[i:i+n]))
			}
		}
		if len(han) > 0 {
			add('B', string(han[:1]))          // run start
			add('E', string(han[len(han)-1:])) // run end
		}
		han = han[:0]
	}
	var word []byte
	flushWord := func() {
		if len(word) > 0 {
			words = append(words, string(word))
			word = word[:0]
		}
	}
	bangs, quests := 0, 0
	for i := 0; i < len(t); {
		r, size := utf8.DecodeRuneInString(t[i:])
		switch {
		case r == '@' || strings.HasPrefix(t[i:], "http"):
			// A mention or a link: one token, its text is noise.
			flushWord()
			flushHan()
			j := i + size
			for j < len(t) && t[j] > ' ' {
				j++
			}
			if r == '@' {
				words = append(words, "<user>")
			} else {
				words = append(words, "<url>")
			}
			size = j - i
		case isHan(r):
			flushWord()
			han = append(han, r)
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\''):
			flushHan()
			if unicode.IsDigit(r) {
				r = '0'
			}
			word = append(word, byte(r))
		default:
			flushWord()
			flushHan()
			switch {
			case r == '!':
				bangs++
			case r == '?':
				quests++
			case r > 0x2000 && !unicode.IsSpace(r) && !unicode.IsPunct(r):
				add('e', string(r)) // emoji and symbols
			}
			if unicode.IsPunct(r) && r > 0x2000 {
				add('p', string(r))
			}
		}
		i += size
	}
	flushWord()
	flushHan()
	for i, w := range words {
		add('w', w)
		if st := stem(w); st != w {
			add('t', st)
		}
		if i > 0 {
			add('b', words[i-1]+" "+w)
		}
		if featLatinGrams && len(w) > 3 && w[0] != '<' {
			g := "^" + w + "$"
			for j := 0; j+4 <= len(g); j++ {
				add('c', g[j:j+4])
			}
		}
	}
	if len(words) > 0 {
		add('s', words[0])
	}
	add('!', string(rune('0'+min(bangs, 3))))
	add('?', string(rune('0'+min(quests, 2))))
	var norm float32
	for _, f := range dst {
		norm += f.v * f.v
	}
	if norm > 0 {
		inv := 1 / float32(math.Sqrt(float64(norm)))
		for k := range dst {
			dst[k].v *= inv
		}
	}
	ms := analyzeSentiment(text)
	base := 1 << bits
	negated := float32(0)
	if ms.used > 0 {
		negated = 1
	}
	dense := [denseFeatures]float32{float32(ms.score), float32(math.Tanh(ms.raw / 4)), float32(min(ms.anger, 3)) / 3, b2f(ms.shout),
		negated, b2f(quests > 0), float32(min(bangs, 3)) / 3,
		b2f(ms.label == Negative), b2f(ms.label == Neutral), b2f(ms.label == Positive), float32(math.Abs(ms.score))}
	for k, v := range dense {
		if v != 0 {
			dst = append(dst, feature{i: base + k, v: v * denseScale})
		}
	}
	return dst
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Save writes the model: a magic line, a JSON header line, then the
// weights as little-endian float32, gzip-compressed.
func (m *SentimentModel) Save(w io.Writer) error {
	if _, err := io.WriteString(w, modelMagic); err != nil {
		return err
	}
	zw := gzip.NewWriter(w)
	head, err := json.Marshal(m)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	bw.Write(head)
	bw.WriteByte('\n')
	var b [4]byte
	for _, ws := range m.weights {
		for _, v := range ws {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// SaveFile writes the model to path (created or replaced).
func (m *SentimentModel) SaveFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// LoadSentimentModel reads a model written by Save.
func LoadSentimentModel(r io.Reader) (*SentimentModel, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, errors.New("not an agentdesk sentiment model (train one with `agentdesk train sentiment`)")
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("sentiment model: %w", err)
	}
	zb := bufio.NewReader(zr)
	head, err := zb.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("sentiment model header: %w", err)
	}
	var m SentimentModel
	if err := json.Unmarshal(head, &m); err != nil {
		return nil, fmt.Errorf("sentiment model header: %w", err)
	}
	if m.Bits < 10 || m.Bits > 24 || len(m.Classes) < 2 || len(m.Classes) > 3 {
		return nil, fmt.Errorf("sentiment model header: bits %d, classes %v", m.Bits, m.Classes)
	}
	for _, c := range m.Classes {
		if c != Negative && c != Neutral && c != Positive {
			return nil, fmt.Errorf("sentiment model: unknown class %q", c)
		}
	}
	var b [4]byte
	m.weights = make([][]float32, len(m.Classes))
	for c := range m.weights {
		m.weights[c] = make([]float32, m.dim())
		for i := range m.weights[c] {
			if _, err := io.ReadFull(zb, b[:]); err != nil {
				return nil, fmt.Errorf("sentiment model weights: %w", err)
			}
			m.weights[c][i] = math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
		}
	}
	return &m, nil
}

// LoadSentimentModelFile reads a model file.
func LoadSentimentModelFile(path string) (*SentimentModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sentiment model: %w", err)
	}
	defer f.Close()
	m, err := LoadSentimentModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
