package sqlstore

import (
	"context"
	"fmt"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// noCoworkerFields are the fields whose values SQLite's
// failed_checkins_no_coworker (migration 0026) holds for the records
// without a coworker: a condition on them is tested on its entries alone.
var noCoworkerFields = []fc.Field{fc.FieldCoworkerFullName, fc.FieldTeams, fc.FieldDescription, fc.FieldTariff, fc.FieldSource,
	fc.FieldBusinessID, fc.FieldMacAddresses}

// skipNoCoworker returns q with "CoworkerId is not null" added when q is
// ordered by CoworkerId ascending and no record without a coworker passes
// q's conditions on noCoworkerFields: then none of q's matches lacks a
// coworker, and the page seeks the first coworker in
// failed_checkins_coworker instead of walking the records without one,
// which sort first and were each read to test the conditions (issue 17's
// r131, a description substring, and r180, a name substring, by
// CoworkerId, page 1: 29,940 records read before the first match, about
// 140 ms of CPU a request). The added condition is implied, so the
// matches and their order are q's. The test walks the partial index's
// entries (those records only) without reading one, and stops at the
// first that passes: about 1-2 ms at 1M records when none does.
// Descending, those records sort last and a walk meets them only at the
// end, which a page in the second half reads from the other end
// (planPage), ascending. SQLite only (its index hints).
func skipNoCoworker(ctx context.Context, d Dialect, run RunInts, q fc.Query) (fc.Query, error) {
	if !d.SortIndexHints || q.OrderBy != fc.FieldCoworkerID || q.Descending {
		return q, nil
	}
	var tested []fc.Condition
	for _, c := range q.Conditions {
		if c.Field == fc.FieldCoworkerID {
			return q, nil // a list or null of its own: SQLite's plan seeks it
		}
		if slices.Contains(noCoworkerFields, c.Field) {
			tested = append(tested, c)
		}
	}
	if len(tested) == 0 && q.Scope.All() {
		return q, nil
	}
	// The scope too: the index holds the location (wt-C's review: a named
	// record without a coworker in another location stopped the skip).
	w, args, err := failedCheckins.BuildWhere(d, fc.Query{Scope: q.Scope, Conditions: tested, OrderBy: q.OrderBy})
	if err != nil {
		return q, err
	}
	probe := Statement{SQL: "SELECT count(*) FROM (SELECT 1 FROM " + failedCheckins.name + hint("failed_checkins_no_coworker") +
		withSeed(w, "coworker_id IS NULL") + " LIMIT 1) AS probe", Args: args}
	var n int64
	if err := run(ctx, probe, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
		return q, fmt.Errorf("probe the records without a coworker: %w", err)
	}
	if n > 0 {
		return q, nil
	}
	q.Conditions = append(slices.Clip(q.Conditions), fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchNull})
	return q, nil
}
