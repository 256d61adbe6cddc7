package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.DirectoryStore = (*DB)(nil)

// directoryLock serialises imports across servers: two merges of the same
// document at once would lose one of them.
const directoryLock = 0x6664697265 // "fdire"

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it in one transaction: a bad import changes
// nothing and its ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(directoryLock)); err != nil {
			return fmt.Errorf("lock the directory: %w", err)
		}
		current, err := db.loadDirectory(ctx, tx)
		if err != nil {
			return err
		}
		doc, err := sqlstore.MergeDirectory(current, d)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE directory SET version = version + 1, document = $1, updated_on = $2 WHERE id = 1`, doc, now)
		if err != nil {
			return fmt.Errorf("store the directory: %w", err)
		}
		return nil
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	return db.loadDirectory(ctx, db.pool)
}

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// loadDirectory returns the directory as q sees it, from the cache when
// the stored version has not moved.
func (db *DB) loadDirectory(ctx context.Context, q queryRower) (*fc.Directory, error) {
	var version int64
	if err := q.QueryRow(ctx, `SELECT version FROM directory WHERE id = 1`).Scan(&version); err != nil {
		return nil, fmt.Errorf("read the directory version: %w", err)
	}
	return db.dir.At(version, func() (string, error) {
		var doc string
		err := q.QueryRow(ctx, `SELECT document FROM directory WHERE id = 1`).Scan(&doc)
		return doc, err
	})
}
