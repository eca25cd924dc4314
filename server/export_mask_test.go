package server

import "testing"

func TestCustomerNameMasker(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Kenji Watanabe", "Hi Kenji Watanabe,\nthanks Kenji.", "Hi [customer],\nthanks [customer]."},
		{"赵磊", "您好，赵磊！退款已到账。", "您好，[客户]！退款已到账。"},
		{"Zoë O'Brien", "Dear Zoë, Mr O'Brien", "Dear [customer], Mr [customer]"},
		{"Li Na", "Hi Li Na, lining is fine", "Hi [customer], lining is fine"}, // parts under three letters stay
		{"", "nothing to hide", "nothing to hide"},
		{"c", "we receive the return", "we receive the return"},                                             // too short to mask safely
		{"Ann Lee", "Announcement for Ann: Lee's order", "Announcement for [customer]: [customer]'s order"}, // whole words only
		{"王", "王先生您好", "王先生您好"},
	} {
		if got := customerNameMasker(tc.name)(tc.in); got != tc.want {
			t.Errorf("mask %q in %q = %q; want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
