package i18n

import "fmt"

// Files is the attachment strings: the transcript's file lines, the open
// key and the attach dialog.
type Files struct {
	None, Title, Unavailable, AttachTitle, AttachHint, EditNoFiles string
	Opened, Saved, Attached, Failed                                func(name, detail string) string
	Staged                                                         func(n int) string
}

func init() {
	en.Files = Files{
		None:        "No attachments in this conversation.",
		Title:       "Open an attachment",
		Unavailable: "This desk cannot fetch files from the server.",
		AttachTitle: "Attach a file (path; tab completes)",
		AttachHint:  "enter attach · tab complete · esc cancel",
		EditNoFiles: "Files go with your own replies and notes, not with an edited draft.",
		Opened:      func(name, path string) string { return fmt.Sprintf("Opened %s (%s)", name, path) },
		Saved:       func(name, why string) string { return fmt.Sprintf("Saved %s but could not open it: %s", name, why) },
		Attached: func(name, size string) string {
			return fmt.Sprintf("Attached %s (%s); it goes with this reply", name, size)
		},
		Failed: func(name, why string) string { return fmt.Sprintf("%s: %s", name, why) },
		Staged: func(n int) string { return fmt.Sprintf("%d file(s)", n) },
	}
	zhCN.Files = Files{
		None:        "这个会话没有附件。",
		Title:       "打开附件",
		Unavailable: "此工作台无法从服务器获取文件。",
		AttachTitle: "添加附件（输入路径，Tab 补全）",
		AttachHint:  "回车 添加 · Tab 补全 · esc 取消",
		EditNoFiles: "附件只能随自己写的回复和备注发送，不能随编辑后的草稿发送。",
		Opened:      func(name, path string) string { return fmt.Sprintf("已打开 %s（%s）", name, path) },
		Saved:       func(name, why string) string { return fmt.Sprintf("已保存 %s，但无法打开：%s", name, why) },
		Attached: func(name, size string) string {
			return fmt.Sprintf("已添加 %s（%s），将随本条回复发送", name, size)
		},
		Failed: func(name, why string) string { return fmt.Sprintf("%s：%s", name, why) },
		Staged: func(n int) string { return fmt.Sprintf("%d 个文件", n) },
	}
}
