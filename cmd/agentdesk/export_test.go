package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
	"github.com/agentdesk/agentdesk/server/store/storetest"
)

// reviewedDB builds a database with three outcomes (accept, edit, reject)
// of customers who wrote PII, the rejection labelled golden with a gold reply.
func reviewedDB(t *testing.T) string {
	t.Helper()
	return reviewedDBAt(t, filepath.Join(t.TempDir(), "agentdesk.db"))
}

// reviewedDBAt fills the database path (a SQLite file or a postgres:// URL)
// as reviewedDB does.
func reviewedDBAt(t *testing.T, path string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agent := store.Actor{ID: "alice", Role: protocol.RoleAgent}
	trainer := store.Actor{ID: "tina", Role: protocol.RoleTrainer}
	type turn struct{ q, draft, action, final, reason, gold string }
	turns := []turn{
		{"退货运费谁出？我的电话 13912345678", "您好，质量问题退货运费由我们承担。", "accept", "", "", ""},
		{"Send the invoice to li.wei@example.com please", "Sure.", "edit", "Sure — the invoice goes to li.wei@example.com within a day.", "", ""},
		{"How long does a refund take?", "Refunds take 30 days.", "reject", "", "wrong_facts",
			"Refunds reach your original payment method within 3-5 working days after we receive the return."},
	}
	err = st.Update(ctx, func(tx *store.Tx) error {
		for _, id := range []string{"alice", "tina"} {
			role := map[string]string{"alice": protocol.RoleAgent, "tina": protocol.RoleTrainer}[id]
			if _, err := tx.CreateAgent("test", store.NewAgent{ID: id, Name: id, Role: role, Capacity: 5}); err != nil {
				return err
			}
		}
		for i, tr := range turns {
			cust, err := tx.CreateCustomer(store.NewCustomer{Name: "c"})
			if err != nil {
				return err
			}
			c, err := tx.CreateConversation(store.NewConversation{CustomerID: cust, Channel: "web"})
			if err != nil {
				return err
			}
			if _, c, err = tx.AddMessage(c.ID, protocol.AuthorCustomer, "", tr.q); err != nil {
				return err
			}
			if c, err = tx.Escalate(c.ID, protocol.Escalation{Reason: "asks_for_human"}, 1, 0); err != nil {
				return err
			}
			if _, err = tx.Claim(agent, c.ID, 0); err != nil {
				return err
			}
			d, err := tx.CreateDraft(protocol.Draft{ConversationID: c.ID, Text: tr.draft, BasedOnSeq: 1, Provider: "offline", Model: "offline", PromptVersion: "v1"})
			if err != nil {
				return err
			}
			ack, err := tx.RecordOutcome(agent, protocol.OutcomeReq{DraftID: d.ID, Action: protocol.Action(tr.action), FinalText: tr.final, Reason: tr.reason,
				IdempotencyKey: "k" + string(rune('0'+i))})
			if err != nil {
				return err
			}
			if tr.gold != "" {
				if _, err := tx.SetLabel(trainer, protocol.LabelReq{OutcomeID: ack.Outcome.ID, Reason: tr.reason, GoldReply: tr.gold, Golden: true}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

var rawPII = regexp.MustCompile(`1[3-9]\d{9}|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+\.[A-Za-z]{2,}`)

func TestExportCommandWritesValidFilesAndManifest(t *testing.T) {
	db := reviewedDB(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"export", "--db", db, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, format := range []string{"sft", "dpo"} {
		files, _ := filepath.Glob(filepath.Join(out, "agentdesk-"+format+"-*.jsonl"))
		if len(files) != 1 {
			t.Fatalf("%s files: %v (stdout %s)", format, files, stdout.String())
		}
		f, err := os.Open(files[0])
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines++
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			if format == "sft" {
				var r protocol.SFTRecord
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("sft line %d: %v", lines, err)
				}
				if err := server.ValidateSFT(r); err != nil {
					t.Errorf("sft line %d: %v", lines, err)
				}
			} else {
				var r protocol.DPORecord
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("dpo line %d: %v", lines, err)
				}
				if err := server.ValidateDPO(r); err != nil {
					t.Errorf("dpo line %d: %v", lines, err)
				}
			}
			if rawPII.Match(sc.Bytes()) {
				t.Errorf("%s line %d has raw PII: %s", format, lines, sc.Text())
			}
		}
		f.Close()
		var m protocol.DatasetManifest
		mb, err := os.ReadFile(strings.TrimSuffix(files[0], ".jsonl") + ".manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(mb, &m); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"sft": 3, "dpo": 2}[format]
		if m.Records != want || lines != want || m.SchemaVersion != protocol.DatasetSchemaVersion || !m.PIIMasked || len(m.SHA256) != 64 || m.Source != db {
			t.Errorf("%s manifest %+v, %d lines", format, m, lines)
		}
	}
	// Filters reach the export and the manifest.
	out2 := t.TempDir()
	if code := run(context.Background(), []string{"export", "--db", db, "--out", out2, "--format", "dpo", "--action", "reject"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	mfs, _ := filepath.Glob(filepath.Join(out2, "*.manifest.json"))
	mb, _ := os.ReadFile(mfs[0])
	var m protocol.DatasetManifest
	json.Unmarshal(mb, &m)
	if m.Records != 1 || len(m.Filter.Actions) != 1 || m.Filter.Actions[0] != "reject" {
		t.Errorf("filtered manifest: %+v", m)
	}
}

func TestEvalGoldenReplaysGoldenSet(t *testing.T) {
	db := reviewedDB(t)
	var stdout, stderr bytes.Buffer
	if err := runEval(context.Background(), []string{"golden", "--db", db, "--json"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	var rep GoldenReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err, stdout.String())
	}
	if rep.Cases != 1 || rep.Results[0].Draft == "" || rep.Results[0].Gold == "" || rep.Results[0].Provider != "offline" {
		t.Fatalf("report: %+v", rep)
	}
	if s := rep.Results[0].Similarity; s <= 0 || s > 1 {
		t.Fatalf("similarity %v", s)
	}
	// The gate fails when the bar is above what the copilot reaches.
	stdout.Reset()
	err := runEval(context.Background(), []string{"golden", "--db", db, "--min", "0.999"}, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "FAIL") {
		t.Fatalf("gate: %v\n%s", err, stdout.String())
	}
	// The same set from an sft export of it.
	out := t.TempDir()
	if code := run(context.Background(), []string{"export", "--db", db, "--out", out, "--format", "sft", "--golden"}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.jsonl"))
	stdout.Reset()
	if err := runEval(context.Background(), []string{"golden", "--file", files[0], "--json"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var rep2 GoldenReport
	json.Unmarshal(stdout.Bytes(), &rep2)
	if rep2.Cases != 1 || rep2.Results[0].Gold != rep.Results[0].Gold {
		t.Fatalf("from file: %+v", rep2)
	}
}

func TestExportCommandThroughServer(t *testing.T) {
	db := reviewedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var trainerTok, agentTok string
	if err := st.Update(ctx, func(tx *store.Tx) error {
		var err error
		if trainerTok, _, err = tx.CreateToken("test", "tina", ""); err != nil {
			return err
		}
		agentTok, _, err = tx.CreateToken("test", "alice", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(st, server.Config{RateLimit: -1})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, nil) }()
	defer func() { cancel(); <-served }()
	url := "ws://" + ln.Addr().String()

	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"export", "--server", url, "--token", trainerTok, "--format", "dpo", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	mfs, _ := filepath.Glob(filepath.Join(out, "*.manifest.json"))
	if len(mfs) != 1 {
		t.Fatalf("manifests %v", mfs)
	}
	var m protocol.DatasetManifest
	mb, _ := os.ReadFile(mfs[0])
	if err := json.Unmarshal(mb, &m); err != nil || m.Records != 2 || m.Source != url {
		t.Fatalf("manifest %+v %v", m, err)
	}
	// An agent's token is refused.
	stderr.Reset()
	if code := run(ctx, []string{"export", "--server", url, "--token", agentTok, "--out", t.TempDir()}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "forbidden") {
		t.Fatalf("agent export: exit %d, %s", code, stderr.String())
	}
}

// TestExportAndGoldenDatabase: export and eval golden read the database
// every other command reads — $AGENTDESK_DB when --db is not given, and a
// postgres:// URL as well as a SQLite file — and never record a password.
func TestExportAndGoldenDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		db := b.DB(t)
		reviewedDBAt(t, db)
		t.Setenv("AGENTDESK_DB", db)
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"export", "--format", "sft", "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("export with AGENTDESK_DB: exit %d: %s", code, stderr.String())
		}
		files, _ := filepath.Glob(filepath.Join(out, "agentdesk-sft-*.manifest.json"))
		if len(files) != 1 {
			t.Fatalf("manifests: %v", files)
		}
		var m protocol.DatasetManifest
		mb, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(mb, &m); err != nil {
			t.Fatal(err)
		}
		if m.Records != 3 || m.Source != store.RedactDSN(db) {
			t.Errorf("manifest: %d records from %q, want 3 from %q", m.Records, m.Source, store.RedactDSN(db))
		}
		stdout.Reset()
		if code := run(context.Background(), []string{"eval", "golden", "--db", db, "--json"}, &stdout, &stderr); code != 0 {
			t.Fatalf("eval golden --db: exit %d: %s", code, stderr.String())
		}
		var rep GoldenReport
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("eval golden --json: %v: %s", err, stdout.String())
		}
		if len(rep.Results) != 1 || rep.Source != store.RedactDSN(db) {
			t.Errorf("eval golden: %d results from %q", len(rep.Results), rep.Source)
		}
		if u, _ := url.Parse(db); u != nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" && (strings.Contains(string(mb), pw) || strings.Contains(stdout.String()+stderr.String(), pw)) {
				t.Error("the database password is in the output or the manifest")
			}
		}
	})
}
