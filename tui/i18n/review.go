package i18n

import (
	"fmt"
)

// ReviewCatalog holds the trainer review view's strings.
type ReviewCatalog struct {
	Title                                  string
	Count                                  func(shown, total int) string
	Empty, Loading, NoSelection, Forbidden string
	EmptyFiltered                          string // nothing matches a filter
	SortChange, SortNewest                 string
	FilterPrompt, FilterNone, TitlePrompt  string
	FilterLabel                            func(f string) string
	FilterBad                              func(err string) string

	// Outcome actions as list glyph words.
	Accepted, Edited, Rejected string
	Change                     func(pct int) string

	// Detail.
	Context, DraftVsSent, DraftVsGold, DraftOnly string
	Unified, SideBySide, Draft, Sent, Gold       string
	After, Note, Sources, Promotions             string
	Meta                                         func(agent, provider, model, prompt string) string
	Labelled                                     func(by, at string) string
	Severity, Comment, GoldReply, Golden, Reason string
	// Mood labels the customer's mood at the turn (sentiment training data).
	Mood                                    string
	MoodNegative, MoodNeutral, MoodPositive string
	NotLabelled                             string
	PromotionLine                           func(target, ref, status string) string
	StatusActive, StatusPending             string

	// Label form.
	FormTitle, FormHint, FormNone string

	// Metrics.
	MetricsTitle, Overall, ByDay, ByIntent, ByModel, ByPrompt, Reasons string
	MetricsHeader                                                      string
	NoData                                                             string

	// Notices.
	Saved                string
	PromotedExemplar     func(ref string) string
	PromotedKB           func(path string) string
	NeedsGold, ReadOnly  string
	GoldenOn, GoldenOff  string
	Exported             func(sft, dpo int, dir string) string
	Exporting            string
	KBReloaded           func(entries, pending int) string
	Failed               func(what, err string) string
	ActLabel, ActPromote string
	ActExport, ActReload string
	ActLoad              string
}

func pctText(p int) string { return fmt.Sprintf("%3d%%", p) }

var reviewEN = ReviewCatalog{
	Title:         "Review",
	Count:         func(shown, total int) string { return fmt.Sprintf("%d/%d", shown, total) },
	Empty:         "No outcomes match. Drafts appear here once agents accept, edit or reject them.",
	EmptyFiltered: "Nothing matches this filter. esc clears it, / changes it.",
	Loading:       "loading…",
	NoSelection:   "Select an outcome to see the conversation, the draft and what was sent.",
	Forbidden:     "Review is for trainers, leads and admins.",
	SortChange:    "most changed first", SortNewest: "newest first",
	FilterPrompt: "filter> ", FilterNone: "all outcomes", TitlePrompt: "KB entry title (⏎ write, esc cancel)> ",
	FilterLabel: func(f string) string { return "filter: " + f },
	FilterBad:   func(err string) string { return "filter not applied: " + err },
	Accepted:    "accepted", Edited: "edited", Rejected: "rejected",
	Change:  pctText,
	Context: "Conversation", DraftVsSent: "Draft → sent", DraftVsGold: "Draft → gold reply", DraftOnly: "Rejected draft",
	Unified: "unified", SideBySide: "side by side", Draft: "Draft", Sent: "Sent", Gold: "Gold",
	After: "After the draft", Note: "Agent's note", Sources: "Sources", Promotions: "Promoted",
	Meta: func(agent, provider, model, prompt string) string {
		return fmt.Sprintf("by %s · %s/%s · prompt %s", agent, provider, model, prompt)
	},
	Labelled: func(by, at string) string { return fmt.Sprintf("labelled by %s, %s", by, at) },
	Severity: "Severity", Comment: "Comment", GoldReply: "Gold reply", Golden: "Golden set", Reason: "Reason",
	Mood: "Customer mood", MoodNegative: "negative", MoodNeutral: "neutral", MoodPositive: "positive",
	NotLabelled: "not labelled yet — l to label",
	PromotionLine: func(target, ref, status string) string {
		return fmt.Sprintf("→ %s %s (%s)", target, ref, status)
	},
	StatusActive: "in use", StatusPending: "pending review",
	FormTitle:    "Label outcome",
	FormHint:     "tab next field · ←/→ change · space toggle · ctrl+s save · esc cancel",
	FormNone:     "(none)",
	MetricsTitle: "Metrics", Overall: "All", ByDay: "By day", ByIntent: "By intent", ByModel: "By model",
	ByPrompt: "By prompt version", Reasons: "Rejection reasons",
	MetricsHeader: "total  accept  edit  reject  edit dist.",
	NoData:        "no outcomes",
	Saved:         "Label saved.",
	PromotedExemplar: func(ref string) string {
		return "Promoted to the exemplar memory (" + ref + "): the next similar question drafts from it."
	},
	PromotedKB: func(path string) string {
		return "Written to the KB as " + path + " — pending review: change its status to approved, then R to reload."
	},
	NeedsGold: "Write a gold reply first (e).",
	ReadOnly:  "Labelling, promotion and export are for trainers and admins.",
	GoldenOn:  "Marked as a golden-set case.", GoldenOff: "Removed from the golden set.",
	Exported: func(sft, dpo int, dir string) string {
		return fmt.Sprintf("Exported %d sft + %d dpo records to %s", sft, dpo, dir)
	},
	Exporting: "exporting…",
	KBReloaded: func(entries, pending int) string {
		return fmt.Sprintf("Knowledge base reloaded: %d entries, %d pending review.", entries, pending)
	},
	Failed:   func(what, err string) string { return what + " failed: " + err },
	ActLabel: "label", ActPromote: "promote", ActExport: "export", ActReload: "KB reload", ActLoad: "loading review",
}

