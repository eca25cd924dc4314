package lang

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"zh-CN": ZhCN, "zh_cn": ZhCN, "ZH": ZhCN, "zh-Hans": ZhCN, "en": EN, "en-US": EN} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := Parse("fr"); err == nil {
		t.Error("Parse(fr) accepted an unsupported language")
	}
}

func TestFromLocale(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, EN},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, ZhCN},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, EN},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, ZhCN},
		{map[string]string{"LANG": "C"}, EN},
	}
	for _, c := range cases {
		if got := FromLocale(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("FromLocale(%v) = %v, want %v", c.env, got, c.want)
		}
	}
}

func TestStringRoundTrips(t *testing.T) {
	for _, l := range All {
		if got, err := Parse(l.String()); err != nil || got != l {
			t.Errorf("Parse(%q) = %v, %v", l.String(), got, err)
		}
	}
}
