package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/agentdesk/agentdesk/internal/loadgen"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

func init() {
	register(command{name: "load", summary: "drive a server with simulated desks and customers; report latency and integrity", run: runLoad})
}

const loadSynopsis = `load [--desks N --rate R --duration D --role agent|lead] [--json]
       agentdesk load --server URL --api-token T --desk-token T [--desk-token T …] [--allow-remote]

Without --server it starts its own ` + "`agentdesk serve`" + ` (a child process on a
temporary database on loopback), creates the desks' accounts and tokens, and
reports the server's memory. Desks take queued conversations, accept the
copilot's draft (an outcome) or reply, and resolve; customers post through
the HTTP API at --rate messages a second for --duration. At the end every
desk's stream is checked against the event log for gaps, duplicates and order
(and each message event whole or withheld, as the desk's role and the chat's
owner say), and every message and outcome against the database (exactly once).`

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", loadSynopsis, stderr)
	desks := fs.Int("desks", 50, "simulated desks (websocket connections), 1–5000")
	rate := fs.Float64("rate", 200, "customer messages per second, all customers together (≤ 20000)")
	duration := fs.Duration("duration", 10*time.Second, "how long customers post (≤ 10m)")
	customers := fs.Int("customers", 200, "distinct customers the messages are spread over")
	role := fs.String("role", protocol.RoleAgent, "role of the desks: agent (sees the queue and its own chats) or lead (sees everything)")
	escalate := fs.Int("escalate-every", 25, "every n-th message of a customer asks for a human, queueing the chat for the desks (0 = never)")
	work := fs.Duration("work-every", time.Second, "how often an idle desk takes the next queued chat")
	serverURL := fs.String("server", "", "drive this running server (http(s)://host:port) instead of starting one")
	apiToken := fs.String("api-token", "", "integration token for the HTTP API (with --server)")
	var deskTokens stringList
	fs.Var(&deskTokens, "desk-token", "desk token, AGENT_ID:ROLE:TOKEN or TOKEN for a lead (with --server; repeatable; desks take them in turn)")
	allowRemote := fs.Bool("allow-remote", false, "allow a --server that is not on loopback")
	caFile := fs.String("ca", "", "PEM file of the CA that signed the server's certificate (https:// servers)")
	sendBuffer := fs.Int("send-buffer", 512, "the started server's per-desk send buffer (serve --send-buffer; the same default)")
	flush := fs.Duration("flush-interval", 0, "the started server's pause after each desk write (serve --flush-interval; the same default, none)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	switch {
	case *desks < 1 || *desks > 5000:
		return fmt.Errorf("%w: --desks %d: want 1–5000", errUsage, *desks)
	case *rate <= 0 || *rate > 20000:
		return fmt.Errorf("%w: --rate %v: want a rate above 0 and at most 20000", errUsage, *rate)
	case *duration <= 0 || *duration > 10*time.Minute:
		return fmt.Errorf("%w: --duration %s: want a duration above 0 and at most 10m", errUsage, *duration)
	case *role != protocol.RoleAgent && *role != protocol.RoleLead:
		return fmt.Errorf("%w: --role %q: want agent or lead", errUsage, *role)
	case *customers < 1:
		return fmt.Errorf("%w: --customers must be at least 1", errUsage)
	}
	esc := *escalate
	if esc == 0 {
		esc = -1
	}
	cfg := loadgen.Config{Rate: *rate, Duration: *duration, Customers: *customers, EscalateEvery: esc, WorkEvery: *work}
	if *caFile != "" {
		var err error
		if cfg.TLS, err = caConfig(*caFile); err != nil {
			return err
		}
	}
	if !*asJSON {
		cfg.Progress = func(p loadgen.Progress) {
			fmt.Fprintf(stderr, "\r%5.0fs  posted %d  deliveries %d  reconnects %d ", p.Elapsed.Seconds(), p.Posted, p.Deliveries, p.Reconnects)
		}
	}

	var res *loadgen.Result
	var srvInfo string
	if *serverURL != "" {
		if *apiToken == "" || len(deskTokens) == 0 {
			return fmt.Errorf("%w: --server needs --api-token and at least one --desk-token", errUsage)
		}
		if err := checkLoopback(*serverURL, *allowRemote); err != nil {
			return err
		}
		cfg.BaseURL, cfg.APIToken = *serverURL, *apiToken
		for i := range *desks {
			d, err := parseDeskToken(deskTokens[i%len(deskTokens)], i)
			if err != nil {
				return err
			}
			cfg.Desks = append(cfg.Desks, d)
		}
		var err error
		if res, err = loadgen.Run(ctx, cfg); err != nil {
			return err
		}
		srvInfo = *serverURL
	} else {
		var err error
		if res, srvInfo, err = loadOwnServer(ctx, cfg, *desks, *role, []string{"--send-buffer", strconv.Itoa(*sendBuffer), "--flush-interval", flush.String()}); err != nil {
			return err
		}
	}
	if !*asJSON {
		fmt.Fprintln(stderr)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printLoad(stdout, res, srvInfo)
	}
	return loadVerdict(res)
}

