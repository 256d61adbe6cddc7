package postgres

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.RecordChangeStore = (*DB)(nil)

// changes are the record changes of this store: the triggers of
// migrations 0006 and 0009 keep the rollups.
var changes = sqlstore.Changes{Dialect: sqlstore.PostgreSQL()}

// change runs fn in a transaction holding the records' write lock, which
// every writer that gives Ids takes: the high-water mark a delete raises
// then covers every Id given before it.
func (db *DB) change(ctx context.Context, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
	n := 0
	err := db.write(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
		if _, err := tx.Exec(ctx, dialect.LockRecords); err != nil {
			return fmt.Errorf("lock for writing: %w", err)
		}
		var err error
		n, err = fn(tx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
