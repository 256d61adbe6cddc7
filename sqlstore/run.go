package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// RunInts runs st and calls row with each result row, whose columns are
// all integers (width of them), until row returns false. Each store
// adapts its driver to it once, so that the plans below (counts, seeks,
// implied businesses) are carried out by one piece of code for both.
type RunInts func(ctx context.Context, st Statement, width int, row func(vals []int64) bool) error

// SeekMinOffset is the offset from which a page ordered by
// CheckinAttemptTime is reached through the per-day counts instead of
// walking the index past every earlier record. Below it the walk is
// cheaper than the extra statements.
const SeekMinOffset = 1000

// CountMatching returns the exact number of records q matches: the sum of
// PlanCount's statements (rollup sums and the records of the partial days
// at the edges of a time range, or one plain count).
func CountMatching(ctx context.Context, d Dialect, run RunInts, q fc.Query) (int64, error) {
	n, _, _, err := countMatching(ctx, d, run, q)
	return n, err
}

// countMatching is CountMatching, which also returns the plan of a
// search no rollup counts (selective.go) for its page, or nil, and d
// with the trigrams picked for q (pickTrigrams), for its page too.
func countMatching(ctx context.Context, d Dialect, run RunInts, q fc.Query) (int64, *selection, Dialect, error) {
	var err error
	if d, err = pickTrigrams(ctx, d, run, q); err != nil {
		return 0, nil, d, err
	}
	var parts []Statement
	var sel *selection
	var choice *nameChoice // of the name indexes, when read (chooseNames)
	if _, ok := pickRollup(d, q); !ok {
		if sel, err = planSelection(ctx, d, run, q, -1); err != nil {
			return 0, nil, d, err
		}
		// A zone map (zone.go) counts ranges at the cost of a few blocks;
		// a driver known to be smaller than a probe (r037: 1,426 matches,
		// four locations, two time ranges) still counts by its walk, and
		// the page reads what it selects, as before the zone maps.
		// A driver SQLite's own plan could use (native) and that only a
		// single-column plan lets be forced (beyond enough records,
		// planSelection) leaves the count to the zone map too: its
		// records serve the page alone (drivenPage), when few of them.
		zoned := hasZone(d, q) && (sel == nil || sel.driverN < 0 || sel.driverN >= probeCap ||
			(sel.driver != nil && sel.driver.native && sel.driverN > enough))
		// A name beside the ranges is counted by the zone map only when
		// the range holds more records than its seeks cost (chooseNames);
		// otherwise as before the name route: by the driver's walk (whose
		// listing serves the page too) or plainly.
		if z, _ := pickZone(d, q); zoned && z.names != nil && !z.fewNames(d) && run != nil {
			c, err := z.chooseNames(ctx, d, run)
			if err != nil {
				return 0, nil, d, err
			}
			choice, zoned = &c, !c.plain
		}
		switch {
		case sel != nil && sel.zero:
			return 0, sel, d, nil
		case sel != nil && sel.driver != nil && d.SortIndexHints && !zoned && (sel.driverN <= maxListDrive || sel.listOnly):
			n, err := sel.drivenList(ctx, d, run, q)
			return n, sel, d, err
		case sel != nil && sel.driver != nil && d.SortIndexHints && !zoned:
			st, err := sel.drivenCount(d, q)
			if err != nil {
				return 0, nil, d, err
			}
			parts = []Statement{st}
		}
	}
	if parts == nil {
		if parts, err = planCount(ctx, d, run, q, choice); err != nil {
			return 0, nil, d, err
		}
	}
	var total int64
	for _, p := range parts {
		if err := run(ctx, p, 1, func(v []int64) bool { total += v[0]; return false }); err != nil {
			return 0, nil, d, fmt.Errorf("count: %w", err)
		}
	}
	return total, sel, d, nil
}

// PageStatement returns q's page statement with its LIMIT and OFFSET
// arguments. A deep page ordered by CheckinAttemptTime starts at the day
// where it begins (PlanSeek), with the offset left within that day.
func PageStatement(ctx context.Context, d Dialect, run RunInts, q fc.Query) (Statement, error) {
	return pageStatement(ctx, d, run, q, q.Offset(), int64(q.Size), -1, nil)
}

// PlannedPage is the statement of a page, and whether it reads the page
// in the reverse order (the caller reverses the records it returns).
type PlannedPage struct {
	Statement
	Reversed bool
}