// loadVerdict fails a run that lost, doubled or reordered anything, or
// whose messages the server refused — naming the API rate limit when that
// is why, since a running server limits its integration token to 20/s by
// default.
func loadVerdict(res *loadgen.Result) error {
	if n := res.Gaps + res.Duplicates + res.OutOfOrder + res.Unexpected + res.WrongForm + res.MessagesMissing + res.MessagesTwice + res.OutcomesBad; n > 0 {
		return fmt.Errorf("integrity check failed: %d problems (see above)", n)
	}
	if res.PostErrors > 0 {
		if res.RateLimited > 0 {
			return fmt.Errorf("%d messages not accepted: the server rate-limited the integration token %d times — run it with --api-rate 0 (or above --rate) for a load test", res.PostErrors, res.RateLimited)
		}
		return fmt.Errorf("%d messages not accepted by the server (see above)", res.PostErrors)
	}
	return nil
}

// caConfig trusts the CA certificates of a PEM file (a private CA, or a
// self-signed server certificate) on top of the system pool.
func caConfig(file string) (*tls.Config, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// parseDeskToken reads AGENT_ID:ROLE:TOKEN, or a bare TOKEN (a lead).
func parseDeskToken(s string, i int) (loadgen.Desk, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) == 1 {
		return loadgen.Desk{AgentID: fmt.Sprintf("desk-%d", i), Role: protocol.RoleLead, Token: s}, nil
	}
	if len(parts) != 3 || !protocol.ValidRole(parts[1]) || parts[2] == "" {
		return loadgen.Desk{}, fmt.Errorf("%w: --desk-token: want AGENT_ID:ROLE:TOKEN or TOKEN", errUsage)
	}
	return loadgen.Desk{AgentID: parts[0], Role: parts[1], Token: parts[2]}, nil
}

// checkLoopback refuses servers off this machine unless allowed.
func checkLoopback(raw string, allow bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: --server %q: want http(s)://host:port", errUsage, raw)
	}
	if allow {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: --server %s is not on loopback; a load test can hurt a live server, so pass --allow-remote if you mean it", errUsage, host)
}

// loadOwnServer creates the accounts in a fresh database, starts `agentdesk
// serve` on it as a child process, runs the load, stops the server and
// verifies the run against the database.
func loadOwnServer(ctx context.Context, cfg loadgen.Config, desks int, role string, serveArgs []string) (*loadgen.Result, string, error) {
	dir, err := os.MkdirTemp("", "agentdesk-load-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "agentdesk.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		return nil, "", err
	}
	err = st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateAgent("load", store.NewAgent{ID: "load-bot", Name: "Load customers", Role: protocol.RoleAdmin}); err != nil {
			return err
		}
		secret, _, err := tx.CreateIntegrationToken("load", "load-bot", "agentdesk load")
		if err != nil {
			return err
		}
		cfg.APIToken = secret
		for i := range desks {
			id := fmt.Sprintf("load-desk-%04d", i)
			if _, err := tx.CreateAgent("load", store.NewAgent{ID: id, Name: fmt.Sprintf("Load desk %d", i), Role: role, Team: "support", Capacity: 3}); err != nil {
				return err
			}
			secret, _, err := tx.CreateToken("load", id, "agentdesk load")
			if err != nil {
				return err
			}
			cfg.Desks = append(cfg.Desks, loadgen.Desk{AgentID: id, Role: role, Token: secret})
		}
		return nil
	})
	st.Close()
	if err != nil {
		return nil, "", fmt.Errorf("create load accounts: %w", err)
	}

	srv, err := startChildServer(ctx, dir, db, serveArgs)
	if err != nil {
		return nil, "", err
	}
	defer srv.kill()
	cfg.BaseURL = srv.base
	base := srv.rssKiB()
	peak := &peakSampler{pid: srv.cmd.Process.Pid}
	stopSampling := peak.run()
	var idle int64
	cfg.Connected = func() {
		time.Sleep(500 * time.Millisecond) // let the welcomes' buffers go
		idle = srv.rssKiB()
	}
	cpu0 := procCPU(srv.cmd.Process.Pid)
	res, runErr := loadgen.Run(ctx, cfg)
	stopSampling()
	if runErr == nil && res.DurationS > 0 {
		res.ServerCores = (procCPU(srv.cmd.Process.Pid) - cpu0) / res.DurationS
	}
	if runErr != nil {
		return nil, "", fmt.Errorf("%w (server log: %s)", runErr, srv.logTail())
	}
	res.ServerRSSBaseKiB, res.ServerRSSIdleKiB, res.ServerRSSPeakKiB = base, idle, peak.max()
	if idle > base && desks > 0 {
		res.PerDeskKiB = (idle - base) / int64(desks)
	}
	if err := srv.stop(); err != nil {
		return nil, "", fmt.Errorf("stop server: %w (log: %s)", err, srv.logTail())
	}
	st, err = store.Open(ctx, db, store.Options{})
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	if err := loadgen.VerifyStore(ctx, st, res); err != nil {
		return nil, "", err
	}
	return res, fmt.Sprintf("agentdesk serve, pid %d, started by load, %s", srv.cmd.Process.Pid, srv.base), nil
}

