package postgres

import (
	"context"
	"time"

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
	where, args, err := sqlstore.BuildWhere(dialect, fc.Query{Scope: scope, Conditions: []fc.Condition{fc.In(fc.FieldID, id)}})
	if err != nil {
		return nil, err
	}
	found, err := sqlstore.QueryFailedCheckins(ctx, dialect, &pgTx{tx: db.pool}, "SELECT "+sqlstore.SelectColumns+" FROM failed_checkins"+where, args)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound
	}
	return found[0], nil
}

// FindFailedCheckins returns the page q selects and the exact total, both
// read from one repeatable-read snapshot (sqlstore.FindFailedCheckins),
// so a concurrent write never makes the page disagree with the total.
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	return sqlstore.FindFailedCheckins(ctx, dialect, db.read, q)
}

// wallClock reads the wall clock of t as if it were UTC: the storage form
// of CheckinAttemptTimeLocal, which has no zone of its own.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