var reviewZH = ReviewCatalog{
	Title:         "复核",
	Count:         func(shown, total int) string { return fmt.Sprintf("%d/%d", shown, total) },
	Empty:         "没有符合条件的记录。坐席采纳、修改或拒绝草稿后会出现在这里。",
	EmptyFiltered: "没有符合此筛选条件的记录。按 esc 清除，按 / 修改。",
	Loading:       "加载中…",
	NoSelection:   "选择一条记录，查看会话、草稿和实际发送的回复。",
	Forbidden:     "复核仅供培训师、组长和管理员使用。",
	SortChange:    "按改动量排序", SortNewest: "按时间排序",
	FilterPrompt: "筛选> ", FilterNone: "全部记录", TitlePrompt: "知识库条目标题（⏎ 写入，esc 取消）> ",
	FilterLabel: func(f string) string { return "筛选：" + f },
	FilterBad:   func(err string) string { return "筛选未生效：" + err },
	Accepted:    "已采纳", Edited: "已修改", Rejected: "已拒绝",
	Change:  pctText,
	Context: "会话", DraftVsSent: "草稿 → 实际发送", DraftVsGold: "草稿 → 标准回复", DraftOnly: "被拒绝的草稿",
	Unified: "合并视图", SideBySide: "并排视图", Draft: "草稿", Sent: "实际发送", Gold: "标准回复",
	After: "草稿之后", Note: "坐席备注", Sources: "来源", Promotions: "已推广",
	Meta: func(agent, provider, model, prompt string) string {
		return fmt.Sprintf("坐席 %s · %s/%s · 提示词 %s", agent, provider, model, prompt)
	},
	Labelled: func(by, at string) string { return fmt.Sprintf("%s 标注于 %s", by, at) },
	Severity: "严重程度", Comment: "评语", GoldReply: "标准回复", Golden: "黄金集", Reason: "原因",
	Mood: "客户情绪", MoodNegative: "负面", MoodNeutral: "中性", MoodPositive: "正面",
	NotLabelled: "尚未标注——按 l 标注",
	PromotionLine: func(target, ref, status string) string {
		return fmt.Sprintf("→ %s %s（%s）", target, ref, status)
	},
	StatusActive: "已生效", StatusPending: "待审核",
	FormTitle:    "标注",
	FormHint:     "tab 下一项 · ←/→ 切换 · 空格 勾选 · ctrl+s 保存 · esc 取消",
	FormNone:     "（无）",
	MetricsTitle: "指标", Overall: "全部", ByDay: "按日", ByIntent: "按意图", ByModel: "按模型",
	ByPrompt: "按提示词版本", Reasons: "拒绝原因",
	MetricsHeader: "总数  采纳  修改  拒绝  编辑距离",
	NoData:        "暂无数据",
	Saved:         "标注已保存。",
	PromotedExemplar: func(ref string) string {
		return "已加入范例库（" + ref + "）：下一个相似问题将参考它起草。"
	},
	PromotedKB: func(path string) string {
		return "已写入知识库 " + path + "——待审核：把其中的 status 改为 approved 后按 R 重新加载。"
	},
	NeedsGold: "请先撰写标准回复（e）。",
	ReadOnly:  "标注、推广和导出仅限培训师与管理员。",
	GoldenOn:  "已加入黄金集。", GoldenOff: "已移出黄金集。",
	Exported: func(sft, dpo int, dir string) string {
		return fmt.Sprintf("已导出 %d 条 sft 与 %d 条 dpo 记录到 %s", sft, dpo, dir)
	},
	Exporting: "正在导出…",
	KBReloaded: func(entries, pending int) string {
		return fmt.Sprintf("知识库已重新加载：%d 条，%d 条待审核。", entries, pending)
	},
	Failed:   func(what, err string) string { return what + "失败：" + err },
	ActLabel: "标注", ActPromote: "推广", ActExport: "导出", ActReload: "重新加载知识库", ActLoad: "加载复核",
}

// Percent formats a 0..1 share as a whole percentage.
func Percent(v float64) string { return fmt.Sprintf("%d%%", int(v*100+0.5)) }

// MoodName is the label of a protocol mood ("" stays "").
func (c *ReviewCatalog) MoodName(mood string) string {
	switch mood {
	case "negative":
		return c.MoodNegative
	case "neutral":
		return c.MoodNeutral
	case "positive":
		return c.MoodPositive
	}
	return mood
}
