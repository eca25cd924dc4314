// Command agentdesk is the terminal workspace for customer-service staff and,
// with the serve subcommand, the conversation backend it talks to.
//
// With no subcommand it opens the desk; see `agentdesk help`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/agentdesk/agentdesk/internal/suggest"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// command is one subcommand. Files of this package add theirs with register
// in an init function, so each subcommand lives in its own file.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("agentdesk: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error whose message is a usage problem (exit code 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "desk"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		if len(args) > 0 {
			if c, ok := commands[args[0]]; ok {
				_ = c.run(ctx, []string{"-h"}, stdout, stderr)
				return 0
			}
		}
		usage(stdout)
		return 0
	}
	if name == "version" {
		fmt.Fprintln(stdout, "agentdesk", version)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "agentdesk: unknown command %q", name)
		if s := suggest.Closest(name, commandNames(), 3); s != "" {
			fmt.Fprintf(stderr, " — did you mean %q?", s)
		}
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr)
		usage(stderr)
		return 2
	}
	err := c.run(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "agentdesk "+name+":", err)
		return 2
	default:
		fmt.Fprintln(stderr, "agentdesk "+name+":", err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "agentdesk — keyboard-driven desk for human customer service, and its backend.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: agentdesk [command] [flags]   (no command opens the desk)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "version", "print the version")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `agentdesk <command> -h` for a command's flags.")
}

// commandNames lists the subcommands in order, version and help included.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("agentdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: agentdesk %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. Flags may follow positional arguments
// (`token revoke t_… --db F`, as the synopses write it); fs.Args() holds the
// positional ones afterwards, and everything after "--" is positional. -h
// prints the flag set's usage and returns flag.ErrHelp; any other problem
// (an unknown flag, a bad value, a missing argument) is a usage error
// (exit 2) of one line that names the closest flag for a misspelt one and
// where the full list is, instead of the whole usage text.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usageFn := fs.Output(), fs.Usage
	var discard bytes.Buffer
	fs.SetOutput(&discard)
	fs.Usage = func() {}
	var positional []string
	var err error
	for {
		if err = fs.Parse(args); err != nil {
			break
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	if err == nil && len(positional) > 0 {
		err = fs.Parse(append([]string{"--"}, positional...))
	}
	fs.SetOutput(out)
	fs.Usage = usageFn
	if err == nil {
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		msg = "unknown flag --" + name
		if s := suggest.Closest(name, known, 3); s != "" {
			msg += fmt.Sprintf(" — did you mean --%s?", s)
		}
	}
	return fmt.Errorf("%w: %s (`%s -h` lists the flags)", errUsage, msg, fs.Name())
}