// PlanPage returns the statement of q's page given the exact total of
// matches, which must be more than q's offset. A page in the second half
// of the matches is read as the mirror page in the opposite order (the
// last page descending is the first ascending, reversed), so no index
// walk or bounded sort goes past the middle of the matches: the order
// (field, then id) is total, so the mirror holds exactly the same
// records.
func PlanPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, total int64) (PlannedPage, error) {
	d, err := pickTrigrams(ctx, d, run, q)
	if err != nil {
		return PlannedPage{}, err
	}
	return planPage(ctx, d, run, q, total, nil)
}

// planPage is PlanPage given the plan countMatching made, or nil (one is
// made when the matches are few: see drivenPage), and d with q's
// trigrams picked.
func planPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, total int64, sel *selection) (PlannedPage, error) {
	var err error
	offset, size := q.Offset(), int64(q.Size)
	end := total
	if size <= total-offset {
		end = offset + size
	}
	reversed := total-end < offset
	if reversed {
		q.Descending = !q.Descending
		offset, size = total-end, end-offset
	}
	if offset >= narrowMinOffset {
		r, dropped, err := dropRedundant(ctx, d, run, q, total)
		if err != nil {
			return PlannedPage{}, err
		}
		if dropped {
			q, sel = r, nil
		}
	}
	// After dropRedundant, which would drop the implied "no coworker"
	// condition again on a deep page (wt-C's review: a name by CoworkerId,
	// page 20, walked every record without a coworker).
	if sel == nil || sel.ids == nil {
		// A page whose matches the count did not list walks an order.
		if q, err = skipNoCoworker(ctx, d, run, q); err != nil {
			return PlannedPage{}, err
		}
	}
	// A deep page of a field of few values starts at its group
	// (groupPage), read from either end of it.
	if st, back, ok, err := groupPage(ctx, d, run, q, offset, size, total); err != nil || ok {
		return PlannedPage{st, reversed != back}, err
	}
	st, err := pageStatement(ctx, d, run, q, offset, size, total, sel)
	return PlannedPage{st, reversed}, err
}

// dropRedundant returns q without the conditions that leave its matches
// as they are: a condition whose removal leaves a query that a rollup
// counts (pickRollup: one sum) with the same total. Removing a condition
// can only add matches, so the same number means the same set, scope
// included, and the page is the same; its plan no longer tests (or
// gathers through) the condition. Issue 17's r058: Reason null or
// CheckinLimitReached, which every record at 1M passes (all are null),
// page 18,224 by CreatedOn: the page sorted the ids of every record it
// read to test the reason (500 ms in process), where everything's page
// walks failed_checkins_created's entries alone (r175's plan: 2 ms).
// Only deep pages ask (offset >= narrowMinOffset once a page past the
// middle is read from the other end): the extra sums cost little, but
// first pages walk an order and stop soon anyway.
//
// A BusinessId list is kept while a BusinessName condition stays: Narrow
// adds the list the names imply, so it is redundant by construction, but
// it is what gives the page its per-location plans (merged walks, the
// per-business indexes). Dropped beside a name that cannot go (a location
// whose records carry two names), the page tested the name on every
// record instead: a BusinessName and Source page 400 on the 1M copy was
// planned in 1.7-19 ms over 5 statements, against 0.2-0.4 ms over 2 with
// the list. Once the names are dropped, the list is tried like any other
// condition.
func dropRedundant(ctx context.Context, d Dialect, run RunInts, q fc.Query, total int64) (fc.Query, bool, error) {
	dropped := false
	for i := 0; i < len(q.Conditions); {
		if c := q.Conditions[i]; c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts && named(q) {
			i++
			continue
		}
		r := q
		r.Conditions = slices.Delete(slices.Clone(q.Conditions), i, i+1)
		if _, ok := pickRollup(d, r); !ok {
			i++
			continue
		}
		n, err := CountMatching(ctx, d, run, r)
		if err != nil {
			return q, false, err
		}
		if n != total {
			i++
			continue
		}
		// Another condition may now be the only one a rollup lacks.
		q, dropped, i = r, true, 0
	}
	return q, dropped, nil
}

// named says whether q has a BusinessName condition.
func named(q fc.Query) bool {
	return slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool { return c.Field == fc.FieldBusinessName })
}

