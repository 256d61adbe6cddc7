package postgres

import (
	"context"
	"fmt"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// CountFailedCheckins counts the records q selects per group, in one
// statement (GROUP BY, written by sqlstore) with the scope inside the
// WHERE clause. An empty scope returns no groups without a query.
func (db *DB) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := &fc.StatsResult{GroupBy: slices.Clone(q.GroupBy), Groups: []fc.StatsGroup{}}
	if q.Scope.Empty() {
		return res, nil
	}
	query, args, err := sqlstore.CountFailedCheckins(sqlstore.PostgreSQL(), q)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, query, append([]any{customPlan}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		g, err := sqlstore.ScanStatsGroup(rows.Scan, q.GroupBy)
		if err != nil {
			return nil, err
		}
		if len(res.Groups) == fc.MaxStatsGroups {
			return nil, fc.TooManyStatsGroups()
		}
		res.Groups = append(res.Groups, g)
		res.Total += g.Count
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: read rows: %w", err)
	}
	// Sorted in Go, not by ORDER BY, so the order is CompareStatsKeys'
	// byte-wise one on both stores.
	slices.SortFunc(res.Groups, func(a, b fc.StatsGroup) int { return fc.CompareStatsKeys(a.Keys, b.Keys) })
	return res, nil
}
