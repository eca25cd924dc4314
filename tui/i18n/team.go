package i18n

import (
	"fmt"
	"strings"
)

// TeamCatalog holds the strings of the lead's team board (tui/team) and
// its dialogs.
type TeamCatalog struct {
	Title, Agents, Chats, Queue, Charts, Topics, CSAT         string
	ColName, ColStatus, ColLoad, ColChats, ColOldest          string
	ColHandle, ColDone, ColAccept, ColCustomer, ColOwner      string
	ColPrio, ColWait, ColSLA, ColChannel, ColViewing, ColCSAT string
	NoAgents, NoChats, Loading, NothingRising, NoRatings      string
	QueueDepth, FirstResponse, Sentiment, HotHour, HotDay     string
	ByAgent, ByTopic, ByPriority, ByChannel, ByTeam           string
	InQueue, NoTeam, NotWaiting                               string
	Summary                                                   func(online, agents, queued int, longest string, breached, soon, risky int) string
	Marked                                                    func(n int) string
	FilteredTo                                                func(name string) string
	TopicLine                                                 func(name string, count int, expected float64, thin bool) string
	CSATCell                                                  func(avg float64, n int) string
	AcceptCell                                                func(accepted, decided int) string
	Viewing                                                   func(names []string) string
	AlsoOpen                                                  func(names []string) string
	Avg                                                       func(d string) string

	// Dialogs and notices.
	DrainTitle, DrainToQueue, DrainSpread, DrainStatusTitle string
	DrainKeepStatus, CapacityTitle, StatusTitleFor          string
	CapacityNone                                            string
	NotePrompt, NoteTitle, TakeoverDone                     string
	NoAgentSelected, NoChatSelected, SpreadNone             string
	Forbidden                                               string // the board is for leads
	ActDrain, ActTakeover, ActCapacity                      string
	Drained                                                 func(name string, moved, failed int) string
	Reassigned                                              func(moved, failed int) string
	SpreadHint                                              func(names []string) string
}

var enTeam = TeamCatalog{
	Title: "Team", Agents: "Agents", Chats: "Chats · risky and longest waiting first", Queue: "Queue",
	Charts: "Last hour", Topics: "Hot topics", CSAT: "CSAT · 7 days",
	ColName: "AGENT", ColStatus: "STATUS", ColLoad: "LOAD", ColChats: "CHATS", ColOldest: "OLDEST",
	ColHandle: "HANDLE", ColDone: "DONE", ColAccept: "ACCEPT", ColCustomer: "CUSTOMER", ColOwner: "OWNER",
	ColPrio: "PRIO", ColWait: "WAIT", ColSLA: "SLA", ColChannel: "CHANNEL", ColViewing: "OPEN BY", ColCSAT: "CSAT",
	NoAgents: "No agents yet.", NoChats: "No open chats.", Loading: "loading figures…",
	NothingRising: "nothing rising", NoRatings: "no ratings yet",
	QueueDepth: "queue", FirstResponse: "first reply", Sentiment: "sentiment",
	HotHour: "1h", HotDay: "24h", ByAgent: "agents", ByTopic: "topics",
	ByPriority: "priority", ByChannel: "channel", ByTeam: "team",
	InQueue: "queue", NoTeam: "(none)", NotWaiting: "—",
	Summary: func(online, agents, queued int, longest string, breached, soon, risky int) string {
		return fmt.Sprintf("queued %d · longest %s · angry/legal waiting %d · SLA breached %d · due ≤5m %d · online %d/%d",
			queued, longest, risky, breached, soon, online, agents)
	},
	Marked:     func(n int) string { return fmt.Sprintf("%d selected", n) },
	FilteredTo: func(name string) string { return "only " + name + " (enter again: all)" },
	TopicLine: func(name string, count int, expected float64, thin bool) string {
		s := fmt.Sprintf("%s %d", name, count)
		if expected > 0 {
			s += fmt.Sprintf(" (usual ~%.1f)", expected)
		} else {
			s += " (new)"
		}
		if thin {
			s += " few"
		}
		return s
	},
	CSATCell:   func(avg float64, n int) string { return fmt.Sprintf("%.1f (%d)", avg, n) },
	AcceptCell: acceptCell,
	Viewing:    func(names []string) string { return strings.Join(names, ", ") },
	AlsoOpen:   func(names []string) string { return "also open: " + strings.Join(names, ", ") },
	Avg:        func(d string) string { return "avg " + d },

	DrainTitle: "Drain: move every open chat to…", DrainToQueue: "back to the queue",
	DrainSpread: "spread over online teammates", DrainStatusTitle: "Then set them…",
	DrainKeepStatus: "leave status as is", CapacityTitle: "Capacity (chats at once)", CapacityNone: "takes nothing",
	StatusTitleFor: "Set status", NotePrompt: "note › ", NoteTitle: "Note to the assignee (enter sends, esc cancels)",
	TakeoverDone:    "taken over",
	NoAgentSelected: "Select an agent first (←/→ switches lists).", NoChatSelected: "Select a chat first (←/→ switches lists).",
	SpreadNone: "No online teammate to spread to.", Forbidden: "The team board is for leads and admins.",
	ActDrain: "drain", ActTakeover: "take over", ActCapacity: "capacity",
	Drained: func(name string, moved, failed int) string {
		if failed > 0 {
			return fmt.Sprintf("Drained %s: %d moved, %d refused.", name, moved, failed)
		}
		return fmt.Sprintf("Drained %s: %d moved.", name, moved)
	},
	Reassigned: func(moved, failed int) string {
		if failed > 0 {
			return fmt.Sprintf("Reassigned %d, %d refused (changed meanwhile).", moved, failed)
		}
		return fmt.Sprintf("Reassigned %d.", moved)
	},
	SpreadHint: func(names []string) string { return strings.Join(names, ", ") },
}

