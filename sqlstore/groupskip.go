package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// A deep page ordered by a field of few values (a Source, a tariff, a
// description, a location) is a page of a few large groups of equal
// values, each in id order. When a rollup without buckets keys that
// field and covers the search's conditions, its rows say exactly how many
// matches each group holds, so the page does not have to step over every
// earlier match: it starts at the group where it lies, with the offset
// left within it (the same idea as the seek by day, seek.go). Issue 17's
// r113: Source 2 by Description descending, 449,554 matches, offset
// 305,048 (144,502 from the ascending end): the page walked
// failed_checkins_description past every earlier match and the records of
// the other sources between them, 700 ms of CPU per request; the twelve
// descriptions' counts of Source 2 (fc_count_source_tariff_description)
// put the page 10,256 matches from the end of "no active plan", where the
// walk of the same index starts.
//
// The page is q with one more term, the order's value against the
// group's value ("description_fold >= v" ascending): every match before
// the group sorts before every match of it, so OFFSET within the cut is
// exactly OFFSET over all matches less the groups skipped. The value is
// written as a subquery of the rollup (the group's position among the
// rollup's values in the order), so the statements stay integer-only and
// the same snapshot gives both. A page that runs past the group's end
// goes on into the next groups within the same cut. The groups are
// walked from whichever end of the page's groups leaves fewer matches to
// step over: the page read backward from the end of the group holding
// its last record is the same records (the order is total), reversed.

// groupFields are the order fields whose groups are skipped: integer or
// text NOT NULL fields of few values that a rollup without buckets keys
// (6 sources, 31 tariffs, 12 descriptions and 200 locations in the 1M
// bench data; fc_count_source_tariff_description has 1,808 rows). Fields
// of many values (names, teams, MAC lists: 13,000 to 62,000 rollup rows)
// have small groups and a long list to read for each page; nullable
// fields have no rollup (their empty group: emptygroup.go).
var groupFields = map[fc.Field]bool{
	fc.FieldSource: true, fc.FieldTariff: true, fc.FieldDescription: true,
	fc.FieldBusinessID: true, fc.FieldBusinessName: true,
}

// groupRollup returns the first rollup of d's store without buckets that
// keys q's order field and covers q's scope and conditions.
func groupRollup(d Dialect, q fc.Query) (*Rollup, bool) {
	if !groupFields[q.OrderBy] {
		return nil, false
	}
	for _, r := range Rollups {
		if !r.usable(d) || r.Bucket != nil || r.Bounds != nil || r.Zone != nil {
			continue
		}
		if _, ok := r.table.columns[q.OrderBy]; ok && r.covers(q) {
			return r, true
		}
	}
	return nil, false
}

// groupKey is the column q's order sorts by (the folded copy of a text),
// in failed_checkins and in its rollups alike.
func groupKey(f fc.Field) (string, bool) {
	col, ok := columns(f)
	switch {
	case !ok:
		return "", false
	case col.kind == kindText:
		return col.fold, true
	case col.kind == kindInt:
		return col.name, true
	}
	return "", false
}

// group is one value of the order field: its matches (m) and all its
// records (n, which a walk of the order's index passes).
type group struct{ m, n int64 }

