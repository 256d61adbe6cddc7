package sqlite

import (
	"context"
	"database/sql"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.RecordChangeStore = (*DB)(nil)

// changes are the record changes of this store: the rollups are counted
// in Go, as the inserts count them (rollup.go).
var changes = sqlstore.Changes{Dialect: sqlstore.SQLite(), CountInGo: true}

// change runs fn in a write transaction through the store's Tx adapter
// (tx.go), unprepared: a change's IN lists make texts that are rarely
// run twice, which would only crowd the writer's prepared statements.
// SQLite's single writer is the records' write lock.
func (db *DB) change(ctx context.Context, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
	n := 0
	err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		n, err = fn(&sqlTx{tx: tx, prepared: func(string) *sql.Stmt { return nil }}, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// TryRetentionLock is fc.PrivacyStore.TryRetentionLock: a SQLite file has
// one writer, whose transactions already take turns, so every process may
// apply the retention windows, on the store itself: its batches take
// the one writer connection as every write does.
func (db *DB) TryRetentionLock(context.Context) (fc.RetentionRun, bool, error) {
	return retentionRun{db}, true, nil
}

var _ fc.RetentionRun = retentionRun{}

// retentionRun is a retention run on SQLite: the store's own batches;
// there is nothing to release.
type retentionRun struct{ fc.RetentionBatches }

// Release is fc.RetentionRun.Release: SQLite takes no lock for a run
// (TryRetentionLock), so there is nothing to give back.
func (retentionRun) Release() {}
