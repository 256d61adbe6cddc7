package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// statsColumn is how one grouping reads in SQL: its key expression, a
// label expression or "", and whether the key is text.
type statsColumn struct {
	key, label string
	text       bool
}

// statsColumns maps each grouping to whitelisted SQL; Day and Hour read
// the local wall clock (stored as Unix seconds read as UTC).
var statsColumns = map[fc.StatsGroupBy]statsColumn{
	fc.GroupByReason:   {key: "reason", text: true},
	fc.GroupByBusiness: {key: "business_id", label: "MAX(business_name)"},
	fc.GroupBySource:   {key: "source"},
	fc.GroupByDay:      {key: "strftime('%Y-%m-%d', checkin_attempt_time_local, 'unixepoch')", text: true},
	fc.GroupByHour:     {key: "CAST(strftime('%H', checkin_attempt_time_local, 'unixepoch') AS INTEGER)"},
	fc.GroupByCoworker: {key: "coworker_id", label: "MAX(coworker_full_name)"},
}

// CountFailedCheckins counts the records q selects per group, in one
// statement (GROUP BY) with the scope inside the WHERE clause. An empty
// scope returns no groups without a query.
func (db *DB) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := &fc.StatsResult{GroupBy: slices.Clone(q.GroupBy), Groups: []fc.StatsGroup{}}
	if q.Scope.Empty() {
		return res, nil
	}
	where, args, err := buildWhere(fc.Query{Scope: q.Scope, Conditions: q.Conditions})
	if err != nil {
		return nil, err
	}
	var sel, group []string
	for i, g := range q.GroupBy {
		c := statsColumns[g]
		label := "''"
		if c.label != "" {
			label = c.label
		}
		sel = append(sel, fmt.Sprintf("%s AS k%d", c.key, i), label)
		group = append(group, fmt.Sprintf("k%d", i))
	}
	query := "SELECT " + strings.Join(sel, ", ") + ", count(*) FROM failed_checkins" + where + " GROUP BY " + strings.Join(group, ", ") +
		fmt.Sprintf(" LIMIT %d", fc.MaxStatsGroups+1) // one more tells that there are too many
	err = db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanStatsGroup(rows, q.GroupBy)
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

// scanStatsGroup reads one row: a key and a label per grouping, then the count.
func scanStatsGroup(rows *sql.Rows, groupBy []fc.StatsGroupBy) (fc.StatsGroup, error) {
	n := len(groupBy)
	g := fc.StatsGroup{Keys: make([]fc.StatsKey, n), Labels: make([]string, n)}
	ints, texts := make([]sql.NullInt64, n), make([]sql.NullString, n)
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
		if statsColumns[gb].text {
			g.Keys[i] = fc.StatsKey{Null: !texts[i].Valid, Text: texts[i].String}
		} else {
			g.Keys[i] = fc.StatsKey{Null: !ints[i].Valid, Int: ints[i].Int64}
		}
	}
	return g, nil
}