type childServer struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	log  []string
	done chan error
}

var servingRE = regexp.MustCompile(`desk=(wss?)://([^ /]+)/v1/desk`)

// startChildServer runs this binary's serve command on a loopback port and
// waits until it says where it listens.
func startChildServer(ctx context.Context, dir, db string, serveArgs []string) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--rate", "0", "--api-rate", "0",
		"--copilot", "offline", "--auto-assign=false", "--return-after", "0", "--log-level", "info"}, serveArgs...)
	cmd := exec.Command(exe, args...)
	// A clean environment for the server: no AGENTDESK_* overrides, and no
	// config file from the user's directory.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AGENTDESK_") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+dir)
	dieWithParent(cmd)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	c := &childServer{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				scheme := "http"
				if m[1] == "wss" {
					scheme = "https"
				}
				select {
				case found <- scheme + "://" + m[2]:
				default:
				}
			}
			c.mu.Lock()
			if len(c.log) >= 200 {
				c.log = c.log[1:]
			}
			c.log = append(c.log, line)
			c.mu.Unlock()
		}
		c.done <- cmd.Wait()
	}()
	select {
	case c.base = <-found:
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("server exited: %v: %s", err, c.logTail())
	case <-time.After(30 * time.Second):
		c.kill()
		return nil, errors.New("server did not start within 30 s: " + c.logTail())
	case <-ctx.Done():
		c.kill()
		return nil, ctx.Err()
	}
}

func (c *childServer) logTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := c.log
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// stop asks the server to shut down (SIGTERM) and waits.
func (c *childServer) stop() error {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err
		return err
	case <-time.After(30 * time.Second):
		c.kill()
		return errors.New("server did not stop within 30 s")
	}
}

func (c *childServer) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
	}
}

func (c *childServer) rssKiB() int64 { return procRSS(c.cmd.Process.Pid) }

// procRSS reads VmRSS of a process from /proc (Linux); 0 elsewhere.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// procCPU is a process's user+system CPU seconds from /proc (Linux; 0
// elsewhere). Clock ticks are taken as 100 a second, the Linux default.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100
}

type peakSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64
}

func (p *peakSampler) run() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procRSS(p.pid); v > 0 {
				p.mu.Lock()
				p.peak = max(p.peak, v)
				p.mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *peakSampler) max() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

func printLoad(w io.Writer, r *loadgen.Result, srv string) {
	// Lines stay within 80 columns: a label, then continuation lines.
	line := func(label string, parts ...string) {
		for i, p := range parts {
			if i > 0 {
				label = ""
			}
			fmt.Fprintf(w, "%-12s%s\n", label, p)
		}
	}
	f := fmt.Sprintf
	line("server", srv)
	line("desks", f("%d connected; %d reconnects, %d not resumable from the log", r.Desks, r.Reconnects, r.SnapshotAfter))
	line("customers", f("%d posted in %.1f s = %.0f/s (target %.0f/s)", r.Posted, r.DurationS, r.PostRate, r.TargetRate),
		f("%d errors, %d retries, %d rate-limited; %d late >100 ms, %d not sent", r.PostErrors, r.PostRetries, r.RateLimited, r.BehindSched, r.Unsent))
	line("deliveries", f("%d events to desks = %.0f/s", r.Deliveries, r.DeliveryRate))
	line("latency", f("post→receive p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms", r.P50, r.P90, r.P99, r.Max),
		f("(%d messages received)", r.Measured))
	line("desk work", f("%d chats taken: %d drafts accepted, %d typed replies, %d resolved", r.Claims, r.Outcomes, r.Replies, r.Resolved),
		f("%d errors", r.DeskErrors))
	outcomes := f("outcomes stored once %d/%d (%d missing or twice)", r.OutcomesStored, r.Outcomes, r.OutcomesBad)
	if !r.OutcomesChecked {
		outcomes = f("%d outcomes acknowledged; not checked (needs the database)", r.Outcomes)
	}
	line("integrity", f("%d gaps, %d duplicates, %d out of order, %d unexpected, %d in the wrong form", r.Gaps, r.Duplicates, r.OutOfOrder, r.Unexpected, r.WrongForm),
		f("messages stored once %d/%d (%d missing, %d twice)", r.MessagesStored, r.Posted, r.MessagesMissing, r.MessagesTwice),
		outcomes)
	line("checked", strings.Split(r.Verified, "; ")...)
	if r.ServerCores > 0 {
		line("server CPU", f("%.2f cores while customers posted (machine: %d)", r.ServerCores, runtime.NumCPU()))
	}
	if r.ServerRSSPeakKiB > 0 {
		line("memory", f("server RSS %.1f MiB before desks, %.1f MiB with %d idle desks", float64(r.ServerRSSBaseKiB)/1024, float64(r.ServerRSSIdleKiB)/1024, r.Desks),
			f("(%d KiB each), peak %.1f MiB", r.PerDeskKiB, float64(r.ServerRSSPeakKiB)/1024))
	}
}
