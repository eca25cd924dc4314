package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

// outcomeFor drafts a reply in a new conversation owned by agent and
// records the outcome; it returns the outcome.
func outcomeFor(t *testing.T, h *harness, d *desk, question, draft string, req protocol.OutcomeReq) protocol.Outcome {
	t.Helper()
	c := h.escalated(question, 5)
	dr := h.draft(c.ID, draft)
	decode[protocol.ConversationAck](t, d.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	req.DraftID, req.IdempotencyKey = dr.ID, "k-"+dr.ID
	return decode[protocol.OutcomeAck](t, d.do(protocol.ReqOutcome, req)).Outcome
}

func TestReviewAuthorisation(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	lead := h.dial(h.agent("lee", protocol.RoleLead), 0)
	o := outcomeFor(t, h, agent, "Where is my parcel?", "It ships today.", protocol.OutcomeReq{Action: protocol.ActionAccept})

	// Agents cannot review, label, promote or export.
	wantError(t, agent.do(protocol.ReqReviewList, protocol.ReviewListReq{}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Reason: "wrong_tone"}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteExemplar}), protocol.CodeForbidden)
	wantError(t, agent.do(protocol.ReqExport, protocol.ExportReq{Format: protocol.FormatSFT}), protocol.CodeForbidden)
	// Leads read the stream but do not label.
	decode[protocol.ReviewListAck](t, lead.do(protocol.ReqReviewList, protocol.ReviewListReq{}))
	wantError(t, lead.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Reason: "wrong_tone"}), protocol.CodeForbidden)
	// Trainers never talk to customers.
	c := h.escalated("Hello?", 1)
	wantError(t, trainer.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}), protocol.CodeForbidden)
	wantError(t, trainer.do(protocol.ReqSend, protocol.TextReq{ConversationID: c.ID, Text: "hi"}), protocol.CodeForbidden)
	dr := h.draft(c.ID, "Hi!")
	wantError(t, trainer.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionAccept, IdempotencyKey: "t1"}), protocol.CodeForbidden)
	// But they label.
	l := decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Severity: "minor"})).Label
	if l.LabelledBy != "tina" || l.Version != 1 {
		t.Fatalf("label = %+v", l)
	}
}

