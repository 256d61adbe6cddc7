package sqlite

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var (
	_ fc.CheckinStore    = (*DB)(nil)
	_ fc.RecordTailStore = (*DB)(nil) // the live streams (sqlstore/tail.go)
)

// FindCheckinByID returns the check-in, or ErrNotFound when it does not
// exist or lies outside scope (sqlstore.FindCheckinByID).
func (db *DB) FindCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.Checkin, error) {
	return sqlstore.FindCheckinByID(ctx, dialect, db.read, scope, id)
}

// FindCheckins returns the page q selects and the exact total from one
// read transaction (sqlstore.FindCheckins).
func (db *DB) FindCheckins(ctx context.Context, q fc.Query) (*fc.CheckinPage, error) {
	return sqlstore.FindCheckins(ctx, dialect, db.read, q)
}
