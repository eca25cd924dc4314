package i18n

import (
	"fmt"
	"time"
)

// Catalog is every UI string of the desk in one language. Fields that take
// values are functions so word order can differ between languages.
type Catalog struct {
	// Queue tabs and columns.
	TabMine, TabUnassigned, TabAll                      string
	ColChannel, ColCustomer, ColWait, ColSLA, ColStatus string
	ColSummary, ColAssignee                             string
	QueueEmpty                                          string
	FilterPrompt                                        string
	NoMatch                                             func(query string) string
	Unassigned                                          string
	Count                                               func(shown, total int) string

	// Durations and deadlines, kept short: they sit in narrow columns.
	Duration   func(d time.Duration) string
	SLALeft    func(d time.Duration) string
	SLAOverdue func(d time.Duration) string

	// Badges.
	VIP, FlagAngry, FlagChurnRisk, FlagLegalThreat, FlagUrgent, FlagAsksForHuman string
	SentimentNegative, SentimentNeutral, SentimentPositive                       string

	// Channels with a known label; others show the raw (sanitized) name.
	ChannelWeb, ChannelWeChat, ChannelEmail, ChannelPhone, ChannelSMS, ChannelApp string

	// Transcript.
	AuthorCustomer, AuthorBot, AuthorAgent, AuthorSystem, AuthorNote string
	DeliveryPending, DeliveryDelivered, DeliveryFailed               string
	TranscriptEmpty                                                  string
	NewBelow                                                         func(n int) string

	// Draft panel.
	DraftTitle, DraftStale, DraftStreaming, DraftSources, DraftNoSources string
	RejectTitle, RejectNotePrompt                                        string
	RejectWrongFacts, RejectWrongTone, RejectWrongLanguage               string
	RejectUnsafe, RejectIncomplete, RejectShouldEscalate, RejectOther    string
	RegeneratePrompt                                                     string

	// Status bar.
	StatusOnline, StatusAway, StatusOffline    string
	ConnConnected, ConnConnecting, ConnOffline string
	Demo                                       string
	Load                                       func(load, capacity int) string
	Queued                                     func(n int) string

	// Overlays and dialogs.
	HelpTitle, PaletteTitle, PalettePlaceholder string
	ConfirmQuit, Yes, No, Cancel                string
	TransferTitle, ResolveTitle, SnoozeTitle    string

	// Views.
	ViewDesk, ViewTeam, ViewReview string
}

// RejectReason returns the label of a protocol reject reason, or the
// reason itself when it is unknown (a newer server may add reasons).
func (c *Catalog) RejectReason(reason string) string {
	switch reason {
	case "wrong_facts":
		return c.RejectWrongFacts
	case "wrong_tone":
		return c.RejectWrongTone
	case "wrong_language":
		return c.RejectWrongLanguage
	case "unsafe":
		return c.RejectUnsafe
	case "incomplete":
		return c.RejectIncomplete
	case "should_escalate":
		return c.RejectShouldEscalate
	case "other":
		return c.RejectOther
	}
	return reason
}

// Flag returns the badge label of a protocol conversation flag, or "" when
// the flag is unknown.
func (c *Catalog) Flag(flag string) string {
	switch flag {
	case "angry":
		return c.FlagAngry
	case "churn_risk":
		return c.FlagChurnRisk
	case "legal_threat":
		return c.FlagLegalThreat
	case "urgent":
		return c.FlagUrgent
	case "asks_for_human":
		return c.FlagAsksForHuman
	}
	return ""
}

// Channel returns the label of a channel, ok=false when there is none.
func (c *Catalog) Channel(ch string) (string, bool) {
	switch ch {
	case "web", "webchat", "chat":
		return c.ChannelWeb, true
	case "wechat", "weixin":
		return c.ChannelWeChat, true
	case "email", "mail":
		return c.ChannelEmail, true
	case "phone", "voice":
		return c.ChannelPhone, true
	case "sms":
		return c.ChannelSMS, true
	case "app":
		return c.ChannelApp, true
	}
	return "", false
}