func TestReviewListSortsByChangeAndLabelsPersist(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	acc := outcomeFor(t, h, agent, "Do you ship to Macau?", "Yes, we ship to Macau in 3 days.", protocol.OutcomeReq{Action: protocol.ActionAccept})
	edit := outcomeFor(t, h, agent, "退款多久到账？", "您好，退款将在7天内到账。",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "您好，退款将在3个工作日内原路退回。"})
	rej := outcomeFor(t, h, agent, "I want to sue you", "Sorry for the trouble, here is a coupon.",
		protocol.OutcomeReq{Action: protocol.ActionReject, Reason: "should_escalate"})

	list := decode[protocol.ReviewListAck](t, trainer.do(protocol.ReqReviewList, protocol.ReviewListReq{}))
	if list.Total != 3 || len(list.Items) != 3 {
		t.Fatalf("list: %+v", list)
	}
	order := []string{list.Items[0].Outcome.ID, list.Items[1].Outcome.ID, list.Items[2].Outcome.ID}
	if order[0] != rej.ID || order[1] != edit.ID || order[2] != acc.ID {
		t.Fatalf("order %v, want reject, edit, accept", order)
	}
	if c := list.Items[1].Change; c <= 0 || c >= 1 {
		t.Fatalf("edit change %v, want between 0 and 1", c)
	}
	// Filters.
	only := decode[protocol.ReviewListAck](t, trainer.do(protocol.ReqReviewList, protocol.ReviewListReq{
		Filter: protocol.ReviewFilter{Actions: []string{"reject"}, Reasons: []string{"should_escalate"}}}))
	if only.Total != 1 || only.Items[0].Outcome.ID != rej.ID {
		t.Fatalf("filtered: %+v", only)
	}
	wantError(t, trainer.do(protocol.ReqReviewList, protocol.ReviewListReq{Filter: protocol.ReviewFilter{Actions: []string{"shout"}}}), protocol.CodeInvalid)

	// Label, then read it back with the detail.
	gold := "I'm sorry you feel that way. I've passed this to our complaints team, who will contact you today."
	l := decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: rej.ID, Reason: "should_escalate",
		Severity: "critical", Comment: "never offer coupons to legal threats", GoldReply: gold, Golden: true})).Label
	det := decode[protocol.ReviewDetail](t, trainer.do(protocol.ReqReviewGet, protocol.OutcomeRef{OutcomeID: rej.ID}))
	if det.Item.Label == nil || det.Item.Label.GoldReply != gold || !det.Item.Label.Golden || det.Item.Label.LabelledBy != "tina" ||
		det.Item.Label.LabelledAt == 0 {
		t.Fatalf("detail label: %+v", det.Item.Label)
	}
	if len(det.Context) != 1 || det.Context[0].Text != "I want to sue you" || det.Draft.ID != rej.DraftID {
		t.Fatalf("detail context %+v draft %+v", det.Context, det.Draft)
	}
	// A stale version is refused; the current one bumps it.
	wantError(t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: rej.ID, Severity: "minor", Version: l.Version + 5}), protocol.CodeConflict)
	l2 := decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: rej.ID, Reason: "unsafe",
		Severity: "major", GoldReply: gold, Golden: true, Version: l.Version})).Label
	if l2.Version != 2 {
		t.Fatalf("version %d", l2.Version)
	}
	// The label's reason is filterable and counted in the metrics.
	m := decode[protocol.ReviewMetrics](t, trainer.do(protocol.ReqReviewMetrics, protocol.ReviewMetricsReq{}))
	if m.Overall.Total != 3 || m.Overall.Accepted != 1 || m.Overall.Edited != 1 || m.Overall.Rejected != 1 || m.Reasons["unsafe"] != 1 {
		t.Fatalf("metrics: %+v", m)
	}
	if m.Overall.MeanEditDistance <= 0 || m.Overall.MeanEditDistance >= 0.5 || len(m.Days) != 1 || len(m.ByPromptVersion) != 1 {
		t.Fatalf("metrics detail: %+v", m)
	}
	golden := decode[protocol.ReviewListAck](t, trainer.do(protocol.ReqReviewList, protocol.ReviewListReq{Filter: protocol.ReviewFilter{Golden: true}}))
	if golden.Total != 1 {
		t.Fatalf("golden: %+v", golden)
	}
	entries, err := h.st.Audit(context.Background(), 0, 1000)
	audits := 0
	for _, e := range entries {
		if e.Action == "label" && e.Actor == "tina" {
			audits++
		}
	}
	if err != nil || audits != 2 {
		t.Fatalf("audit rows %d %v", audits, err)
	}
}

func TestPromotedGoldReplyChangesNextDraft(t *testing.T) {
	h := newCopilotHarness(t)
	alice := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	question := "Can I pay for my order with a gift card from another shop?"
	c := h.escalated(question, 10)
	f := alice.waitEvent(func(f protocol.Frame) bool { _, open := draftEvent(f); return open })
	d, _ := draftEvent(f)
	decode[protocol.ConversationAck](t, alice.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	o := decode[protocol.OutcomeAck](t, alice.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.ActionReject,
		Reason: "wrong_facts", IdempotencyKey: "k-" + d.ID})).Outcome

	// Promoting before a gold reply exists is refused: a rejection has nothing to promote.
	wantError(t, trainer.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteExemplar}), protocol.CodeConflict)
	gold := "We only accept our own gift cards, bank cards, Alipay and WeChat Pay; gift cards from other shops can't be used here."
	decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Reason: "wrong_facts", GoldReply: gold}))
	p := decode[protocol.PromoteAck](t, trainer.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteExemplar})).Promotion
	if p.Status != protocol.PromotionActive || p.Reply != gold || p.Question != question {
		t.Fatalf("promotion: %+v", p)
	}

	c2 := h.escalated("Can I pay with a gift card from a different shop?", 10)
	next := alice.openDraftOf(c2.ID)
	cited := false
	for _, s := range next.Sources {
		cited = cited || (s.Kind == "exemplar" && s.ID == p.Ref)
	}
	if !cited || !strings.Contains(next.Text, "gift cards from other shops can't be used") {
		t.Fatalf("next draft does not use the gold reply:\n%s\nsources %+v", next.Text, next.Sources)
	}
	if next.Text == d.Text {
		t.Fatal("next draft is the rejected one")
	}
}

