package postgres

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.DirectoryStore = (*DB)(nil)

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it in one transaction: a bad import changes
// nothing and its ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
		// Imports and erasures across servers take turns: two merges of
		// the same document at once would lose one of them.
		if _, err := tx.Exec(ctx, dialect.LockDirectory); err != nil {
			return fmt.Errorf("lock the directory: %w", err)
		}
		return sqlstore.ImportDirectory(ctx, dialect, tx, &db.dir, d, now)
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	return sqlstore.LoadDirectory(ctx, db.point(), &db.dir)
}
