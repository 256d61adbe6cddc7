package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns every embedded migration in version order. File names
// are NNNN_name.sql; a gap or a duplicate number is a build mistake.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version < 1 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: version, name: base, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (no gaps or duplicates)", m.name, i+1)
		}
	}
	return ms, nil
}

// latestVersion is the schema version this binary knows.
func latestVersion() (int, error) {
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_on INTEGER NOT NULL
) STRICT`

// Migrate applies every pending migration, each in its own transaction and
// recorded in schema_migrations, so a failure leaves the schema at the last
// complete version. Running it on an up-to-date database changes nothing;
// on a database newer than this binary it refuses.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.writer.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > len(ms) {
		return tooNew(current, len(ms))
	}
	for _, m := range ms[current:] {
		err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES (?, ?, ?)`,
				m.version, m.name, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest migration applied, 0 for a new file.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists int
	err := db.writer.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "cannot read the database schema"), err)
	}
	if exists == 0 {
		return 0, nil
	}
	var version int
	err = db.writer.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "cannot read the schema version"), err)
	}
	return version, nil
}

// CheckSchema returns nil when the schema is exactly the version this binary
// knows, and an ErrUnavailable error telling the operator what to do
// otherwise: migrate when it is behind, upgrade when it is newer.
func (db *DB) CheckSchema(ctx context.Context) error {
	latest, err := latestVersion()
	if err != nil {
		return err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case current < latest:
		return fc.Errorf(fc.ErrUnavailable,
			"the database schema is at version %d but this binary needs version %d: run failedcheckins migrate", current, latest)
	case current > latest:
		return tooNew(current, latest)
	}
	return nil
}

func tooNew(current, latest int) error {
	return fc.Errorf(fc.ErrUnavailable,
		"the database schema is at version %d, newer than this binary knows (%d): upgrade the binary", current, latest)
}
