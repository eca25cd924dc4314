package dataset

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// TestWriteNeverOverwrites: two exports in the same second (a script that
// exports one language after another) both keep their files.
func TestWriteNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
	pageOf := func(recs ...string) PageFunc {
		return func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error) {
			var ack protocol.ExportAck
			for _, r := range recs {
				ack.Records = append(ack.Records, json.RawMessage(r))
			}
			return ack, nil
		}
	}
	a, err := Write(context.Background(), dir, protocol.FormatSFT, protocol.ReviewFilter{Languages: []string{"zh"}}, "db", now, pageOf(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Write(context.Background(), dir, protocol.FormatSFT, protocol.ReviewFilter{Languages: []string{"en"}}, "db", now, pageOf(`{"b":1}`, `{"b":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Path == b.Path || a.ManifestPath == b.ManifestPath {
		t.Fatalf("both exports went to %s", a.Path)
	}
	for _, r := range []Result{a, b} {
		data, err := os.ReadFile(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		var m protocol.DatasetManifest
		mb, err := os.ReadFile(r.ManifestPath)
		if err != nil || json.Unmarshal(mb, &m) != nil {
			t.Fatalf("manifest %s: %v", r.ManifestPath, err)
		}
		if len(data) == 0 || m.Records != r.Manifest.Records || m.File != filepath.Base(r.Path) {
			t.Errorf("%s: %d bytes, manifest %+v", r.Path, len(data), m)
		}
	}
	if a.Manifest.Records != 1 || b.Manifest.Records != 2 {
		t.Errorf("records %d and %d, want 1 and 2", a.Manifest.Records, b.Manifest.Records)
	}
	// A failed export leaves no name behind.
	failing := func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error) {
		return protocol.ExportAck{}, os.ErrDeadlineExceeded
	}
	if _, err := Write(context.Background(), dir, protocol.FormatSFT, protocol.ReviewFilter{}, "db", now, failing); err == nil {
		t.Fatal("a failing page wrote an export")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files after a failed export: %v, want the 4 of the two exports", names)
	}
}
