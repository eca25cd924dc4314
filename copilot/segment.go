package copilot

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// Chinese word segmentation for retrieval. Plain character bigrams match
// across word boundaries: the query 续费 ("renewal charge") matched 手续费
// ("handling fee") and drafted the payment article for a membership
// complaint. A run of Han characters is therefore cut into dictionary words
// (the fewest pieces; a tie goes to the longer first word, as readers do),
// and each word is one token; characters the dictionary does not cover keep
// their bigrams among themselves, as before. A word of three or more
// characters also yields the two words it is made of (自动续费 → 自动, 续费)
// or else its first two characters when they are a word (快递员 → 快递), so
// 快递 still finds 快递员 — but 续费 never finds 手续费.
//
// The dictionary is the customer-service vocabulary below and the
// two-character words of the sentiment lexicon. It is fixed: an index and
// the queries against it must cut text the same way.

// zhDomainWords is the customer-service vocabulary of orders, payment,
// logistics, after-sales, accounts and membership. Longer compounds that
// must not be cut (手续费, 信用卡) are listed whole.
const zhDomainWords = `订单 订单号 单号 运单 运单号 下单 拍下 付款 支付 支付宝 微信 微信支付 银联 银行卡 信用卡 储蓄卡 借记卡 花呗 分期 余额 账户 账号
扣款 扣费 扣钱 多扣 重复扣款 手续费 服务费 运费 运费险 邮费 包邮 费用 收费 免费 金额 价格 价钱 差价 价保 保价 优惠 优惠券 红包 代金券 满减 折扣 积分 返现
会员 会员费 会员卡 年费 月费 续费 自动续费 续订 订阅 开通 关闭 取消 退订 提醒 短信 通知 到期 过期 有效期 期限 套餐 权益 等级 包月 包年 连续包月
退款 退钱 退回 原路 原路退回 到账 退货 退换 换货 换一个 换个 调换 退换货 七天无理由 无理由 售后 售后服务 维修 保修 保修期 质保 三包 检测 鉴定 返修 上门 寄回 寄修 补发 补偿 赔偿 赔付 理赔
物流 快递 快递员 快递柜 驿站 包裹 发货 已发货 未发货 揽收 派送 配送 送达 签收 已签收 代收 丢件 丢失 破损 损坏 压坏 压碎 摔坏 碎了 破了 裂了 裂开 盒子 杯子 延迟 延误 催单 催促 加急 顺丰 中通 圆通 韵达 申通 京东 邮政 菜鸟
地址 收货 收货地址 收货人 电话 手机 手机号 号码 验证码 密码 登录 注册 注销 冻结 解冻 锁定 解锁 绑定 解绑 实名 认证 身份证 账户安全 异常 盗号 修改 更改 更换 变更
发票 专票 普票 增值税 电子发票 纸质发票 抬头 税号 开票 补开 换开 红冲
商品 产品 宝贝 尺码 尺寸 大小 颜色 型号 规格 库存 缺货 预售 现货 质量 正品 假货 瑕疵 坏了 故障 不能用 漏水 漏电 发热 耳机 充电器 热水器 手机壳 电池 屏幕
客服 人工 人工客服 机器人 投诉 建议 反馈 处理 解决 核实 核查 查询 查看 咨询 问题 原因 情况 结果 进度 时间 多久 几天 工作日 小时 今天 明天 马上 尽快
申请 提交 审核 审批 通过 驳回 拒绝 同意 确认 凭证 截图 照片 证明 记录 流水 账单 明细 订单详情 我的订单 个人中心 设置 会员管理 帮助 帮助中心
商家 店铺 平台 仓库 供应商 客户 顾客 用户 消费者 主管 经理 门店 自提 预约 安装 使用 说明 说明书 教程 步骤 方法 流程 规则 政策 标准 条件
退款申请 退货申请 换货申请 退款进度 物流信息 物流单号 快递单号 发货时间 送达时间 收货时间 签收时间 到货 收到 没收到 未收到 送错 发错 少发 漏发 错发 多发
关闭自动续费 取消自动续费 取消订阅 取消订单 修改地址 更改地址 申请退款 申请售后 申请发票 开具发票
自动 重复 页面 界面 按钮 选项 功能 软件 应用 版本 更新 升级 下载 安装 卸载 联系 专用 一下 没有 已经 还是 但是 如果 因为 所以 现在 之前 之后 以后 时候
昨天 前天 上周 这个 那个 哪里 怎么 怎样 如何 什么 为什么 为啥 需要 希望 帮忙 麻烦 请问 您好 你好 公司 个人 家里 朋友 一直 根本 直接 立即 重新 再次
一次 两次 多次 还没 到底 能不能 可不可以 有没有 是不是 可以 能否 是否 告诉 知道 看到 发现 觉得 认为 记得 忘记 选择 点击 打开 进入 出差 上班 下午 上午 晚上
提供 发送 填写 上传 拍照 通过 按照 根据 关于 对于 以及 或者 还有 另外 其他 其它 全部 部分 一些 一点 有点 所有 每次 每个 一个 两个 几个 多少 一共 总共 其中
我们 你们 他们 您的 我的 自己 东西 事情 地方 时间 钱款 资金 款项 一笔 两笔 金额 数额 损失 地板 房间 孩子 家人 同事 前台 门卫 邻居`

