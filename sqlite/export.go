package sqlite

import (
	"context"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinReportStore = (*DB)(nil)

// ExportFailedCheckins yields every record q selects in q's order
// (sqlstore.Export) from a single read transaction, whose reader
// connection a slow consumer keeps busy until the sequence ends.
func (db *DB) ExportFailedCheckins(ctx context.Context, q fc.Query) iter.Seq2[*fc.FailedCheckin, error] {
	return sqlstore.Export(ctx, dialect, db.read, db.exports, q)
}
