package copilot

// Analysis is the copilot's reading of one customer message: what the
// escalation rules, the queue's flags and the handoff card all use, so that
// the server and the copilot never disagree about a message.
type Analysis struct {
	Label Label   `json:"label"`
	Score float64 `json:"score"` // −1..1, below zero negative
	Flags Flags   `json:"flags"`
	// Cues are the words that raised each flag, by flag name (FlagAngry…),
	// at most three per flag, for the handoff card's evidence.
	Cues map[string][]string `json:"cues,omitempty"`
	// Model names what scored the sentiment: "lexicon" or the trained
	// model's name.
	Model string `json:"model"`
}

// Analyzer reads customer messages. The lexicon engine is the default; a
// trained SentimentModel replaces its sentiment score (the risk flags stay
// rules, since no labelled data for them exists).
type Analyzer interface {
	Analyze(text string) Analysis
}

// lexiconAnalyzer is the default Analyzer.
type lexiconAnalyzer struct{}

func (lexiconAnalyzer) Analyze(text string) Analysis { return analyzeWith(nil, text) }

// LexiconAnalyzer returns the lexicon-and-rules analyser, the default.
func LexiconAnalyzer() Analyzer { return lexiconAnalyzer{} }

// Analyze reads one message with the lexicon engine.
func Analyze(text string) Analysis { return analyzeWith(nil, text) }

// analyzeWith scores text with the model (nil: the lexicon) and raises the
// risk flags. A legal threat, a churn threat or a safety hazard is a
// complaint whatever its words' polarity: the label is at least negative
// ("my charger nearly started a fire" has no negative word in it).
func analyzeWith(m *SentimentModel, text string) Analysis {
	text = limitText(text)
	ms := analyzeSentiment(text)
	a := Analysis{Label: ms.label, Score: ms.score, Model: "lexicon"}
	if m != nil {
		a.Label, a.Score = m.Predict(text)
		a.Model = m.Name
	}
	a.Flags, a.Cues = messageFlags(text, ms, a.Score)
	if (a.Flags.LegalThreat || a.Flags.ChurnRisk || len(a.Cues[FlagUrgent]) > 0 && hasSafetyCue(a.Cues[FlagUrgent])) && a.Label != Negative {
		a.Label = Negative
		a.Score = min(a.Score, -neutralBand-0.05)
	}
	a.Score = round2(a.Score)
	return a
}

func hasSafetyCue(ws []string) bool {
	for _, w := range ws {
		if contains(safetyZH, w) || contains(safetyEN, w) {
			return true
		}
	}
	return false
}

// SentimentFlags is the offline sentiment plus risk flags for one message.
func SentimentFlags(text string) (Label, float64, Flags) {
	a := Analyze(text)
	return a.Label, a.Score, a.Flags
}

// Analyze reads one customer message with the engine's analyser (the
// trained sentiment model when one is configured, else the lexicon).
func (e *Engine) Analyze(text string) Analysis { return analyzeWith(e.cfg.SentimentModel, text) }

// ModelAnalyzer is the analyser with a trained sentiment model.
func ModelAnalyzer(m *SentimentModel) Analyzer { return modelAnalyzer{m} }

type modelAnalyzer struct{ m *SentimentModel }

func (a modelAnalyzer) Analyze(text string) Analysis { return analyzeWith(a.m, text) }
