package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gorilla/websocket"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// What a chat window is sent: its views of conversations and messages,
// committed events turned into frames, and the writer.

// widgetMessage is a message as the customer sees it.
type widgetMessage struct {
	ID             string       `json:"id"`
	ConversationID string       `json:"conversation_id"`
	Seq            int          `json:"seq"`
	Author         string       `json:"author"` // customer, bot, agent, system
	Name           string       `json:"name,omitempty"`
	Text           string       `json:"text"`
	At             int64        `json:"at"`
	Attachments    []widgetFile `json:"attachments,omitempty"`
}

type widgetFile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"` // a signed download path, valid for hours
}

// widgetChat is one conversation in the welcome frame.
type widgetChat struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"` // bot, queued, assigned, resolved
	Agent      string          `json:"agent,omitempty"`
	CSAT       string          `json:"csat,omitempty"` // "pending": resolved and not rated yet
	CreatedAt  int64           `json:"created_at"`
	ResolvedAt int64           `json:"resolved_at,omitempty"`
	Messages   []widgetMessage `json:"messages"`
}

// chatView is a stored chat as the window shows it.
func (c *widgetConn) chatView(ctx context.Context, ch store.CustomerChat) widgetChat {
	cv := widgetChat{ID: ch.Conversation.ID, Status: customerStatus(ch.Conversation.Status), CreatedAt: ch.Conversation.CreatedAt,
		ResolvedAt: ch.Conversation.ResolvedAt, Messages: make([]widgetMessage, 0, len(ch.Messages))}
	if cv.Status == protocol.ConvAssigned {
		cv.Agent = c.w.agentName(ctx, ch.Conversation.Assignee)
	}
	if cv.Status == protocol.ConvResolved && !ch.Rated {
		cv.CSAT = "pending"
	}
	for _, m := range ch.Messages {
		cv.Messages = append(cv.Messages, c.messageView(ctx, m))
	}
	return cv
}

// customerStatus is what the customer is told of a conversation's state:
// snoozed is still a person's chat.
func customerStatus(s string) string {
	if s == protocol.ConvSnoozed {
		return protocol.ConvAssigned
	}
	return s
}

func (c *widgetConn) messageView(ctx context.Context, m protocol.Message) widgetMessage {
	v := widgetMessage{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Author: m.Author, Text: m.Text, At: m.CreatedAt}
	if m.Author != protocol.AuthorCustomer {
		v.Name = m.AuthorName
	}
	for _, a := range m.Attachments {
		tok, err := c.w.token(ctx, downloadTTL, "file", a.ID)
		if err != nil {
			continue
		}
		v.Attachments = append(v.Attachments, widgetFile{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
			URL: "/v1/widget/attachments/" + url.PathEscape(a.ID) + "?t=" + url.QueryEscape(tok)})
	}
	return v
}

// ---- events to the window ----

// offer queues a committed event for the pump (never blocks: a window too
// far behind is closed and reconnects with resume).
func (c *widgetConn) offer(ev *store.Event) {
	select {
	case c.events <- *ev:
	default:
		c.shut(widgetCloseSlow, "too far behind; reconnect")
	}
}

// pump turns events into frames, in order, each message once.
func (c *widgetConn) pump(ctx context.Context) {
	for {
		select {
		case <-c.closing:
			return
		case ev := <-c.events:
			c.deliver(ctx, &ev)
		}
	}
}

func (c *widgetConn) deliver(ctx context.Context, ev *store.Event) {
	switch ev.Kind {
	case protocol.EvMessage:
		var me protocol.MessageEvent
		if !decodeEvent(ev, &me) || me.Message.Author == protocol.AuthorNote {
			return
		}
		c.mu.Lock()
		fresh := me.Message.Seq > c.lastSeq[me.Message.ConversationID]
		if fresh {
			c.lastSeq[me.Message.ConversationID] = me.Message.Seq
			c.current = me.Message.ConversationID
		}
		c.mu.Unlock()
		if fresh {
			c.sendJSON(map[string]any{"type": "message", "message": c.messageView(ctx, me.Message)})
		}
	case protocol.EvConversation:
		var ce protocol.ConversationEvent
		if !decodeEvent(ev, &ce) {
			return
		}

		cv := ce.Conversation
		st := customerStatus(cv.Status)
		agent := ""
		if st == protocol.ConvAssigned {
			agent = c.w.agentName(ctx, cv.Assignee)
		}
		c.mu.Lock()
		changed := c.status[cv.ID] != st+agent
		c.status[cv.ID] = st + agent
		c.mu.Unlock()
		if !changed {
			return
		}
		f := map[string]any{"type": "status", "conversation_id": cv.ID, "status": st, "agent": agent, "at": ev.At}
		if st == protocol.ConvResolved {
			f["csat"] = "pending" // just resolved: not rated yet
		}
		c.sendJSON(f)
	}
}

// ---- writing ----

func (c *widgetConn) sendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode widget frame: %w", err)
	}
	select {
	case c.out <- b:
		return nil
	case <-c.closing:
		return errClosed
	default:
		c.shut(widgetCloseSlow, "too far behind; reconnect")
		return errClosed
	}
}

// sendEphemeral sends a frame the window may miss (typing).
func (c *widgetConn) sendEphemeral(b []byte) {
	if len(c.out) < cap(c.out)/2 {
		select {
		case c.out <- b:
		default:
		}
	}
}

// widgetLimited is a send over the window's rate.
type widgetLimited struct{ wait time.Duration }

func (e *widgetLimited) Error() string { return "you are sending too fast; wait a moment" }

func (c *widgetConn) sendError(id string, err error) {
	var lim *widgetLimited
	if errors.As(err, &lim) {
		f := map[string]any{"type": "error", "code": protocol.CodeRateLimited, "message": lim.Error(), "retry_after_ms": lim.wait.Milliseconds() + 1}
		if id != "" {
			f["id"] = id
		}
		c.sendJSON(f)
		return
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		var ae *protocol.APIError
		if errors.As(err, &ae) {
			pe = &protocol.Error{Code: ae.Code, Message: ae.Message}
		} else if err = store.AsInvalid(err); !errors.As(err, &pe) {
			c.log.Error("widget request failed", "err", err)
			pe = protocol.Errorf(protocol.CodeInternal, "something went wrong; try again")
		}
	}
	f := map[string]any{"type": "error", "code": pe.Code, "message": pe.Message}
	if id != "" {
		f["id"] = id
	}
	c.sendJSON(f)
}

func (c *widgetConn) writeLoop() {
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	defer c.ws.Close()
	for {
		select {
		case b := <-c.out:
			c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.shut(0, "")
				return
			}
		case <-ping.C:
			c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.shut(0, "")
				return
			}
		case <-c.closing:
			for len(c.out) > 0 { // what was queued before the close still goes out
				c.ws.SetWriteDeadline(time.Now().Add(2 * time.Second))
				if c.ws.WriteMessage(websocket.TextMessage, <-c.out) != nil {
					return
				}
			}
			return
		}
	}
}

// shut closes the window's connection once, with a close frame when code
// is not 0.
func (c *widgetConn) shut(code int, text string) {
	c.shutOnce.Do(func() {
		if code != 0 {
			msg := websocket.FormatCloseMessage(code, text)
			c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		}
		close(c.closing)
	})
}