// kbHarness is a server with a copilot whose KB overlay is a temp folder
// trainers promote into, and an agent's and a trainer's desk.
func kbHarness(t *testing.T) (string, *copilot.Engine, *harness, *desk, *desk) {
	t.Helper()
	overlay := t.TempDir()
	eng, err := copilot.New(copilot.Config{KBOverlay: overlay})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, server.Config{Copilot: eng, KBWriteDir: overlay})
	return overlay, eng, h, h.dial(h.agent("alice", protocol.RoleAgent), 0), h.dial(h.agent("tina", protocol.RoleTrainer), 0)
}

// TestPromotedKBEntryIsAboutTheAsk: an entry promoted from a conversation
// takes the customer's ask as its question, not their last line, and its
// title keeps no order number (issue 14: question "好的，那我等一下", title
// "我的订单 1042 的耳机…").
func TestPromotedKBEntryIsAboutTheAsk(t *testing.T) {
	overlay, _, h, agent, trainer := kbHarness(t)
	c := h.escalated("我的订单 1042 的耳机右耳没声音了，保修期是多久？", 5)
	if err := h.st.Update(t.Context(), func(tx *store.Tx) error {
		_, _, err := tx.AddMessage(c.ID, protocol.AuthorCustomer, "", "好的，那我等一下")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dr := h.draft(c.ID, "耳机保修一年。")
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	o := decode[protocol.OutcomeAck](t, agent.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, Action: protocol.ActionEdit,
		FinalText: "耳机自签收起保修一年，右耳无声可以申请售后检测。", IdempotencyKey: "k-" + dr.ID})).Outcome
	file := func(title string) string {
		p := decode[protocol.PromoteAck](t, trainer.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteKB, Title: title})).Promotion
		b, err := os.ReadFile(filepath.Join(overlay, filepath.FromSlash(p.Ref)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b := file("")
	if !strings.Contains(b, "question: \"我的订单 1042 的耳机右耳没声音了，保修期是多久？\"") {
		t.Errorf("the question is not the customer's ask:\n%s", b)
	}
	if !strings.Contains(b, "title: \"我的订单的耳机右耳没声音了，保修期是多久？\"") {
		t.Errorf("the title is not the ask without its order number:\n%s", b)
	}
	// A title the reviewer gave loses an order number too.
	if b := file("订单 #1042 耳机保修期"); !strings.Contains(b, "title: \"订单耳机保修期\"") {
		t.Errorf("the given title keeps its order number:\n%s", b)
	}
}

func TestPromoteToKBWaitsForReview(t *testing.T) {
	overlay, eng, h, agent, trainer := kbHarness(t)
	o := outcomeFor(t, h, agent, "Do you deliver on Sundays? My number is 13812345678", "No.",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "Yes — SF Express delivers on Sundays in most cities; call 13812345678 if not."})
	before := eng.KB().Len()
	p := decode[protocol.PromoteAck](t, trainer.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteKB,
		Title: "Sunday delivery"})).Promotion
	if p.Status != protocol.PromotionPending || p.Ref != "promoted/"+p.ID+".md" {
		t.Fatalf("promotion: %+v", p)
	}
	path := filepath.Join(overlay, filepath.FromSlash(p.Ref))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("status: pending-review")) || bytes.Contains(b, []byte("13812345678")) || !bytes.Contains(b, []byte("SF Express")) {
		t.Fatalf("kb file:\n%s", b)
	}
	r := decode[protocol.KBReloadAck](t, trainer.do(protocol.ReqKBReload, protocol.KBReloadReq{}))
	if r.Entries != before || len(r.Pending) != 1 {
		t.Fatalf("reload while pending: %+v (before %d)", r, before)
	}
	// Deleting the status line is not an approval: a promoted file needs
	// an explicit one (issue 19.4).
	deleted := strings.Replace(string(b), "status: pending-review\n", "", 1)
	if err := os.WriteFile(path, []byte(deleted), 0o644); err != nil {
		t.Fatal(err)
	}
	r = decode[protocol.KBReloadAck](t, trainer.do(protocol.ReqKBReload, protocol.KBReloadReq{}))
	if r.Entries != before || len(r.Pending) != 1 {
		t.Fatalf("reload without an approval: %+v (before %d)", r, before)
	}
	// The reviewer approves: the entry joins the KB.
	approved := strings.Replace(string(b), "status: pending-review\n", "status: approved\n", 1)
	if err := os.WriteFile(path, []byte(approved), 0o644); err != nil {
		t.Fatal(err)
	}
	r = decode[protocol.KBReloadAck](t, trainer.do(protocol.ReqKBReload, protocol.KBReloadReq{}))
	if r.Entries != before+1 || len(r.Pending) != 0 {
		t.Fatalf("reload after review: %+v", r)
	}
	if hits := eng.KB().Search("deliver on Sunday", "en", 1); len(hits) == 0 || hits[0].Entry.ID != p.ID {
		t.Fatalf("promoted entry not found: %+v", hits)
	}
}