// pageStatement returns the statement of the size records of q from
// offset on. Deep pages ordered by CheckinAttemptTime start from the day
// where they begin (seek); a search over a few locations ordered by a
// field with an index per location merges one ordered walk per location
// (BuildMergedPage) when mergeWorthIt says so; on PostgreSQL a page of
// matches too few for the walk gathers and sorts them (gatherWorthIt).
// total is the exact number of matches, -1 when unknown.
func pageStatement(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset, size, total int64, sel *selection) (Statement, error) {
	driven, err := drivenPage(ctx, d, run, q, offset, size, total, sel)
	if err != nil {
		return Statement{}, err
	}
	if driven != nil {
		if driven.paged {
			offset = 0
		}
		// buildFind names the driver's index (INDEXED BY, or NOT
		// INDEXED for ids) in the count and the page alike.
		f, err := failedCheckins.buildFind(d, q, "", driven.driver)
		if err != nil {
			return Statement{}, err
		}
		return Statement{SQL: f.Page, Args: append(f.Args[:len(f.Args):len(f.Args)], size, offset)}, nil
	}
	if gq, goff, gn, ok, err := emptyGroupPage(ctx, d, run, q, offset, size, total); err != nil {
		return Statement{}, err
	} else if ok {
		if st, ok, err := groupWalk(ctx, d, run, gq, goff, size, gn); err != nil || ok {
			return st, err
		}
		return pageStatement(ctx, d, run, gq, goff, size, gn, nil)
	}
	// A deep page in Id order starts at the zone map's block where it
	// lies (zoneSkip); one by CheckinAttemptTime at its day (seek).
	if zq, left, ok, err := zoneSkip(ctx, d, run, q, offset); err != nil {
		return Statement{}, err
	} else if ok {
		q, offset = zq, left
	}
	if offset >= SeekMinOffset {
		sq, left, ok, err := seek(ctx, d, run, q, offset)
		if err != nil {
			return Statement{}, err
		}
		if ok {
			q, offset = sq, left
		}
	}
	counts := &pageCounts{ctx: ctx, d: d, run: run, all: -1, locations: -1}
	counts.businesses, _ = mergeBusinesses(q)
	if sel != nil && sel.all > 0 {
		counts.all = sel.all
	}
	if bs, ok := mergeBusinesses(q); ok && len(bs) > 1 && total >= 0 {
		worth, err := mergeWorthIt(ctx, d, run, q, bs, offset+size, total, counts)
		if err != nil {
			return Statement{}, err
		}
		if worth {
			st, ok, err := failedCheckins.BuildMergedPage(d, q, bs, offset, size)
			if err != nil || ok {
				return st, err
			}
		}
	}
	// PostgreSQL: ordered by CreatedOn or the attempt time beside a range
	// of another time, the order's values of the zone map's blocks that
	// meet the ranges (and their Ids), implied by q, bound the walk of the
	// order's index to the stretch of the matches (the times grow
	// together), which its planner then takes, where gatherWorthIt
	// (correlated) would gather and sort every match for want of knowing
	// where the stretch starts: issue 17's r079, the first 6 of an
	// UpdatedOn range of 168,637 by CreatedOn, 600-760 ms; r105, the last
	// of an attempt range of 127,124, 260-500 ms. The walk reads at most
	// the stretch's records; the bound is written unless they outnumber
	// the matches gatherMargin times, where the gather is weighed as before
	// without it.
	bounded := false
	if !d.SortIndexHints && rangesBesideOrder(q) && total > 0 {
		if lo, hi, order, ordered, ok, err := zoneIDs(ctx, d, run, q); err != nil {
			return Statement{}, err
		} else if ok && ordered && hi-lo+1 <= gatherMargin*total {
			// Only then: inside a gather the bounds would lead the planner
			// to the order's index instead of the one its terms seek (a
			// manager's day by CreatedOn: TestGatheredPagePlan).
			q.Conditions = append(slices.Clip(q.Conditions), fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: lo, Max: hi}, order)
			bounded = true
		}
	}
	gather := false
	if !bounded {
		if gather, err = gatherWorthIt(d, q, offset+size, total, counts); err != nil {
			return Statement{}, err
		}
	}
	if gather {
		return failedCheckins.gatheredPage(d, q, offset, size)
	}
	walk, err := orderWalk(ctx, d, run, q, offset+size, total)
	if err != nil {
		return Statement{}, err
	}
	// The Ids the zone map bounds q's time ranges to (and, ordered by
	// CreatedOn or the attempt time, the order's values in their blocks)
	// are tested on the entries of a walk; without one they are added
	// only where SQLite's own plan would otherwise read the whole table
	// (no term its indexes serve): beside such a term its plan may take
	// the rowid range instead (r037: four locations' attempt range, read
	// through failed_checkins_business in the Ids' range instead of
	// failed_checkins_business_time). Nor are they added in SQLite's own
	// plan of an order with a whole-table index (wholeIndexes) other than
	// the rowid's, CreatedOn's and the attempt time's: that plan walks
	// the order's index and stops after the page, where the Ids' range
	// would make it read the whole range and sort it (an UpdatedOn range
	// of 744,001 matches by BusinessId desc, page 1: 0.34 -> 168 ms;
	// CreatedOn and the attempt time take the order's bound too, which
	// keeps their walk).
	seeks, ownWalk := ownPlanSeeks(d, q), false
	if d.SortIndexHints && walk == "" && !seeks {
		if ownWalk, err = ownPlanWalks(ctx, d, run, q, offset+size, total); err != nil {
			return Statement{}, err
		}
	}
	// Beside SQLite's own seek of a bounded order (boundedOrder), the Ids
	// are added only with the order's bound (needOrdered), which keeps
	// its walk.
	needOrdered := d.SortIndexHints && walk == "" && seeks && boundedOrder(d, q)
	// Beside SQLite's own seek of one of several ranges, the zone map's
	// span of Ids or the narrowest range's index is read instead, when
	// the counts say it is the least (spanPage).
	spanned := false
	if d.SortIndexHints && walk == "" && seeks && !needOrdered {
		if q, walk, spanned, err = spanPage(ctx, d, run, q, offset+size, total); err != nil {
			return Statement{}, err
		}
	}
	// Within locations, only the order's bound (locatedOrder).
	located := d.SortIndexHints && walk == "" && seeks && !needOrdered && !spanned && locatedOrder(d, q)
	if located {
		if _, _, order, ordered, ok, err := zoneIDs(ctx, d, run, q); err != nil {
			return Statement{}, err
		} else if ok && ordered {
			q.Conditions = append(slices.Clip(q.Conditions), order)
		}
	}
	if !spanned && !located && (needOrdered || (d.SortIndexHints && (walk != "" || (!seeks && !ownWalk)))) {
		if lo, hi, order, ordered, ok, err := zoneIDs(ctx, d, run, q); err != nil {
			return Statement{}, err
		} else if ok && (ordered || !needOrdered) {
			q.Conditions = append(slices.Clip(q.Conditions), fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: lo, Max: hi})
			if ordered {
				q.Conditions = append(q.Conditions, order)
			}
		}
	}
	f, err := failedCheckins.buildFind(d, q, walk, nil)
	if err != nil {
		return Statement{}, err
	}
	return Statement{SQL: f.pageSQL(d, q, offset, walk == "" || spanned), Args: append(f.Args[:len(f.Args):len(f.Args)], size, offset)}, nil
}

