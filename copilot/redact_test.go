package copilot

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	cases := []struct {
		in   string
		gone []string // must not survive redaction
		kept []string // must survive
	}{
		{"我的手机 13812345678，打我电话", []string{"13812345678"}, []string{"我的手机"}},
		{"call +86 138 1234 5678 or 139-8765-4321", []string{"138 1234 5678", "139-8765-4321"}, nil},
		{"身份证 11010519491231002X 和 440306199003074214", []string{"11010519491231002X", "440306199003074214"}, nil},
		{"卡号 6222 0202 0011 2345 679 和 4111111111111111", []string{"6222 0202 0011 2345 679", "4111111111111111"}, nil},
		{"mail me at li.lei+shop@example.com.cn please", []string{"li.lei+shop@example.com.cn"}, []string{"mail me at", "please"}},
		{"UK office +44 20 7946 0958, US (415) 555-0134 or 415-555-0134", []string{"7946 0958", "555-0134"}, []string{"UK office"}},
		// Not PII: amounts and dates. Long numbers that fail every check
		// (an order number, an ID with a wrong checksum) are masked anyway
		// as [NUMBER_n]: seven digits or more is the fail-safe.
		{"订单号 2024051812346 金额 299.00 元 日期 2024-05-18 编号 110105194912310021", []string{"2024051812346", "110105194912310021"},
			[]string{"299.00", "2024-05-18", "[NUMBER_1]"}},
	}
	cases = append(cases, []struct {
		in   string
		gone []string
		kept []string
	}{
		{"我住在北京市朝阳区建国路88号3号楼501室，麻烦尽快", []string{"北京市朝阳区建国路88号3号楼501室"}, []string{"我住在", "麻烦尽快"}},
		{"地址改为广东省深圳市南山区科技园南区深南大道10000号", []string{"深南大道10000号", "南山区"}, []string{"地址改为"}},
		{"收货地址：浙江省杭州市西湖区文三路 478 号", []string{"文三路 478 号"}, []string{"收货地址："}},
		{"送到阳光花园小区5栋2单元1203室", []string{"5栋2单元1203室"}, nil},
		{"Ship it to 221B Baker Street, Apt 4 please", []string{"221B Baker Street, Apt 4"}, []string{"Ship it to", "please"}},
		{"my address is 1600 Pennsylvania Ave NW, Washington", []string{"1600 Pennsylvania Ave NW"}, []string{"my address is", "Washington"}},
		{"deliver to 12 N. Main St. #305 tomorrow", []string{"12 N. Main St. #305"}, []string{"tomorrow"}},
		// Not addresses: place names alone, numbers without a street,
		// lower-case prose that ends in a street word.
		{"我在北京市朝阳区，订单 3 号发货的", nil, []string{"北京市朝阳区", "3 号发货"}},
		{"I waited 3 hours in the queue and 2 kids in the way", nil, []string{"3 hours", "2 kids in the way"}},
		{"坐地铁人民路2号线到了，从这条路5号门进", nil, []string{"人民路2号线", "这条路5号门"}},
		{"Flight 1234 to New York was late", nil, []string{"1234 to New York"}},
	}...)
	for _, c := range cases {
		r := NewRedactor()
		out := r.Redact(c.in)
		for _, g := range c.gone {
			if strings.Contains(out, g) {
				t.Errorf("%q: %q survived in %q", c.in, g, out)
			}
		}
		for _, k := range c.kept {
			if !strings.Contains(out, k) {
				t.Errorf("%q: %q was masked: %q", c.in, k, out)
			}
		}
		if back := r.Restore(out); back != c.in {
			t.Errorf("restore: %q → %q → %q", c.in, out, back)
		}
	}
	r := NewRedactor()
	a := r.Redact("电话 13812345678")
	b := r.Redact("还是 13812345678")
	if !strings.Contains(a, "[PHONE_1]") || !strings.Contains(b, "[PHONE_1]") {
		t.Errorf("same value should get the same placeholder: %q %q", a, b)
	}
	// A customer who literally types a placeholder does not get it restored
	// to someone's number.
	r = NewRedactor()
	out := r.Redact("[PHONE_1] is my code, my phone is 13812345678")
	if strings.Contains(out, "13812345678") || r.Restore(out) != "[PHONE_1] is my code, my phone is 13812345678" {
		t.Errorf("collision: %q → %q", out, r.Restore(out))
	}
	if got := r.Restore("call [PHONE_9] or [kb:x]"); got != "call [PHONE_9] or [kb:x]" {
		t.Errorf("unknown placeholders must stay: %q", got)
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "11010519491231002X", "4111 1111 1111 1111",
		"a@b.co", "[PHONE_1] 13912345678", "(415) 555-0134", "订单123456789012345678", "", "[[[]]]", "1-2-3-4-5-6-7-8-9-0-1-2-3",
		"北京市朝阳区建国路88号3号楼501室", "221B Baker Street, Apt 4", "[ADDR_1] 12 Main St", "阳光花园小区5栋2单元1203室",
		"１３８１２３４５６７８", "13\u200b8123\u200b45678", "一三八一二三四五六七八", "lilei at qq dot com", "zhang＠qq。com",
		"体育西路191", "我老婆王芳", "Hi Kenji,", "a@b.co…a@b", "١٣٨١٢٣٤٥٦٧٨"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := NewRedactor()
		out := r.Redact(s)
		if back := r.Restore(out); back != s {
			t.Fatalf("round trip: %q → %q → %q", s, out, back)
		}
		// Whatever was found is gone: redacting the output again finds
		// nothing new.
		n := r.Count()
		if again := r.Redact(out); again != out || r.Count() != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}