// Author returns the label of a protocol message author kind.
func (c *Catalog) Author(kind string) string {
	switch kind {
	case "customer":
		return c.AuthorCustomer
	case "bot":
		return c.AuthorBot
	case "agent":
		return c.AuthorAgent
	case "note":
		return c.AuthorNote
	}
	return c.AuthorSystem
}

// compactDuration formats d in at most two units, the way both languages
// show waits: units are the only part that changes.
func compactDuration(d time.Duration, sec, min, hour, day string) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d%s", int(d/time.Second), sec)
	case d < time.Hour:
		return fmt.Sprintf("%d%s", int(d/time.Minute), min)
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d%s", h, hour)
		}
		return fmt.Sprintf("%d%s%d%s", h, hour, m, min)
	default:
		days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			return fmt.Sprintf("%d%s", days, day)
		}
		return fmt.Sprintf("%d%s%d%s", days, day, h, hour)
	}
}

var en = Catalog{
	TabMine: "Mine", TabUnassigned: "Unassigned", TabAll: "All",
	ColChannel: "Ch", ColCustomer: "Customer", ColWait: "Wait", ColSLA: "SLA", ColStatus: "Flag",
	ColSummary: "Summary", ColAssignee: "Assignee",
	QueueEmpty:   "No conversations waiting.",
	FilterPrompt: "Filter: ",
	NoMatch:      func(q string) string { return fmt.Sprintf("Nothing matches %q.", q) },
	Unassigned:   "—",
	Count:        func(shown, total int) string { return fmt.Sprintf("%d of %d", shown, total) },

	Duration:   func(d time.Duration) string { return compactDuration(d, "s", "m", "h", "d") },
	SLALeft:    func(d time.Duration) string { return compactDuration(d, "s", "m", "h", "d") },
	SLAOverdue: func(d time.Duration) string { return "-" + compactDuration(d, "s", "m", "h", "d") },

	VIP: "VIP", FlagAngry: "angry", FlagChurnRisk: "churn", FlagLegalThreat: "legal",
	FlagUrgent: "urgent", FlagAsksForHuman: "human",
	SentimentNegative: "neg", SentimentNeutral: "neu", SentimentPositive: "pos",

	ChannelWeb: "web", ChannelWeChat: "wechat", ChannelEmail: "email", ChannelPhone: "phone",
	ChannelSMS: "sms", ChannelApp: "app",

	AuthorCustomer: "Customer", AuthorBot: "Bot", AuthorAgent: "Agent", AuthorSystem: "System",
	AuthorNote:      "Internal note",
	DeliveryPending: "sending…", DeliveryDelivered: "delivered", DeliveryFailed: "not delivered",
	TranscriptEmpty: "No messages yet.",
	NewBelow:        func(n int) string { return fmt.Sprintf("↓ %d new", n) },

	DraftTitle: "AI draft", DraftStale: "stale: the customer wrote again", DraftStreaming: "writing…",
	DraftSources: "Sources", DraftNoSources: "cites no source — check before sending",
	RejectTitle: "Reject draft: why?", RejectNotePrompt: "Note (optional): ",
	RejectWrongFacts: "wrong facts", RejectWrongTone: "wrong tone", RejectWrongLanguage: "wrong language",
	RejectUnsafe: "unsafe / policy", RejectIncomplete: "incomplete", RejectShouldEscalate: "should escalate",
	RejectOther:      "other",
	RegeneratePrompt: "Regenerate: ",

	StatusOnline: "online", StatusAway: "away", StatusOffline: "offline",
	ConnConnected: "connected", ConnConnecting: "reconnecting…", ConnOffline: "offline — actions queued",
	Demo:   "DEMO",
	Load:   func(load, capacity int) string { return fmt.Sprintf("load %d/%d", load, capacity) },
	Queued: func(n int) string { return fmt.Sprintf("%d queued", n) },

	HelpTitle: "Keys", PaletteTitle: "Commands", PalettePlaceholder: "type to search commands",
	ConfirmQuit: "Quit agentdesk?", Yes: "yes", No: "no", Cancel: "cancel",
	TransferTitle: "Transfer to", ResolveTitle: "Resolve as", SnoozeTitle: "Snooze for",

	ViewDesk: "Desk", ViewTeam: "Team", ViewReview: "Review",
}

