package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// statsColumn is how one grouping reads in SQL: its key expression, a
// label expression or "", and whether the key is text.
type statsColumn struct {
	key, label string
	text       bool
}

// statsColumns maps each grouping to whitelisted SQL. Day and Hour read
// checkin_attempt_time_local, the location's wall clock (a timestamp
// without time zone), as the sqlite store does. Labels compare with
// COLLATE "C" so that MAX is byte-wise, as the StatsGroup contract says,
// whatever the database's default collation.
var statsColumns = map[fc.StatsGroupBy]statsColumn{
	fc.GroupByReason:   {key: "reason", text: true},
	fc.GroupByBusiness: {key: "business_id", label: `max(business_name COLLATE "C")`},
	fc.GroupBySource:   {key: "source"},
	fc.GroupByDay:      {key: "to_char(checkin_attempt_time_local, 'YYYY-MM-DD')", text: true},
	fc.GroupByHour:     {key: "extract(hour FROM checkin_attempt_time_local)::bigint"},
	fc.GroupByCoworker: {key: "coworker_id", label: `max(coworker_full_name COLLATE "C")`},
}

// CountFailedCheckins counts the records q selects per group, in one
// statement (GROUP BY) with the scope inside the WHERE clause that the
// shared builder writes. An empty scope returns no groups without a query.
func (db *DB) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := &fc.StatsResult{GroupBy: slices.Clone(q.GroupBy), Groups: []fc.StatsGroup{}}
	if q.Scope.Empty() {
		return res, nil
	}
	where, args, err := sqlbuild.BuildWhere(sqlbuild.PostgreSQL(), fc.Query{Scope: q.Scope, Conditions: q.Conditions})
	if err != nil {
		return nil, err
	}
	var sel, group []string
	for i, g := range q.GroupBy {
		c := statsColumns[g]
		label := "''::text"
		if c.label != "" {
			label = c.label
		}
		sel = append(sel, fmt.Sprintf("%s AS k%d", c.key, i), label)
		group = append(group, fmt.Sprintf("k%d", i))
	}
	query := "SELECT " + strings.Join(sel, ", ") + ", count(*) FROM failed_checkins" + where + " GROUP BY " + strings.Join(group, ", ") +
		fmt.Sprintf(" LIMIT %d", fc.MaxStatsGroups+1) // one more tells that there are too many
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		g, err := scanStatsGroup(rows, q.GroupBy)
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

// scanStatsGroup reads one row: a key and a label per grouping, then the count.
func scanStatsGroup(rows pgx.Rows, groupBy []fc.StatsGroupBy) (fc.StatsGroup, error) {
	n := len(groupBy)
	g := fc.StatsGroup{Keys: make([]fc.StatsKey, n), Labels: make([]string, n)}
	ints, texts := make([]*int64, n), make([]*string, n)
	dest := make([]any, 0, 2*n+1)
	for i, gb := range groupBy {
		if statsColumns[gb].text {
			dest = append(dest, &texts[i])
		} else {
			dest = append(dest, &ints[i])
		}
		dest = append(dest, &g.Labels[i])
	}
	if err := rows.Scan(append(dest, &g.Count)...); err != nil {
		return g, fmt.Errorf("stats: scan: %w", err)
	}
	for i, gb := range groupBy {
		switch {
		case statsColumns[gb].text && texts[i] != nil:
			g.Keys[i] = fc.StatsKey{Text: *texts[i]}
		case !statsColumns[gb].text && ints[i] != nil:
			g.Keys[i] = fc.StatsKey{Int: *ints[i]}
		default:
			g.Keys[i] = fc.StatsKey{Null: true}
		}
	}
	return g, nil
}
