package sqlstore

import (
	"context"
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

// statsColumn maps a grouping to whitelisted SQL. Day and Hour read
// checkin_attempt_time_local, the location's wall clock, through the
// dialect. Labels are the largest name seen, compared byte-wise as the
// StatsGroup contract says, whatever the database's default collation.
func (d Dialect) statsColumn(g fc.StatsGroupBy) statsColumn {
	switch g {
	case fc.GroupByReason:
		return statsColumn{key: "reason", text: true}
	case fc.GroupByBusiness:
		return statsColumn{key: "business_id", label: "MAX(business_name" + d.ByteCollate + ")"}
	case fc.GroupBySource:
		return statsColumn{key: "source"}
	case fc.GroupByDay:
		return statsColumn{key: d.LocalDay, text: true}
	case fc.GroupByHour:
		return statsColumn{key: d.LocalHour}
	case fc.GroupByCoworker:
		return statsColumn{key: "coworker_id", label: "MAX(coworker_full_name" + d.ByteCollate + ")"}
	case fc.GroupByResolved:
		return statsColumn{key: "CASE WHEN resolved_by_checkin_id IS NULL THEN 0 ELSE 1 END"}
	}
	return statsColumn{}
}

// StatsKeyIsText reports whether the key of grouping g is text (otherwise
// it is a whole number), which says what to scan it into.
func StatsKeyIsText(g fc.StatsGroupBy) bool { return Dialect{}.statsColumn(g).text }

// CountFailedCheckins returns the one GROUP BY statement that counts the
// records q selects per group, with the scope inside its WHERE clause.
// Each row holds a key and a label per grouping, then the count (read it
// with ScanStatsGroup). Without a Limit it asks for one group more than
// fc.MaxStatsGroups, so the caller can tell that there are too many.
// With one, it orders the groups in SQL (q.Order, keys compared as
// fc.CompareStatsKeys does: NULL first, text byte-wise) and keeps the
// first q.Limit; each row then also holds the number of groups and of
// records in all (window functions over the grouped rows, computed before
// the LIMIT). q must be valid and its scope not empty (the caller answers
// those without a query).
func CountFailedCheckins(d Dialect, q fc.StatsQuery) (string, []any, error) {
	where, args, err := BuildWhere(d, fc.Query{Scope: q.Scope, Conditions: q.Conditions})
	if err != nil {
		return "", nil, err
	}
	var sel, group, keys []string
	for i, g := range q.GroupBy {
		c := d.statsColumn(g)
		if c.key == "" {
			return "", nil, fmt.Errorf("sqlstore: no column for grouping %q", g)
		}
		label := d.EmptyText
		if c.label != "" {
			label = c.label
		}
		sel = append(sel, fmt.Sprintf("%s AS k%d", c.key, i), label)
		group = append(group, fmt.Sprintf("k%d", i))
		// The key expression itself, not its alias: PostgreSQL takes an
		// alias in ORDER BY only bare, without COLLATE.
		key := c.key
		if c.text {
			key += d.ByteCollate
		}
		keys = append(keys, key)
	}
	if q.Limit == 0 {
		query := "SELECT " + strings.Join(sel, ", ") + ", count(*) FROM failed_checkins" + where +
			" GROUP BY " + strings.Join(group, ", ") + fmt.Sprintf(" LIMIT %d", fc.MaxStatsGroups+1)
		return query, args, nil
	}
	var order []string
	switch q.Order {
	case fc.StatsByKeyDesc:
		for _, k := range keys {
			order = append(order, k+" DESC NULLS LAST")
		}
	case fc.StatsByCount:
		order = append(order, "count(*) DESC")
		fallthrough
	default:
		for _, k := range keys {
			order = append(order, k+" NULLS FIRST")
		}
	}
	query := "SELECT " + strings.Join(sel, ", ") + ", count(*), count(*) OVER (), CAST(sum(count(*)) OVER () AS BIGINT)" +
		" FROM failed_checkins" + where + " GROUP BY " + strings.Join(group, ", ") +
		" ORDER BY " + strings.Join(order, ", ") + fmt.Sprintf(" LIMIT %d", q.Limit)
	return query, args, nil
}

// ScanStatsGroup reads one row of CountFailedCheckins' statement through
// scan (the Scan method of either driver's rows): a key and a label per
// grouping, then the count, then into extra whatever columns follow (the
// totals of a limited statement). A NULL key is a StatsKey with Null set.
func ScanStatsGroup(scan func(dest ...any) error, groupBy []fc.StatsGroupBy, extra ...any) (fc.StatsGroup, error) {
	n := len(groupBy)
	g := fc.StatsGroup{Keys: make([]fc.StatsKey, n), Labels: make([]string, n)}
	ints, texts := make([]*int64, n), make([]*string, n)
	dest := make([]any, 0, 2*n+1)
	for i, gb := range groupBy {
		if StatsKeyIsText(gb) {
			dest = append(dest, &texts[i])
		} else {
			dest = append(dest, &ints[i])
		}
		dest = append(dest, &g.Labels[i])
	}
	if err := scan(append(append(dest, &g.Count), extra...)...); err != nil {
		return g, fmt.Errorf("stats: scan: %w", err)
	}
	for i := range groupBy {
		switch {
		case texts[i] != nil:
			g.Keys[i] = fc.StatsKey{Text: *texts[i]}
		case ints[i] != nil:
			g.Keys[i] = fc.StatsKey{Int: *ints[i]}
		default:
			g.Keys[i] = fc.StatsKey{Null: true}
		}
	}
	return g, nil
}

// ReadFunc runs fn on a store's reading side: a snapshot, or on
// PostgreSQL the pool with a plan per run for a single statement.
type ReadFunc func(ctx context.Context, fn func(tx Tx) error) error

// Stats counts the records q selects per group, in one statement
// (CountFailedCheckins) with the scope inside the WHERE clause, run
// through read. An empty scope returns no groups without a query. With a
// Limit the statement makes the cut and reports the number of groups and
// records in all; without one, more than fc.MaxStatsGroups groups are
// refused.
func Stats(ctx context.Context, d Dialect, read ReadFunc, q fc.StatsQuery) (*fc.StatsResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := &fc.StatsResult{GroupBy: slices.Clone(q.GroupBy), Groups: []fc.StatsGroup{}}
	if q.Scope.Empty() {
		return res, nil
	}
	query, args, err := CountFailedCheckins(d, q)
	if err != nil {
		return nil, err
	}
	err = read(ctx, func(tx Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		defer rows.Close()
		var groups, total int64
		var extra []any
		if q.Limit > 0 {
			extra = []any{&groups, &total}
		}
		for rows.Next() {
			g, err := ScanStatsGroup(rows.Scan, q.GroupBy, extra...)
			if err != nil {
				return err
			}
			if q.Limit > 0 {
				res.Groups = append(res.Groups, g)
				res.GroupCount, res.Total = groups, total
				continue
			}
			if len(res.Groups) == fc.MaxStatsGroups {
				return fc.TooManyStatsGroups()
			}
			res.Groups = append(res.Groups, g)
			res.Total += g.Count
			res.GroupCount++
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("stats: read rows: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Sorted in Go (again, with a Limit), so the order is exactly
	// CompareStatsGroups' byte-wise one on both stores.
	slices.SortFunc(res.Groups, func(a, b fc.StatsGroup) int { return fc.CompareStatsGroups(q.Order, a, b) })
	return res, nil
}
