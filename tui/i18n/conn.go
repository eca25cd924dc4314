package i18n

import "fmt"

// ConnCatalog holds what the desk says about its connection to the server:
// the short status-bar reason and the longer explanation shown in place of
// an empty desk.
type ConnCatalog struct {
	// Short reasons for the status bar, one per client.Cause.
	Refused, NoHost, Timeout, NotDesk, TLSNotSpoken, TLSRequired string
	CertUntrusted, Auth, RefusedByServer, FrameTooLarge, Lost    string
	Unknown                                                      string
	// Title heads the explanation; Fix lines say what to do, per cause.
	Title                                                                   func(server string) string
	FixRefused, FixNoHost, FixTimeout, FixNotDesk, FixTLSNotSpoken          string
	FixTLSRequired, FixCert, FixAuth, FixServer, FixFrameTooLarge, FixOther string
	Retrying                                                                func(in string) string
	NoRetry, ServerSaid                                                     string
	Log                                                                     func(path string) string
	// FirstRun is the hint of a desk that is connected but not yet online.
	FirstRun string
}

var enConn = ConnCatalog{
	Refused: "nothing listens at the server address", NoHost: "server host not found",
	Timeout: "server does not answer", NotDesk: "not an agentdesk server at that URL",
	TLSNotSpoken: "server has no TLS — use ws://", TLSRequired: "server speaks TLS — use wss://",
	CertUntrusted: "server certificate not trusted", Auth: "token refused",
	RefusedByServer: "server refused the connection", FrameTooLarge: "frame too large — not retrying",
	Lost: "connection lost", Unknown: "cannot connect",
	Title:            func(server string) string { return "Not connected to " + server },
	FixRefused:       "Nothing accepts connections at that host and port. Is `agentdesk serve` running there, and is --server right?",
	FixNoHost:        "The host name does not resolve. Check the --server URL.",
	FixTimeout:       "The server did not answer in time. Check the network, a firewall, or the port.",
	FixNotDesk:       "A web server answered, but not agentdesk's desk endpoint (/v1/desk). Check the --server URL and port.",
	FixTLSNotSpoken:  "The URL says wss:// (TLS) but the server speaks plain HTTP. Use ws://, or start serve with --tls-cert/--tls-key.",
	FixTLSRequired:   "The URL says ws:// but the server only speaks TLS. Use wss://.",
	FixCert:          "The server's TLS certificate does not verify. Pass its CA with --ca (or ca_file in the config).",
	FixAuth:          "The server refused this token (revoked, mistyped or for another server). Create one with `agentdesk token create --agent ID`, then pass it with --token or AGENTDESK_TOKEN.",
	FixServer:        "The server refused the connection.",
	FixFrameTooLarge: "The server sent more than this desk reads in one frame; reconnecting would bring the same frame again. Tell whoever runs the server; restart the desk once it is fixed.",
	FixOther:         "The connection failed.",
	Retrying: func(in string) string {
		return "Retrying in " + in + ". Your actions are queued and sent once connected."
	},
	NoRetry:    "Not retrying: this will not fix itself. Quit with ctrl+c.",
	ServerSaid: "Server said: ",
	Log:        func(path string) string { return fmt.Sprintf("Details in the log: %s", path) },
	FirstRun:   "You are connected but not taking chats. Press S to set your status to online; then n takes the next chat.",
}

var zhConn = ConnCatalog{
	Refused: "服务器地址无人监听", NoHost: "找不到服务器主机",
	Timeout: "服务器无应答", NotDesk: "该地址不是 agentdesk 服务器",
	TLSNotSpoken: "服务器未启用 TLS——请用 ws://", TLSRequired: "服务器要求 TLS——请用 wss://",
	CertUntrusted: "不信任服务器证书", Auth: "令牌被拒绝",
	RefusedByServer: "服务器拒绝连接", FrameTooLarge: "数据帧过大——不再重试",
	Lost: "连接中断", Unknown: "无法连接",
	Title:            func(server string) string { return "未连接到 " + server },
	FixRefused:       "该主机和端口没有程序接受连接。`agentdesk serve` 是否在运行？--server 是否正确？",
	FixNoHost:        "主机名无法解析。请检查 --server 地址。",
	FixTimeout:       "服务器未及时应答。请检查网络、防火墙或端口。",
	FixNotDesk:       "有网页服务器应答，但不是 agentdesk 的工作台端点（/v1/desk）。请检查 --server 地址和端口。",
	FixTLSNotSpoken:  "地址是 wss://（TLS），但服务器只用明文 HTTP。请改用 ws://，或以 --tls-cert/--tls-key 启动 serve。",
	FixTLSRequired:   "地址是 ws://，但服务器只接受 TLS。请改用 wss://。",
	FixCert:          "服务器的 TLS 证书无法验证。请用 --ca（或配置中的 ca_file）指定其 CA。",
	FixAuth:          "服务器拒绝了此令牌（已吊销、输错或属于其他服务器）。请用 `agentdesk token create --agent ID` 新建，再以 --token 或 AGENTDESK_TOKEN 传入。",
	FixServer:        "服务器拒绝了连接。",
	FixFrameTooLarge: "服务器一次发来的数据超过本工作台的上限；重连只会再收到同一帧。请告知服务器管理员，修复后重启工作台。",
	FixOther:         "连接失败。",
	Retrying: func(in string) string {
		return in + "后重试。你的操作已排队，连接后发送。"
	},
	NoRetry:    "不再重试：此问题不会自行解决。按 ctrl+c 退出。",
	ServerSaid: "服务器说：",
	Log:        func(path string) string { return "详情见日志：" + path },
	FirstRun:   "已连接，但尚未接待会话。按 S 将状态设为在线，再按 n 领取下一个会话。",
}

func init() {
	en.Conn = enConn
	zhCN.Conn = zhConn
}
