package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// envPrefix starts the environment variable of every flag: --db is read
// from FAILEDCHECKINS_DB, --addr from FAILEDCHECKINS_ADDR.
const envPrefix = "FAILEDCHECKINS_"

// defaultDB is where the data lives when neither --db nor FAILEDCHECKINS_DB
// says otherwise: next to where the operator runs the command.
const defaultDB = "./failedcheckins.db"

// dbConfig is what every command shares: where the data lives.
type dbConfig struct {
	DB string
}

func defaultDBConfig() dbConfig { return dbConfig{DB: defaultDB} }

func (c *dbConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "SQLite database `file` (created on first use) or PostgreSQL URL (postgres://user@host/db)")
}

// Validate checks the database setting before anything is opened, so that
// a typo is reported as such rather than as a driver error.
func (c dbConfig) Validate() error {
	db := strings.TrimSpace(c.DB)
	switch {
	case db == "":
		return errors.New("--db is empty: give a SQLite file path such as " + defaultDB)
	case isPostgresURL(db):
		return nil // checked by the driver when it connects
	}
	if scheme, _, ok := strings.Cut(db, "://"); ok {
		return fmt.Errorf("--db %s: unsupported database URL scheme %s: use a SQLite file path or postgres://user@host/db", db, scheme)
	}
	dir := filepath.Dir(db)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--db %s: the directory %s does not exist: create it or choose another path", db, dir)
	}
	return nil
}

func isPostgresURL(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openMigrated opens the database and applies pending migrations: every
// command that reads or writes records first brings the schema up to date,
// and refuses a schema newer than this binary knows.
func openMigrated(ctx context.Context, c dbConfig) (store, error) {
	db, err := openStore(ctx, c.DB)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", displayDB(c.DB), err), db.Close())
	}
	if err := db.CheckSchema(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", displayDB(c.DB), err), db.Close())
	}
	return db, nil
}

// newFlagSet returns the flags of one command. Errors are returned, not
// fatal, so that run stays testable; messages go to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: failedcheckins %s\n\nFlags (each also read from %s<FLAG>):\n", synopsis, envPrefix)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags sets each flag from its environment variable, then from the
// command line, so a flag given on the command line wins. An empty variable
// counts as unset. It returns flag.ErrHelp after printing the usage for -h.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := os.Getenv(name); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s=%q: %s", name, v, wantedFormat(f, err)))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// The flag package has already printed the problem and the usage.
		return &usageError{msg: err.Error(), reported: true}
	}
	return nil
}

// envName maps a flag name to its variable: "db" to FAILEDCHECKINS_DB,
// "read-timeout" to FAILEDCHECKINS_READ_TIMEOUT.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// helpIsSuccess turns the -h "error" into success: asking for help is not
// a failure.
// wantedFormat explains a flag value that did not parse: the flag
// package's "parse error" does not say what it wanted.
func wantedFormat(f *flag.Flag, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err.Error()
	}
	switch g.Get().(type) {
	case time.Duration:
		return "want a Go duration such as 15s, 2m or 1h30m"
	case bool:
		return "want true or false"
	case int, int64, uint, uint64:
		return "want a whole number"
	}
	return err.Error()
}

func helpIsSuccess(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// closeWith closes c when a command ends and reports a failed close
// through *err when nothing failed before it: a database or file whose
// Close fails may not have written everything, and the exit status must
// say so.
func closeWith(c interface{ Close() error }, err *error) {
	if cerr := c.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}
