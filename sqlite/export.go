package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinReportStore = (*DB)(nil)

// ExportFailedCheckins yields every record q selects in q's order, reading
// them one at a time from a single read transaction: memory stays constant
// however many records match, and the export is one consistent snapshot.
// The transaction (and its reader connection) is held until the sequence
// ends or the caller stops, so a slow consumer keeps one reader busy.
func (db *DB) ExportFailedCheckins(ctx context.Context, q fc.Query) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		if q.Scope.Empty() {
			return
		}
		query, args, err := sqlstore.BuildExport(sqlstore.SQLite(), q)
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
		stopped := false
		err = db.withReadTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				r, err := scanRecord(rows)
				if err != nil {
					return err
				}
				if !yield(r, nil) {
					stopped = true
					return nil
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("export: read rows: %w", err)
			}
			return nil
		})
		if err != nil && !stopped {
			yield(nil, err)
		}
	}
}
