package cell

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrap(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  []string
	}{
		{"hello big world", 9, []string{"hello big", "world"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"你好世界和平", 5, []string{"你好", "世界", "和平"}},
		{"ok 你好世界", 6, []string{"ok 你", "好世界"}},
		{"👩‍💻👩‍💻👩‍💻", 4, []string{"👩‍💻👩‍💻", "👩‍💻"}},
		{"a\n\nb", 5, []string{"a", "", "b"}},
		// Chinese line breaking (kinsoku): no line starts with closing
		// punctuation, none ends with an opening one; the character before
		// moves down with the punctuation instead.
		{"我已经收到，请稍等", 10, []string{"我已经收", "到，请稍等"}},
		{"退款已经到账。", 12, []string{"退款已经到", "账。"}},
		{"好的；明白、了", 4, []string{"好", "的；", "明", "白、", "了"}},
		{"他说「你好」吗", 6, []string{"他说", "「你", "好」吗"}},
		{"请看《用户手册》第三章", 6, []string{"请看", "《用户", "手册》", "第三章"}},
		{"您好!谢谢", 4, []string{"您", "好!", "谢谢"}},
	}
	for _, c := range cases {
		got := Wrap(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		for _, l := range got {
			if ansi.StringWidth(l) > c.width {
				t.Errorf("wrap(%q, %d): line %q too wide", c.in, c.width, l)
			}
		}
	}
}
