package i18n

// Media is what the desk says about the customer's side of a chat as it
// happens: their typing, and image previews of their files.
type Media struct {
	Typing string // in the conversation header while the customer writes
}

func init() {
	en.Media = Media{
		Typing: "✎ customer typing…",
	}
	zhCN.Media = Media{
		Typing: "✎ 客户正在输入…",
	}
}
