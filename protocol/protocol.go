// Package protocol holds the wire types shared by the agentdesk server and its
// clients: the frame envelope, request kinds and their payloads, acks and
// errors with machine-readable codes, events with a strictly increasing seq,
// and the welcome frame with its snapshot. It does no I/O.
//
// docs/protocol.md describes every kind with an example.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/agentdesk/agentdesk/internal/textcut"
)

// Version is the protocol version the server speaks; the welcome carries
// it. Version 2 made message events lean (ConversationChange instead of
// the whole conversation).
const Version = 2

// MinVersion is the oldest server protocol this package's clients accept:
// a version 1 server's message events decode as version 2's.
const MinVersion = 1

// Subprotocol is the websocket subprotocol name of this version.
const Subprotocol = "agentdesk.v2"

// SubprotocolV1 is version 1's name. The server still accepts it (the
// envelope is unchanged, so tools that read frames generically keep
// working) and says in the welcome that it speaks version 2, which a
// version 1 desk refuses with a clear message; clients offer it second,
// to reach version 1 servers.
const SubprotocolV1 = "agentdesk.v1"

// MaxFrameBytes is the largest frame the server reads (client → server). A
// larger frame closes the connection with CloseMessageTooBig. Frames the
// server sends are not bound by it: replies that grow with data are paged
// under MaxReplyBytes, and a client reads far larger frames (snapshots).
const MaxFrameBytes = 256 << 10

// MaxReplyBytes is the size a page of a list reply (review.list, export)
// stays under: the server ends the page early rather than exceed it, and
// the reply says where the next page starts.
const MaxReplyBytes = 1 << 20

// MaxTextBytes bounds the text of a message, note or outcome.
const MaxTextBytes = 32 << 10

// Websocket close codes used by the server beyond the standard ones.
const (
	// CloseMessageTooBig (1009, standard) is sent when a frame exceeds MaxFrameBytes.
	CloseMessageTooBig = 1009
	// CloseGoingAway (1001, standard) is sent on graceful server shutdown.
	CloseGoingAway = 1001
	// CloseUnauthorized is sent when the connection's token is revoked.
	CloseUnauthorized = 4001
	// CloseSlowConsumer is sent when the connection's send buffer overflows;
	// the client should reconnect and resume from its last seq.
	CloseSlowConsumer = 4008
)

// Frame types.
const (
	TypeWelcome = "welcome"
	TypeEvent   = "event"
	TypeAck     = "ack"
	TypeError   = "error"
	// TypeDraftDelta is an ephemeral server → client frame: a piece of a
	// draft the copilot is still generating (data: DraftDelta). It has no
	// seq, is not in the event log and is never replayed; a client must not
	// advance its last seq on it. The finished draft still arrives as a
	// draft.updated event, which replaces the streamed text.
	TypeDraftDelta = "draft_delta"
)

// Frame is the envelope of every websocket text frame, in both directions.
//
// Client → server: a request {"id","type","data"}.
// Server → client: "welcome" {data}, "event" {seq,kind,data},
// "ack" {re,data}, "error" {re,code,message} and the ephemeral
// "draft_delta" {data}.
type Frame struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Re      string `json:"re,omitempty"`
	Seq     int64  `json:"seq,omitempty"`
	Kind    string `json:"kind,omitempty"`
	At      int64  `json:"at,omitempty"` // unix milliseconds, events only
	Code    Code   `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfterMS, on an error frame with code rate_limited, is how long
	// to wait before the next request is accepted.
	RetryAfterMS int64           `json:"retry_after_ms,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
}

// Code is a machine-readable error code.
type Code string

// Error codes. Clients decide retry behaviour by code: Internal, Unavailable
// and RateLimited are transient; the rest are final for that request.
const (
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeInvalid      Code = "invalid"
	CodeRateLimited  Code = "rate_limited"
	CodeInternal     Code = "internal"
	CodeUnavailable  Code = "unavailable"
)

// Transient reports whether a request that failed with c may succeed if sent again.
func (c Code) Transient() bool {
	return c == CodeInternal || c == CodeUnavailable || c == CodeRateLimited
}

// Error is a protocol error: a code and a human-readable message.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the protocol code of err, or CodeInternal when err carries none.
func CodeOf(err error) Code {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CodeInternal
}