// rangesBesideOrder says whether q is ordered by CreatedOn or the attempt
// time and has a range of another of the zone map's times, whose blocks'
// bounds of the order's values zoneIDs reads.
func rangesBesideOrder(q fc.Query) bool {
	if q.OrderBy != fc.FieldCreatedOn && q.OrderBy != fc.FieldCheckinAttemptTime {
		return false
	}
	return slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool {
		return c.Match == fc.MatchTimeRange && c.Field != q.OrderBy && slices.Contains(zoneBounds, c.Field)
	})
}

// pageSQL returns f's page statement for q's page at offset: narrowPage
// from narrowMinOffset on when no walk of the order's index was hinted
// (unhinted: the database's own plan, which sorts or walks an index of
// its own choosing; narrowPage's subquery orders and skips the ids alone
// either way), Page otherwise. On SQLite the rowid's order (Id, IsNew)
// keeps Page: its walk reads the records it tests anyway and needs no
// sort. On PostgreSQL every order narrows: its walk of the order's index
// (the primary key's too) reads each skipped entry's record in Page, where
// the subquery's may read the index alone (an index-only scan) when the
// index holds every column it tests: issue 17's r175, page 7,229 of
// everything by BusinessId, walked 180,725 records of
// failed_checkins_business in 476-849 ms, and their entries alone in
// about 100.
func (f Find) pageSQL(d Dialect, q fc.Query, offset int64, unhinted bool) string {
	if offset < narrowMinOffset || !unhinted {
		return f.Page
	}
	if d.SortIndexHints && (q.OrderBy == fc.FieldID || q.OrderBy == fc.FieldIsNew) {
		return f.Page
	}
	return f.narrowPage
}