// piiPattern matches what must never appear in an export: mainland mobile
// numbers, e-mail addresses and 18-digit resident ids.
var piiPattern = regexp.MustCompile(`1[3-9]\d{9}|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+\.[A-Za-z]{2,}|\d{17}[\dXx]`)

func TestExportValidatesAndMasksPII(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	outcomeFor(t, h, agent, "My phone is 13812345678, where is my parcel?", "It ships today.", protocol.OutcomeReq{Action: protocol.ActionAccept})
	outcomeFor(t, h, agent, "请把发票发到 li.wei@example.com", "好的。",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "好的，发票将发送到 li.wei@example.com，请查收。"})
	rej := outcomeFor(t, h, agent, "I want a refund, card 4111 1111 1111 1111", "Refunds take 30 days.",
		protocol.OutcomeReq{Action: protocol.ActionReject, Reason: "wrong_facts"})
	outcomeFor(t, h, agent, "Cancel my order", "Done.", protocol.OutcomeReq{Action: protocol.ActionReject, Reason: "incomplete"})
	decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: rej.ID, Reason: "wrong_facts",
		GoldReply: "Refunds reach your card within 3-5 working days after we receive the return."}))

	export := func(format string, limit int) ([]json.RawMessage, map[string]int) {
		var all []json.RawMessage
		skipped := map[string]int{}
		cursor := ""
		for {
			ack := decode[protocol.ExportAck](t, trainer.do(protocol.ReqExport, protocol.ExportReq{Format: format, Cursor: cursor, Limit: limit}))
			all = append(all, ack.Records...)
			for k, v := range ack.Skipped {
				skipped[k] += v
			}
			if ack.Next == "" {
				return all, skipped
			}
			cursor = ack.Next
		}
	}
	sft, skipped := export(protocol.FormatSFT, 1) // one per page: the cursor pages through all
	if len(sft) != 3 || skipped[server.SkipNoTarget] != 1 {
		t.Fatalf("sft: %d records, skipped %v", len(sft), skipped)
	}
	for i, line := range sft {
		var r protocol.SFTRecord
		strictDecode(t, line, &r)
		if err := server.ValidateSFT(r); err != nil {
			t.Errorf("sft line %d: %v\n%s", i+1, err, line)
		}
		if piiPattern.Match(line) {
			t.Errorf("sft line %d has PII: %s", i+1, line)
		}
	}
	dpo, skipped := export(protocol.FormatDPO, 0)
	if len(dpo) != 2 || skipped[server.SkipNoPair] != 1 || skipped[server.SkipNoTarget] != 1 {
		t.Fatalf("dpo: %d records, skipped %v", len(dpo), skipped)
	}
	for i, line := range dpo {
		var r protocol.DPORecord
		strictDecode(t, line, &r)
		if err := server.ValidateDPO(r); err != nil {
			t.Errorf("dpo line %d: %v\n%s", i+1, err, line)
		}
		if piiPattern.Match(line) {
			t.Errorf("dpo line %d has PII: %s", i+1, line)
		}
	}
	// The customer's name is masked too: the conversation knows it.
	c := h.escalated("Where is my parcel?", 5)
	dr := h.draft(c.ID, "Hi "+c.CustomerName+", it ships today.")
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqClaim, protocol.ClaimReq{ConversationID: c.ID}))
	decode[protocol.OutcomeAck](t, agent.do(protocol.ReqOutcome, protocol.OutcomeReq{DraftID: dr.ID, IdempotencyKey: "k-" + dr.ID,
		Action: protocol.ActionAccept}))
	sft, _ = export(protocol.FormatSFT, 0)
	last := string(sft[len(sft)-1])
	if c.CustomerName == "" || strings.Contains(last, c.CustomerName) || !strings.Contains(last, "Hi [客户], it ships today.") {
		t.Errorf("customer name %q not masked: %s", c.CustomerName, last)
	}
	if !strings.Contains(string(dpo[1]), "3-5 working days") || !strings.Contains(string(dpo[1]), "30 days") {
		t.Errorf("dpo pair of the labelled rejection: %s", dpo[1])
	}
}

func strictDecode(t *testing.T, line []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("line does not match the schema: %v\n%s", err, line)
	}
}