// groupPage returns the statement of the page of size records from
// offset on of q (total matches) that starts at the group where it lies,
// and whether it reads them in the reverse order; false when q's order
// has no group counts or the walk within the groups is expected to read
// more than the plans without them (see groupWorthIt).
func groupPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset, size, total int64) (Statement, bool, bool, error) {
	r, ok := groupRollup(d, q)
	key, kok := groupKey(q.OrderBy)
	if !ok || !kok || offset < SeekMinOffset || total <= 0 {
		return Statement{}, false, false, nil
	}
	// Every group of the rollup, ascending (the subquery below numbers
	// them the same way), with its matches and its records.
	a := &args{d: d, t: r.table}
	w, err := where(a, q)
	if err != nil {
		return Statement{}, false, false, err
	}
	matches := "n"
	if w != "" {
		matches = "CASE WHEN " + strings.TrimPrefix(w, " WHERE ") + " THEN n ELSE 0 END"
	}
	st := Statement{SQL: "SELECT coalesce(sum(" + matches + "), 0), sum(n) FROM " + r.Name + " GROUP BY " + key + " ORDER BY " + key, Args: a.vals}
	var groups []group
	if err := run(ctx, st, 2, func(v []int64) bool { groups = append(groups, group{v[0], v[1]}); return true }); err != nil {
		return Statement{}, false, false, fmt.Errorf("group counts: %w", err)
	}
	// Visit them in the page's order; the position of the i-th visited
	// group among the ascending ones is at(i).
	at := func(i int) int { return i }
	if q.Descending {
		at = func(i int) int { return len(groups) - 1 - i }
	}
	first, last := -1, -1         // visited positions of the page's first and last groups
	var firstStart, lastEnd int64 // matches before the first group, and up to the end of the last
	before, end := int64(0), offset+size
	if end > total {
		end = total
	}
	for i := range groups {
		g := groups[at(i)]
		if first < 0 && before+g.m > offset {
			first, firstStart = i, before
		}
		if before+g.m >= end {
			last, lastEnd = i, before+g.m
			break
		}
		before += g.m
	}
	if first < 0 || last < 0 {
		return Statement{}, false, false, nil // the counts do not reach the page: past the end
	}
	// Forward, the walk passes the matches of the first group before the
	// page; backward, those of the last group after it. Each match costs
	// about n / m entries of the order's index (and their records).
	fg, lg := groups[at(first)], groups[at(last)]
	forward := float64(offset-firstStart+size) * float64(fg.n) / float64(fg.m)
	backward := float64(lastEnd-offset) * float64(lg.n) / float64(lg.m)
	worth, err := groupWorthIt(ctx, d, run, min(forward, backward), offset+size, total)
	if err != nil || !worth {
		return Statement{}, false, false, err
	}
	cut, left, reversed := at(first), offset-firstStart, false
	if backward < forward {
		cut, left, reversed = at(last), lastEnd-end, true
		q.Descending = !q.Descending
		size = end - offset
	}
	// Ascending the cut keeps the group's value and those after it.
	op := " >= "
	if q.Descending {
		op = " <= "
	}
	cutTerm := seed{index: orderIndexOf(q.OrderBy), bound: -1, term: func(a *args) string {
		return key + op + "(SELECT " + key + " FROM " + r.Name + " GROUP BY " + key + " ORDER BY " + key + " LIMIT 1 OFFSET " + a.add(int64(cut)) + ")"
	}}
	f, err := failedCheckins.buildFind(d, q, "", &cutTerm)
	if err != nil {
		return Statement{}, false, false, err
	}
	return Statement{SQL: f.Page, Args: append(f.Args[:len(f.Args):len(f.Args)], size, left)}, reversed, true, nil
}

// orderIndexOf is f's orderIndex, which groupFields all have.
func orderIndexOf(f fc.Field) string {
	idx, _ := orderIndex(f)
	return idx
}

// groupWorthIt says whether a walk within the groups that reads about
// cost entries of the order's index costs no more than the plans without
// the group counts: walking the order from its start (about reach * all /
// total entries, the matches spread evenly: orderWalk's rule) or
// gathering every match and sorting them (total records). It is cheaper
// than the first unless the page's groups hold the matches more thinly
// than the rest (a rare Source by a description it seldom has); the
// second wins when the matches are few and that group large.
func groupWorthIt(ctx context.Context, d Dialect, run RunInts, cost float64, reach, total int64) (bool, error) {
	if cost <= float64(total) {
		return true, nil
	}
	all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
	if err != nil {
		return false, err
	}
	return cost*float64(total) <= float64(reach)*float64(all), nil
}