// ownPlanWalks says whether SQLite's own plan of q walks the index of its
// order (wholeIndexes) and stops after the page soon enough that the Ids'
// range of zoneIDs, which turns the walk into a read of the range and a
// sort, would cost more. Not for the rowid's order (Id, IsNew), nor
// CreatedOn's or CheckinAttemptTime's, whose order's bound (zoneIDs'
// order) keeps the walk, nor the local attempt time's, whose walk reads
// every entry before a range of the other times (they follow each other).
// The walk reads about reach * all / total entries when the matches spread
// evenly over the order (orderWalk); it is kept when that is at most an
// eighth of the matches, a margin for matches that bunch: an UpdatedOn
// range of 744,001 of 1M by BusinessId desc, page 1, took 168 ms through
// the range and 0.34 walking; one of about 5,000 (5 blocks) by CoworkerId
// or BusinessId took 1-1.4 ms through the range and 21-45 walking.
func ownPlanWalks(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, total int64) (bool, error) {
	if _, native := wholeIndexes[q.OrderBy]; !native || total <= 0 {
		return false, nil
	}
	switch q.OrderBy {
	case fc.FieldID, fc.FieldIsNew, fc.FieldCreatedOn, fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal:
		return false, nil
	}
	all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
	if err != nil {
		return false, err
	}
	return 8*float64(reach)*float64(all) <= float64(total)*float64(total), nil
}

// boundedOrder says whether q, over every location and ordered by
// CreatedOn or the attempt time, ranges over another time and has no
// term for SQLite's own plan to seek but time ranges: its plan then walks
// the order's index from one end and reads the record of every entry
// outside the range (the times grow together, so the matches bunch in one
// stretch of the order), or seeks the range and sorts every match. The
// order's values of the zone map's blocks (zoneIDs' order) bound the walk
// to that stretch, and SQLite's plan takes it (issue 17's r105: an
// attempt range of 127,124, the last page by CreatedOn, walked from the
// newest record: 228 ms; bounded, about 2). A scope or a location list is
// left to the plan of ownPlanSeeks (r037: four locations' attempt range,
// moved from failed_checkins_business_time to the rowid range).
func boundedOrder(d Dialect, q fc.Query) bool {
	if !q.Scope.All() || (q.OrderBy != fc.FieldCreatedOn && q.OrderBy != fc.FieldCheckinAttemptTime) || !correlated(q) {
		return false
	}
	return !slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool {
		s, ok := seedOf(d, c)
		return ok && s.native && c.Match != fc.MatchTimeRange
	})
}

// locatedOrder is boundedOrder within one location (a scope or a
// BusinessId list of one): ordered by CreatedOn or the attempt time with a range on another
// time (the local time or UpdatedOn) and no other term SQLite's own plan seeks, that plan walks the
// locations' (business, order) index from one end and reads every record
// outside the range first, which grows with the table (issue 17's r139:
// one location's local range of five days, 17 matches, the newest first:
// the walk passes every newer record of the location). Only the order's
// bound of zoneIDs is added, which that plan seeks in the same index
// ((business, created) or (business, time)); the Ids' range would move it
// to the business index in the Ids' order (r037, boundedOrder). Over
// several locations the plan sorts their records whatever the index, and
// seeks each one's range already (r146: five locations' day of attempts).
func locatedOrder(d Dialect, q fc.Query) bool {
	if q.OrderBy != fc.FieldCreatedOn && q.OrderBy != fc.FieldCheckinAttemptTime || !correlated(q) {
		return false
	}
	located := !q.Scope.All()
	if located && len(q.Scope.Businesses()) != 1 {
		return false
	}
	for _, c := range q.Conditions {
		s, ok := seedOf(d, c)
		switch {
		case c.Match == fc.MatchTimeRange && (c.Field == fc.FieldCreatedOn || c.Field == fc.FieldCheckinAttemptTime):
			// A range with a (business, field) index of its own, which
			// SQLite's plan seeks before sorting the matches: the order's
			// bound would move it to a walk of the order's index over
			// the bound, which records imported late (CreatedOn out of
			// the Ids' order) widen to thousands of entries (wt-B's
			// review: a location's 3 hours of attempts by CreatedOn, 0.19
			// -> 4.7-17 ms). The bound pays only beside the local time
			// and UpdatedOn, which have no such index.
			return false
		case !ok || !s.native || c.Match == fc.MatchTimeRange:
		case s.business && len(c.Ints) == 1:
			located = true
		default:
			return false
		}
	}
	return located
}

// ownPlanSeeks says whether SQLite's own plan of q seeks an index for one
// of its terms (a scope, or a seed its plan can use: native) other than
// the rowid range of an Id range.
func ownPlanSeeks(d Dialect, q fc.Query) bool {
	if !q.Scope.All() {
		return true
	}
	return slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool {
		s, ok := seedOf(d, c)
		return ok && s.native && !(c.Field == fc.FieldID && c.Match == fc.MatchIntRange)
	})
}

