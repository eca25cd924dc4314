package kbtitle

import "testing"

// A title from a customer's words keeps what the entry is about and loses
// what only that customer has: order, tracking and phone numbers, e-mail
// addresses; prices, dates and quantities stay.
func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"我的订单 1042 的耳机右耳没声音了，保修期是多久？", "我的订单的耳机右耳没声音了，保修期是多久？"},
		{"Order #20276 arrived broken", "Order arrived broken"},
		{"订单号：88231，三天未发货", "三天未发货"},
		{"tracking number: YT2345678901CN, where is it?", "where is it?"},
		{"My number is 13812345678, please call", "My number is, please call"},
		{"退款 1299 元没到账", "退款 1299 元没到账"},
		{"2026年3月的账单", "2026年3月的账单"},
		{"Refund of $1299 not received", "Refund of $1299 not received"},
		{"发票寄到 li.wei@example.com 可以吗", "发票寄到可以吗"},
		{"您好，[客户]，订单（20344976）扣了两次钱", "您好，订单扣了两次钱"},
		{"Return within 30 days", "Return within 30 days"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
