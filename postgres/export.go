package postgres

import (
	"context"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinReportStore = (*DB)(nil)

// ExportFailedCheckins yields every record q selects in q's order
// (sqlstore.Export) from one statement on the pool, planned for its
// values, whose rows pgx reads from the connection as they are yielded.
func (db *DB) ExportFailedCheckins(ctx context.Context, q fc.Query) iter.Seq2[*fc.FailedCheckin, error] {
	return sqlstore.Export(ctx, dialect, db.single, db.exports, q)
}