// DecodeFrame parses one frame and checks its envelope. It never panics;
// any problem is an *Error with CodeInvalid. It sets no size limit: each
// direction has its own (DecodeRequest applies MaxFrameBytes; a client sets
// its websocket read limit).
func DecodeFrame(b []byte) (Frame, error) {
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		return Frame{}, Errorf(CodeInvalid, "malformed frame: %s", jsonProblem(err))
	}
	if f.Type == "" {
		return f, Errorf(CodeInvalid, "frame has no type")
	}
	return f, nil
}

// DecodeRequest parses a client request frame: it must have an id and a
// known type. The returned frame keeps its id even on error when one was
// readable, so the error can be correlated.
func DecodeRequest(b []byte) (Frame, error) {
	if len(b) > MaxFrameBytes {
		return Frame{}, Errorf(CodeInvalid, "frame of %d bytes exceeds %d", len(b), MaxFrameBytes)
	}
	f, err := DecodeFrame(b)
	if err != nil {
		return f, err
	}
	if f.ID == "" {
		return f, Errorf(CodeInvalid, "request has no id")
	}
	if len(f.ID) > 128 {
		return Frame{}, Errorf(CodeInvalid, "request id longer than 128 bytes")
	}
	if !KnownRequest(f.Type) {
		return f, Errorf(CodeInvalid, "unknown request type %q", textcut.BytesWithEllipsis(f.Type, 64))
	}
	return f, nil
}

// DecodeData unmarshals a request's data into v, strictly: unknown fields
// and wrong types are CodeInvalid errors naming the field.
func DecodeData(data json.RawMessage, v any) error {
	if len(data) == 0 || string(data) == "null" {
		data = json.RawMessage("{}")
	}
	if err := UnmarshalStrict(data, v); err != nil {
		return Errorf(CodeInvalid, "bad data: %s", jsonProblem(err))
	}
	if err := CheckNoNUL(data); err != nil {
		return err
	}
	if val, ok := v.(interface{ Validate() error }); ok {
		return val.Validate()
	}
	return nil
}

// EncodeEvent builds an event frame.
func EncodeEvent(seq int64, kind string, at int64, payload json.RawMessage) Frame {
	return Frame{Type: TypeEvent, Seq: seq, Kind: kind, At: at, Data: payload}
}

// AppendEvent appends the encoded event frame to dst: the bytes
// json.Marshal(EncodeEvent(seq, kind, at, payload)) gives, for a payload
// that is json.Marshal output (compact, HTML-escaped), without the second
// pass over the payload that marshalling a json.RawMessage makes. The
// server encodes every event this way, once, for all desks.
func AppendEvent(dst []byte, seq int64, kind string, at int64, payload []byte) []byte {
	dst = append(dst, `{"type":"event"`...)
	if seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendInt(dst, seq, 10)
	}
	if kind != "" {
		dst = append(dst, `,"kind":`...)
		dst = appendJSONString(dst, kind)
	}
	if at != 0 {
		dst = append(dst, `,"at":`...)
		dst = strconv.AppendInt(dst, at, 10)
	}
	if len(payload) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, payload...)
	}
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string the way encoding/json
// writes it (kinds are short ASCII constants: the fast path).
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// Ack builds an ack frame for request id with data marshalled from v.
func Ack(id string, v any) (Frame, error) {
	f := Frame{Type: TypeAck, Re: id}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return f, fmt.Errorf("marshal ack: %w", err)
		}
		f.Data = b
	}
	return f, nil
}

// ErrorFrame builds an error frame for request id (which may be empty).
func ErrorFrame(id string, err error) Frame {
	var pe *Error
	if !errors.As(err, &pe) {
		pe = &Error{Code: CodeInternal, Message: "internal error"}
	}
	return Frame{Type: TypeError, Re: id, Code: pe.Code, Message: pe.Message}
}

// ErrTrailingData is UnmarshalStrict's error for data after the value.
var ErrTrailingData = errors.New("trailing data after object")

// UnmarshalStrict is the one strict JSON decoding of the server, for
// websocket request data and HTTP API bodies alike: one value, no unknown
// fields, right types. Errors are encoding/json's (the caller names the
// field at fault) or ErrTrailingData.
func UnmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return ErrTrailingData
	}
	return nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %q must be %s, not %s", field, te.Type.String(), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	return textcut.BytesWithEllipsis(err.Error(), 200)
}
