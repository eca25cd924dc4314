package protocol

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeRequest(t *testing.T) {
	cases := []struct {
		in   string
		id   string
		code Code // empty = ok
	}{
		{`{"id":"1","type":"claim","data":{"conversation_id":"c"}}`, "1", ""},
		{`{"id":"1","type":"claim"`, "", CodeInvalid},
		{`null`, "", CodeInvalid},
		{`"claim"`, "", CodeInvalid},
		{`{"type":"claim"}`, "", CodeInvalid},
		{`{"id":"2","type":"nope"}`, "2", CodeInvalid},
		{`{"id":3,"type":"claim"}`, "", CodeInvalid},
		{`{"id":"` + strings.Repeat("x", 129) + `","type":"claim"}`, "", CodeInvalid},
	}
	for _, tc := range cases {
		f, err := DecodeRequest([]byte(tc.in))
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.in, err)
			}
			continue
		}
		if CodeOf(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.in, err, tc.code)
		}
		if f.ID != tc.id {
			t.Errorf("%s: id %q, want %q", tc.in, f.ID, tc.id)
		}
	}
}

func TestDecodeDataNamesTheField(t *testing.T) {
	var r SnoozeReq
	err := DecodeData(json.RawMessage(`{"conversation_id":"c","minutes":"5"}`), &r)
	if CodeOf(err) != CodeInvalid || !strings.Contains(err.Error(), `"minutes"`) {
		t.Fatalf("got %v", err)
	}
	err = DecodeData(json.RawMessage(`{"conversation_id":"c","minutes":0}`), &r)
	if CodeOf(err) != CodeInvalid || !strings.Contains(err.Error(), "minutes") {
		t.Fatalf("range check: %v", err)
	}
	err = DecodeData(json.RawMessage(`{"conversation_id":"c","minutes":5,"extra":1}`), &r)
	if CodeOf(err) != CodeInvalid || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("unknown field: %v", err)
	}
	if err := DecodeData(nil, &NextReq{}); err != nil {
		t.Fatalf("empty data for a request without fields: %v", err)
	}
}

func TestOutcomeValidation(t *testing.T) {
	ok := []OutcomeReq{
		{DraftID: "d", Action: ActionAccept, IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionEdit, FinalText: "x", IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionReject, Reason: "wrong_tone", IdempotencyKey: "k"},
	}
	for _, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	bad := []OutcomeReq{
		{DraftID: "d", Action: ActionAccept, FinalText: "changed", IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionEdit, FinalText: "   ", IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionReject, IdempotencyKey: "k"},
		{DraftID: "d", Action: "maybe", IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionAccept},
		{Action: ActionAccept, IdempotencyKey: "k"},
		{DraftID: "d", Action: ActionEdit, FinalText: "\xff\xfe", IdempotencyKey: "k"},
	}
	for _, r := range bad {
		if CodeOf(r.Validate()) != CodeInvalid {
			t.Errorf("%+v: want invalid", r)
		}
	}
}

