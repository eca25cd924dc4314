package sim

// Script is one kind of customer conversation the demo world plays: what
// the customer opens with, how the front-line bot answers, and how the
// customer reacts to a human reply.
type Script struct {
	Name    string
	Lang    string // zh | en
	Mood    string // calm | annoyed | angry | threat
	Opening []string
	// Bot answers each opening turn in order (missing entries: the bot has
	// no answer and says so). Confidence below 0.4 counts as a failed turn.
	Bot        []BotTurn
	BotHandles bool // the bot solves it; nobody needs to step in
	// FollowUps are the customer's answers to successive agent replies; after
	// the last one the customer thanks (or goes quiet when angry).
	FollowUps []string
	Thanks    string
}

// BotTurn is one scripted bot answer.
type BotTurn struct {
	Text       string
	Confidence float64
}

// scripts are written after real customer-service patterns in a small
// online shop: orders and shipping, returns, refunds, warranty, payment,
// accounts, invoices. Order numbers, amounts and dates vary per run.
var scripts = []Script{
	{
		Name: "refund-late-zh", Lang: "zh", Mood: "annoyed",
		Opening: []string{"你好，我上周退货的订单 {order}，退款到现在还没到账", "都过去 {days} 天了，到底什么时候退？"},
		Bot: []BotTurn{
			{"您好，退款一般在仓库签收退货后 1-3 个工作日原路退回，请耐心等待哦。", 0.72},
			{"抱歉，我没能理解您的问题，您可以换个说法试试。", 0.21},
		},
		FollowUps: []string{"我查了银行卡还是没有，能帮我催一下吗？", "好的，那我再等两天。"},
		Thanks:    "好的，谢谢你！",
	},
	{
		Name: "human-please-zh", Lang: "zh", Mood: "annoyed",
		Opening: []string{"订单 {order} 的地址写错了，能改吗", "转人工"},
		Bot: []BotTurn{
			{"亲，订单发货前可以在「我的订单」里修改收货地址哦。", 0.64},
		},
		FollowUps: []string{"已经显示已发货了，改不了啊", "新地址是 上海市浦东新区张江路 88 号，麻烦了"},
		Thanks:    "太好了，谢谢！",
	},
	{
		Name: "legal-threat-zh", Lang: "zh", Mood: "threat",
		Opening: []string{"买的电热水器用了两周就漏水，把地板都泡了！", "你们再不给我解决，我就去12315投诉，还要找律师起诉你们！"},
		Bot: []BotTurn{
			{"很抱歉给您带来不便，产品在保修期内可以申请免费维修。", 0.55},
		},
		FollowUps: []string{"维修？地板的损失谁赔？我要退货并且赔偿！", "行吧，那你们尽快安排上门。"},
		Thanks:    "希望这次能处理好。",
	},
	{
		Name: "angry-delivery-zh", Lang: "zh", Mood: "angry",
		Opening: []string{"什么破物流！！！说好昨天到，今天还没影", "订单 {order}，我明天要出差，今天必须收到！！"},
		Bot: []BotTurn{
			{"亲，物流信息显示包裹正在派送中，请保持电话畅通哦～", 0.58},
			{"抱歉，我暂时无法回答这个问题。", 0.18},
		},
		FollowUps: []string{"快递员电话打不通，你们能不能联系一下？", "好吧，下午五点前能到就行。"},
		Thanks:    "行，谢了。",
	},
	{
		Name: "warranty-zh", Lang: "zh", Mood: "calm",
		Opening: []string{"请问蓝牙耳机的保修期是多久？右耳没声音了"},
		Bot: []BotTurn{
			{"您好，耳机类产品自签收起享受 1 年保修，请问您是什么时候购买的呢？", 0.81},
		},
		BotHandles: true,
		Thanks:     "去年十月买的，那我申请保修，谢谢。",
	},
	{
		Name: "invoice-zh", Lang: "zh", Mood: "calm",
		Opening: []string{"我需要开增值税专用发票，公司抬头怎么填？", "人工客服"},
		Bot: []BotTurn{
			{"您可以在订单详情页点击「申请发票」，选择专票后填写公司信息。", 0.66},
		},
		FollowUps: []string{"我填了但是提示税号格式不对，税号是 91310115MA1K4XXXX", "好的，我明天再提交一次。"},
		Thanks:    "明白了，谢谢！",
	},
	{
		Name: "payment-double-zh", Lang: "zh", Mood: "annoyed",
		Opening: []string{"付款的时候扣了两次钱！订单 {order}，一共扣了 {amount} 元两次", "这个机器人根本没用"},
		Bot: []BotTurn{
			{"重复扣款的金额一般会在 3-7 个工作日内自动退回原支付账户。", 0.47},
		},
		FollowUps: []string{"能给我一个退款的凭证吗？我要给银行看", "收到了，谢谢。"},
		Thanks:    "好的，辛苦了。",
	},
	{
		Name: "cancel-account-zh", Lang: "zh", Mood: "angry",
		Opening: []string{"你们的会员自动续费都不提醒的吗？又扣了我 {amount} 元", "我要注销账号，再也不在你们家买了！"},
		Bot: []BotTurn{
			{"您可以在「我的-设置-会员管理」中关闭自动续费。", 0.52},
		},
		FollowUps: []string{"扣的钱能退吗？我根本没用过", "好吧，退了就行，账号先不注销了。"},
		Thanks:    "嗯，谢谢。",
	},
	{
		Name: "refund-late-en", Lang: "en", Mood: "annoyed",
		Opening: []string{"Hi, I returned order {order} two weeks ago and still no refund.", "It's been {days} days. When will I get my money back?"},
		Bot: []BotTurn{
			{"Refunds are issued to your original payment method within 1-3 business days after the warehouse receives the return.", 0.7},
			{"Sorry, I didn't get that. Could you rephrase?", 0.2},
		},
		FollowUps: []string{"The tracking says it was delivered to you on the 3rd. Can you check?", "Ok, I'll keep an eye on my card statement."},
		Thanks:    "Thanks for sorting it out!",
	},
	{
		Name: "human-please-en", Lang: "en", Mood: "calm",
		Opening: []string{"Can I change the size of the jacket I ordered? Order {order}", "Can I talk to a real person please"},
		Bot: []BotTurn{
			{"You can exchange items within 30 days from delivery in Orders › Return or exchange.", 0.61},
		},
		FollowUps: []string{"It hasn't shipped yet, so I'd rather change it before it ships — M instead of L.", "Perfect."},
		Thanks:    "Great, thank you!",
	},
	{
		Name: "legal-threat-en", Lang: "en", Mood: "threat",
		Opening: []string{"Your charger melted and nearly started a fire in my kid's room.", "I'm talking to my lawyer and filing a complaint with the consumer protection agency unless this is handled today."},
		Bot: []BotTurn{
			{"I'm sorry to hear that. Products under warranty can be repaired or replaced.", 0.42},
		},
		FollowUps: []string{"I don't want a replacement, I want a full refund and someone to take this seriously.", "Fine. Send me the prepaid label."},
		Thanks:    "Ok. I expect to hear back tomorrow.",
	},
	{
		Name: "angry-missing-en", Lang: "en", Mood: "angry",
		Opening: []string{"This is ridiculous!!! Order {order} says delivered but there's NOTHING here", "Worst service ever. I want this fixed NOW"},
		Bot: []BotTurn{
			{"Sometimes couriers mark parcels as delivered shortly before they arrive. Please wait 24 hours.", 0.5},
			{"I'm not sure I understand. Please try again.", 0.15},
		},
		FollowUps: []string{"I already waited 2 days. Neighbours don't have it either.", "A reshipment works. Thanks."},
		Thanks:    "Appreciate it.",
	},
	{
		Name: "password-en", Lang: "en", Mood: "calm",
		Opening: []string{"How do I reset my password? The email never arrives."},
		Bot: []BotTurn{
			{"Please check your spam folder, or request the reset link again from the sign-in page; links are valid for 30 minutes.", 0.83},
		},
		BotHandles: true,
		Thanks:     "Found it in spam, thanks!",
	},
	{
		Name: "vip-order-en", Lang: "en", Mood: "calm",
		Opening: []string{"Hello, I'd like to order 40 units of the ergonomic chair for our office. Is there a volume discount?"},
		Bot: []BotTurn{
			{"For business orders, please see our Business page or leave your contact details.", 0.45},
		},
		FollowUps: []string{"Delivery would be to our Berlin office, ideally within three weeks.", "Sounds good, please send the quote to my email."},
		Thanks:    "Thank you, looking forward to it.",
	},
	{
		Name: "shipping-time-zh", Lang: "zh", Mood: "calm",
		Opening: []string{"新疆能发货吗？大概几天到？"},
		Bot: []BotTurn{
			{"亲，新疆地区可以发货，一般 5-7 天送达，偏远地区可能稍有延迟～", 0.86},
		},
		BotHandles: true,
		Thanks:     "好的，谢谢～",
	},
	{
		Name: "churn-en", Lang: "en", Mood: "annoyed",
		Opening: []string{"Third late delivery this month. I'm about to cancel my membership and shop elsewhere.", "Agent please"},
		Bot: []BotTurn{
			{"We're sorry for the delay. Members get free express shipping on all orders.", 0.4},
		},
		FollowUps: []string{"Free express that arrives late isn't worth much. What will you do about it?", "Ok, the credit helps. I'll stay for now."},
		Thanks:    "Thanks for listening.",
	},
}

// Names the demo world gives its customers.
var (
	zhNames    = []string{"王芳", "李伟", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄晓明", "周婷", "吴昊", "徐丽", "孙悦", "马超", "朱琳", "胡斌", "郭静 🌸"}
	enNames    = []string{"Emma Johnson", "Liam Smith", "Olivia Brown", "Noah Garcia", "Ava Martinez", "Lucas Müller", "Sofia Rossi", "Mia Wilson", "Ethan Davis", "Zoë O'Brien", "Amara Okafor", "Kenji Watanabe"}
	channelsZh = []string{"wechat", "web", "app", "wechat"}
	channelsEn = []string{"web", "email", "whatsapp", "app"}
)

// Teammates the demo world staffs the floor with.
var teammates = []struct{ ID, Name, Team string }{
	{"mei", "林美 Mei", "support"},
	{"omar", "Omar Haddad", "support"},
	{"jun", "陈俊 Jun", "billing"},
}
