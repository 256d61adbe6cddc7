package sqlite

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// CountFailedCheckins counts the records q selects per group
// (sqlstore.Stats), in a read transaction.
func (db *DB) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	return sqlstore.Stats(ctx, dialect, db.read, q)
}
