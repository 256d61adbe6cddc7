package sqlstore

import (
	"context"
	"fmt"
	"math"

	fc "github.com/failedcheckins/failedcheckins"
)

// The reads of the live streams (fc.RecordTailStore): records past a
// cursor in Id order, through the search's own statement builder
// (BuildFind), so a stream's filter and scope mean exactly what a
// search's do. Each is one statement in a search's read transaction (the
// point reader of SQLite runs only its prepared lookups), and Ids become visible in increasing order (every
// writer gives and commits them under the records' write lock: ids.go,
// RecordAttempts), so a page past a cursor never skips a record that a
// later page could still find.

// largestIDsSQL reads the largest Id present in each table: two seeks on
// the primary keys.
const largestIDsSQL = `SELECT (SELECT coalesce(max(id), 0) FROM failed_checkins), (SELECT coalesce(max(id), 0) FROM checkins)`

// LargestRecordIDs returns the largest FailedCheckin and Checkin Ids present.
func (r *FailedCheckinReads) LargestRecordIDs(ctx context.Context) (failed, checkin int64, err error) {
	err = r.search(ctx, func(tx Tx) error { return tx.QueryRow(ctx, largestIDsSQL).Scan(&failed, &checkin) })
	if err != nil {
		return 0, 0, fmt.Errorf("read the largest ids: %w", err)
	}
	return failed, checkin, nil
}

// FailedCheckinsAfter returns at most limit records with Id > after that
// q selects, in Id order.
func (r *FailedCheckinReads) FailedCheckinsAfter(ctx context.Context, q fc.Query, after int64, limit int) ([]*fc.FailedCheckin, error) {
	query, args, ok, err := tailQuery(r.d, failedCheckins, q, after, limit)
	if err != nil || !ok {
		return []*fc.FailedCheckin{}, err
	}
	var recs []*fc.FailedCheckin
	err = r.search(ctx, func(tx Tx) error {
		recs, err = QueryFailedCheckins(ctx, r.d, tx, query, args)
		return err
	})
	return recs, err
}

// CheckinsAfter returns at most limit check-ins with Id > after that q
// selects, in Id order.
func (r *FailedCheckinReads) CheckinsAfter(ctx context.Context, q fc.Query, after int64, limit int) ([]*fc.Checkin, error) {
	query, args, ok, err := tailQuery(r.d, Checkins, q, after, limit)
	if err != nil || !ok {
		return []*fc.Checkin{}, err
	}
	var recs []*fc.Checkin
	err = r.search(ctx, func(tx Tx) error {
		recs, err = queryCheckins(ctx, r.d, tx, query, args)
		return err
	})
	return recs, err
}

// tailQuery is q's search statement over t with "Id > after" added,
// ordered by Id ascending, limit rows from the first; ok is false when
// nothing can match (an empty scope, which must not query at all).
func tailQuery(d Dialect, t *Table, q fc.Query, after int64, limit int) (string, []any, bool, error) {
	if q.Scope.Empty() || limit < 1 || after == math.MaxInt64 {
		return "", nil, false, nil
	}
	tail := fc.Query{Scope: q.Scope, OrderBy: fc.FieldID, Page: 1, Size: limit,
		Conditions: append(q.Conditions[:len(q.Conditions):len(q.Conditions)],
			fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: max(after, 0) + 1, Max: math.MaxInt64})}
	s, err := t.BuildFind(d, tail)
	if err != nil {
		return "", nil, false, err
	}
	return s.Page, append(s.Args, limit, 0), true, nil
}
