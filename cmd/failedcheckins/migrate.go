package main

import (
	"context"
	"fmt"
	"io"
)

// migrateConfig is the configuration of `failedcheckins migrate`.
type migrateConfig struct {
	dbConfig
}

func (c migrateConfig) Validate() error { return c.dbConfig.Validate() }

// runMigrate applies pending migrations and prints the schema version, so
// an operator can upgrade the schema before starting a new binary.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := migrateConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("migrate", "migrate [--db DB]", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("migrate takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	db, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	before, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("%s: %w", displayDB(cfg.DB), err)
	}
	after, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if after == before {
		fmt.Fprintf(stdout, "%s: schema is up to date at version %d\n", displayDB(cfg.DB), after)
		return nil
	}
	fmt.Fprintf(stdout, "%s: schema migrated from version %d to %d\n", displayDB(cfg.DB), before, after)
	return nil
}
