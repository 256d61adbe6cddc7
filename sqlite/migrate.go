package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]migration.Migration, error) { return migration.Load(migrationFiles) }

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
// recorded in schema_migrations (a migration another process applied
// meanwhile is skipped, so two processes may migrate at once), so a failure leaves the schema at the last
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
		return migration.TooNew(current, len(ms))
	}
	for _, m := range ms[current:] {
		err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
			// Another process may have migrated since the version was read:
			// the transaction holds the write lock, so this read is final.
			var applied int
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
				return err
			}
			if applied >= m.Version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES (?, ?, ?)`,
				m.Version, m.Name, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
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
	return migration.Check(current, latest)
}