// narrowMinOffset is the offset from which a page orders and skips the
// ids of the matches alone and then reads its records by id
// (Find.narrowPage, and PostgreSQL's gathered page), when the database
// plans it itself (pageSQL). SQLite's sort for a LIMIT and OFFSET keeps offset + size whole rows (20
// columns, the descriptions and teams among them) where it needs the sort
// key and the id: issue 17's r183 (an UpdatedOn range by teams, offset
// 11,232) spent most of its time there. Below it the page's own records
// are most of what is kept. A page gathered through a driver
// (drivenPage) sorts too, but was not measured, so it is left as it was.
const narrowMinOffset = 256

// orderWalk returns the clause (hint) that makes a SQLite page of q walk
// the index of its order (orderIndex), or "" to leave the plan to
// SQLite, which, with a filter or a scope, gathers the matches through
// the filter's index and sorts them all for any page. Walking the
// order's index reads about reach * all / total entries (reach = offset
// + size, all = the table's records, total = the matches, spread evenly)
// and stops; gathering reads total and sorts them: the walk is taken
// when reach * all <= total * total, the rule of mergeWorthIt. A search
// with no condition and no scope walks the index without being told;
// PlanPage has already turned a page past the middle into the first
// half of the opposite order, so reach is at most about total / 2.
//
// The indexes SQLite's plan already uses for an order (wholeIndexes) are
// hinted too (issue 17's random shapes: a manager's five locations by
// CoworkerId sorted 263,000 records for page 1, an Id range by CreatedOn
// 700,000 for page 1,105), except where its plan is better than both: a
// few locations in an order they have an index per location for (the
// merge, or SQLite's own seek of (business, field)), and a range on
// another time than the order's (see correlated). The rule assumes the
// matches spread evenly over the order; a scope by CoworkerId, whose
// ids may bunch by location, is probed first (spreadOverCoworkers).
func orderWalk(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, total int64) (string, error) {
	idx, ok := orderIndex(q.OrderBy)
	if !d.SortIndexHints || !ok || total <= 0 || (q.Scope.All() && len(q.Conditions) == 0) {
		return "", nil
	}
	if _, native := wholeIndexes[q.OrderBy]; native {
		if _, perLocation := mergeKeys[q.OrderBy]; perLocation {
			if _, few := mergeBusinesses(q); few {
				return "", nil
			}
		}
		if correlated(q) || !slices.ContainsFunc(seedsOf(d, q), func(s seed) bool { return s.native }) {
			// Without a term that an index serves, SQLite's own plan walks
			// this index already (q2: a name substring by time).
			return "", nil
		}
	}
	all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
	if err != nil {
		return "", err
	}
	if float64(reach)*float64(all) > float64(total)*float64(total) {
		return "", nil
	}
	if q.OrderBy == fc.FieldCoworkerID && !q.Scope.All() {
		if spread, err := spreadOverCoworkers(ctx, d, run, q, reach, all, total); err != nil || !spread {
			return "", err
		}
	}
	return hint(idx), nil
}

// spreadOverCoworkers says whether the records of q's scope are spread
// over the coworker order as the walk's rule assumes. Coworkers belong
// to locations, so their ids may bunch by location: the review's
// 200,000 records, each location's coworkers numbered apart, scope of
// seven locations of 20, page 1 by CoworkerId read 130,000 entries (and
// their records) before the first match. The entries of
// failed_checkins_coworker_business_time hold the business: the first k
// of them in the page's direction are read without a record, and the
// walk is taken only if at least reach of them are the scope's, so it
// reads about k entries at most. k is twice what the walk should read
// (reach * all / total), and at least coworkerProbe: a coworker's
// records are all at one place in the order, mostly of one location,
// and a short probe would miss the scope between a few other
// locations' coworkers (200,000 records of 5,000 coworkers, 40 each, a
// scope of 5 locations of 20 in descending order: 200 entries held
// none, the walk found 25 in 0.2 ms where the gather took 54).
func spreadOverCoworkers(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, all, total int64) (bool, error) {
	dir := ""
	if q.Descending {
		dir = " DESC"
	}
	k := min(max(2*int64(math.Ceil(float64(reach)*float64(all)/float64(total))), coworkerProbe), all)
	a := &args{d: d, t: failedCheckins}
	limit := a.add(k)
	st := Statement{SQL: "SELECT count(*) FROM (SELECT business_id FROM " + failedCheckins.name + hint("failed_checkins_coworker_business_time") +
		" ORDER BY coworker_id" + dir + " LIMIT " + limit + ") AS probe WHERE business_id IN (" + list(a, q.Scope.Businesses()) + ")"}
	st.Args = a.vals
	var n int64
	if err := run(ctx, st, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
		return false, fmt.Errorf("probe the coworker order: %w", err)
	}
	return n >= reach, nil
}

