// Package tui is the agent desk: the one Bubble Tea model at the root of
// `agentdesk`. It owns the focus, the layout, the dialog stack and every
// request to the backend; the panes are plain-struct components
// (tui/queue, tui/transcript, the copilot panel, the compose box) that it
// sizes, feeds and renders.
//
// Data flows one way. Server events arrive through [Subscribe], a goroutine
// that turns the client's update channel into [UpdatesMsg] batches — many
// events per frame, applied together, rendered once. Requests leave as
// tea.Cmds that return a result message carrying the conversation id they
// belong to. Update never performs I/O: even writing to the durable outbox
// (an fsync) happens inside a command.
//
// Outcomes of AI drafts, replies, notes and the actions that follow them
// (transfer, snooze, resolve, release) go through the client's durable
// outbox, in order, so an agent's work survives disconnects and crashes and
// is never reordered. Claim, next, status and reading a conversation need an
// immediate answer and fail with a clear notice while offline.
package tui

import (
	"context"
	"github.com/agentdesk/agentdesk/tui/media"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/lang"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/themes"
)

// Backend is what the desk needs from the client. *client.Client
// implements it; the desk never imports the server.
type Backend interface {
	Claim(ctx context.Context, conversationID string, version int64) (protocol.Conversation, error)
	Next(ctx context.Context, team string) (protocol.Conversation, error)
	SetStatus(ctx context.Context, agentID, status string) (protocol.Agent, error)
	Reassign(ctx context.Context, req protocol.ReassignReq) (protocol.ReassignAck, error)
	GetConversation(ctx context.Context, conversationID string) (protocol.ConversationDetail, error)
	// Regenerate queues a new draft; it arrives later as a draft.updated event.
	Regenerate(ctx context.Context, conversationID, instruction string) (protocol.RegenerateAck, error)
	// Enqueue stores a mutating request durably and delivers it in order.
	Enqueue(typ string, data any) (string, error)
	EnqueueOutcome(req protocol.OutcomeReq) (string, error)
	Pending() []client.OutboxItem
	// Do sends any request and decodes its answer (the review view's
	// review.*, label, promote, export, kb.reload).
	Do(ctx context.Context, typ string, data any, out any) error
}

var _ Backend = (*client.Client)(nil)

// Notify says how a new assignment is announced.
type Notify struct {
	Bell bool // terminal bell
	OSC9 bool // desktop notification through OSC 9
}

// Deps is everything the desk is built from.
type Deps struct {
	Backend Backend
	Keys    *keymap.KeyMap // nil: defaults in Lang
	Styles  *themes.Styles // nil: dark palette, honouring nothing else
	// AutoTheme rebuilds Styles (in place) for the terminal's background
	// once it reports it: the "auto" theme.
	AutoTheme bool
	Lang      lang.Lang
	// Demo shows the DEMO badge: the desk runs on the embedded demo world.
	Demo bool
	// Editor is the command line used for $EDITOR editing ("vi", "code -w").
	Editor string
	Notify Notify
	// Canned maps /shortcut names to replies; nil uses the built-in set.
	Canned map[string]string
	// Now and Location make time deterministic in tests; nil means the clock
	// and time.Local.
	Now      func() time.Time
	Location *time.Location
	// Context bounds every request; nil means context.Background().
	Context context.Context
	// RequestTimeout bounds one direct request; 0 means 10 s.
	RequestTimeout time.Duration
	// ExportDir is where the review view writes exported datasets.
	ExportDir string
	// Opener is the command that opens a downloaded attachment with the
	// system viewer; empty means xdg-open (open on macOS).
	Opener string
	// FilesDir is the private folder (0700) downloaded attachments are
	// saved in; empty means one made in the temp dir on first use.
	FilesDir string
	// Images is how the terminal shows images (media.Detect): with
	// media.Kitty the transcript shows thumbnails of image attachments.
	Images media.Protocol
	// Server is the server URL as given (named when the connection fails);
	// LogPath is the desk's log file (named beside any failure).
	Server, LogPath string
	// TempDir holds the files handed to $EDITOR; "" is the system's.
	TempDir string
}
