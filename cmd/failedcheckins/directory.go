package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// checkinBackend is what the check-in pipeline needs of a database; both
// stores have it (store embeds it).
type checkinBackend interface {
	fc.CheckinStore
	fc.DirectoryStore
	fc.AttemptStore
}

// runDirectory dispatches `failedcheckins directory import [--db DB] FILE.json`.
func runDirectory(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 || args[0] != "import" {
		return &usageError{msg: "usage: failedcheckins directory import [--db DB] FILE.json"}
	}
	cfg := defaultDBConfig()
	fs := newFlagSet("directory import", "directory import [--db DB] FILE.json", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{msg: "directory import takes exactly one FILE.json"}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeWith(f, &err)
	d, err := fc.ParseDirectory(f)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	importErr := db.ImportDirectory(ctx, d)
	changed := int64(len(d.Coworkers)) // the people it holds; none on failure (all or nothing)
	if importErr != nil {
		changed = 0
	}
	if err := auditCLI(ctx, db, "directory import", url.Values{"file": {fs.Arg(0)}}, changed, importErr); err != nil {
		return errors.Join(importErr, err)
	}
	if importErr != nil {
		return fmt.Errorf("%s: nothing was imported: %w", fs.Arg(0), importErr)
	}
	fmt.Fprintf(stdout, "imported %d businesses, %d tariffs, %d coworkers from %s\n", len(d.Businesses), len(d.Tariffs), len(d.Coworkers), fs.Arg(0))
	return nil
}

// checkinConfig wires the check-in endpoints for serve: a group-commit
// queue over the store. The returned stop drains the queue; call it after
// the HTTP server has shut down. busy is the queue's Busy, which the
// webhook dispatcher yields to.
func checkinConfig(db store) (_ *api.CheckinConfig, stop func(), busy func() bool) {
	q := groupcommit.New(db, groupcommit.Options{})
	return &api.CheckinConfig{Store: db, Directory: db, Attempts: q}, q.Close, q.Busy
}