// coworkerProbe is the fewest entries spreadOverCoworkers reads: about
// 0.1 ms of an index without its records.
const coworkerProbe = 2000

// timeLike are the fields whose order is about the order records arrive
// in: a record's times and its id grow together, and so does the
// UniqueId the service makes (a v7 UUID begins with its creation time).
var timeLike = map[fc.Field]bool{
	fc.FieldID: true, fc.FieldIsNew: true, fc.FieldCheckinAttemptTime: true, fc.FieldCheckinAttemptTimeLocal: true,
	fc.FieldCreatedOn: true, fc.FieldUpdatedOn: true, fc.FieldUniqueID: true,
}

// correlated says whether q, ordered by a timeLike field, has a range on
// another time: its matches are then not spread over the order but
// bunched in one stretch of it, and a walk from either end may pass
// every record outside that stretch (and look each one up) before the
// first match. An Id range is not one: every index entry ends with the
// id, so the walk tests it without reading the record.
func correlated(q fc.Query) bool {
	if !timeLike[q.OrderBy] {
		return false
	}
	for _, c := range q.Conditions {
		if c.Match == fc.MatchTimeRange && c.Field != q.OrderBy {
			return true
		}
	}
	return false
}

// mergeWorthIt decides between walking the locations in the sort order
// (the merge) and letting the database gather the matches and sort them,
// from exact counts: the walk reads about reach * records / total entries
// (reach = offset + size, records = the locations' records, total = the
// matches, spread evenly), gathering reads at least total. When q has no
// condition the walk cannot skip (only BusinessId conditions, or a range
// on the order field itself, which the walk starts from) every entry read
// is a match and the walk wins without a count, unless plainWalkCheaper
// says the plain statement costs less still; otherwise the locations'
// records are counted from the per-business rollup (one small sum) and
// the walk is taken when reach * records <= total * total.
func mergeWorthIt(ctx context.Context, d Dialect, run RunInts, q fc.Query, businesses []int64, reach, total int64, counts *pageCounts) (bool, error) {
	dense, onlyLocations := true, true
	for _, c := range q.Conditions {
		rangeOnOrder := c.Field == q.OrderBy && (c.Match == fc.MatchTimeRange || c.Match == fc.MatchIntRange) &&
			(c.Field == fc.FieldCheckinAttemptTime || c.Field == fc.FieldCreatedOn || c.Field == fc.FieldID)
		if c.Field != fc.FieldBusinessID {
			onlyLocations = false
			if !rangeOnOrder {
				dense = false
			}
		}
	}
	if dense {
		if !onlyLocations {
			return true, nil
		}
		plain, err := plainWalkCheaper(ctx, d, run, q, reach, total)
		return !plain, err
	}
	records, err := counts.locationRecords()
	if err != nil {
		return false, err
	}
	return float64(reach)*float64(records) <= float64(total)*float64(total), nil
}

// pageCounts are the rollup sums a page's choices share, each worked out
// once per page: the table's records (all) and the records of the
// locations the search names (businesses, mergeBusinesses of the page's
// query: the merge's and the gather's). -1 is not yet known.
type pageCounts struct {
	ctx            context.Context
	d              Dialect
	run            RunInts
	businesses     []int64
	all, locations int64
}

func (c *pageCounts) allRecords() (int64, error) {
	if c.all < 0 {
		n, err := CountMatching(c.ctx, c.d, c.run, fc.Query{Scope: fc.AllBusinesses()})
		if err != nil {
			return 0, err
		}
		c.all = n
	}
	return c.all, nil
}

func (c *pageCounts) locationRecords() (int64, error) {
	if c.locations < 0 {
		n, err := CountMatching(c.ctx, c.d, c.run, fc.Query{Scope: fc.BusinessScope(c.businesses...)})
		if err != nil {
			return 0, err
		}
		c.locations = n
	}
	return c.locations, nil
}

// plainOrders are the orders of a whole-table index in (field, id)
// order, which the plain statement of a few locations walks backward or
// forward, skipping the other locations' records: failed_checkins_created,
// failed_checkins_pkey and failed_checkins_time.
var plainOrders = map[fc.Field]bool{fc.FieldCreatedOn: true, fc.FieldID: true, fc.FieldCheckinAttemptTime: true}

