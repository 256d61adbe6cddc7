// Command failedcheckins is the failedcheckins service: it serves the
// Nexudus-compatible FailedCheckins API, imports historical records from
// CSV and manages the database schema (docs/cli.md).
//
// This is the only package that wires the others together: it opens the
// store, builds the API on top of it and runs the HTTP server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGINT/SIGTERM cancel ctx; serve then shuts down gracefully and an
	// import rolls its current file back.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue *usageError
		if !errors.As(err, &ue) || !ue.reported {
			fmt.Fprintln(os.Stderr, "failedcheckins:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `failedcheckins serves the Nexudus-compatible FailedCheckins API.

Usage:
  failedcheckins serve   [--db DB] [--addr 127.0.0.1:8080] [--demo]
  failedcheckins import  [--db DB] FILE.csv...
  failedcheckins users add [--db DB] --email EMAIL --password PASSWORD [--admin] [--roles ROLE,...] [--businesses ID,...]
  failedcheckins webhooks add [--db DB] --name NAME --url URL [--action 63|47] [--business ID] [--filter QUERY] [--secret S]
  failedcheckins alerts add [--db DB] --name NAME --group-by FIELD,... --threshold N --window MINUTES [--webhooks ID,...]
  failedcheckins migrate [--db DB]
  failedcheckins directory import [--db DB] FILE.json
  failedcheckins copy    --from DB --to DB [--tokens]
  failedcheckins audit   [--db DB] [--user EMAIL] [--since 2026-12-01] [--until DATE] [--path TEXT] [--channel Api,...]
  failedcheckins erase   [--db DB] --coworker ID | --mac MAC | --email EMAIL
  failedcheckins version
  failedcheckins help [COMMAND]

DB is a SQLite file path (default ./failedcheckins.db, created on first use)
or a PostgreSQL URL (postgres://user:password@host:5432/dbname, see
docs/postgres.md).
Every flag can also be set by an environment variable FAILEDCHECKINS_<FLAG>
(--db from FAILEDCHECKINS_DB, --addr from FAILEDCHECKINS_ADDR, ...); a flag
given on the command line wins. Run "failedcheckins help COMMAND" for the
flags of one command; docs/configuration.md lists them all.
`

// run is the whole program minus the process: tests call it in-process with
// their own arguments, streams and context.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{msg: "no command given", reported: true}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "directory":
		return runDirectory(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "users":
		return runUsers(ctx, rest, stdin, stdout, stderr)
	case "webhooks":
		return runWebhooks(ctx, rest, stdout, stderr)
	case "alerts":
		return runAlerts(ctx, rest, stdout, stderr)
	case "copy":
		return runCopy(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "erase":
		return runErase(ctx, rest, stdout, stderr)
	case "version", "--version":
		return runVersion(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" {
			return run(ctx, []string{rest[0], "-h"}, stdin, stdout, stdout)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "failedcheckins: unknown command %q\n\n%s", cmd, usage)
	return &usageError{msg: fmt.Sprintf("unknown command %q", cmd), reported: true}
}

// usageError is a mistake in the command line (exit status 2). When
// reported is set the explanation has already been printed with the usage,
// and main only sets the exit status.
type usageError struct {
	msg      string
	reported bool
}

func (e *usageError) Error() string { return e.msg }

// exitCode is 2 for a wrong command line, as flag and most tools do, and 1
// for everything else.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
