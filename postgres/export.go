package postgres

import (
	"context"
	"fmt"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinReportStore = (*DB)(nil)

// ExportFailedCheckins yields every record q selects in q's order, from
// one statement whose rows pgx reads from the connection as they are
// yielded: memory stays constant however many records match, and one
// statement is one consistent snapshot. The connection is held until the
// sequence ends or the caller stops; stopping early cancels the statement
// rather than reading the rest of the result.
func (db *DB) ExportFailedCheckins(ctx context.Context, q fc.Query) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		if q.Scope.Empty() {
			return
		}
		query, args, err := sqlstore.BuildExport(sqlstore.PostgreSQL(), q)
		if err != nil {
			yield(nil, err)
			return
		}
		release, err := db.exports.Start()
		if err != nil {
			yield(nil, err)
			return
		}
		defer release()
		ctx, cancel := context.WithTimeout(ctx, fc.MaxExportDuration)
		defer cancel()
		rows, err := db.pool.Query(ctx, query, append([]any{customPlan}, args...)...)
		if err != nil {
			yield(nil, fmt.Errorf("export: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(r, nil) {
				cancel() // before rows.Close, which would otherwise drain the result
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("export: read rows: %w", err))
		}
	}
}