// A page of review.list grows with the texts in it; the server ends the page
// before the reply passes protocol.MaxReplyBytes, and offsets walk the rest.
func TestReviewListPagesStayUnderTheReplyLimit(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	long := strings.Repeat("您的包裹已从仓库发出，预计三天内送达。", 900) // ~50 KB
	want := map[string]bool{}
	for range 30 {
		o := outcomeFor(t, h, agent, "Where is my parcel?", long, protocol.OutcomeReq{Action: protocol.ActionAccept})
		want[o.ID] = true
	}
	// Export pages too: every record once, every page under the limit.
	records, cursor := 0, ""
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatal("export does not progress")
		}
		f := trainer.do(protocol.ReqExport, protocol.ExportReq{Format: protocol.FormatSFT, Cursor: cursor})
		if n := len(f.Data); n > protocol.MaxReplyBytes {
			t.Errorf("export page is %d bytes, over %d", n, protocol.MaxReplyBytes)
		}
		ack := decode[protocol.ExportAck](t, f)
		records += len(ack.Records)
		if cursor = ack.Next; cursor == "" {
			break
		}
	}
	if records != len(want) {
		t.Errorf("exported %d records, want %d", records, len(want))
	}
	got := map[string]bool{}
	for offset, pages := 0, 0; offset < len(want); pages++ {
		if pages > len(want) {
			t.Fatalf("no progress paging at offset %d", offset)
		}
		f := trainer.do(protocol.ReqReviewList, protocol.ReviewListReq{Offset: offset, Limit: protocol.MaxReviewPage})
		if f.Type != protocol.TypeAck {
			t.Fatalf("review.list at %d: %s %s", offset, f.Code, f.Message)
		}
		if n := len(f.Data); n > protocol.MaxReplyBytes {
			t.Errorf("page at %d is %d bytes, over %d", offset, n, protocol.MaxReplyBytes)
		}
		var ack protocol.ReviewListAck
		if err := json.Unmarshal(f.Data, &ack); err != nil {
			t.Fatal(err)
		}
		if ack.Total != len(want) || len(ack.Items) == 0 || ack.Offset != offset {
			t.Fatalf("page at %d: total %d, %d items, offset %d", offset, ack.Total, len(ack.Items), ack.Offset)
		}
		for _, it := range ack.Items {
			got[it.Outcome.ID] = true
		}
		offset += len(ack.Items)
	}
	if len(got) != len(want) {
		t.Errorf("paged %d distinct outcomes, want %d", len(got), len(want))
	}
}

// TestExportMasksEveryKnownName: a reply reused from another chat greets
// the wrong customer ("您好，孙悦！" to 郭静); the export masks every name
// the store knows and any greeting name, not only this conversation's
// customer (issue 14.1).
func TestExportMasksEveryKnownName(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.CreateCustomer(store.NewCustomer{Name: "孙悦"})
		if err == nil {
			_, err = tx.CreateCustomer(store.NewCustomer{Name: "Kenji Watanabe"})
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	outcomeFor(t, h, agent, "我的快递呢？孙悦说她的到了", "很抱歉让您久等了！您好，孙悦！",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "很抱歉让您久等了！您好，孙悦！已为您查询，Kenji Watanabe 的订单不是您的。"})
	outcomeFor(t, h, agent, "Where is it?", "Hi Maria, it ships today.", protocol.OutcomeReq{Action: protocol.ActionAccept})
	for _, format := range []string{protocol.FormatSFT, protocol.FormatDPO} {
		ack := decode[protocol.ExportAck](t, trainer.do(protocol.ReqExport, protocol.ExportReq{Format: format,
			Filter: protocol.ReviewFilter{}}))
		for _, line := range ack.Records {
			for _, name := range []string{"孙悦", "Kenji", "Watanabe", "Maria"} {
				if strings.Contains(string(line), name) {
					t.Errorf("%s export carries %q: %s", format, name, line)
				}
			}
		}
		if format == protocol.FormatSFT && (len(ack.Records) != 2 || !strings.Contains(string(ack.Records[0]), "您好，[NAME_1]！")) {
			t.Errorf("sft records: %s", ack.Records)
		}
	}
}

