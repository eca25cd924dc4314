package i18n

import (
	"errors"

	"github.com/agentdesk/agentdesk/protocol"
)

// The server words its errors in English, often with ids in them
// ("conversation c_06h5… is assigned to lena"). A desk in another language
// shows words for the error's code instead; the full message goes to the
// desk's log (client: request refused).
var zhErrorWords = map[protocol.Code]string{
	protocol.CodeUnauthorized: "登录凭据无效或已被吊销",
	protocol.CodeForbidden:    "您的角色无权执行此操作",
	protocol.CodeNotFound:     "找不到该对象（可能已结束或已被删除）",
	protocol.CodeConflict:     "已被他人更改或已由他人负责，请查看最新状态后重试",
	protocol.CodeInvalid:      "请求内容无效",
	protocol.CodeRateLimited:  "操作太频繁，请稍后再试",
	protocol.CodeInternal:     "服务器内部错误（详情见日志）",
	protocol.CodeUnavailable:  "服务器暂时不可用，请稍后再试",
}

func init() { zhCN.ErrorWords = zhErrorWords }

// ServerError is an error for a notice in the desk's language: the words
// for a server error's code where the catalog has them, else the message
// (sanitize it before display).
func (c *Catalog) ServerError(err error) string {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return err.Error()
	}
	if c.ErrorWords != nil {
		if w, ok := c.ErrorWords[pe.Code]; ok {
			return w
		}
		return c.ErrorWords[protocol.CodeInternal]
	}
	return pe.Message
}
