package i18n

import "strings"

// The copilot's draft warnings arrive as "code: message" (the message in
// English, for logs and the API); the desk shows its own words for the
// codes it knows.
var enDraftWarns = map[string]string{
	"no_citation":         "the draft cites no source; check it against the knowledge base",
	"unsupported_promise": "the draft promises something no source supports",
	"fallback":            "the model server failed; this is the offline engine's draft",
	"injection_suspected": "the customer's text may try to steer the AI; read the draft closely",
	"no_article":          "no article covers this: the draft only acknowledges the problem (and asks for what is missing)",
	"regulator_advice":    "the draft points the customer to a regulator, court or lawyer; take it out before sending",
}

var zhDraftWarns = map[string]string{
	"no_citation":         "草稿未引用任何来源，请对照知识库核实",
	"unsupported_promise": "草稿做出了没有来源支持的承诺",
	"fallback":            "模型服务失败，这是离线引擎的草稿",
	"injection_suspected": "客户的文字可能试图操纵 AI，请仔细阅读草稿",
	"no_article":          "知识库没有相关文章：草稿只确认了问题（需要时询问缺少的信息）",
	"regulator_advice":    "草稿建议客户找监管机构、法院或律师，发送前请删去",
}

func init() {
	en.DraftWarns = enDraftWarns
	zhCN.DraftWarns = zhDraftWarns
}

// DraftWarning is a draft's warning in the desk's words: a known code's
// text, else the message without its code (an unknown code is a newer
// server's; its English message is better than the bare code).
func (c *Catalog) DraftWarning(w string) string {
	code, msg, ok := strings.Cut(w, ":")
	code, msg = strings.TrimSpace(code), strings.TrimSpace(msg)
	if t, known := c.DraftWarns[code]; known {
		return t
	}
	if ok && msg != "" && !strings.ContainsAny(code, " \t") {
		return msg
	}
	return strings.TrimSpace(w)
}
