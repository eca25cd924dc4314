package keymap

// Action is the stable name of something the desk can do. Names are what a
// user writes in the [keys] table of the config file and what the command
// palette lists, so they never change once released.
type Action string

// Scope is where an action applies: the focused pane or the open dialog.
type Scope string

// Scopes. A key press is looked up in the focused scope first, then in its
// parents (see [Parent]); text-entry and modal scopes have no parent, so a
// printable key there is typed rather than triggering a global action.
const (
	ScopeGlobal  Scope = "global"
	ScopeQueue   Scope = "queue"
	ScopeConv    Scope = "conv"    // transcript, handoff card and draft panel of the open conversation
	ScopeCompose Scope = "compose" // reply / note / draft editor (text entry)
	ScopeFilter  Scope = "filter"  // queue filter input (text entry)
	ScopeReject  Scope = "reject"  // reject-reason dialog (modal)
	ScopeDialog  Scope = "dialog"  // list dialogs: transfer, resolve, snooze, confirm (modal)
	ScopePalette Scope = "palette" // command palette (text entry)
	ScopeTeam    Scope = "team"    // lead's team board
	ScopeReview  Scope = "review"  // trainer's review queue
)

// Scopes lists every scope in help order.
var Scopes = []Scope{
	ScopeQueue, ScopeConv, ScopeCompose, ScopeFilter, ScopeReject, ScopeDialog,
	ScopePalette, ScopeTeam, ScopeReview, ScopeGlobal,
}

// Parent returns the scope consulted after s, or "" when there is none.
func Parent(s Scope) Scope {
	switch s {
	case ScopeQueue, ScopeConv, ScopeTeam, ScopeReview:
		return ScopeGlobal
	}
	return ""
}

// Global actions.
const (
	FocusNext    Action = "focus.next"
	FocusPrev    Action = "focus.prev"
	PaletteOpen  Action = "palette.open"
	HelpToggle   Action = "help.toggle"
	StatusCycle  Action = "status.cycle"
	ViewDesk     Action = "view.desk"
	ViewTeam     Action = "view.team"
	ViewReview   Action = "view.review"
	AppRedraw    Action = "app.redraw"
	AppQuit      Action = "app.quit"
	NotifyToggle Action = "notify.toggle"
)

// Queue actions.
const (
	QueueUp            Action = "queue.up"
	QueueDown          Action = "queue.down"
	QueuePageUp        Action = "queue.page.up"
	QueuePageDown      Action = "queue.page.down"
	QueueTop           Action = "queue.top"
	QueueBottom        Action = "queue.bottom"
	QueueOpen          Action = "queue.open"
	QueueClaim         Action = "queue.claim"
	QueueNext          Action = "queue.next"
	QueueFilter        Action = "queue.filter"
	QueueFilterClear   Action = "queue.filter.clear"
	QueueTabMine       Action = "queue.tab.mine"
	QueueTabUnassigned Action = "queue.tab.unassigned"
	QueueTabAll        Action = "queue.tab.all"
	QueueTabNext       Action = "queue.tab.next"
	QueueTabPrev       Action = "queue.tab.prev"
	QueueSelect        Action = "queue.select"
	QueueReassign      Action = "queue.reassign"
)

// Conversation and draft actions.
const (
	ConvScrollUp      Action = "conv.scroll.up"
	ConvScrollDown    Action = "conv.scroll.down"
	ConvPageUp        Action = "conv.page.up"
	ConvPageDown      Action = "conv.page.down"
	ConvTop           Action = "conv.top"
	ConvBottom        Action = "conv.bottom"
	ConvBack          Action = "conv.back"
	ConvClaim         Action = "conv.claim"
	ConvRelease       Action = "conv.release"
	ConvTransfer      Action = "conv.transfer"
	ConvResolve       Action = "conv.resolve"
	ConvSnooze        Action = "conv.snooze"
	ConvTakeover      Action = "conv.takeover"
	ConvProfile       Action = "conv.profile"
	ConvOpenFile      Action = "conv.file.open"
	ComposeReply      Action = "compose.reply"
	ComposeNote       Action = "compose.note"
	DraftAccept       Action = "draft.accept"
	DraftEdit         Action = "draft.edit"
	DraftEditExternal Action = "draft.edit.external"
	DraftReject       Action = "draft.reject"
	DraftRegenerate   Action = "draft.regenerate"
	DraftSources      Action = "draft.sources"
)

