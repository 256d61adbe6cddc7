package sqlstore

import (
	"context"
	"fmt"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// The nullable fields (UpdatedBy, SystemId, Reason, ResolvedByCheckinId,
// ResolvedOn) are empty in most records: only what the service changes
// sets them. Ordered by one of them, the matches are one large group of
// empty values (null, or a text whose folded copy is the empty string: it
// sorts first ascending and last descending, orderBy) ordered by id, and a
// few others.
// A page inside that group is the group's page in id order, and the Id
// order has the plans of a time or Id range (the zone map's Id bounds, a
// walk of the rowid); the order's own index holds the empty entries in
// id order too, but a walk of it reads the record of every skipped entry
// to test the other conditions, and SQLite's own plan gathers and sorts
// every match (issue 17's r036: 249,687 matches of an Id and an
// UpdatedOn range by ResolvedByCheckinId, offset 79,162, 594 ms of which
// the group's page in id order costs about 20; r088: a local-time range
// by UpdatedBy, offset 23,296, 228 ms).

// emptyGroupProbe is the most entries of the order's index with a value
// that emptyGroupPage reads: the table's non-empty entries are counted up
// to it without their records, and only when there are fewer are they
// counted exactly with q's conditions (reading at most this many records).
//
// The probe decides on the whole table, not on q's matches: once this
// many records anywhere hold a value in the field, its pages keep the
// plain order, even those inside a scope or range where the field is
// empty, and each of them still pays the probe (this many entries of the
// order's index, without their records). Nothing cheaper tells in
// advance that the probe will fail: the number of values is in no
// rollup, and remembering it between reads would go stale as records
// change.
const emptyGroupProbe = 1000

// emptyGroupPage returns q restricted to the matches whose order field is
// empty, in id order, the page's offset within them and their number,
// when the page of size records from offset on (of total matches) lies
// inside that group; false otherwise, or when the table holds emptyGroupProbe
// non-empty values of the field or more. SQLite only (its index hints
// keep the two counts to the entries with a value).
func emptyGroupPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset, size, total int64) (fc.Query, int64, int64, bool, error) {
	col, ok := columns(q.OrderBy)
	if !d.SortIndexHints || !ok || col.sortIndex == "" || total <= 0 {
		return q, offset, 0, false, nil
	}
	var filled string // the order's values that sort after the empty ones
	switch col.kind {
	case kindNullText:
		filled = col.fold + " > ''"
	case kindNullInt, kindNullTime:
		filled = col.name + " IS NOT NULL"
	default:
		return q, offset, 0, false, nil
	}
	from := failedCheckins.name + hint(col.sortIndex)
	probe := Statement{SQL: fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT %d) AS probe", from, filled, emptyGroupProbe)}
	var n int64
	if err := run(ctx, probe, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
		return q, offset, 0, false, fmt.Errorf("probe the empty values: %w", err)
	}
	if n >= emptyGroupProbe {
		return q, offset, 0, false, nil
	}
	var others int64
	if n > 0 {
		w, args, err := failedCheckins.BuildWhere(d, q)
		if err != nil {
			return q, offset, 0, false, err
		}
		if w == "" {
			w = " WHERE " + filled
		} else {
			w += " AND " + filled
		}
		st := Statement{SQL: "SELECT count(*) FROM " + from + w, Args: args}
		if err := run(ctx, st, 1, func(v []int64) bool { others = v[0]; return false }); err != nil {
			return q, offset, 0, false, fmt.Errorf("count the values: %w", err)
		}
	}
	// Ascending, the empty group is [0, total-others); descending
	// [others, total).
	start := int64(0)
	if q.Descending {
		start = others
	}
	if offset < start || offset+size > start+total-others {
		return q, offset, 0, false, nil
	}
	empty := fc.Condition{Field: q.OrderBy, Match: fc.MatchNull, Null: true}
	if col.kind == kindNullText {
		empty = fc.Condition{Field: q.OrderBy, Match: fc.MatchEqualFold, Strings: []string{""}, Null: true}
	}
	q.Conditions = append(slices.Clip(q.Conditions), empty)
	q.OrderBy = fc.FieldID
	return q, offset - start, total - others, true, nil
}

// groupWalk returns the page of size records from offset on of q, the
// empty group's matches in id order (gn of them), as a walk of the rowid
// between the Ids the zone map bounds q's time ranges to (zoneIDs), when
// that walk reads at most about gn entries: offset + size of them if the
// gn matches spread evenly over the hi - lo + 1 Ids, orderWalk's rule.
// false leaves the page to pageStatement, whose choices keep SQLite's own
// plan beside a range on a time (correlated, ownPlanSeeks): a seek of the
// range and a sort of every match (issue 17's r129: 680,159 matches of an
// attempt range, ordered by SystemId, page 1: the group's page sorted all
// of them in 100 ms, where the walk from the range's first block reads 30).
func groupWalk(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset, size, gn int64) (Statement, bool, error) {
	lo, hi, _, _, ok, err := zoneIDs(ctx, d, run, q)
	if err != nil || !ok || float64(offset+size)*float64(hi-lo+1) > float64(gn)*float64(gn) {
		return Statement{}, false, err
	}
	q.Conditions = append(slices.Clip(q.Conditions), fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: lo, Max: hi})
	f, err := failedCheckins.buildFind(d, q, hint(""), nil)
	if err != nil {
		return Statement{}, false, err
	}
	return Statement{SQL: f.Page, Args: append(f.Args[:len(f.Args):len(f.Args)], size, offset)}, true, nil
}
