package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinStore = (*DB)(nil)

// FindFailedCheckinByID returns the record with the given id, or an
// ErrNotFound error when it does not exist or lies outside scope (the two
// are indistinguishable on purpose).
func (db *DB) FindFailedCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.FailedCheckin, error) {
	notFound := fc.Errorf(fc.ErrNotFound, "no FailedCheckin with Id %d", id)
	if scope.Empty() {
		return nil, notFound
	}
	// One statement, no count: the shared WHERE builder keeps the scope in SQL.
	where, args, err := sqlstore.BuildWhere(sqlstore.PostgreSQL(), fc.Query{Scope: scope, Conditions: []fc.Condition{fc.In(fc.FieldID, id)}})
	if err != nil {
		return nil, err
	}
	found, err := queryRecords(ctx, db.pool, "SELECT "+sqlstore.SelectColumns+" FROM failed_checkins"+where, args)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound
	}
	return found[0], nil
}

// FindFailedCheckins returns the page q selects and the exact total, both
// read from one repeatable-read snapshot, so a concurrent write never
// makes the page disagree with the total. An empty scope returns nothing
// without a query; a page past the end is empty but still carries the
// total.
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	page := &fc.FailedCheckinPage{Records: []*fc.FailedCheckin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	if _, err := sqlstore.BuildFind(sqlstore.PostgreSQL(), q); err != nil {
		return nil, err // a bad field or filter, before any statement runs
	}
	tx, err := db.pool.BeginTx(ctx, db.searchTx)
	if err != nil {
		return nil, db.beginError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// sqlstore/run.go: names narrowed to their businesses, exact totals
	// from the rollups, deep pages by seek.
	d, run := dialect, sqlstore.RunIntsOf(&pgTx{tx: tx})
	if q, err = sqlstore.Narrow(ctx, d, run, q); err != nil {
		return nil, err
	}
	if page.TotalItems, err = sqlstore.CountMatching(ctx, d, run, q); err != nil {
		return nil, err
	}
	if q.Offset() < page.TotalItems {
		st, err := sqlstore.PageStatement(ctx, d, run, q)
		if err != nil {
			return nil, err
		}
		if page.Records, err = queryRecords(ctx, tx, st.SQL, st.Args); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("end read: %w", err)
	}
	return page, nil
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryRecords(ctx context.Context, q rowQuerier, query string, args []any) ([]*fc.FailedCheckin, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	records := []*fc.FailedCheckin{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return records, nil
}

// scanRecord reads one row of sqlstore.SelectColumns
// (sqlstore.ScanFailedCheckin).
func scanRecord(rows pgx.Rows) (*fc.FailedCheckin, error) {
	return sqlstore.ScanFailedCheckin(dialect, rows.Scan)
}

// wallClock reads the wall clock of t as if it were UTC: the storage form
// of CheckinAttemptTimeLocal, which has no zone of its own.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
