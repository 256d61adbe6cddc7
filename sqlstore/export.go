package sqlstore

import (
	"context"
	"fmt"
	"iter"
	"math"

	fc "github.com/failedcheckins/failedcheckins"
)

// BuildExport returns the statement of an export of q and its arguments:
// the page statement of a search with no limit, so an export keeps exactly
// the search's WHERE and ORDER BY rules. q's page and size are ignored.
// The caller handles the empty scope (which must not query at all).
func BuildExport(d Dialect, q fc.Query) (string, []any, error) {
	q.Page, q.Size = 1, 1 // any valid page: its LIMIT and OFFSET are replaced below
	s, err := BuildFind(d, q)
	if err != nil {
		return "", nil, err
	}
	args := append(s.Args[:len(s.Args):len(s.Args)], int64(math.MaxInt64), int64(0))
	return s.Page, args, nil
}

// Export yields every record q selects in q's order, reading them one at
// a time from one statement run through read (one snapshot): memory stays
// constant however many records match. The gate admits a few exports at
// a time, and fewer of one requester (q.Requester). The connection is
// held until the sequence ends or the caller stops; stopping early
// cancels the statement rather than reading the rest of the result.
func Export(ctx context.Context, d Dialect, read ReadFunc, gate *ExportGate, q fc.Query) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		if q.Scope.Empty() {
			return
		}
		query, args, err := BuildExport(d, q)
		if err != nil {
			yield(nil, err)
			return
		}
		release, err := gate.Start(q.Requester)
		if err != nil {
			yield(nil, err)
			return
		}
		defer release()
		ctx, cancel := context.WithTimeout(ctx, fc.MaxExportDuration)
		defer cancel()
		stopped := false
		err = read(ctx, func(tx Tx) error {
			rows, err := tx.Query(ctx, query, args...)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer rows.Close()
			scanner := NewFailedCheckinScanner(d)
			for rows.Next() {
				r, err := scanner.Scan(rows.Scan)
				if err != nil {
					return err
				}
				if !yield(r, nil) {
					stopped = true
					cancel() // before rows.Close, which would otherwise drain the result
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