// TestPromotedKBFrontMatterCannotBeForged: a model-supplied intent
// "refund\n---" once closed the promoted file's front matter, so its
// status line fell into the body and the entry went live on the next
// reload (issue 19.4). Model fields are validated and quoted, and a
// promoted file needs an explicit approval.
func TestPromotedKBFrontMatterCannotBeForged(t *testing.T) {
	overlay, eng, h, agent, trainer := kbHarness(t)
	o := outcomeFor(t, h, agent, "Can I return shoes?", "No.",
		protocol.OutcomeReq{Action: protocol.ActionEdit, FinalText: "Yes, within 7 days, unworn."})
	// The escalation set the copilot's own enrichment going; it stores a
	// well-formed intent and language, so the forged ones go in after it
	// (landing later under load, it overwrote them).
	agent.conversationEvent(o.ConversationID, protocol.CauseEnriched)
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enrich(o.ConversationID, store.Insight{Intent: "refund\n---\nstatus: approved", Language: "en\n---"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := eng.KB().Len()
	p := decode[protocol.PromoteAck](t, trainer.do(protocol.ReqPromote, protocol.PromoteReq{OutcomeID: o.ID, Target: protocol.PromoteKB,
		Title: "Returns"})).Promotion
	b, err := os.ReadFile(filepath.Join(overlay, filepath.FromSlash(p.Ref)))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("\n---\n")) != 1 || bytes.Contains(b, []byte("intent:")) || bytes.Contains(b, []byte("language:")) {
		t.Fatalf("front matter forged:\n%s", b)
	}
	r := decode[protocol.KBReloadAck](t, trainer.do(protocol.ReqKBReload, protocol.KBReloadReq{}))
	if r.Entries != before || len(r.Pending) != 1 {
		t.Fatalf("a forged promotion went live: %+v (before %d)", r, before)
	}
}

// export --format sentiment: a trainer's mood label becomes a row of the
// customer's turn, a CSAT comment a row of its own (1–2 negative, 4–5
// positive), both masked; outcomes with neither are skipped. The rows are
// the format `agentdesk train sentiment` reads.
func TestExportSentimentRows(t *testing.T) {
	h := newHarness(t, server.Config{})
	agent := h.dial(h.agent("alice", protocol.RoleAgent), 0)
	trainer := h.dial(h.agent("tina", protocol.RoleTrainer), 0)
	o := outcomeFor(t, h, agent, "又扣了我钱，电话 13812345678，太过分了", "抱歉。", protocol.OutcomeReq{Action: protocol.ActionAccept})
	outcomeFor(t, h, agent, "Where is my parcel?", "It ships today.", protocol.OutcomeReq{Action: protocol.ActionAccept})
	wantError(t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Mood: "furious"}), protocol.CodeInvalid)
	l := decode[protocol.LabelAck](t, trainer.do(protocol.ReqLabel, protocol.LabelReq{OutcomeID: o.ID, Mood: "negative"}))
	if l.Label.Mood != "negative" {
		t.Fatalf("label %+v", l.Label)
	}
	decode[protocol.ConversationAck](t, agent.do(protocol.ReqResolve, protocol.ResolveReq{ConversationID: o.ConversationID, Disposition: "solved"}))
	if err := h.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.RecordCSAT(o.ConversationID, 1, "处理太慢了，很不满意")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ack := decode[protocol.ExportAck](t, trainer.do(protocol.ReqExport, protocol.ExportReq{Format: protocol.FormatSentiment}))
	if len(ack.Records) != 2 || ack.Skipped[server.SkipNoMood] != 1 {
		t.Fatalf("records %s, skipped %v", ack.Records, ack.Skipped)
	}
	var rows []protocol.SentimentRecord
	for _, b := range ack.Records {
		var r protocol.SentimentRecord
		strictDecode(t, b, &r)
		if piiPattern.Match(b) {
			t.Errorf("PII in %s", b)
		}
		rows = append(rows, r)
	}
	if rows[0].Source != "mood_label" || rows[0].Label != "negative" || !strings.Contains(rows[0].Text, "又扣了我钱") ||
		rows[1].Source != "csat" || rows[1].Label != "negative" || rows[1].Text != "处理太慢了，很不满意" {
		t.Fatalf("rows %+v", rows)
	}
	// The rows read as training rows.
	var jsonl strings.Builder
	for _, b := range ack.Records {
		jsonl.Write(b)
		jsonl.WriteByte('\n')
	}
	if got, err := copilot.ReadJSONL[copilot.SentimentRow](strings.NewReader(jsonl.String())); err != nil || len(got) != 2 {
		t.Fatalf("not sentiment rows: %v %v", got, err)
	}
}
