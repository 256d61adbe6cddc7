package sqlstore

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
)

// A page is read one of two ways: by walking an index in the search's
// order, testing each entry's record, until offset + size matches are
// found; or by gathering every match (through whatever index the
// conditions can use) and sorting them. PostgreSQL chooses from its
// estimate of the conditions' share, taken from a sample and assumed
// spread evenly over the order, and walks when that share looks large.
// It is often wrong for exactly the searches that cost most: a substring
// it cannot estimate, or a range on one time in the order of another
// (a record's times grow together, so the matches bunch in one stretch
// of the order and a walk from either end passes every record outside
// it first). Issue 17's random shapes at 1M records: a manager's 286
// records of one day ordered by CreatedOn walked 930,000 entries (750 ms);
// 56,643 records of an UpdatedOn range, a middle page by teams, walked
// 196,000 (1.8 s). The store knows the exact number of matches before
// it reads the page (the count), so on PostgreSQL (Dialect.GatherFew) it
// makes that choice itself, with the rule SQLite's hints use.

// gatherWorthIt says whether q's page, reach = offset + size records
// into total matches, should gather the matches and sort them rather
// than walk the order. The walk reads about reach * base / total entries
// (base: the records of the walked index, the matches spread evenly
// among them), gathering reads total: gather when reach * base > total *
// total, the rule of mergeWorthIt and orderWalk. A search whose only
// conditions the walk does not have to test (a range on the order field
// itself, which the walk starts from; the locations, in an order they
// have an index per location for) is always walked: every entry read is
// a match. A range on another time than a timeLike order's (correlated)
// gathers when the matches are at most half the records: the walk may
// pass every other record before the first match. all is the table's
// size when known (the count's plan read it), otherwise -1.
func gatherWorthIt(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, total, all int64) (bool, error) {
	if !d.GatherFew || total <= 0 {
		return false, nil
	}
	_, perLocation := mergeKeys[q.OrderBy]
	locations, few := mergeBusinesses(q)
	perLocation = perLocation && few
	filtering := !q.Scope.All() && !perLocation
	for _, c := range q.Conditions {
		rangeOnOrder := c.Field == q.OrderBy && (c.Match == fc.MatchTimeRange || c.Match == fc.MatchIntRange)
		location := perLocation && c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts
		if !rangeOnOrder && !location {
			filtering = true
		}
	}
	if !filtering {
		return false, nil
	}
	if all < 0 {
		var err error
		if all, err = CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()}); err != nil {
			return false, err
		}
	}
	if correlated(q) && 2*total <= all {
		return true, nil
	}
	base := all
	if perLocation {
		var err error
		if base, err = CountMatching(ctx, d, run, fc.Query{Scope: fc.BusinessScope(locations...)}); err != nil {
			return false, err
		}
	}
	return float64(reach)*float64(base) > float64(total)*float64(total), nil
}

// gatheredPage is the statement of the size records of q from offset on,
// written so that PostgreSQL gathers every match before it sorts them:
// the matches are selected by a subquery with OFFSET 0, which the
// planner neither pulls up into the outer query nor plans for the outer
// query's order and LIMIT (either would let it walk the order's index),
// so it plans it for all its rows; the outer query sorts them (a top-N
// sort of offset + size) and cuts the page. The answer is the plain
// statement's: the same conditions, the same order. The subquery also
// selects the order's folded copy, which the outer ORDER BY compares.
func (t *Table) gatheredPage(d Dialect, q fc.Query, offset, size int64) (Statement, error) {
	a := &args{d: d, t: t}
	w, err := where(a, q)
	if err != nil {
		return Statement{}, err
	}
	order, err := orderBy(d, t, q.OrderBy, q.Descending)
	if err != nil {
		return Statement{}, err
	}
	key := ""
	if col := t.columns[q.OrderBy]; col.fold != "" && col.fold != col.name {
		key = ", " + col.fold
	}
	limit, off := a.add(size), a.add(offset)
	return Statement{
		SQL: "SELECT " + t.selectColumns + " FROM (SELECT " + t.selectColumns + key + " FROM " + t.name + w +
			" OFFSET 0) AS m" + order + " LIMIT " + limit + " OFFSET " + off,
		Args: a.vals,
	}, nil
}
