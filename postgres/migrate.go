package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

// migrateLock is the advisory lock key that serialises Migrate across
// processes: several servers may start at once on one database.
const migrateLock = 0x66636d6967 // "fcmig"

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_on timestamptz NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction and
// recorded in schema_migrations, so a failure leaves the schema at the last
// complete version. Concurrent calls (several servers starting together)
// take turns on an advisory lock, and each migration is applied once.
// On a database newer than this binary it refuses.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for {
		done, err := db.migrateOne(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending migration, if any, holding the lock
// for its transaction, and reports whether the schema is up to date.
func (db *DB) migrateOne(ctx context.Context, ms []sqlstore.Migration) (done bool, err error) {
	err = db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
		if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		current, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > len(ms) {
			return sqlstore.SchemaTooNew(current, len(ms))
		}
		if current == len(ms) {
			done = true
			return nil
		}
		m := ms[current]
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES ($1, $2, $3)`, m.Version, m.Name, now)
		return err
	})
	return done, err
}

// querier is a pool, a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// SchemaVersion returns the highest migration applied, 0 for a new database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.pool)
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var version int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table: a new database
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "cannot read the schema version"), err)
	}
	return version, nil
}

// CheckSchema returns nil when the schema is exactly the version this binary
// knows, and an ErrUnavailable error telling the operator what to do
// otherwise: migrate when it is behind, upgrade when it is newer.
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return sqlstore.CheckVersion(current, len(ms))
}
