package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// seekMinOffset is the offset from which a page ordered by
// CheckinAttemptTime is reached through the per-day counts instead of
// walking the index past every earlier record. Below it the walk is
// cheaper than the extra statements.
const seekMinOffset = 1000

// countMatching returns the exact number of records q matches: the sum of
// sqlbuild.PlanCount's statements (rollup sums and the records of the
// partial days at the edges of a time range, or one plain COUNT(*)).
func countMatching(ctx context.Context, tx *sql.Tx, q fc.Query) (int64, error) {
	parts, err := sqlbuild.PlanCount(sqlbuild.SQLite(), q)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range parts {
		var n int64
		if err := tx.QueryRowContext(ctx, p.SQL, p.Args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		total += n
	}
	return total, nil
}

// pageStatement returns the SQL and arguments of q's page. A deep page
// ordered by CheckinAttemptTime starts at the day where it begins
// (sqlbuild.Seek) with the offset left within that day.
func pageStatement(ctx context.Context, tx *sql.Tx, q fc.Query) (string, []any, error) {
	offset := q.Offset()
	if offset >= seekMinOffset {
		sq, left, ok, err := seek(ctx, tx, q, offset)
		if err != nil {
			return "", nil, err
		}
		if ok {
			q, offset = sq, left
		}
	}
	s, err := buildFind(q)
	if err != nil {
		return "", nil, err
	}
	return s.page, append(s.args[:len(s.args):len(s.args)], q.Size, offset), nil
}

// seek finds the day where the record at offset lies and returns the
// query restricted to that day on, with the offset left; false when q has
// no seek plan or the page starts in the first partial day.
func seek(ctx context.Context, tx *sql.Tx, q fc.Query, offset int64) (fc.Query, int64, bool, error) {
	k, ok, err := sqlbuild.PlanSeek(sqlbuild.SQLite(), q)
	if err != nil || !ok {
		return q, offset, false, err
	}
	var before int64
	if k.First != nil {
		if err := tx.QueryRowContext(ctx, k.First.SQL, k.First.Args...).Scan(&before); err != nil {
			return q, offset, false, fmt.Errorf("seek: %w", err)
		}
		if offset < before {
			return q, offset, false, nil
		}
	}
	day, found, err := findDay(ctx, tx, k.Days, offset, &before)
	if err != nil {
		return q, offset, false, err
	}
	if found {
		return k.Cut(day), offset - before, true, nil
	}
	last, ok := k.Last()
	return last, offset - before, ok, nil
}

// findDay walks the per-day counts, adding each whole day before the one
// holding the record at offset to *before.
func findDay(ctx context.Context, tx *sql.Tx, days sqlbuild.Statement, offset int64, before *int64) (int64, bool, error) {
	rows, err := tx.QueryContext(ctx, days.SQL, days.Args...)
	if err != nil {
		return 0, false, fmt.Errorf("seek: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return 0, false, fmt.Errorf("seek: %w", err)
		}
		if *before+n > offset {
			return day, true, nil
		}
		*before += n
	}
	return 0, false, rows.Err()
}

// narrow adds to q the business ids its business-name conditions imply
// (sqlbuild.ImpliedBusinesses): the same answers, but the per-business
// rollups and indexes then serve a name filter.
func narrow(ctx context.Context, tx *sql.Tx, q fc.Query) (fc.Query, error) {
	st, ok, err := sqlbuild.ImpliedBusinesses(sqlbuild.SQLite(), q)
	if err != nil || !ok {
		return q, err
	}
	rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return q, fmt.Errorf("businesses: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return q, fmt.Errorf("businesses: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return q, fmt.Errorf("businesses: %w", err)
	}
	q.Conditions = append(q.Conditions[:len(q.Conditions):len(q.Conditions)], fc.In(fc.FieldBusinessID, ids...))
	return q, nil
}
