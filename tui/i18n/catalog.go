package i18n

import (
	"fmt"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
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
	// DeliveryQueued marks a reply or note in an offline desk's outbox;
	// WrittenSent a time stamp of one that went out later.
	DeliveryQueued  string
	WrittenSent     func(written, sent string) string
	DeliveryNoRoute func(channel string) string
	TranscriptEmpty string
	NewBelow        func(n int) string

	// Draft panel.
	DraftTitle, DraftStale, DraftStreaming, DraftSources, DraftNoSources string
	RejectTitle, RejectNotePrompt                                        string
	RejectNoteDone                                                       string // hint while the note is typed
	RejectWrongFacts, RejectWrongTone, RejectWrongLanguage               string
	RejectUnsafe, RejectIncomplete, RejectShouldEscalate, RejectOther    string
	RegeneratePrompt                                                     string
	// Regenerate dialog: title, quick-pick labels, the free-text row, and
	// the panel line while the new draft is being written.
	RegenerateTitle, RegenShorter, RegenFormal, RegenFriendlier string
	RegenEnglish, RegenChinese, RegenCite, RegenOwn             string
	DraftRegenerating                                           func(instruction string) string

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
	Review                         ReviewCatalog // review.go

	// Desk panes and the handoff card.
	PaneQueue, PaneConversation, PaneCopilot                     string
	CardReason, CardConfidence, CardSentiment, CardBotTried      string
	CardEvidence, CardSummary, CardProfile, CardNotEscalated     string
	CardLanguage, CardHistoryUnavailable, CardTrajectoryEmpty    string
	CardReachedOn, CardHistoryNone                               string
	CardHistory                                                  func(n int) string
	ReasonAsksForHuman, ReasonNegative, ReasonLegal, ReasonChurn string
	ReasonBotFailure, ReasonVIP, ReasonExplicit                  string
	ConvStatus                                                   func(status string) string
	NoConversation                                               string

	// Draft panel, beyond the titles above.
	DraftNone, DraftWarnings string
	DraftProvenance          func(provider, model, prompt string) string
	DraftOutcome             func(action protocol.Action, queued bool) string
	DraftKeys                string

	// Compose box.
	ComposeReply, ComposeNote, ComposeEdit, ComposeHint string
	// ComposeSize counts the box's bytes against the limit (shown near it);
	// NoticeTooLong refuses a send over it.
	ComposeSize   func(n, limit int) string
	NoticeTooLong func(n, limit int) string
	// Unsent text kept per conversation (esc, a refused send, a lost chat).
	NoticeKept, NoticeRestored, NoticeReplyKept, NoticeNoteKept, HeaderUnsent string
	// Asked before `a` sends a draft as is, and before resolving or
	// snoozing a chat whose customer waits.
	RiskyConfirm                         func(flag string) string
	LongConfirm                          func(chars int) string
	WaitingWarning                       func(wait string) string
	NoticeChatTaken, NoticeChatTakenKept func(customer, by string) string
	NoticeStatusSetBy                    func(status, by string) string
	NoticeCapacitySetBy                  func(n int, by string) string

	// Attachments (files.go).
	Files Files
	// Media is the customer's typing and image previews (media.go).
	Media Media

	// More dialogs.
	StatusTitle, ReassignTitle, CannedTitle, StaleConfirm, TeamQueue string
	DispResolved, DispAnswered, DispRefund, DispDuplicate, DispSpam  string
	DispNoResponse                                                   string
	Minutes                                                          func(n int) string

	// Request names, for notices.
	ActClaim, ActNext, ActRelease, ActSend, ActNote, ActTransfer, ActResolve  string
	ActSnooze, ActStatus, ActAccept, ActEdit, ActReject, ActReassign, ActOpen string
	ActOther                                                                  string
	NoticeQueueKey                                                            func(key, what string) string
	ActRegenerate                                                             string

	// Notices.
	NoticeNoDraft, NoticeNotYours, NoticeLeadOnly string
	NoticeDraftStreaming                          string
	// Why a regenerate was refused: someone else's conversation (forbidden),
	// a resolved or bot-handled one (conflict); and no draft came in time.
	NoticeRegenForbidden, NoticeRegenConflict, NoticeRegenLost     string
	NoticeEmptyQueue, NoticeAtCapacity, NoticeNothingToSend        string
	NoticeNotifyOn, NoticeNotifyOff, NoticeNoSources, NoticeNoMark string
	NoticeNotHere                                                  string
	NoticeTrainerReadOnly                                          string // a trainer tried to work a chat
	NoticeNotBuilt                                                 func(view string) string
	NoticeQueued                                                   func(what string) string
	NoticeDone                                                     func(what string) string
	NoticeFailed                                                   func(what, why string) string
	NoticeOffline                                                  func(what string) string
	NoticeAssigned                                                 func(customer string) string
	NoticeUndelivered                                              func(customer string) string
	NoticeEditorFailed                                             func(why string) string

	// Connection and the status bar.
	ConnRetry         func(d time.Duration) string
	ConnAuthFailed    string
	ConnCertUntrusted string // offline because the server's TLS certificate is not trusted
	ConnStopped       string
	Outbox            func(n int) string
	QuitPending       func(n int) string // quit while offline with the outbox not empty
	QuitTyping        string             // quit (ctrl+c) while text is being written
	QuitKept          func(n int) string // quit with unsent text kept in n chats (box closed with esc, chat lost)

	// Team is the lead's team board (team.go).
	Team TeamCatalog
	// Conn is what the desk says about its connection (conn.go).
	Conn ConnCatalog
	// Bot holds the front-line bot's strings (handoff card, team board).
	Bot BotCatalog
	// ErrorWords are the server's error codes in words (errors.go); nil:
	// the server's own (English) message is the desk's language.
	ErrorWords map[protocol.Code]string
	// DraftWarns are the copilot's draft warning codes in words (warnings.go).
	DraftWarns map[string]string
	// Intents are the copilot's intent codes in words (intents.go).
	Intents map[string]string
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
	DeliveryQueued:  "queued, sends when online",
	WrittenSent:     func(written, sent string) string { return written + " (sent " + sent + ")" },
	DeliveryNoRoute: func(ch string) string { return "not sent: no delivery configured for channel " + ch },
	TranscriptEmpty: "No messages yet.",
	NewBelow:        func(n int) string { return fmt.Sprintf("↓ %d new", n) },

	DraftTitle: "AI draft", DraftStale: "stale: the customer wrote again", DraftStreaming: "streaming…",
	DraftSources: "Sources", DraftNoSources: "cites no source — check before sending",
	RejectTitle: "Reject draft: why?", RejectNotePrompt: "Note (optional): ",
	RejectNoteDone:   "⏎/tab done, then pick a reason (1-7)",
	RejectWrongFacts: "wrong facts", RejectWrongTone: "wrong tone", RejectWrongLanguage: "wrong language",
	RejectUnsafe: "unsafe / policy", RejectIncomplete: "incomplete", RejectShouldEscalate: "should escalate",
	RejectOther:      "other",
	RegeneratePrompt: "Your own: ",
	RegenerateTitle:  "Regenerate the draft: how?", RegenShorter: "shorter", RegenFormal: "more formal",
	RegenFriendlier: "friendlier", RegenEnglish: "answer in English", RegenChinese: "用中文回答 (answer in Chinese)",
	RegenCite: "cite the policy", RegenOwn: "type an instruction, ⏎ to send",
	DraftRegenerating: func(in string) string {
		if in == "" {
			return "regenerating…"
		}
		return "regenerating… (" + in + ")"
	},

	StatusOnline: "online", StatusAway: "away", StatusOffline: "offline",
	ConnConnected: "connected", ConnConnecting: "reconnecting…", ConnOffline: "offline — actions queued",
	Demo:   "DEMO",
	Load:   func(load, capacity int) string { return fmt.Sprintf("load %d/%d", load, capacity) },
	Queued: func(n int) string { return fmt.Sprintf("%d queued", n) },

	HelpTitle: "Keys", PaletteTitle: "Commands", PalettePlaceholder: "type to search commands",
	ConfirmQuit: "Quit agentdesk?", Yes: "yes", No: "no", Cancel: "cancel",
	TransferTitle: "Transfer to", ResolveTitle: "Resolve as", SnoozeTitle: "Snooze for",

	ViewDesk: "Desk", ViewTeam: "Team", ViewReview: "Review", Review: reviewEN,

	PaneQueue: "Queue", PaneConversation: "Conversation", PaneCopilot: "Copilot",
	CardReason: "Why", CardConfidence: "Bot confidence", CardSentiment: "Sentiment", CardBotTried: "Bot said / promised",
	CardEvidence: "Evidence", CardSummary: "Summary", CardProfile: "Customer", CardNotEscalated: "not escalated",
	CardLanguage: "Language", CardHistoryUnavailable: "history across channels: not provided by this server",
	CardReachedOn: "Reached on", CardHistoryNone: "No other conversations.",
	CardHistory: func(n int) string {
		if n == 1 {
			return "1 other conversation"
		}
		return fmt.Sprintf("%d other conversations", n)
	},
	CardTrajectoryEmpty: "no readings yet",
	ReasonAsksForHuman:  "asked for a human", ReasonNegative: "negative sentiment", ReasonLegal: "legal threat", ReasonChurn: "threatens to leave",
	ReasonBotFailure: "bot could not help", ReasonVIP: "VIP customer", ReasonExplicit: "escalated by rule",
	ConvStatus: func(s string) string {
		switch s {
		case "queued":
			return "waiting"
		case "assigned":
			return "assigned"
		case "snoozed":
			return "snoozed"
		case "resolved":
			return "resolved"
		case "bot":
			return "with the bot"
		}
		return s
	},
	NoConversation: "Pick a conversation in the queue (enter) or take the next one (n).",

	DraftNone: "No AI draft for this conversation.", DraftWarnings: "Check",
	DraftProvenance: func(provider, model, prompt string) string {
		return fmt.Sprintf("%s · %s · prompt %s", provider, model, prompt)
	},
	DraftOutcome: func(action protocol.Action, queued bool) string {
		verb := string(action.Status())
		if verb == "" {
			verb = string(action)
		}
		if queued {
			return verb + " — waiting in the outbox"
		}
		return verb
	},
	DraftKeys: "a accept · e edit · E $EDITOR · x reject · R regenerate",

	ComposeReply: "Reply to the customer", ComposeNote: "Internal note (staff only)", ComposeEdit: "Edit the AI draft",
	ComposeHint: "ctrl+s send · esc cancel · ctrl+e $EDITOR · ctrl+k canned · /shortcut expands",
	ComposeSize: func(n, limit int) string {
		if n > limit {
			return fmt.Sprintf("%d bytes — %d over the %d KiB a message can hold; shorten it to send", n, n-limit, limit>>10)
		}
		return fmt.Sprintf("%.1f of %d KiB", float64(n)/1024, limit>>10)
	},
	NoticeTooLong: func(n, limit int) string {
		return fmt.Sprintf("Not sent: %d bytes, %d over the %d KiB limit. The text stays in the box.", n, n-limit, limit>>10)
	},
	HeaderUnsent:    "✎ unsent text",
	RiskyConfirm:    func(flag string) string { return "This chat is flagged " + flag + ". Send the draft as it is?" },
	LongConfirm:     func(n int) string { return fmt.Sprintf("Send the whole %d-character draft as it is?", n) },
	WaitingWarning:  func(wait string) string { return "⚠ the customer has waited " + wait + " for an answer" },
	NoticeKept:      "Unsent text kept for this chat — r (or e for a draft edit) brings it back.",
	NoticeRestored:  "Your unsent text is back in the box.",
	NoticeReplyKept: "Your reply is kept: r to try again, i to post it as an internal note.",
	NoticeNoteKept:  "Your note is kept: i to try again.",
	NoticeChatTaken: func(customer, by string) string { return by + " now has your chat with " + customer + "." },
	NoticeChatTakenKept: func(customer, by string) string {
		return by + " now has your chat with " + customer + ". What you were writing is kept: i posts it as an internal note."
	},
	NoticeStatusSetBy:   func(status, by string) string { return by + " set your status to " + status + "." },
	NoticeCapacitySetBy: func(n int, by string) string { return fmt.Sprintf("%s set your capacity to %d chats.", by, n) },

	StatusTitle: "Set my status", ReassignTitle: "Reassign to", CannedTitle: "Canned replies",
	StaleConfirm: "The customer wrote after this draft. Send it anyway?", TeamQueue: "team queue",
	DispResolved: "resolved", DispAnswered: "answered", DispRefund: "refund issued", DispDuplicate: "duplicate",
	DispSpam: "spam", DispNoResponse: "no response",
	Minutes: func(n int) string {
		if n%60 == 0 {
			return fmt.Sprintf("%d h", n/60)
		}
		return fmt.Sprintf("%d min", n)
	},

	ActClaim: "claim", ActNext: "take next", ActRelease: "release", ActSend: "reply", ActNote: "note",
	ActTransfer: "transfer", ActResolve: "resolve", ActSnooze: "snooze", ActStatus: "status", ActOther: "request",
	NoticeQueueKey: func(key, what string) string {
		return key + " (" + what + ") works in the queue pane — esc or tab goes there."
	},
	ActAccept: "accept draft", ActEdit: "edited draft", ActReject: "reject draft", ActReassign: "reassign",
	ActOpen: "open conversation", ActRegenerate: "regenerate",

	NoticeNoDraft: "No open AI draft here.", NoticeDraftStreaming: "The AI draft is still being written; wait for it to finish.", NoticeNotYours: "Claim this conversation first (c).",
	NoticeLeadOnly: "Only leads and admins can do that.", NoticeRegenLost: "No new draft arrived; try regenerate again.",
	NoticeRegenForbidden: "Regenerate refused: this conversation is someone else's.",
	NoticeRegenConflict:  "Regenerate refused: the conversation is resolved or back with the bot.",
	NoticeEmptyQueue:     "The queue is empty.", NoticeAtCapacity: "You are at capacity.",
	NoticeNothingToSend: "Nothing to send.", NoticeNotifyOn: "Notifications on.", NoticeNotifyOff: "Notifications off.",
	NoticeNoSources: "This draft cites no source.", NoticeNoMark: "Mark conversations with space first.",
	NoticeNotHere:         "That key works inside its dialog.",
	NoticeTrainerReadOnly: "Trainers read conversations here but do not take or answer them — Review is on 3.",
	NoticeNotBuilt:        func(v string) string { return v + " view is not part of this desk yet." },
	NoticeQueued:          func(w string) string { return w + ": queued, sent when connected" },
	NoticeDone:            func(w string) string { return w + " ✓" },
	NoticeFailed:          func(w, why string) string { return w + " failed: " + why },
	NoticeOffline:         func(w string) string { return "Offline: " + w + " needs the server — try again when connected." },
	NoticeAssigned:        func(c string) string { return "New conversation for you: " + c },
	NoticeUndelivered:     func(c string) string { return "Your reply to " + c + " was not delivered ✗" },
	NoticeEditorFailed:    func(why string) string { return "Editor failed: " + why },

	ConnRetry: func(d time.Duration) string {
		return "offline — retry in " + compactDuration(d.Round(time.Second), "s", "m", "h", "d")
	},
	ConnAuthFailed: "token refused — create a new one", ConnStopped: "stopped",
	ConnCertUntrusted: "server certificate not trusted — pass its CA with --ca (or ca_file)",
	Outbox:            func(n int) string { return fmt.Sprintf("outbox %d", n) },
	QuitTyping:        "What you are typing is not sent or saved. Quit anyway?",
	QuitKept: func(n int) string {
		if n == 1 {
			return "Unsent text in 1 chat is lost when the desk closes. Quit anyway?"
		}
		return fmt.Sprintf("Unsent text in %d chats is lost when the desk closes. Quit anyway?", n)
	},
	QuitPending: func(n int) string {
		return fmt.Sprintf("Offline: %d not sent yet (kept in the outbox, sent when this desk next connects). Quit anyway?", n)
	},
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
	DeliveryQueued:  "已排队，联网后发出",
	WrittenSent:     func(written, sent string) string { return written + "（" + sent + " 发出）" },
	DeliveryNoRoute: func(ch string) string { return "未发出：渠道 " + ch + " 未配置投递" },
	TranscriptEmpty: "暂无消息。",
	NewBelow:        func(n int) string { return fmt.Sprintf("↓ %d 条新消息", n) },

	DraftTitle: "AI 草稿", DraftStale: "已过时：客户有新消息", DraftStreaming: "生成中…",
	DraftSources: "来源", DraftNoSources: "未引用任何来源——发送前请核实",
	RejectTitle: "拒绝草稿：原因？", RejectNotePrompt: "备注（可选）：",
	RejectNoteDone:   "⏎/tab 写完，再选择原因（1-7）",
	RejectWrongFacts: "事实错误", RejectWrongTone: "语气不当", RejectWrongLanguage: "语言不对",
	RejectUnsafe: "不安全/违规", RejectIncomplete: "不完整", RejectShouldEscalate: "应升级",
	RejectOther:      "其他",
	RegeneratePrompt: "自定义：",
	RegenerateTitle:  "重新生成草稿：怎么改？", RegenShorter: "更简短", RegenFormal: "更正式",
	RegenFriendlier: "更亲切", RegenEnglish: "用英文回答", RegenChinese: "用中文回答",
	RegenCite: "引用相关政策", RegenOwn: "输入修改要求，⏎ 发送",
	DraftRegenerating: func(in string) string {
		if in == "" {
			return "正在重新生成…"
		}
		return "正在重新生成…（" + in + "）"
	},

	StatusOnline: "在线", StatusAway: "离开", StatusOffline: "离线",
	ConnConnected: "已连接", ConnConnecting: "重新连接中…", ConnOffline: "离线——操作已排队",
	Demo:   "演示",
	Load:   func(load, capacity int) string { return fmt.Sprintf("负载 %d/%d", load, capacity) },
	Queued: func(n int) string { return fmt.Sprintf("%d 个排队", n) },

	HelpTitle: "快捷键", PaletteTitle: "命令", PalettePlaceholder: "输入以搜索命令",
	ConfirmQuit: "退出 agentdesk？", Yes: "是", No: "否", Cancel: "取消",
	TransferTitle: "转接给", ResolveTitle: "结束原因", SnoozeTitle: "稍后处理",

	ViewDesk: "工作台", ViewTeam: "团队", ViewReview: "复核", Review: reviewZH,

	PaneQueue: "队列", PaneConversation: "会话", PaneCopilot: "助手",
	CardReason: "转人工原因", CardConfidence: "机器人置信度", CardSentiment: "情绪", CardBotTried: "机器人已说/承诺",
	CardEvidence: "依据", CardSummary: "摘要", CardProfile: "客户", CardNotEscalated: "未转人工",
	CardLanguage: "语言", CardHistoryUnavailable: "跨渠道历史：此服务器未提供",
	CardReachedOn: "联系方式", CardHistoryNone: "没有其他会话。",
	CardHistory:         func(n int) string { return fmt.Sprintf("其他会话 %d 个", n) },
	CardTrajectoryEmpty: "暂无读数",
	ReasonAsksForHuman:  "客户要求人工", ReasonNegative: "负面情绪", ReasonLegal: "法律威胁", ReasonChurn: "流失风险",
	ReasonBotFailure: "机器人无法解决", ReasonVIP: "VIP 客户", ReasonExplicit: "规则触发",
	ConvStatus: func(s string) string {
		switch s {
		case "queued":
			return "等待中"
		case "assigned":
			return "已分配"
		case "snoozed":
			return "稍后处理"
		case "resolved":
			return "已结束"
		case "bot":
			return "机器人处理中"
		}
		return s
	},
	NoConversation: "在队列中选择会话（回车）或领取下一个（n）。",

	DraftNone: "此会话暂无 AI 草稿。", DraftWarnings: "注意",
	DraftProvenance: func(provider, model, prompt string) string {
		return fmt.Sprintf("%s · %s · 提示词 %s", provider, model, prompt)
	},
	DraftOutcome: func(action protocol.Action, queued bool) string {
		verb := map[protocol.Action]string{protocol.ActionAccept: "已采纳", protocol.ActionEdit: "已编辑", protocol.ActionReject: "已拒绝"}[action]
		if verb == "" {
			verb = string(action)
		}
		if queued {
			return verb + "——在发件箱等待发送"
		}
		return verb
	},
	DraftKeys: "a 采纳 · e 编辑 · E $EDITOR · x 拒绝 · R 重新生成",

	ComposeReply: "回复客户", ComposeNote: "内部备注（仅员工可见）", ComposeEdit: "编辑 AI 草稿",
	ComposeHint: "ctrl+s 发送 · esc 取消 · ctrl+e $EDITOR · ctrl+k 快捷回复 · /缩写 展开",
	ComposeSize: func(n, limit int) string {
		if n > limit {
			return fmt.Sprintf("%d 字节——超出单条消息上限 %d KiB 共 %d 字节；请删减后再发送", n, limit>>10, n-limit)
		}
		return fmt.Sprintf("%.1f / %d KiB", float64(n)/1024, limit>>10)
	},
	NoticeTooLong: func(n, limit int) string {
		return fmt.Sprintf("未发送：%d 字节，超出上限 %d KiB 共 %d 字节。文字仍保留在输入框中。", n, limit>>10, n-limit)
	},
	HeaderUnsent: "✎ 有未发送内容",
	RiskyConfirm: func(flag string) string {
		return "此会话标记为「" + flag + "」。确定按原样发送草稿？"
	},
	LongConfirm:     func(n int) string { return fmt.Sprintf("确定按原样发送这份 %d 字的草稿？", n) },
	WaitingWarning:  func(wait string) string { return "⚠ 客户已等待回复 " + wait },
	NoticeKept:      "未发送的文字已为此会话保留——按 r（草稿编辑按 e）可恢复。",
	NoticeRestored:  "未发送的文字已恢复到输入框。",
	NoticeReplyKept: "你的回复已保留：按 r 重试，按 i 作为内部备注发布。",
	NoticeNoteKept:  "你的备注已保留：按 i 重试。",
	NoticeChatTaken: func(customer, by string) string { return "你与" + customer + "的会话已转给" + by + "。" },
	NoticeChatTakenKept: func(customer, by string) string {
		return "你与" + customer + "的会话已转给" + by + "。你正在写的内容已保留：按 i 作为内部备注发布。"
	},
	NoticeStatusSetBy: func(status, by string) string { return by + "将你的状态设为" + status + "。" },
	NoticeCapacitySetBy: func(n int, by string) string {
		return fmt.Sprintf("%s将你的接待上限设为 %d 个会话。", by, n)
	},

	StatusTitle: "设置我的状态", ReassignTitle: "改派给", CannedTitle: "快捷回复",
	StaleConfirm: "客户在此草稿后又发了消息。仍要发送吗？", TeamQueue: "团队队列",
	DispResolved: "已解决", DispAnswered: "已答复", DispRefund: "已退款", DispDuplicate: "重复",
	DispSpam: "垃圾消息", DispNoResponse: "客户无回应",
	Minutes: func(n int) string {
		if n%60 == 0 {
			return fmt.Sprintf("%d 小时", n/60)
		}
		return fmt.Sprintf("%d 分钟", n)
	},

	ActClaim: "认领", ActNext: "领取下一个", ActRelease: "退回", ActSend: "回复", ActNote: "备注",
	ActTransfer: "转接", ActResolve: "结束", ActSnooze: "稍后处理", ActStatus: "状态", ActOther: "请求",
	NoticeQueueKey: func(key, what string) string {
		return key + "（" + what + "）在队列窗格中使用——按 esc 或 tab 切换过去。"
	},
	ActAccept: "采纳草稿", ActEdit: "编辑后发送", ActReject: "拒绝草稿", ActReassign: "改派",
	ActOpen: "打开会话", ActRegenerate: "重新生成",

	NoticeNoDraft: "这里没有待处理的 AI 草稿。", NoticeDraftStreaming: "AI 草稿仍在生成，请稍候。", NoticeNotYours: "请先认领此会话（c）。",
	NoticeLeadOnly: "只有组长和管理员可以这样做。", NoticeRegenLost: "没有收到新草稿，请再试一次。",
	NoticeRegenForbidden: "无法重新生成：此会话属于其他客服。",
	NoticeRegenConflict:  "无法重新生成：会话已解决或已转回机器人。",
	NoticeEmptyQueue:     "队列为空。", NoticeAtCapacity: "你已达到接待上限。",
	NoticeNothingToSend: "没有可发送的内容。", NoticeNotifyOn: "通知已开启。", NoticeNotifyOff: "通知已关闭。",
	NoticeNoSources: "此草稿未引用任何来源。", NoticeNoMark: "请先用空格选择会话。",
	NoticeNotHere:         "该按键只在对应对话框中有效。",
	NoticeTrainerReadOnly: "培训师在这里只能查看会话，不能领取或回复——复核请按 3。",
	NoticeNotBuilt:        func(v string) string { return v + "视图尚未加入工作台。" },
	NoticeQueued:          func(w string) string { return w + "：已排队，连接后发送" },
	NoticeDone:            func(w string) string { return w + " ✓" },
	NoticeFailed:          func(w, why string) string { return w + "失败：" + why },
	NoticeOffline:         func(w string) string { return "离线：" + w + "需要连接服务器，请连接后重试。" },
	NoticeAssigned:        func(c string) string { return "新会话分配给你：" + c },
	NoticeUndelivered:     func(c string) string { return "你给 " + c + " 的回复发送失败 ✗" },
	NoticeEditorFailed:    func(why string) string { return "编辑器出错：" + why },

	ConnRetry: func(d time.Duration) string {
		return "离线——" + compactDuration(d.Round(time.Second), "秒", "分", "时", "天") + "后重试"
	},
	ConnAuthFailed: "令牌被拒绝——请新建令牌", ConnStopped: "已停止",
	ConnCertUntrusted: "不信任服务器证书——请用 --ca（或 ca_file）指定其 CA",
	Outbox:            func(n int) string { return fmt.Sprintf("发件箱 %d", n) },
	QuitTyping:        "正在输入的内容尚未发送或保存。仍要退出吗？",
	QuitKept: func(n int) string {
		return fmt.Sprintf("%d 个会话里有未发送的内容，关闭工作台后会丢失。仍要退出吗？", n)
	},
	QuitPending: func(n int) string {
		return fmt.Sprintf("离线：%d 条尚未发送（保存在发件箱，本工作台下次连上时发送）。仍要退出吗？", n)
	},
}
