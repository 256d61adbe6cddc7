package postgres

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinStore = (*DB)(nil)

// FindFailedCheckinByID returns the record with the given id, or an
// ErrNotFound error (sqlstore.FindFailedCheckinByID): one statement on
// the pool, no count, which may reuse a generic plan.
func (db *DB) FindFailedCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.FailedCheckin, error) {
	return sqlstore.FindFailedCheckinByID(ctx, dialect, db.pooled, scope, id)
}

// FindFailedCheckins returns the page q selects and the exact total, both
// read from one repeatable-read snapshot (sqlstore.FindFailedCheckins),
// so a concurrent write never makes the page disagree with the total.
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	return sqlstore.FindFailedCheckins(ctx, dialect, db.read, q)
}