var zhCN = Catalog{
	TabMine: "我的", TabUnassigned: "未分配", TabAll: "全部",
	ColChannel: "渠道", ColCustomer: "客户", ColWait: "等待", ColSLA: "时限", ColStatus: "标记",
	ColSummary: "摘要", ColAssignee: "处理人",
	QueueEmpty:   "暂无等待中的会话。",
	FilterPrompt: "筛选：",
	NoMatch:      func(q string) string { return fmt.Sprintf("没有匹配“%s”的会话。", q) },
	Unassigned:   "—",
	Count:        func(shown, total int) string { return fmt.Sprintf("%d / %d", shown, total) },

	Duration:   func(d time.Duration) string { return compactDuration(d, "秒", "分", "时", "天") },
	SLALeft:    func(d time.Duration) string { return compactDuration(d, "秒", "分", "时", "天") },
	SLAOverdue: func(d time.Duration) string { return "超" + compactDuration(d, "秒", "分", "时", "天") },

	VIP: "VIP", FlagAngry: "愤怒", FlagChurnRisk: "流失", FlagLegalThreat: "法律",
	FlagUrgent: "紧急", FlagAsksForHuman: "转人工",
	SentimentNegative: "负面", SentimentNeutral: "中性", SentimentPositive: "正面",

	ChannelWeb: "网页", ChannelWeChat: "微信", ChannelEmail: "邮件", ChannelPhone: "电话",
	ChannelSMS: "短信", ChannelApp: "App",

	AuthorCustomer: "客户", AuthorBot: "机器人", AuthorAgent: "客服", AuthorSystem: "系统",
	AuthorNote:      "内部备注",
	DeliveryPending: "发送中…", DeliveryDelivered: "已送达", DeliveryFailed: "发送失败",
	TranscriptEmpty: "暂无消息。",
	NewBelow:        func(n int) string { return fmt.Sprintf("↓ %d 条新消息", n) },

	DraftTitle: "AI 草稿", DraftStale: "已过时：客户有新消息", DraftStreaming: "生成中…",
	DraftSources: "来源", DraftNoSources: "未引用任何来源——发送前请核实",
	RejectTitle: "拒绝草稿：原因？", RejectNotePrompt: "备注（可选）：",
	RejectWrongFacts: "事实错误", RejectWrongTone: "语气不当", RejectWrongLanguage: "语言不对",
	RejectUnsafe: "不安全/违规", RejectIncomplete: "不完整", RejectShouldEscalate: "应升级",
	RejectOther:      "其他",
	RegeneratePrompt: "重新生成：",

	StatusOnline: "在线", StatusAway: "离开", StatusOffline: "离线",
	ConnConnected: "已连接", ConnConnecting: "重新连接中…", ConnOffline: "离线——操作已排队",
	Demo:   "演示",
	Load:   func(load, capacity int) string { return fmt.Sprintf("负载 %d/%d", load, capacity) },
	Queued: func(n int) string { return fmt.Sprintf("%d 个排队", n) },

	HelpTitle: "快捷键", PaletteTitle: "命令", PalettePlaceholder: "输入以搜索命令",
	ConfirmQuit: "退出 agentdesk？", Yes: "是", No: "否", Cancel: "取消",
	TransferTitle: "转接给", ResolveTitle: "结束原因", SnoozeTitle: "稍后处理",

	ViewDesk: "工作台", ViewTeam: "团队", ViewReview: "复核",
}
