package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.RecordChangeStore = (*DB)(nil)

// changes are the record changes of this store: the rollups are counted
// in Go, as the inserts count them (rollup.go).
var changes = sqlstore.Changes{Dialect: sqlstore.SQLite(), CountInGo: true}

// DeleteFailedCheckins deletes the records with these Ids in one write
// transaction (sqlstore.Changes).
func (db *DB) DeleteFailedCheckins(ctx context.Context, ids []int64) (int, error) {
	return db.change(ctx, func(tx sqlstore.Tx, _ time.Time) (int, error) { return changes.DeleteFailedCheckins(ctx, tx, ids) })
}

// UpdateFailedCheckins rewrites the records with these Ids as change
// makes them, in one write transaction (sqlstore.Changes).
func (db *DB) UpdateFailedCheckins(ctx context.Context, ids []int64, change func(*fc.FailedCheckin) error) (int, error) {
	return db.change(ctx, func(tx sqlstore.Tx, now time.Time) (int, error) {
		return changes.UpdateFailedCheckins(ctx, tx, ids, now, change)
	})
}

// DeleteCheckins deletes the accepted check-ins with these Ids in one
// write transaction (sqlstore.Changes).
func (db *DB) DeleteCheckins(ctx context.Context, ids []int64) (int, error) {
	return db.change(ctx, func(tx sqlstore.Tx, _ time.Time) (int, error) { return changes.DeleteCheckins(ctx, tx, ids) })
}

// change runs fn in a write transaction through changeTx.
func (db *DB) change(ctx context.Context, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
	n := 0
	err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		n, err = fn(changeTx{tx}, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// changeTx adapts a database/sql transaction to sqlstore.Tx for the
// record changes. (Kept here, small, until the store core's own adapter
// replaces it.)
type changeTx struct{ tx *sql.Tx }

func (t changeTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t changeTx) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return changeRow{t.tx.QueryRowContext(ctx, q, args...)}
}

func (t changeTx) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return changeRows{rows}, nil
}

type changeRow struct{ row *sql.Row }

func (r changeRow) Scan(dest ...any) error {
	if err := r.row.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	} else {
		return err
	}
}

type changeRows struct{ *sql.Rows }

func (r changeRows) Close() { r.Rows.Close() }
