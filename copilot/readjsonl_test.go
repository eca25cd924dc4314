package copilot

import (
	"strings"
	"testing"
)

// TestReadJSONLNamesTheLine: a malformed or incomplete row is an error
// naming its line and what is wrong, in JSON terms, instead of a row that
// is scored as if it were empty.
func TestReadJSONLNamesTheLine(t *testing.T) {
	good := `{"text":"good","label":"positive"}` + "\n"
	cases := []struct {
		name string
		read func(string) error
		data string
		want string
	}{
		{"broken JSON", readAs[SentimentRow], good + `{"text":"bad","label":"negative"` + "\n", "line 2: unexpected end of JSON input"},
		{"misspelt text", readAs[SentimentRow], good + "\n" + `{"txt":"bad","label":"negative"}`, `line 3: "text" is required`},
		{"no label", readAs[SentimentRow], `{"text":"bad"}`, `line 1: "label" is required`},
		{"no answer", readAs[FAQRow], `{"question":"how?"}`, `line 1: "question" and "answer" are required`},
		{"turns of the wrong kind", readAs[DialogueRow], `{"turns":"x"}`, `line 1: field "turns": want a list, got a JSON string`},
		{"no turns", readAs[DialogueRow], `{"id":"d1"}`, `line 1: "turns" is required`},
		{"turn without role", readAs[DialogueRow], `{"turns":[{"text":"hi"}]}`, `line 1: turn 1: "role" is required`},
	}
	for _, c := range cases {
		err := c.read(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if err := readAs[SentimentRow](good); err != nil {
		t.Errorf("a good row: %v", err)
	}
}

func readAs[T any](data string) error {
	_, err := ReadJSONL[T](strings.NewReader(data))
	return err
}
