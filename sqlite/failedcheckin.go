package sqlite

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinStore = (*DB)(nil)

// FindFailedCheckinByID returns the record with the given id, or an
// ErrNotFound error (sqlstore.FindFailedCheckinByID): one prepared
// statement, no count and no transaction (pointTx).
func (db *DB) FindFailedCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.FailedCheckin, error) {
	return sqlstore.FindFailedCheckinByID(ctx, dialect, db.point, scope, id)
}

// FindFailedCheckins returns the page q selects and the exact total, both
// read from one read transaction (sqlstore.FindFailedCheckins), through
// the search statements prepared once (readstmt.go).
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	return sqlstore.FindFailedCheckins(ctx, dialect, db.read, q)
}
