package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/internal/kbtitle"
	"github.com/agentdesk/agentdesk/internal/textcut"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

// kbReloader is implemented by a copilot whose knowledge base can be re-read
// (copilot.Engine).
type kbReloader interface {
	ReloadKB() error
	KB() *copilot.KB
}

// export builds a page of dataset records and audits it.
func (s *Server) export(ctx context.Context, actor store.Actor, r protocol.ExportReq) (protocol.ExportAck, error) {
	ack, err := BuildExport(ctx, s.store, r)
	if err != nil {
		return ack, err
	}
	return ack, s.store.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(actor.ID, "export", "", map[string]any{"format": r.Format, "records": len(ack.Records), "cursor": r.Cursor})
	})
}

// kbReload re-reads the copilot's knowledge-base folder.
func (s *Server) kbReload(ctx context.Context, actor store.Actor) (protocol.KBReloadAck, error) {
	kr, ok := s.cfg.Copilot.(kbReloader)
	if !ok {
		return protocol.KBReloadAck{}, protocol.Errorf(protocol.CodeUnavailable, "this server's copilot has no knowledge base to reload")
	}
	if err := kr.ReloadKB(); err != nil {
		return protocol.KBReloadAck{}, protocol.Errorf(protocol.CodeInvalid, "knowledge base not reloaded, the old one stays in use: %v", err)
	}
	if err := s.store.Update(ctx, func(tx *store.Tx) error { return tx.Audit(actor.ID, "kb.reload", "", nil) }); err != nil {
		return protocol.KBReloadAck{}, err
	}
	return protocol.KBReloadAck{Entries: kr.KB().Len(), Pending: kr.KB().Pending()}, nil
}

// promote puts an outcome's gold reply to use. Exemplar: recorded and fed
// to the copilot's exemplar memory at once (and at every start). KB: a
// Markdown file with front matter "status: pending-review" is written under
// the KB folder; the copilot skips it until a reviewer removes that line and
// the KB is reloaded (kb.reload).
func (s *Server) promote(ctx context.Context, rq *request, r protocol.PromoteReq) (json.RawMessage, error) {
	actor := rq.actor
	src, err := s.store.PromotionSource(ctx, r.OutcomeID)
	if err != nil {
		return nil, err
	}
	if r.Target == protocol.PromoteKB {
		// An entry answers what the customer wanted, not their last line
		// ("好的，谢谢", "Can you check?").
		d, err := s.store.ReviewDetail(ctx, r.OutcomeID)
		if err != nil {
			return nil, err
		}
		cv := conversationFor(protocol.ConversationDetail{Conversation: protocol.Conversation{ID: d.Item.Outcome.ConversationID}, Messages: d.Context})
		if ask := copilot.CustomerAsk(cv, src.Language); ask != "" {
			src.Turn.Question = ask
		}
	}
	p := protocol.Promotion{ID: store.NewID("p_"), OutcomeID: r.OutcomeID, Target: r.Target,
		Question: src.Turn.Question, Reply: src.Reply, Language: src.Language}
	var written string
	switch r.Target {
	case protocol.PromoteExemplar:
		p.Ref, p.Status = "gold_"+p.ID, protocol.PromotionActive
	case protocol.PromoteKB:
		if s.cfg.KBWriteDir == "" {
			return nil, protocol.Errorf(protocol.CodeUnavailable, "this server has no writable knowledge-base folder (serve -kb or -kb-overlay)")
		}
		p.Ref, p.Status = filepath.ToSlash(filepath.Join("promoted", p.ID+".md")), protocol.PromotionPending
		written = filepath.Join(s.cfg.KBWriteDir, filepath.FromSlash(p.Ref))
		if err := writePromotedKB(written, p, src, r.Title, actor.ID, time.UnixMilli(s.store.Now())); err != nil {
			return nil, protocol.Errorf(protocol.CodeInternal, "write knowledge-base file: %v", err)
		}
	}
	b, err := rq.apply(ctx, func(tx *store.Tx) (any, error) {
		saved, err := tx.AddPromotion(actor, p, src.Turn.Outcome.ConversationID)
		return protocol.PromoteAck{Promotion: saved}, err
	})
	if err != nil {
		if written != "" {
			os.Remove(written)
		}
		return nil, err
	}
	if r.Target == protocol.PromoteExemplar && s.enricher != nil {
		s.enricher.addGold(p)
	}
	return b, nil
}

var (
	kbIntent   = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)
	kbLanguage = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

// writePromotedKB writes a promoted reply as a KB Markdown file, PII masked
// (the KB is shared knowledge, not one customer's), pending review.
func writePromotedKB(path string, p protocol.Promotion, src store.PromotionSource, title, by string, at time.Time) error {
	red := copilot.NewRedactor()
	question := strings.Join(strings.Fields(red.Redact(src.Turn.Question)), " ")
	// The title names the topic for everyone: no one customer's order
	// number, phone or e-mail in it.
	if title = kbtitle.Clean(title); title == "" {
		title = textcut.Runes(kbtitle.Clean(question), 80)
	}
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "id: %s\n", strings.TrimSuffix(filepath.Base(path), ".md"))
	fmt.Fprintf(&b, "title: %q\n", title)
	// Language and intent come from the copilot (a model, perhaps): only
	// values of their known shape are written, and every value is quoted,
	// so nothing can close the front matter early (issue 19.4).
	if kbLanguage.MatchString(src.Language) {
		fmt.Fprintf(&b, "language: %q\n", src.Language)
	}
	if kbIntent.MatchString(src.Intent) {
		fmt.Fprintf(&b, "intent: %q\ntags: [%q]\n", src.Intent, src.Intent)
	}
	fmt.Fprintf(&b, "status: %s\n", copilot.StatusPendingReview)
	fmt.Fprintf(&b, "# Review: check the answer, then change the status above to %s and reload the KB.\n", copilot.StatusApproved)
	fmt.Fprintf(&b, "source: outcome %s, promoted by %s at %s\n", p.OutcomeID, by, at.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "question: %q\n", question)
	b.WriteString("---\n")
	b.WriteString(red.Redact(src.Reply))
	b.WriteString("\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