// plainWalkCheaper says whether the plain statement of q, whose only
// conditions are its locations (total records, all of them matches),
// walks at most d.PlainWalk entries of a whole-table index in q's order:
// about reach * all / total, the locations' records spread evenly among
// all. Only then is the table's size read (one sum of the per-business
// rollup); deep pages and small locations never ask. It is limited to
// searches of locations alone, whose share PostgreSQL's statistics
// estimate well, so that its plan is that walk; with other conditions
// the plain plan may gather and sort instead.
func plainWalkCheaper(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, total int64) (bool, error) {
	if reach > d.PlainWalk || !plainOrders[q.OrderBy] {
		return false, nil
	}
	all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
	if err != nil {
		return false, err
	}
	return float64(reach)*float64(all) <= float64(d.PlainWalk)*float64(total), nil
}

// seek finds the day where the record at offset lies and returns the
// query restricted to that day on, with the offset left; false when q has
// no seek plan or the page starts in the first partial day.
func seek(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset int64) (fc.Query, int64, bool, error) {
	// No rollup with day buckets has a field with a trigram table, so the
	// day sums need no pickTrigrams.
	k, ok, err := PlanSeek(d, q)
	if err != nil || !ok {
		return q, offset, false, err
	}
	var before int64
	if k.First != nil {
		if err := run(ctx, *k.First, 1, func(v []int64) bool { before = v[0]; return false }); err != nil {
			return q, offset, false, fmt.Errorf("seek: %w", err)
		}
		if offset < before {
			return q, offset, false, nil
		}
	}
	var day int64
	found := false
	err = run(ctx, k.Days, 2, func(v []int64) bool {
		if before+v[1] > offset {
			day, found = v[0], true
			return false
		}
		before += v[1]
		return true
	})
	if err != nil {
		return q, offset, false, fmt.Errorf("seek: %w", err)
	}
	if found {
		return k.Cut(day), offset - before, true, nil
	}
	last, ok := k.Last()
	return last, offset - before, ok, nil
}

// Narrow adds to q the business ids its business-name conditions imply
// (ImpliedBusinesses): the same answers, but the per-business rollups and
// indexes then serve a name filter.
func Narrow(ctx context.Context, d Dialect, run RunInts, q fc.Query) (fc.Query, error) {
	st, ok, err := ImpliedBusinesses(d, q)
	if err != nil || !ok {
		return q, err
	}
	ids := []int64{}
	if err := run(ctx, st, 1, func(v []int64) bool { ids = append(ids, v[0]); return true }); err != nil {
		return q, fmt.Errorf("businesses: %w", err)
	}
	q.Conditions = append(q.Conditions[:len(q.Conditions):len(q.Conditions)], fc.In(fc.FieldBusinessID, ids...))
	return q, nil
}

// RunIntsOf adapts a transaction to RunInts, for both stores.
func RunIntsOf(tx Tx) RunInts {
	return func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
		rows, err := tx.Query(ctx, st.SQL, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		vals := make([]int64, width)
		dest := make([]any, width)
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if !row(vals) {
				return nil
			}
		}
		return rows.Err()
	}
}

// FindFailedCheckins returns the page q selects and the exact total, both
// from the one snapshot read gives: names narrowed to their businesses,
// exact totals from the rollups, deep pages by seek. An empty scope
// returns nothing without a query; a page past the end is empty but
// still carries the total.
func FindFailedCheckins(ctx context.Context, d Dialect, read ReadFunc, q fc.Query) (*fc.FailedCheckinPage, error) {
	page := &fc.FailedCheckinPage{Records: []*fc.FailedCheckin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	if _, err := BuildFind(d, q); err != nil {
		return nil, err // a bad field or filter, before any statement runs
	}
	err := read(ctx, func(tx Tx) error {
		run := RunIntsOf(tx)
		q, err := Narrow(ctx, d, run, q)
		if err != nil {
			return err
		}
		var sel *selection
		d := d
		if page.TotalItems, sel, d, err = countMatching(ctx, d, run, q); err != nil {
			return err
		}
		if q.Offset() >= page.TotalItems {
			return nil
		}
		st, err := planPage(ctx, d, run, q, page.TotalItems, sel)
		if err != nil {
			return err
		}
		page.Records, err = QueryFailedCheckins(ctx, d, tx, st.SQL, st.Args)
		if st.Reversed {
			slices.Reverse(page.Records)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// QueryFailedCheckins runs a query of SelectColumns and reads every row.
func QueryFailedCheckins(ctx context.Context, d Dialect, tx Tx, query string, args []any) ([]*fc.FailedCheckin, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	records := []*fc.FailedCheckin{}
	scanner := NewFailedCheckinScanner(d)
	for rows.Next() {
		r, err := scanner.Scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return records, nil
}