// zhStopChars are particles and pronouns that say nothing alone.
const zhStopChars = "的了吗呢吧啊呀哦嘛么和与及或在是就都也还又很太被把给让对向从以为我你他她它您这那有"

var (
	zhDictOnce sync.Once
	zhDict     map[string]bool
	zhDictMax  int
)

func theZHDict() map[string]bool {
	zhDictOnce.Do(func() {
		zhDict = map[string]bool{}
		add := func(w string) {
			if n := utf8.RuneCountInString(w); n >= 2 && n <= 6 && allHanString(w) {
				zhDict[w] = true
				zhDictMax = max(zhDictMax, n)
			}
		}
		for _, w := range strings.Fields(zhDomainWords) {
			add(w)
		}
		// The lexicon's two-character words (满意, 失望, 垃圾, 空气…) are
		// words; its longer entries are often phrases (物流快, 不太满意).
		for _, list := range []map[int]string{zhPositive, zhNegative} {
			for _, block := range list {
				for _, w := range strings.Fields(block) {
					if utf8.RuneCountInString(w) == 2 {
						add(w)
					}
				}
			}
		}
		for _, w := range strings.Fields(zhNeutral) {
			if utf8.RuneCountInString(w) == 2 {
				add(w)
			}
		}
	})
	return zhDict
}

func allHanString(s string) bool {
	for _, r := range s {
		if !isHan(r) {
			return false
		}
	}
	return s != ""
}

// appendHanTokens appends the retrieval tokens of one run of Han characters.
func appendHanTokens(out []string, han []rune) []string {
	if len(han) == 1 {
		return append(out, string(han))
	}
	d := theZHDict()
	segs := segmentHan(d, han)
	// Characters outside dictionary words keep the bigrams among
	// themselves (an unknown name or term still matches itself).
	var loose []rune
	flush := func() {
		switch len(loose) {
		case 0:
		case 1:
			if !strings.ContainsRune(zhStopChars, loose[0]) {
				out = append(out, string(loose))
			}
		default:
			for i := 0; i+1 < len(loose); i++ {
				out = append(out, string(loose[i:i+2]))
			}
		}
		loose = loose[:0]
	}
	for _, s := range segs {
		if len(s) == 1 {
			loose = append(loose, s[0])
			continue
		}
		flush()
		w := string(s)
		out = append(out, w)
		if len(s) >= 3 {
			out = appendParts(out, d, s)
		}
	}
	flush()
	return out
}

// appendParts adds the words a compound is made of: two dictionary words
// that make it up, else its first two characters when they are a word, and
// the rest after an aspect or negation prefix (已签收 → 签收, 未发货 → 发货).
func appendParts(out []string, d map[string]bool, s []rune) []string {
	for cut := 2; cut+2 <= len(s); cut++ {
		if a, b := string(s[:cut]), string(s[cut:]); d[a] && d[b] {
			return append(out, a, b)
		}
	}
	if p := string(s[:2]); d[p] {
		out = append(out, p)
	}
	if strings.ContainsRune("已未不没再被可", s[0]) {
		if rest := string(s[1:]); d[rest] {
			out = append(out, rest)
		}
	}
	return out
}

// segmentHan cuts a Han run into the fewest pieces, dictionary words
// costing 1 and loose characters 1.2 — a particle (了, 的) 1.1, since it
// is a word by itself: 压坏了 is 压坏 + 了, not 压 + 坏了. Ties go to the
// longer first piece.
func segmentHan(d map[string]bool, han []rune) [][]rune {
	n := len(han)
	cost := make([]float64, n+1)
	next := make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		loose := 1.2
		if strings.ContainsRune(zhStopChars, han[i]) {
			loose = 1.1
		}
		cost[i], next[i] = loose+cost[i+1], i+1
		for l := min(zhDictMax, n-i); l >= 2; l-- {
			if d[string(han[i:i+l])] {
				if c := 1 + cost[i+l]; c < cost[i]-1e-9 {
					cost[i], next[i] = c, i+l
				}
			}
		}
	}
	var segs [][]rune
	for i := 0; i < n; i = next[i] {
		segs = append(segs, han[i:next[i]])
	}
	return segs
}