// zoneSkip returns q restricted to the Ids from the zone map's block
// where the match at offset lies (ordered by Id, or IsNew, whose order is
// the Id's), and the offset left within that block; false when q's order
// is another, its page is shallow, or fc_zone does not count q (pickZone:
// ranges, with conditions on one field of few values). The blocks are
// visited in the page's order, each counted like the zone map's count
// does (zonePlan.statements): a block inside every range from its own
// count (or its counts of the values that pass), a block a range cuts
// from its records, until the offset is reached; no block past it is
// read. Every match of an earlier block has a smaller Id (a larger one,
// descending), so the page is exactly OFFSET over all the matches. Issue
// 17's r049: 650,326 matches of an Id and a CreatedOn range by IsNew,
// 1,000 records from offset 350,000 (299,326 from the other end): the
// rowid walk tested the CreatedOn of every record before the page.
func zoneSkip(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset int64) (fc.Query, int64, bool, error) {
	if (q.OrderBy != fc.FieldID && q.OrderBy != fc.FieldIsNew) || offset < SeekMinOffset {
		return q, offset, false, nil
	}
	if !d.SortIndexHints {
		// SQLite only: the block count below is written with SQLite's NOT
		// INDEXED. PostgreSQL has zone maps too since its migration 0028
		// (merged beside this skip), but the skip was neither written nor
		// measured for its planner.
		return q, offset, false, nil
	}
	p, ok := pickZone(d, q)
	if !ok || p.r != zoneMap || p.names != nil {
		return q, offset, false, nil
	}
	a := &args{d: d, t: zoneMap.table}
	biz, err := where(a, p.where)
	if err != nil {
		return q, offset, false, err
	}
	inside := p.terms(a, true)
	if biz != "" {
		inside = append([]string{strings.TrimPrefix(biz, " WHERE ")}, inside...)
	}
	whole := "n"
	if p.values != nil {
		a.t = p.values.table
		vw, err := where(a, p.valueWhere)
		if err != nil {
			return q, offset, false, err
		}
		whole = "(SELECT coalesce(sum(n), 0) FROM " + p.values.Name + vw + " AND id_block = z.id_block)"
	}
	a.t = failedCheckins
	w, err := where(a, q)
	if err != nil {
		return q, offset, false, err
	}
	width := zoneMap.Bucket.Width
	block := fmt.Sprintf("id BETWEEN z.id_block * %d AND z.id_block * %d + %d - 1", width, width, width)
	if w == "" {
		w = " WHERE " + block
	} else {
		w += " AND " + block
	}
	a.t = zoneMap.table
	meets := p.terms(a, false)
	if biz != "" {
		meets = append([]string{strings.TrimPrefix(biz, " WHERE ")}, meets...)
	}
	dir := ""
	if q.Descending {
		dir = " DESC"
	}
	st := Statement{SQL: "SELECT id_block, CASE WHEN " + strings.Join(inside, " AND ") + " THEN " + whole +
		" ELSE (SELECT count(*) FROM failed_checkins NOT INDEXED" + w + ") END FROM " + zoneMap.Name + " AS z WHERE " +
		strings.Join(meets, " AND ") + " ORDER BY id_block" + dir, Args: a.vals}
	var before, at int64
	found := false
	if err := run(ctx, st, 2, func(v []int64) bool {
		if before+v[1] > offset {
			at, found = v[0], true
			return false
		}
		before += v[1]
		return true
	}); err != nil {
		return q, offset, false, fmt.Errorf("zone map blocks: %w", err)
	}
	if !found {
		return q, offset, false, nil
	}
	c := fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: at * width, Max: math.MaxInt64}
	if q.Descending {
		c.Min, c.Max = math.MinInt64, at*width+width-1
	}
	q.Conditions = append(slices.Clip(q.Conditions), c)
	return q, offset - before, true, nil
}
