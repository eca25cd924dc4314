package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/server/store"
)

func init() {
	register(command{name: "token", summary: "create, list and revoke bearer tokens", run: runToken})
	register(command{name: "agents", summary: "list and create agent accounts", run: runAgents})
}

const tokenSynopsis = `token create --agent ID [--name N --role R --team T --capacity C --label L --integration] [--db F]
       agentdesk token list [--agent ID] [--db F]
       agentdesk token revoke TOKEN_ID [--db F]

create makes the agent account if it does not exist yet, then prints a new
token on the last line (shown once; only its hash is stored). With
--integration the token is for channels and bots: it may only call the HTTP
API (/v1/api/…, see docs/api) and never opens the desk.`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, fs, db, err := splitSubcommand("token", tokenSynopsis, args, stderr)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		agentID := fs.String("agent", "", "agent id (login name), required")
		name := fs.String("name", "", "display name (when creating the agent)")
		role := fs.String("role", protocol.RoleAgent, "role when creating the agent: agent, lead, trainer or admin")
		team := fs.String("team", "", "team when creating the agent")
		capacity := fs.Int("capacity", agentCapacity, "concurrent conversations when creating the agent (agents 5; leads, trainers and admins 0 unless given)")
		label := fs.String("label", "", "note to recognise the token by, e.g. the machine it is for")
		integration := fs.Bool("integration", false, "a token for channels and bots: HTTP API only, never the desk")
		st, err := parseAndOpen(ctx, fs, db, args, true, func() error {
			if *agentID == "" {
				return fmt.Errorf("%w: --agent is required", errUsage)
			}
			return nil
		})
		if err != nil {
			return err
		}
		defer st.Close()
		var secret string
		var tok store.Token
		var agent protocol.Agent
		existed := false
		err = st.Update(ctx, func(tx *store.Tx) error {
			a, err := tx.Agent(*agentID)
			existed = err == nil
			if protocol.CodeOf(err) == protocol.CodeNotFound {
				a, err = tx.CreateAgent("cli", store.NewAgent{ID: *agentID, Name: *name, Role: *role, Team: *team, Capacity: capacityFor(fs, *role, *capacity)})
			}
			if err != nil {
				return err
			}
			agent = a
			if *integration {
				secret, tok, err = tx.CreateIntegrationToken("cli", a.ID, *label)
				return err
			}
			secret, tok, err = tx.CreateToken("cli", a.ID, *label)
			return err
		})
		if err != nil {
			return err
		}
		if existed {
			// The account flags only apply to a new account: say so rather
			// than hand out a token whose role is not the one asked for.
			var ignored []string
			fs.Visit(func(f *flag.Flag) {
				switch f.Name {
				case "name", "role", "team", "capacity":
					ignored = append(ignored, "--"+f.Name)
				}
			})
			if len(ignored) > 0 {
				fmt.Fprintf(stderr, "note: agent %s already exists (%s, %s, team %q); %s only apply when the account is created, and were ignored\n",
					agent.ID, agent.Name, agent.Role, agent.Team, strings.Join(ignored, ", "))
			}
		}
		fmt.Fprintf(stderr, "token %s for %s (%s, %s); keep it secret, it is not shown again:\n", tok.ID, agent.ID, agent.Name, agent.Role)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		agentID := fs.String("agent", "", "only this agent's tokens")
		st, err := parseAndOpen(ctx, fs, db, args, false, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		toks, err := st.Tokens(ctx, *agentID)
		if err != nil {
			return err
		}
		rows := [][]string{{"ID", "AGENT", "KIND", "LABEL", "CREATED", "REVOKED"}}
		for _, t := range toks {
			rows = append(rows, []string{t.ID, t.AgentID, t.Scope, t.Label, formatTime(t.CreatedAt), formatTime(t.RevokedAt)})
		}
		return writeTable(stdout, rows)
	case "revoke":
		st, err := parseAndOpen(ctx, fs, db, args, false, func() error {
			if fs.NArg() != 1 {
				return fmt.Errorf("%w: token revoke takes one token id (see `agentdesk token list`)", errUsage)
			}
			return nil
		})
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Update(ctx, func(tx *store.Tx) error { return tx.RevokeToken("cli", fs.Arg(0)) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s; desks using it are disconnected within 20 seconds\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("%w: unknown token subcommand %q (create, list, revoke)", errUsage, sub)
}

// splitSubcommand takes the subcommand off args and returns a flag set for
// it with the --db flag every account command has. With no subcommand, or
// -h, it prints the synopsis.
func splitSubcommand(name, synopsis string, args []string, stderr io.Writer) (string, []string, *flag.FlagSet, *string, error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: agentdesk "+synopsis)
		if len(args) == 0 {
			return "", nil, nil, nil, fmt.Errorf("%w: %w", errUsage, errNoSubcommand)
		}
		return "", nil, nil, nil, flag.ErrHelp
	}
	fs := newFlagSet(name+" "+args[0], synopsis, stderr)
	db := fs.String("db", envOr("AGENTDESK_DB", defaultDBPath()), "SQLite database file, or postgres://user:pass@host/db URL for replicas sharing PostgreSQL (env AGENTDESK_DB)")
	return args[0], args[1:], fs, db, nil
}

// parseAndOpen parses a subcommand's flags, runs check (when given) and
// opens the database. Only commands that create something (create) make a
// new SQLite file; the others refuse a file that is not there, so a
// mistyped --db is an error rather than an empty list.
func parseAndOpen(ctx context.Context, fs *flag.FlagSet, db *string, args []string, create bool, check func() error) (*store.Store, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	if !create {
		st, _, err := openExisting(ctx, *db)
		return st, err
	}
	return openStore(ctx, *db)
}

const agentsSynopsis = `agents list [--db F]
       agentdesk agents create --id ID [--name N --role R --team T --capacity C] [--db F]`

func runAgents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, fs, db, err := splitSubcommand("agents", agentsSynopsis, args, stderr)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		st, err := parseAndOpen(ctx, fs, db, args, false, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		agents, err := st.Agents(ctx)
		if err != nil {
			return err
		}
		rows := [][]string{{"ID", "NAME", "ROLE", "TEAM", "STATUS", "LOAD"}}
		for _, a := range agents {
			rows = append(rows, []string{a.ID, a.Name, a.Role, a.Team, a.Status, fmt.Sprintf("%d/%d", a.Load, a.Capacity)})
		}
		return writeTable(stdout, rows)
	case "create":
		id := fs.String("id", "", "agent id (login name), required")
		name := fs.String("name", "", "display name")
		role := fs.String("role", protocol.RoleAgent, "agent, lead, trainer or admin")
		team := fs.String("team", "", "team")
		capacity := fs.Int("capacity", agentCapacity, "concurrent conversations (agents 5; leads, trainers and admins 0 unless given)")
		st, err := parseAndOpen(ctx, fs, db, args, true, func() error {
			if *id == "" {
				return fmt.Errorf("%w: --id is required", errUsage)
			}
			return nil
		})
		if err != nil {
			return err
		}
		defer st.Close()
		return st.Update(ctx, func(tx *store.Tx) error {
			a, err := tx.CreateAgent("cli", store.NewAgent{ID: *id, Name: *name, Role: *role, Team: *team, Capacity: capacityFor(fs, *role, *capacity)})
			if err == nil {
				fmt.Fprintf(stdout, "created %s (%s, %s)\n", a.ID, a.Name, a.Role)
			}
			return err
		})
	}
	return fmt.Errorf("%w: unknown agents subcommand %q (list, create)", errUsage, sub)
}

// agentCapacity is how many chats an agent takes at once unless told.
const agentCapacity = 5

// capacityFor is the capacity a new account gets: what --capacity says when
// it is given; otherwise agentCapacity for an agent and 0 for anyone else.
// Auto-assignment routes to every online account with room, so a lead
// watching the board was handed chats nobody answered (README's team set-up).
func capacityFor(fs *flag.FlagSet, role string, capacity int) int {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "capacity" })
	if given || role == protocol.RoleAgent {
		return capacity
	}
	return 0
}
