package sqlite

import (
	"context"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.DirectoryStore = (*DB)(nil)

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it, all in one write transaction (the
// single writer serialises imports): a bad import changes nothing and its
// ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
		return sqlstore.ImportDirectory(ctx, dialect, tx, &db.dir, d, now)
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	var d *fc.Directory
	err := db.read(ctx, func(tx sqlstore.Tx) error {
		var err error
		d, err = sqlstore.LoadDirectory(ctx, tx, &db.dir)
		return err
	})
	return d, err
}
