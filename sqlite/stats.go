package sqlite

import (
	"context"
	"database/sql"
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
	query, args, err := sqlstore.CountFailedCheckins(sqlstore.SQLite(), q)
	if err != nil {
		return nil, err
	}
	err = db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			g, err := sqlstore.ScanStatsGroup(rows.Scan, q.GroupBy)
			if err != nil {
				return err
			}
			if len(res.Groups) == fc.MaxStatsGroups {
				return fc.TooManyStatsGroups()
			}
			res.Groups = append(res.Groups, g)
			res.Total += g.Count
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(res.Groups, func(a, b fc.StatsGroup) int { return fc.CompareStatsKeys(a.Keys, b.Keys) })
	return res, nil
}
