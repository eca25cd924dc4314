package i18n

import "strings"

// The copilot's intents (a knowledge-base entry's intent: the codes of the
// demo KB and the common ones of a shop's) arrive as codes; the desk shows
// them in the UI's language wherever it lists them: hot topics, CSAT by
// topic, review lists and metrics.
var enIntents = map[string]string{
	"account": "account", "contact": "contact us", "exchange": "exchange", "invoice": "invoice", "membership": "membership",
	"members": "membership", "missing-parcel": "missing parcel", "order_change": "order change", "payment": "payment",
	"promotion": "promotions", "refunds": "refunds", "returns": "returns", "shipping": "shipping", "warranty": "warranty",
	"other": "other",
}

var zhIntents = map[string]string{
	"account": "账户", "contact": "联系方式", "exchange": "换货", "invoice": "发票", "membership": "会员",
	"members": "会员", "missing-parcel": "包裹丢失", "order_change": "订单修改", "payment": "支付",
	"promotion": "促销活动", "refunds": "退款", "returns": "退货", "shipping": "配送", "warranty": "保修",
	"other": "其他",
}

func init() {
	en.Intents = enIntents
	zhCN.Intents = zhIntents
}

// IntentName is an intent in the desk's words: a known code's name, else
// the code with its separators as spaces (a team's own KB may name its
// own intents: "gift_cards" → "gift cards").
func (c *Catalog) IntentName(code string) string {
	if t, ok := c.Intents[code]; ok {
		return t
	}
	return strings.NewReplacer("_", " ", "-", " ").Replace(code)
}
