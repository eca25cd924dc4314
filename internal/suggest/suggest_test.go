package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"serve.addr", "serve.db", "draft.accept", "draft.edit"}
	cases := []struct {
		name  string
		limit int
		want  string
	}{
		{"serve.adr", 3, "serve.addr"},
		{"draft.acept", 3, "draft.accept"},
		{"draft.edti", 3, "draft.edit"},
		{"completely.else", 3, ""},
		{"serve.addr", 1, "serve.addr"},
	}
	for _, c := range cases {
		if got := Closest(c.name, known, c.limit); got != c.want {
			t.Errorf("Closest(%q, %d) = %q, want %q", c.name, c.limit, got, c.want)
		}
	}
	if d := distance("kitten", "sitting"); d != 3 {
		t.Errorf("distance(kitten, sitting) = %d, want 3", d)
	}
}