var zhTeam = TeamCatalog{
	Title: "团队", Agents: "坐席", Chats: "会话 · 高风险与等待最久优先", Queue: "队列",
	Charts: "近一小时", Topics: "热点话题", CSAT: "满意度 · 7 天",
	ColName: "坐席", ColStatus: "状态", ColLoad: "负载", ColChats: "会话", ColOldest: "最久未回",
	ColHandle: "处理时长", ColDone: "已结", ColAccept: "采纳", ColCustomer: "客户", ColOwner: "负责人",
	ColPrio: "优先", ColWait: "等待", ColSLA: "SLA", ColChannel: "渠道", ColViewing: "正在查看", ColCSAT: "满意度",
	NoAgents: "还没有坐席。", NoChats: "没有进行中的会话。", Loading: "正在加载统计…",
	NothingRising: "无明显上升", NoRatings: "暂无评分",
	QueueDepth: "排队", FirstResponse: "首次响应", Sentiment: "情绪",
	HotHour: "1小时", HotDay: "24小时", ByAgent: "按坐席", ByTopic: "按话题",
	ByPriority: "优先级", ByChannel: "渠道", ByTeam: "团队",
	InQueue: "队列", NoTeam: "（无）", NotWaiting: "—",
	Summary: func(online, agents, queued int, longest string, breached, soon, risky int) string {
		return fmt.Sprintf("排队 %d · 最久 %s · 愤怒/法律风险待回 %d · 已超 SLA %d · 5 分钟内到期 %d · 在线 %d/%d",
			queued, longest, risky, breached, soon, online, agents)
	},
	Marked:     func(n int) string { return fmt.Sprintf("已选 %d", n) },
	FilteredTo: func(name string) string { return "仅 " + name + "（再按回车：全部）" },
	TopicLine: func(name string, count int, expected float64, thin bool) string {
		s := fmt.Sprintf("%s %d", name, count)
		if expected > 0 {
			s += fmt.Sprintf("（平常约 %.1f）", expected)
		} else {
			s += "（新出现）"
		}
		if thin {
			s += " 样本少"
		}
		return s
	},
	CSATCell:   func(avg float64, n int) string { return fmt.Sprintf("%.1f（%d）", avg, n) },
	AcceptCell: acceptCell,
	Viewing:    func(names []string) string { return strings.Join(names, "、") },
	AlsoOpen:   func(names []string) string { return "同时打开：" + strings.Join(names, "、") },
	Avg:        func(d string) string { return "平均 " + d },

	DrainTitle: "清空：把所有进行中的会话移到…", DrainToQueue: "退回队列",
	DrainSpread: "分给在线同事", DrainStatusTitle: "然后把其状态设为…",
	DrainKeepStatus: "保持当前状态", CapacityTitle: "容量（同时处理的会话数）", CapacityNone: "不接会话",
	StatusTitleFor: "设置状态", NotePrompt: "留言 › ", NoteTitle: "给负责人留言（回车发送，esc 取消）",
	TakeoverDone:    "已接管",
	NoAgentSelected: "请先选择坐席（←/→ 切换列表）。", NoChatSelected: "请先选择会话（←/→ 切换列表）。",
	SpreadNone: "没有可分配的在线同事。", Forbidden: "团队看板仅供组长和管理员使用。",
	ActDrain: "清空", ActTakeover: "接管", ActCapacity: "容量",
	Drained: func(name string, moved, failed int) string {
		if failed > 0 {
			return fmt.Sprintf("已清空 %s：移走 %d 个，%d 个被拒。", name, moved, failed)
		}
		return fmt.Sprintf("已清空 %s：移走 %d 个。", name, moved)
	},
	Reassigned: func(moved, failed int) string {
		if failed > 0 {
			return fmt.Sprintf("已改派 %d 个，%d 个被拒（期间已变化）。", moved, failed)
		}
		return fmt.Sprintf("已改派 %d 个。", moved)
	},
	SpreadHint: func(names []string) string { return strings.Join(names, "、") },
}

func acceptCell(accepted, decided int) string {
	if decided == 0 {
		return "—"
	}
	return fmt.Sprintf("%d%% (%d)", (accepted*200+decided)/(2*decided), decided)
}

func init() {
	en.Team = enTeam
	zhCN.Team = zhTeam
}