func TestErrorFrameHidesInternalDetail(t *testing.T) {
	f := ErrorFrame("r1", errString("disk on fire at /var/lib/x"))
	if f.Code != CodeInternal || strings.Contains(f.Message, "disk") {
		t.Fatalf("internal error leaked: %+v", f)
	}
	f = ErrorFrame("r2", Errorf(CodeConflict, "taken"))
	if f.Code != CodeConflict || f.Message != "taken" || f.Re != "r2" {
		t.Fatalf("%+v", f)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// FuzzDecodeRequest feeds arbitrary bytes through the server's decoding
// path: envelope, then the typed data for the request's type. It must never
// panic, and every failure must be a protocol error with a code.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"id":"1","type":"claim","data":{"conversation_id":"c_1","version":3}}`))
	f.Add([]byte(`{"id":"2","type":"outcome","data":{"draft_id":"d","action":"edit","final_text":"你好","idempotency_key":"k"}}`))
	f.Add([]byte(`{"id":"3","type":"reassign","data":{"conversation_ids":["a","b"],"to_agent":"bob","versions":{"a":1}}}`))
	f.Add([]byte(`{"id":"4","type":"snooze","data":{"conversation_id":"c","minutes":1e9}}`))
	f.Add([]byte(`{"id":"5","type":"send","data":{"conversation_id":"c","text":"\u001b]52;c;aGk=\u0007"}}`))
	f.Add([]byte(`{"id":"6","type":"set_status","data":null}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeRequest(b)
		if err != nil {
			if CodeOf(err) != CodeInvalid {
				t.Fatalf("envelope error without invalid code: %v", err)
			}
			return
		}
		if !KnownRequest(fr.Type) || fr.ID == "" {
			t.Fatalf("accepted bad envelope: %+v", fr)
		}
		var target any
		switch fr.Type {
		case ReqClaim:
			target = &ClaimReq{}
		case ReqNext:
			target = &NextReq{}
		case ReqRelease, ReqGetConversation:
			target = &ConversationReq{}
		case ReqSend, ReqNote:
			target = &TextReq{}
		case ReqTransfer:
			target = &TransferReq{}
		case ReqReassign:
			target = &ReassignReq{}
		case ReqResolve:
			target = &ResolveReq{}
		case ReqSnooze:
			target = &SnoozeReq{}
		case ReqSetStatus:
			target = &SetStatusReq{}
		case ReqSetCapacity:
			target = &SetCapacityReq{}
		case ReqOutcome:
			target = &OutcomeReq{}
		case ReqRegenerate:
			target = &RegenerateReq{}
		default:
			t.Fatalf("no decoder for %s", fr.Type)
		}
		if err := DecodeData(fr.Data, target); err != nil && CodeOf(err) != CodeInvalid {
			t.Fatalf("data error without invalid code: %v", err)
		}
	})
}

// TestDraftDeltaFrame: a draft_delta is a frame without seq whose data
// carries every documented field, reset included when false.
func TestDraftDeltaFrame(t *testing.T) {
	data, err := json.Marshal(DraftDelta{ConversationID: "c_01", JobID: "g_7", Text: "您好，"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(Frame{Type: TypeDraftDelta, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"draft_delta","data":{"conversation_id":"c_01","job_id":"g_7","text":"您好，","reset":false}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	f, err := DecodeFrame(b)
	if err != nil || f.Type != TypeDraftDelta || f.Seq != 0 {
		t.Fatalf("decoded %+v, %v", f, err)
	}
}

func TestPeekEvent(t *testing.T) {
	b, err := json.Marshal(EncodeEvent(4711, EvMessage, 1763712000000, json.RawMessage(`{"text":"\"seq\":1"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if seq, kind, ok := PeekEvent(b); !ok || seq != 4711 || kind != EvMessage {
		t.Fatalf("PeekEvent(%s) = %d %q %v", b, seq, kind, ok)
	}
	for _, tc := range []struct {
		in   string
		seq  int64
		kind string
		ok   bool
	}{
		{`{"seq":7,"type":"event","kind":"agent.updated"}`, 7, "agent.updated", true}, // other field order
		{`{"type":"event","seq":99999999999999999999,"kind":"x"}`, 0, "", false},      // overflows int64
		{`{"type":"ack","re":"1"}`, 0, "", false},
		{`{"type":"event","seq":3,"kind":"a\"b"}`, 3, `a"b`, true},
		{`not json`, 0, "", false},
	} {
		seq, kind, ok := PeekEvent([]byte(tc.in))
		if seq != tc.seq || kind != tc.kind || ok != tc.ok {
			t.Errorf("PeekEvent(%s) = %d %q %v, want %d %q %v", tc.in, seq, kind, ok, tc.seq, tc.kind, tc.ok)
		}
	}
}

// FuzzPeekEvent checks the fast path agrees with a full decode.
func FuzzPeekEvent(f *testing.F) {
	f.Add([]byte(`{"type":"event","seq":12,"kind":"message.created","at":1,"data":{}}`))
	f.Add([]byte(`{"type":"event","seq":12,"kind":"m\u0022","at":1}`))
	f.Add([]byte(`{"type":"event","seq":012,"kind":"m"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, kind, ok := PeekEvent(b)
		var fr struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
			Kind string `json:"kind"`
		}
		if json.Unmarshal(b, &fr) != nil || fr.Type != TypeEvent {
			if ok && json.Valid(b) {
				t.Fatalf("PeekEvent(%q) accepted a frame a full decode rejects", b)
			}
			return // the fast path trusts the server's encoder with the rest of the frame
		}
		if !ok || seq != fr.Seq || kind != fr.Kind {
			t.Fatalf("PeekEvent(%q) = %d %q %v; full decode %d %q", b, seq, kind, ok, fr.Seq, fr.Kind)
		}
	})
}

// Each direction has its own limit: the server's inbound one is applied to
// requests, not to every frame (a reply may be larger).
func TestFrameLimitIsPerDirection(t *testing.T) {
	big := []byte(`{"type":"ack","re":"r1","data":{"text":"` + strings.Repeat("x", MaxFrameBytes) + `"}}`)
	if _, err := DecodeFrame(big); err != nil {
		t.Errorf("DecodeFrame of a %d-byte reply: %v", len(big), err)
	}
	req := []byte(`{"type":"note","id":"r1","data":{"text":"` + strings.Repeat("x", MaxFrameBytes) + `"}}`)
	if _, err := DecodeRequest(req); CodeOf(err) != CodeInvalid {
		t.Errorf("DecodeRequest of a %d-byte request = %v, want invalid", len(req), err)
	}
}

// An unknown request type is quoted in the error cut to 64 bytes; the cut
// used to fall inside a Chinese character and put invalid UTF-8 on the
// wire (json.Marshal then turned it into U+FFFD).
func TestUnknownTypeIsCutOnACharacter(t *testing.T) {
	typ := strings.Repeat("退", 30) // 90 bytes; 64 is inside the 22nd character
	_, err := DecodeRequest([]byte(`{"id":"1","type":"` + typ + `"}`))
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	if !utf8.ValidString(pe.Message) || strings.Contains(pe.Message, "\uFFFD") {
		t.Fatalf("message splits a character: %q", pe.Message)
	}
	if !strings.Contains(pe.Message, strings.Repeat("退", 21)+"…") {
		t.Fatalf("message %q does not quote the cut type", pe.Message)
	}
}
