package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.DirectoryStore = (*DB)(nil)

// queryer is what reading the directory needs: a transaction of either kind.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it, all in one write transaction: a bad
// import changes nothing and its ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		current, _, err := db.loadDirectory(ctx, tx)
		if err != nil {
			return err
		}
		doc, err := sqlstore.MergeDirectory(current, d)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE directory SET version = version + 1, document = ?, updated_on = ? WHERE id = 1`,
			doc, now.Unix())
		if err != nil {
			return fmt.Errorf("store the directory: %w", err)
		}
		return nil
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	var d *fc.Directory
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, _, err = db.loadDirectory(ctx, tx)
		return err
	})
	return d, err
}

// loadDirectory returns the directory as q sees it, from the cache when
// the stored version has not moved.
func (db *DB) loadDirectory(ctx context.Context, q queryer) (*fc.Directory, int64, error) {
	var version int64
	if err := q.QueryRowContext(ctx, directoryVersionSQL).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("read the directory version: %w", err)
	}
	d, err := db.directoryAt(ctx, q, version)
	return d, version, err
}

const directoryVersionSQL = `SELECT version FROM directory WHERE id = 1`

// directoryAt returns the directory of the version q has just read, from
// the cache when it is that version.
func (db *DB) directoryAt(ctx context.Context, q queryer, version int64) (*fc.Directory, error) {
	return db.dir.At(version, func() (string, error) {
		var doc string
		err := q.QueryRowContext(ctx, `SELECT document FROM directory WHERE id = 1`).Scan(&doc)
		return doc, err
	})
}
