package textdiff

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := map[string][]string{
		"Hi, we don't ship 3.5kg parcels.": {"Hi", ",", " ", "we", " ", "don't", " ", "ship", " ", "3.5kg", " ", "parcels", "."},
		"您好，订单SF1234已发货。":                  {"您", "好", "，", "订", "单", "SF1234", "已", "发", "货", "。"},
		"  e-mail\n":                       {"  ", "e-mail", "\n"},
	}
	for in, want := range cases {
		got := Tokens(in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Tokens(%q) = %q, want %q", in, got, want)
		}
		if strings.Join(got, "") != in {
			t.Errorf("Tokens(%q) does not rebuild the text", in)
		}
	}
}

func TestDiffEnglishWords(t *testing.T) {
	segs := Diff("Your refund will arrive in 7 days.", "Your refund will arrive in 3 working days.")
	want := []Segment{{Equal, "Your refund will arrive in "}, {Delete, "7"}, {Insert, "3 working"}, {Equal, " days."}}
	if !reflect.DeepEqual(segs, want) {
		t.Fatalf("diff = %#v\nwant %#v", segs, want)
	}
}

func TestDiffChinese(t *testing.T) {
	old, new := "您好，退款将在7天内到账。", "您好，退款将在3个工作日内原路退回。"
	segs := Diff(old, new)
	if Old(segs) != old || New(segs) != new {
		t.Fatalf("diff does not rebuild both sides: %#v", segs)
	}
	var del, ins []string
	for _, s := range segs {
		switch s.Op {
		case Delete:
			del = append(del, s.Text)
		case Insert:
			ins = append(ins, s.Text)
		}
	}
	// No segment splits a character, and the unchanged greeting stays equal.
	if segs[0].Op != Equal || !strings.HasPrefix(segs[0].Text, "您好，退款将在") {
		t.Errorf("first segment = %#v, want the shared prefix", segs[0])
	}
	if strings.Join(del, "") == "" || strings.Join(ins, "") == "" {
		t.Errorf("want both deletions and insertions, got %#v", segs)
	}
}

func TestDistance(t *testing.T) {
	if d := Distance("same words", "same words"); d != 0 {
		t.Errorf("identical: %v", d)
	}
	if d := Distance("a b c d", "w x y z"); d != 1 {
		t.Errorf("disjoint: %v", d)
	}
	// One word of four replaced.
	if d := Distance("ship it by Monday", "ship it by Friday"); d != 0.25 {
		t.Errorf("one of four: %v", d)
	}
	// Whitespace alone is no edit.
	if d := Distance("a  b", "a b"); d != 0 {
		t.Errorf("whitespace: %v", d)
	}
	// Chinese: two characters of ten changed.
	if d := Distance("请您耐心等待七天时间", "请您耐心等待三天时间"); d != 0.1 {
		t.Errorf("chinese: %v", d)
	}
}

func FuzzDiff(f *testing.F) {
	f.Add("您好，退款将在7天内到账。", "Hello, refund in 3 days")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		segs := Diff(a, b)
		if Old(segs) != a || New(segs) != b {
			t.Fatalf("diff of %q → %q does not rebuild", a, b)
		}
		if d := Distance(a, b); d < 0 || d > 1 {
			t.Fatalf("distance %v out of range", d)
		}
	})
}

// A typical edited draft: a 400-character Chinese reply with a sentence
// changed and one added, and its English counterpart.
var (
	benchZHOld = strings.Repeat("您好，退款将在7天内原路退回到您的支付账户，请注意查收银行短信通知。", 10)
	benchZHNew = strings.Replace(benchZHOld, "7天内", "3个工作日内", 3) + "如有其他问题随时联系我。"
	benchENOld = strings.Repeat("Your refund goes back to the original payment method within 7 days of us receiving the parcel. ", 8)
	benchENNew = strings.Replace(benchENOld, "7 days", "3 working days", 3) + "Let me know if there's anything else."
)

func BenchmarkDiffChinese(b *testing.B) {
	for b.Loop() {
		Diff(benchZHOld, benchZHNew)
	}
}

func BenchmarkDistanceChinese(b *testing.B) {
	for b.Loop() {
		Distance(benchZHOld, benchZHNew)
	}
}

func BenchmarkDiffEnglish(b *testing.B) {
	for b.Loop() {
		Diff(benchENOld, benchENNew)
	}
}
