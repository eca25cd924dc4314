package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/agentdesk/agentdesk/client"
	"github.com/agentdesk/agentdesk/dataset"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server"
	"github.com/agentdesk/agentdesk/server/store"
)

func init() {
	register(command{
		name:    "export",
		summary: "export reviewed outcomes as fine-tuning datasets (sft, dpo), PII masked",
		run:     runExport,
	})
}

const exportSynopsis = `export --format sft|dpo|both|sentiment [--db FILE | --server URL --token T] [--out DIR] [filters]

Writes DIR/agentdesk-<format>-<time>.jsonl (one record a line, PII masked)
and a .manifest.json beside it (counts, filters, time, schema version,
sha256). Formats: docs/datasets.md. With --server the token must belong to a
trainer or an admin.

Filters (comma-separated lists): --action accept,edit,reject --reason R
--intent I --lang zh,en --model M --prompt-version V --agent ID
--since/--until YYYY-MM-DD or RFC 3339 --labelled yes|no --golden`

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportSynopsis, stderr)
	format := fs.String("format", "both", "sft, dpo, both, or sentiment (mood labels and CSAT comments as rows for agentdesk train sentiment)")
	db := fs.String("db", "", "export straight from this database: SQLite file or postgres:// URL (default: $AGENTDESK_DB, else "+defaultDBPath()+", unless --server)")
	srvURL := fs.String("server", "", "export through this server (ws:// or wss:// URL)")
	token := fs.String("token", os.Getenv("AGENTDESK_TOKEN"), "bearer token for --server (default $AGENTDESK_TOKEN)")
	caFile := fs.String("ca", "", "PEM file of the CA that signed a wss:// server's certificate (default: the system pool)")
	out := fs.String("out", ".", "folder the files are written to")
	var filt filterFlags
	filt.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	formats := []string{*format}
	switch *format {
	case protocol.FormatSFT, protocol.FormatDPO, protocol.FormatSentiment:
	case "both":
		formats = []string{protocol.FormatSFT, protocol.FormatDPO}
	default:
		return fmt.Errorf("%w: --format %q: want sft, dpo, both or sentiment", errUsage, *format)
	}
	filter, err := filt.filter()
	if err != nil {
		return err
	}
	if err := filter.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var page dataset.PageFunc
	var source string
	switch {
	case *srvURL != "" && *db != "":
		return fmt.Errorf("%w: --db and --server exclude each other", errUsage)
	case *srvURL != "":
		if *token == "" {
			return fmt.Errorf("%w: --server needs --token (or $AGENTDESK_TOKEN)", errUsage)
		}
		var tlsConfig *tls.Config
		if *caFile != "" {
			if tlsConfig, err = caConfig(*caFile); err != nil {
				return err
			}
		}
		c, stop, err := connect(ctx, *srvURL, *token, tlsConfig)
		if err != nil {
			return err
		}
		defer stop()
		source = *srvURL
		page = func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error) {
			var ack protocol.ExportAck
			err := c.Do(ctx, protocol.ReqExport, req, &ack)
			return ack, err
		}
	default:
		st, name, err := openExisting(ctx, *db)
		if err != nil {
			return err
		}
		defer st.Close()
		source = name
		page = func(ctx context.Context, req protocol.ExportReq) (protocol.ExportAck, error) {
			return server.BuildExport(ctx, st, req)
		}
	}
	for _, f := range formats {
		res, err := dataset.Write(ctx, *out, f, filter, source, time.Now(), page)
		if err != nil {
			return fmt.Errorf("export %s: %w", f, err)
		}
		fmt.Fprintf(stdout, "%s: %d records → %s (manifest %s)", f, res.Manifest.Records, res.Path, filepath.Base(res.ManifestPath))
		if len(res.Manifest.Skipped) > 0 {
			fmt.Fprintf(stdout, "; skipped %v", res.Manifest.Skipped)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// connect opens a client session to a server and waits until it is online.
// A certificate that does not verify fails at once (retrying cannot help);
// other failures are retried for 15 s and the last one is reported.
func connect(ctx context.Context, url, token string, tlsConfig *tls.Config) (*client.Client, func(), error) {
	c, err := client.New(client.Options{URL: url, Token: token, TLSConfig: tlsConfig, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	var lastMu sync.Mutex
	var lastErr error
	certErr := make(chan error, 1)
	go func() { // nobody here reads events: drain them, keeping connection errors
		for {
			select {
			case u := <-c.Updates():
				if sc, ok := u.(client.StateChanged); ok && sc.Err != nil {
					lastMu.Lock()
					lastErr = sc.Err
					lastMu.Unlock()
					if certUntrusted(sc.Err) {
						select {
						case certErr <- sc.Err:
						default:
						}
					}
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	stop := func() {
		cancel()
		<-ran
		c.Close()
	}
	deadline := time.After(15 * time.Second)
	for c.State() != client.StateOnline {
		select {
		case err := <-ran:
			cancel()
			c.Close()
			if errors.Is(err, client.ErrAuthFailed) {
				return nil, nil, fmt.Errorf("the server refused the token: %w", err)
			}
			return nil, nil, fmt.Errorf("connect to %s: %v", url, err)
		case err := <-certErr:
			stop()
			return nil, nil, fmt.Errorf("connect to %s: the server's certificate is not trusted (pass its CA with --ca): %w", url, err)
		case <-deadline:
			stop()
			lastMu.Lock()
			defer lastMu.Unlock()
			if lastErr != nil {
				return nil, nil, fmt.Errorf("connect to %s: not online after 15s: %w", url, lastErr)
			}
			return nil, nil, fmt.Errorf("connect to %s: not online after 15s", url)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return c, stop, nil
}

// filterFlags are the review filters as command-line flags.
type filterFlags struct {
	action, reason, intent, lang, model, prompt, agent, since, until, labelled *string
	golden                                                                     *bool
}

func (f *filterFlags) register(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}) {
	f.action = fs.String("action", "", "outcome actions: accept, edit, reject")
	f.reason = fs.String("reason", "", "reject reasons (the agent's or the trainer's label)")
	f.intent = fs.String("intent", "", "conversation intents")
	f.lang = fs.String("lang", "", "conversation languages (zh, en)")
	f.model = fs.String("model", "", "models that drafted")
	f.prompt = fs.String("prompt-version", "", "prompt versions")
	f.agent = fs.String("agent", "", "agent ids")
	f.since = fs.String("since", "", "from this day or time (YYYY-MM-DD or RFC 3339)")
	f.until = fs.String("until", "", "before this day or time (YYYY-MM-DD: the day is excluded)")
	f.labelled = fs.String("labelled", "", "yes: labelled outcomes only; no: unlabelled only")
	f.golden = fs.Bool("golden", false, "golden-set cases only")
}

func (f *filterFlags) filter() (protocol.ReviewFilter, error) {
	list := func(s string) []string {
		var out []string
		for _, v := range strings.Split(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	r := protocol.ReviewFilter{Actions: list(*f.action), Reasons: list(*f.reason), Intents: list(*f.intent),
		Languages: list(*f.lang), Models: list(*f.model), PromptVersions: list(*f.prompt), Agents: list(*f.agent),
		Labelled: *f.labelled, Golden: *f.golden}
	for name, p := range map[string]struct {
		s   string
		dst *int64
	}{"since": {*f.since, &r.Since}, "until": {*f.until, &r.Until}} {
		if p.s == "" {
			continue
		}
		t, err := parseWhen(p.s)
		if err != nil {
			return r, fmt.Errorf("%w: --%s %q: want YYYY-MM-DD or RFC 3339", errUsage, name, p.s)
		}
		*p.dst = t.UnixMilli()
	}
	return r, nil
}

func parseWhen(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// openExisting opens the database a reading command (export, eval golden)
// works on: path, else $AGENTDESK_DB, else the default SQLite file. A
// SQLite file must exist (a typo must not create an empty database); a
// postgres:// URL is opened as is. name is what to print and record as the
// source: the path, or the URL with its password masked.
func openExisting(ctx context.Context, path string) (st *store.Store, name string, err error) {
	if path == "" {
		path = envOr("AGENTDESK_DB", defaultDBPath())
	}
	name = store.RedactDSN(path)
	if !store.IsPostgres(path) {
		if _, err := os.Stat(path); err != nil {
			return nil, name, fmt.Errorf("database %s: %w", path, err)
		}
	}
	st, err = store.Open(ctx, path, store.Options{})
	return st, name, err
}

// certUntrusted reports whether a connection failed because the server's
// TLS certificate did not verify (unknown CA, wrong host, expired).
func certUntrusted(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}
