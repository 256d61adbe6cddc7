package postgres

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// CountFailedCheckins counts the records q selects per group
// (sqlstore.Stats): one statement on the pool, planned for its values.
func (db *DB) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	return sqlstore.Stats(ctx, dialect, db.single, q)
}
