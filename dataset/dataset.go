// Package dataset writes training datasets exported from trainer review:
// a JSON Lines file in the sft or dpo format (docs/datasets.md) and a
// manifest beside it. The records come from the server (the export
// request) or, for `agentdesk export --db`, straight from a database; this
// package only pages through them and writes the files atomically.
package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/agentdesk/agentdesk/protocol"
)

// PageFunc returns one page of an export.
type PageFunc func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error)

// Result says what Write produced.
type Result struct {
	Path         string // the JSONL file
	ManifestPath string
	Manifest     protocol.DatasetManifest
}

// Write pages through an export of format with filter and writes
// DIR/agentdesk-<format>-<UTC time>.jsonl and its .manifest.json. source
// names where the records came from (a database path or a server URL).
func Write(ctx context.Context, dir, format string, filter protocol.ReviewFilter, source string, now time.Time, page PageFunc) (Result, error) {
	var res Result
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create %s: %w", dir, err)
	}
	base, err := reserve(dir, fmt.Sprintf("agentdesk-%s-%s", format, now.UTC().Format("20060102-150405")))
	if err != nil {
		return res, err
	}
	res.Path = filepath.Join(dir, base+".jsonl")
	res.ManifestPath = filepath.Join(dir, base+".manifest.json")
	done := false
	defer func() {
		if !done { // give the reserved name back
			os.Remove(res.Path)
			os.Remove(res.ManifestPath)
		}
	}()
	tmp, err := os.CreateTemp(dir, "."+base+"-*.jsonl")
	if err != nil {
		return res, fmt.Errorf("create export file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename this removes nothing
	m := protocol.DatasetManifest{SchemaVersion: protocol.DatasetSchemaVersion, Format: format, File: filepath.Base(res.Path),
		Actions: map[string]int{}, Skipped: map[string]int{}, Filter: filter, CreatedAt: now.UTC().Format(time.RFC3339),
		Source: source, PIIMasked: true}
	sum := sha256.New()
	req := protocol.ExportReq{Format: format, Filter: filter}
	for {
		ack, err := page(ctx, req)
		if err != nil {
			tmp.Close()
			return res, err
		}
		for _, r := range ack.Records {
			line := append(append([]byte(nil), r...), '\n')
			if _, err := tmp.Write(line); err != nil {
				tmp.Close()
				return res, fmt.Errorf("write %s: %w", tmp.Name(), err)
			}
			sum.Write(line)
			m.Records++
		}
		for k, v := range ack.Actions {
			m.Actions[k] += v
		}
		for k, v := range ack.Skipped {
			m.Skipped[k] += v
		}
		if ack.Next == "" {
			break
		}
		if ack.Next == req.Cursor {
			tmp.Close()
			return res, fmt.Errorf("export did not advance past cursor %q", ack.Next)
		}
		req.Cursor = ack.Next
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return res, err
	}
	if err := tmp.Close(); err != nil {
		return res, err
	}
	m.SHA256 = hex.EncodeToString(sum.Sum(nil))
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(res.ManifestPath, append(mb, '\n'), 0o600); err != nil {
		return res, fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), res.Path); err != nil {
		return res, fmt.Errorf("write %s: %w", res.Path, err)
	}
	res.Manifest = m
	done = true
	return res, nil
}

// reserve claims DIR/base.jsonl — or base-2, base-3… when an export of the
// same second is already there — by creating it empty, so two exports
// never write over each other. It returns the base name claimed.
func reserve(dir, base string) (string, error) {
	for n := 1; n < 1000; n++ {
		b := base
		if n > 1 {
			b = fmt.Sprintf("%s-%d", base, n)
		}
		if _, err := os.Lstat(filepath.Join(dir, b+".manifest.json")); err == nil {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, b+".jsonl"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create export file: %w", err)
		}
		f.Close()
		return b, nil
	}
	return "", fmt.Errorf("create export file: %s: too many exports with this name", filepath.Join(dir, base))
}
