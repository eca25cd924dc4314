package email_test

import (
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/server/email"
)

func TestStripReply(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"gmail en", "Still nothing arrived.\n\nOn Mon, 7 Dec 2026 at 10:02, Shop Support <support@shop.example> wrote:\n> Your parcel left today.\n> Regards", "Still nothing arrived."},
		{"gmail en wrapped", "Thanks!\n\nOn Mon, 7 Dec 2026 at 10:02, Shop Support <\nsupport@shop.example> wrote:\n> old", "Thanks!"},
		{"gmail zh", "还是没有收到。\n\n在 2026年12月7日周一 10:02，商城客服 <support@shop.example> 写道：\n> 您的包裹今天已发出。", "还是没有收到。"},
		{"foxmail", "好的，谢谢\n\n于 2026-12-07 10:02 商城客服 写道：\n> 已退款", "好的，谢谢"},
		{"qq mail", "请尽快处理\n\n------------------ 原始邮件 ------------------\n发件人: \"商城客服\"<support@shop.example>;\n发送时间: 2026年12月7日(星期一) 上午10:02\n收件人: \"我\"<me@qq.com>;\n主题: 回复：退款\n\n已退款", "请尽快处理"},
		{"outlook en", "Please cancel it.\n\nFrom: Shop Support <support@shop.example>\nSent: Monday, December 7, 2026 10:02 AM\nTo: Sam <sam@example.com>\nSubject: RE: order 1042\n\nYour order shipped.", "Please cancel it."},
		{"outlook zh", "请取消订单。\n\n发件人: 商城客服 <support@shop.example>\n发送时间: 2026年12月7日 10:02\n收件人: 王芳\n主题: 答复: 订单 1042\n\n已发货。", "请取消订单。"},
		{"outlook web rule", "Cancel please\n\n________________________________\nFrom: Shop Support <support@shop.example>\nSent: Monday\nold text", "Cancel please"},
		{"original message", "ok\n-----Original Message-----\nFrom: x\nold", "ok"},
		{"signature", "The app crashes on login.\n\n-- \nSam Lee\nAcme Corp | +1 555 0100", "The app crashes on login."},
		{"mobile en", "Where is my refund?\n\nSent from my iPhone", "Where is my refund?"},
		{"mobile zh", "退款到哪了？\n\n发自我的iPhone\n\n> 旧的", "退款到哪了？"},
		{"inline answers kept", "> Which order?\n1042\n> Which colour?\nRed", "> Which order?\n1042\n> Which colour?\nRed"},
		{"from in own words", "From: the warehouse it never left.\nPlease check.", "From: the warehouse it never left.\nPlease check."},
		{"all quote kept", "> only a quote", "> only a quote"},
		{"crlf", "Hi\r\n\r\nOn Tue, Sam wrote:\r\n> x\r\n", "Hi"},
	} {
		if got := email.StripReply(tc.in); got != tc.want {
			t.Errorf("%s: StripReply =\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	gmail := `<html><head><style>p{color:red}</style><title>x</title></head><body>
<div dir="ltr">Still   nothing&nbsp;arrived.<br>Order <b>#1042</b>, see <a href="https://track.example/1042">tracking</a>.
<ul><li>box damaged</li><li>no note</li></ul><script>alert(1)</script></div>
<div class="gmail_quote"><div class="gmail_attr">On Mon, 7 Dec 2026 at 10:02, Shop &lt;support@shop.example&gt; wrote:<br></div>
<blockquote class="gmail_quote">Your parcel <i>left</i> today.</blockquote></div></body></html>`
	got, err := email.HTMLToText(strings.NewReader(gmail))
	if err != nil {
		t.Fatal(err)
	}
	want := "Still nothing arrived.\nOrder #1042, see tracking (https://track.example/1042).\n- box damaged\n- no note\nOn Mon, 7 Dec 2026 at 10:02, Shop <support@shop.example> wrote:\n> Your parcel left today."
	if got != want {
		t.Fatalf("HTMLToText =\n%q\nwant\n%q", got, want)
	}
	if s := email.StripReply(got); s != "Still nothing arrived.\nOrder #1042, see tracking (https://track.example/1042).\n- box damaged\n- no note" {
		t.Fatalf("stripped: %q", s)
	}
	outlook := `<div>请尽快退款</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>发件人:</b> 商城客服<br><b>发送时间:</b> 2026年12月7日<br></div><div>旧邮件</div>`
	got, _ = email.HTMLToText(strings.NewReader(outlook))
	if s := email.StripReply(got); s != "请尽快退款" {
		t.Fatalf("outlook html: %q from %q", s, got)
	}
}
