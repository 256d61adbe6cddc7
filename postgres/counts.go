package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// seekMinOffset is the offset from which a page ordered by
// CheckinAttemptTime is reached through the per-day counts instead of
// walking the index past every earlier record.
const seekMinOffset = 1000

// countMatching returns the exact number of records q matches: the sum of
// sqlbuild.PlanCount's statements (rollup sums kept by the trigger of
// migration 0006 and the records of the partial days at the edges of a
// time range, or one plain count(*)).
func countMatching(ctx context.Context, tx pgx.Tx, q fc.Query) (int64, error) {
	parts, err := sqlbuild.PlanCount(sqlbuild.PostgreSQL(), q)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range parts {
		var n int64
		if err := tx.QueryRow(ctx, p.SQL, p.Args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		total += n
	}
	return total, nil
}

// pageStatement returns the SQL and arguments of q's page; a deep page
// ordered by CheckinAttemptTime starts at the day where it begins.
func pageStatement(ctx context.Context, tx pgx.Tx, q fc.Query) (string, []any, error) {
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
	s, err := sqlbuild.BuildFind(sqlbuild.PostgreSQL(), q)
	if err != nil {
		return "", nil, err
	}
	return s.Page, append(s.Args[:len(s.Args):len(s.Args)], q.Size, offset), nil
}

// seek finds the day where the record at offset lies (sqlbuild.Seek).
func seek(ctx context.Context, tx pgx.Tx, q fc.Query, offset int64) (fc.Query, int64, bool, error) {
	k, ok, err := sqlbuild.PlanSeek(sqlbuild.PostgreSQL(), q)
	if err != nil || !ok {
		return q, offset, false, err
	}
	var before int64
	if k.First != nil {
		if err := tx.QueryRow(ctx, k.First.SQL, k.First.Args...).Scan(&before); err != nil {
			return q, offset, false, fmt.Errorf("seek: %w", err)
		}
		if offset < before {
			return q, offset, false, nil
		}
	}
	rows, err := tx.Query(ctx, k.Days.SQL, k.Days.Args...)
	if err != nil {
		return q, offset, false, fmt.Errorf("seek: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return q, offset, false, fmt.Errorf("seek: %w", err)
		}
		if before+n > offset {
			return k.Cut(day), offset - before, true, nil
		}
		before += n
	}
	if err := rows.Err(); err != nil {
		return q, offset, false, fmt.Errorf("seek: %w", err)
	}
	last, ok := k.Last()
	return last, offset - before, ok, nil
}

// narrow adds to q the business ids its business-name conditions imply
// (sqlbuild.ImpliedBusinesses): the same answers, but the per-business
// rollups and indexes then serve a name filter.
func narrow(ctx context.Context, tx pgx.Tx, q fc.Query) (fc.Query, error) {
	st, ok, err := sqlbuild.ImpliedBusinesses(sqlbuild.PostgreSQL(), q)
	if err != nil || !ok {
		return q, err
	}
	rows, err := tx.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		return q, fmt.Errorf("businesses: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return q, fmt.Errorf("businesses: %w", err)
	}
	q.Conditions = append(q.Conditions[:len(q.Conditions):len(q.Conditions)], fc.In(fc.FieldBusinessID, ids...))
	return q, nil
}
