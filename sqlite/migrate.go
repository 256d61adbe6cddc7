package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

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
	if err := waitForLock(ctx, func() error {
		_, err := db.writer.ExecContext(ctx, createMigrationsTable)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > len(ms) {
		return sqlstore.SchemaTooNew(current, len(ms))
	}
	for _, m := range ms[current:] {
		err := waitForLock(ctx, func() error { return db.migrateOne(ctx, m) })
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// migrateLockWait is how long Migrate waits for the database's write lock
// that another process holds (another server migrating the same file, an
// import). The writer's own busy_timeout is short (writerBusyTimeout, for
// check-ins), and one migration of another process can take longer than
// that (a table rebuild on a large file): six processes migrating one new
// file at once failed with "database is locked" on a loaded machine
// (TestMigrateConcurrently in CI).
const migrateLockWait = 2 * time.Minute

// waitForLock runs step until it does not fail for a lock held elsewhere
// (SQLITE_BUSY; SQLITE_LOCKED is a conflict within this process, which
// waiting does not clear), for at most migrateLockWait or until ctx ends.
func waitForLock(ctx context.Context, step func() error) error {
	deadline := time.Now().Add(migrateLockWait)
	pause := 10 * time.Millisecond
	for {
		err := step()
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || se.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// migrateOne applies migration m unless another process applied it since
// the version was read.
func (db *DB) migrateOne(ctx context.Context, m sqlstore.Migration) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		// Another process may have migrated since the version was read:
		// the transaction holds the write lock, so this read is final.
		var applied int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
			return err
		}
		if applied >= m.Version {
			return nil
		}
		if edit, ok := schemaEdits[m.Name]; ok {
			if err := applySchemaEdit(ctx, tx, m.SQL, edit); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES (?, ?, ?)`,
			m.Version, m.Name, now.Unix())
		return err
	})
}

// schemaEdits are the migrations that rewrite rows of sqlite_schema
// instead of running DDL, by file name, each with the function that
// finishes and checks the edit before the commit (a failed check rolls the
// migration back).
var schemaEdits = map[string]func(context.Context, *sql.Tx) error{
	"0006_unique_id_index.sql": finishUniqueIDIndex,
}

// applySchemaEdit runs a migration that updates sqlite_schema, the
// procedure of https://sqlite.org/lang_altertable.html#otheralter for
// changes that leave the stored b-trees as they are: writable_schema on,
// the UPDATEs, the schema version incremented so that every connection
// (this one included) reloads the schema, writable_schema off, then
// finish checks that the schema reads back as intended.
func applySchemaEdit(ctx context.Context, tx *sql.Tx, edit string, finish func(context.Context, *sql.Tx) error) error {
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA writable_schema = ON`); err != nil {
		return err
	}
	off := func() error {
		_, err := tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA writable_schema = OFF`)
		return err
	}
	if _, err := tx.ExecContext(ctx, edit); err != nil {
		return errors.Join(err, off())
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA schema_version = %d`, version+1)); err != nil {
		return errors.Join(err, off())
	}
	if err := off(); err != nil {
		return err
	}
	return finish(ctx, tx)
}

// finishUniqueIDIndex completes migration 0006: statistics an ANALYZE
// kept under the automatic index's name move to the new name, and the
// schema must now show failed_checkins_unique_id as the one unique index
// on exactly unique_id, and no UNIQUE constraint left in the table.
func finishUniqueIDIndex(ctx context.Context, tx *sql.Tx) error {
	var stat1 int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'`).Scan(&stat1); err != nil {
		return err
	}
	if stat1 == 1 {
		if _, err := tx.ExecContext(ctx, `UPDATE sqlite_stat1 SET idx = 'failed_checkins_unique_id'
			WHERE tbl = 'failed_checkins' AND idx = 'sqlite_autoindex_failed_checkins_1'`); err != nil {
			return err
		}
	}
	var table string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'failed_checkins'`).Scan(&table); err != nil {
		return err
	}
	var indexes []string
	rows, err := tx.QueryContext(ctx, `SELECT l.name, l."unique", l.origin, group_concat(i.name)
		FROM pragma_index_list('failed_checkins') AS l, pragma_index_info(l.name) AS i
		WHERE l."unique" = 1 GROUP BY l.name ORDER BY l.name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, origin, cols string
		var unique int
		if err := rows.Scan(&name, &unique, &origin, &cols); err != nil {
			return err
		}
		indexes = append(indexes, fmt.Sprintf("%s %s (%s)", name, origin, cols))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if strings.Contains(table, "NOT NULL UNIQUE") || !slices.Equal(indexes, []string{"failed_checkins_unique_id c (unique_id)"}) {
		return fmt.Errorf("failed_checkins does not have the schema of migrations 0001-0005 (unique indexes after the edit: %v)", indexes)
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
	return sqlstore.CheckVersion(current, latest)
}