// Compose (text entry) actions.
const (
	ComposeSend     Action = "compose.send"
	ComposeCancel   Action = "compose.cancel"
	ComposeExternal Action = "compose.external"
	ComposeCanned   Action = "compose.canned"
	ComposeAttach   Action = "compose.attach"
)

// Filter input actions.
const (
	FilterApply  Action = "filter.apply"
	FilterCancel Action = "filter.cancel"
	FilterUp     Action = "filter.up"
	FilterDown   Action = "filter.down"
)

// Reject dialog actions: one keystroke per protocol reject reason.
const (
	RejectWrongFacts     Action = "reject.wrong_facts"
	RejectWrongTone      Action = "reject.wrong_tone"
	RejectWrongLanguage  Action = "reject.wrong_language"
	RejectUnsafe         Action = "reject.unsafe"
	RejectIncomplete     Action = "reject.incomplete"
	RejectShouldEscalate Action = "reject.should_escalate"
	RejectOther          Action = "reject.other"
	RejectNote           Action = "reject.note"
	RejectCancel         Action = "reject.cancel"
)

// RejectReasons maps each reject action to its protocol reason.
var RejectReasons = map[Action]string{
	RejectWrongFacts: "wrong_facts", RejectWrongTone: "wrong_tone", RejectWrongLanguage: "wrong_language",
	RejectUnsafe: "unsafe", RejectIncomplete: "incomplete", RejectShouldEscalate: "should_escalate",
	RejectOther: "other",
}

// Generic dialog actions.
const (
	DialogUp      Action = "dialog.up"
	DialogDown    Action = "dialog.down"
	DialogConfirm Action = "dialog.confirm"
	DialogCancel  Action = "dialog.cancel"
)

// Command palette actions.
const (
	PaletteRun   Action = "palette.run"
	PaletteClose Action = "palette.close"
	PaletteUp    Action = "palette.up"
	PaletteDown  Action = "palette.down"
)

// Lead team-board actions.
const (
	TeamUp       Action = "team.up"
	TeamDown     Action = "team.down"
	TeamOpen     Action = "team.open"
	TeamSelect   Action = "team.select"
	TeamReassign Action = "team.reassign"
	TeamCapacity Action = "team.capacity"
	TeamStatus   Action = "team.status"
	TeamTakeover Action = "team.takeover"
	TeamNote     Action = "team.note"
	TeamPane     Action = "team.pane"
	TeamDrain    Action = "team.drain"
	TeamPageUp   Action = "team.page.up"
	TeamPageDown Action = "team.page.down"
	TeamTop      Action = "team.top"
	TeamBottom   Action = "team.bottom"
)

// Trainer review actions.
const (
	ReviewUp            Action = "review.up"
	ReviewDown          Action = "review.down"
	ReviewOpen          Action = "review.open"
	ReviewFilter        Action = "review.filter"
	ReviewLabel         Action = "review.label"
	ReviewCorrect       Action = "review.correct"
	ReviewPromoteKB     Action = "review.promote.kb"
	ReviewPromoteGolden Action = "review.promote.golden"
	ReviewDiff          Action = "review.diff"
	ReviewExport        Action = "review.export"
	// Added with the review view (issue #7).
	ReviewPromoteExemplar Action = "review.promote.exemplar"
	ReviewMetrics         Action = "review.metrics"
	ReviewRefresh         Action = "review.refresh"
	ReviewSort            Action = "review.sort"
	ReviewCycleAction     Action = "review.cycle_action"
	ReviewClearFilter     Action = "review.filter.clear"
	ReviewReloadKB        Action = "review.kb_reload"
	ReviewPageUp          Action = "review.page_up"
	ReviewPageDown        Action = "review.page_down"
)

// def is the built-in definition of one action.
type def struct {
	action Action
	scope  Scope
	keys   []string
	short  bool // shown in the one-line help
	en, zh string
}

func k(keys ...string) []string { return keys }

// defs is the default keymap, in help order within each scope.
var defs = []def{
	{FocusNext, ScopeGlobal, k("tab"), true, "next pane", "下一窗格"},
	{FocusPrev, ScopeGlobal, k("shift+tab"), false, "previous pane", "上一窗格"},
	{PaletteOpen, ScopeGlobal, k("ctrl+p", ":"), true, "commands", "命令"},
	{HelpToggle, ScopeGlobal, k("?"), true, "help", "帮助"},
	{StatusCycle, ScopeGlobal, k("S"), false, "my status", "切换状态"},
	{ViewDesk, ScopeGlobal, k("1"), false, "desk view", "工作台"},
	{ViewTeam, ScopeGlobal, k("2"), false, "team board (lead)", "团队看板（组长）"},
	{ViewReview, ScopeGlobal, k("3"), false, "review queue (trainer)", "复核队列（培训师）"},
	{NotifyToggle, ScopeGlobal, k("ctrl+b"), false, "toggle notifications", "开关通知"},
	{AppRedraw, ScopeGlobal, k("ctrl+l"), false, "redraw", "重绘"},
	{AppQuit, ScopeGlobal, k("q", "ctrl+c"), true, "quit", "退出"},

	{QueueUp, ScopeQueue, k("up", "k"), false, "up", "上移"},
	{QueueDown, ScopeQueue, k("down", "j"), false, "down", "下移"},
	{QueuePageUp, ScopeQueue, k("pgup", "ctrl+u"), false, "page up", "上一页"},
	{QueuePageDown, ScopeQueue, k("pgdown", "ctrl+d"), false, "page down", "下一页"},
	{QueueTop, ScopeQueue, k("home", "g"), false, "top", "顶部"},
	{QueueBottom, ScopeQueue, k("end", "G"), false, "bottom", "底部"},
	{QueueOpen, ScopeQueue, k("enter", "l", "right"), true, "open", "打开"},
	{QueueClaim, ScopeQueue, k("c"), true, "claim", "认领"},
	{QueueNext, ScopeQueue, k("n"), true, "take next", "领取下一个"},
	{QueueFilter, ScopeQueue, k("/"), true, "filter", "筛选"},
	{QueueFilterClear, ScopeQueue, k("esc"), false, "clear filter", "清除筛选"},
	{QueueTabMine, ScopeQueue, k("m"), false, "mine", "我的"},
	{QueueTabUnassigned, ScopeQueue, k("u"), false, "unassigned", "未分配"},
	{QueueTabAll, ScopeQueue, k("a"), false, "all", "全部"},
	{QueueTabNext, ScopeQueue, k("]"), false, "next tab", "下一标签"},
	{QueueTabPrev, ScopeQueue, k("["), false, "previous tab", "上一标签"},
	{QueueSelect, ScopeQueue, k("space"), false, "select (bulk)", "选择（批量）"},
	{QueueReassign, ScopeQueue, k("R"), false, "reassign selected (lead)", "改派所选（组长）"},

	{ConvScrollUp, ScopeConv, k("up", "k"), false, "scroll up", "向上滚动"},
	{ConvScrollDown, ScopeConv, k("down", "j"), false, "scroll down", "向下滚动"},
	{ConvPageUp, ScopeConv, k("pgup", "ctrl+u"), false, "page up", "上一页"},
	{ConvPageDown, ScopeConv, k("pgdown", "ctrl+d"), false, "page down", "下一页"},
	{ConvTop, ScopeConv, k("home", "g"), false, "oldest", "最早"},
	{ConvBottom, ScopeConv, k("end", "G"), false, "newest", "最新"},
	{ConvBack, ScopeConv, k("esc", "h", "left"), false, "back to queue", "返回队列"},
	{DraftAccept, ScopeConv, k("a"), true, "accept draft", "采纳草稿"},
	{DraftEdit, ScopeConv, k("e"), true, "edit draft", "编辑草稿"},
	{DraftEditExternal, ScopeConv, k("E"), false, "edit draft in $EDITOR", "用 $EDITOR 编辑草稿"},
	{DraftReject, ScopeConv, k("x"), true, "reject draft", "拒绝草稿"},
	{DraftRegenerate, ScopeConv, k("R"), false, "regenerate draft", "重新生成草稿"},
	{DraftSources, ScopeConv, k("s"), false, "source details", "来源详情"},
	{ComposeReply, ScopeConv, k("r"), true, "reply", "回复"},
	{ComposeNote, ScopeConv, k("i"), false, "internal note", "内部备注"},
	{ConvClaim, ScopeConv, k("c"), false, "claim", "认领"},
	{ConvRelease, ScopeConv, k("u"), false, "release to queue", "退回队列"},
	{ConvTransfer, ScopeConv, k("t"), false, "transfer", "转接"},
	{ConvResolve, ScopeConv, k("d"), true, "resolve", "结束会话"},
	{ConvSnooze, ScopeConv, k("z"), false, "snooze", "稍后处理"},
	{ConvTakeover, ScopeConv, k("T"), false, "take over (lead)", "接管（组长）"},
	{ConvProfile, ScopeConv, k("p"), false, "customer profile", "客户资料"},
	{ConvOpenFile, ScopeConv, k("o"), false, "open an attachment", "打开附件"},

	{ComposeSend, ScopeCompose, k("ctrl+s", "alt+enter"), true, "send", "发送"},
	{ComposeCancel, ScopeCompose, k("esc"), true, "cancel", "取消"},
	{ComposeExternal, ScopeCompose, k("ctrl+e"), true, "open $EDITOR", "打开 $EDITOR"},
	{ComposeCanned, ScopeCompose, k("ctrl+k"), false, "canned replies", "快捷回复"},
	{ComposeAttach, ScopeCompose, k("ctrl+o"), false, "attach a file", "添加附件"},

	{FilterApply, ScopeFilter, k("enter"), true, "apply", "确定"},
	{FilterCancel, ScopeFilter, k("esc"), true, "cancel", "取消"},
	{FilterUp, ScopeFilter, k("up", "ctrl+k"), false, "up", "上移"},
	{FilterDown, ScopeFilter, k("down", "ctrl+j"), false, "down", "下移"},

	{RejectWrongFacts, ScopeReject, k("1"), true, "wrong facts", "事实错误"},
	{RejectWrongTone, ScopeReject, k("2"), true, "wrong tone", "语气不当"},
	{RejectWrongLanguage, ScopeReject, k("3"), true, "wrong language", "语言不对"},
	{RejectUnsafe, ScopeReject, k("4"), true, "unsafe / policy", "不安全/违规"},
	{RejectIncomplete, ScopeReject, k("5"), true, "incomplete", "不完整"},
	{RejectShouldEscalate, ScopeReject, k("6"), true, "should escalate", "应升级"},
	{RejectOther, ScopeReject, k("7"), true, "other", "其他"},
	{RejectNote, ScopeReject, k("tab"), false, "add a note first", "先写备注"},
	{RejectCancel, ScopeReject, k("esc"), true, "cancel", "取消"},

	{DialogUp, ScopeDialog, k("up", "ctrl+k"), false, "up", "上移"},
	{DialogDown, ScopeDialog, k("down", "ctrl+j"), false, "down", "下移"},
	{DialogConfirm, ScopeDialog, k("enter"), true, "confirm", "确认"},
	{DialogCancel, ScopeDialog, k("esc"), true, "cancel", "取消"},

	{PaletteUp, ScopePalette, k("up", "ctrl+k"), false, "up", "上移"},
	{PaletteDown, ScopePalette, k("down", "ctrl+j"), false, "down", "下移"},
	{PaletteRun, ScopePalette, k("enter"), true, "run", "执行"},
	{PaletteClose, ScopePalette, k("esc"), true, "close", "关闭"},

	{TeamUp, ScopeTeam, k("up", "k"), false, "up", "上移"},
	{TeamDown, ScopeTeam, k("down", "j"), false, "down", "下移"},
	{TeamPageUp, ScopeTeam, k("pgup", "ctrl+u"), false, "page up", "上一页"},
	{TeamPageDown, ScopeTeam, k("pgdown", "ctrl+d"), false, "page down", "下一页"},
	{TeamTop, ScopeTeam, k("home", "g"), false, "top", "顶部"},
	{TeamBottom, ScopeTeam, k("end", "G"), false, "bottom", "底部"},
	{TeamOpen, ScopeTeam, k("enter"), true, "agent's chats / open chat", "只看该坐席 / 打开会话"},
	{TeamPane, ScopeTeam, k("left", "right", "h", "l"), true, "agents ↔ chats", "坐席 ↔ 会话"},
	{TeamSelect, ScopeTeam, k("space"), false, "select (bulk)", "选择（批量）"},
	{TeamReassign, ScopeTeam, k("r"), true, "reassign", "改派"},
	{TeamCapacity, ScopeTeam, k("c"), true, "set capacity", "设置容量"},
	{TeamStatus, ScopeTeam, k("s"), false, "set status", "设置状态"},
	{TeamTakeover, ScopeTeam, k("T"), false, "take over chat", "接管会话"},
	{TeamNote, ScopeTeam, k("n"), false, "note to agent", "给坐席留言"},
	{TeamDrain, ScopeTeam, k("d"), true, "drain agent", "清空坐席"},

	{ReviewUp, ScopeReview, k("up", "k"), false, "up", "上移"},
	{ReviewDown, ScopeReview, k("down", "j"), false, "down", "下移"},
	{ReviewOpen, ScopeReview, k("enter"), true, "open", "打开"},
	{ReviewFilter, ScopeReview, k("/"), true, "filter", "筛选"},
	{ReviewLabel, ScopeReview, k("l"), true, "label", "标注"},
	{ReviewCorrect, ScopeReview, k("e"), true, "write gold reply", "撰写标准回复"},
	{ReviewPromoteKB, ScopeReview, k("p"), true, "promote to knowledge base", "加入知识库"},
	{ReviewPromoteGolden, ScopeReview, k("P"), false, "golden-set case on/off", "加入/移出黄金集"},
	{ReviewDiff, ScopeReview, k("d"), false, "toggle diff", "切换差异视图"},
	{ReviewExport, ScopeReview, k("X"), true, "export datasets", "导出数据集"},
	{ReviewPromoteExemplar, ScopeReview, k("x"), true, "promote to exemplar memory", "加入范例库"},
	{ReviewMetrics, ScopeReview, k("m"), true, "metrics", "指标"},
	{ReviewCycleAction, ScopeReview, k("f"), false, "rejected / edited / accepted / all", "拒绝/修改/采纳/全部"},
	{ReviewClearFilter, ScopeReview, k("esc"), false, "clear filter", "清除筛选"},
	{ReviewSort, ScopeReview, k("s"), false, "sort: most changed / newest", "排序：改动量/时间"},
	{ReviewRefresh, ScopeReview, k("r", "ctrl+r"), false, "refresh", "刷新"},
	{ReviewReloadKB, ScopeReview, k("R"), false, "reload knowledge base", "重新加载知识库"},
	{ReviewPageUp, ScopeReview, k("pgup", "ctrl+u"), false, "scroll detail up", "详情上翻"},
	{ReviewPageDown, ScopeReview, k("pgdown", "ctrl+d", "space"), false, "scroll detail down", "详情下翻"},
}

// ScopeOf returns the scope an action belongs to ("" for an unknown one).
func ScopeOf(a Action) Scope {
	for _, d := range defs {
		if d.action == a {
			return d.scope
		}
	}
	return ""
}
