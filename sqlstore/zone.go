package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// A zone map (issue 17) counts ranges of Id, CheckinAttemptTime, its local
// time, CreatedOn and UpdatedOn, in any combination, over every location
// (fc_zone) or some (fc_zone_business), without visiting each match. Its
// rows are blocks of Ids (Rollup.Bucket) with their record count and the
// smallest and largest value of each time field among the block's records
// (Rollup.Bounds). A record's times and Id grow together, so a range holds
// most blocks wholly, whose counts are summed, misses most of the others
// wholly, and cuts through a few, whose records are counted one by one.
// The count is exact whatever the data: the bounds hold every value of
// the block's records (they only widen), so a block whose bounds are inside
// every range has all its records inside, one whose bounds miss a range has
// none, and every other block is counted from its records. Where times and
// Ids do not grow together, most blocks are cut and the count walks the
// whole table; a day rollup then counts an attempt range it covers
// (zoneCutMax). On PostgreSQL the zone maps and their per-value counts
// are kept by triggers (migration 0028); the names' route below is
// SQLite's alone.
//
// A range combined with a condition on a field of few values (a Source, a
// tariff, a description: zoneValues) is counted the same way from the
// zone map's per-value counts (fc_zone_tariff, say: per block and tariff,
// the number of records): the rows inside every range sum the counts of
// the values that pass the condition, and the cut blocks' records are
// tested against the whole query. Those counts are exact rollups (an
// insert adds, a delete subtracts, a rewrite moves its record), so the sum
// is exact too.

// zonePlan is a zone map that counts a query: the ranges of the query per
// field, and the query's conditions on the location.
type zonePlan struct {
	r      *Rollup
	ranges map[fc.Field]span
	where  fc.Query // the scope and the BusinessId conditions
	// values, when q also tests one field of few values (a Source, a
	// tariff or a description), are the zone map's counts of that field's
	// values per row (zoneValues), and valueWhere those conditions with
	// the location's: the rows inside every range are summed from the
	// counts of the values that pass them.
	values     *Rollup
	valueWhere fc.Query
	// names, when q's other conditions are on the coworker's name and
	// each tests its folded copy alone (a substring, a list of names:
	// foldOnly), are those conditions. No table counts names per block
	// (13,046 names in 977 blocks would be about one row per record):
	// the records of the blocks inside every range are counted instead
	// through the name index, whose entries end with the Id, one seek
	// per matching name and a walk of its entries within the blocks'
	// Ids, reading no record (nameStatement). With complement, most
	// records hold the names (a needle of one letter): the blocks' sum
	// less the records of the other names is counted instead.
	names      []fc.Condition
	complement bool
}

// hasZone reports whether a zone map counts q (pickZone).
func hasZone(d Dialect, q fc.Query) bool {
	_, ok := pickZone(d, q)
	return ok
}

// pickZone returns the zone map that counts q: q has a range on the Id
// or a zone map's time fields (or, within locations, a value condition)
// and no other condition than those ranges, conditions on one field that
// zoneValues count and, for fc_zone_business, BusinessId lists (and its
// scope); a search over every location uses fc_zone. A narrow range is
// counted by the zone map too: a read of the zone map (about 1,000 rows of fc_zone at 1M
// records) and of the block or two it cuts, through the rowid (or the
// location's index), not much more than a plain count. A day
// rollup that also counts q may still be better (zonePlan.before,
// zoneCutMax).
func pickZone(d Dialect, q fc.Query) (zonePlan, bool) {
	if !zoneMap.usable(d) {
		return zonePlan{}, false
	}
	p := zonePlan{r: zoneMap, ranges: map[fc.Field]span{}, where: fc.Query{Scope: q.Scope}}
	var valued fc.Field // the field of the conditions other than ranges and locations
	if !q.Scope.All() {
		p.r = zoneBusinessMap
	}
	bounded := map[fc.Field]bool{fc.FieldID: true}
	for _, f := range zoneBounds {
		bounded[f] = true
	}
	for _, c := range q.Conditions {
		switch {
		case c.Field == fc.FieldID && c.Match == fc.MatchIntRange && c.Max == math.MaxInt64-1:
			// The span's exclusive bound would be Max+1, math.MaxInt64,
			// which a span reads as no bound: the block holding Id
			// math.MaxInt64 would be summed whole though q leaves that Id
			// out. Counted plainly.
			return zonePlan{}, false
		case bounded[c.Field] && (c.Match == fc.MatchTimeRange || (c.Field == fc.FieldID && c.Match == fc.MatchIntRange)):
			if _, ok := p.ranges[c.Field]; !ok {
				_, p.ranges[c.Field] = splitRange(q, c.Field)
			}
		case c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts:
			p.r = zoneBusinessMap
			p.where.Conditions = append(p.where.Conditions, c)
		case c.Field == fc.FieldIsNew && c.Match == fc.MatchInts:
			p.where.Conditions = append(p.where.Conditions, c)
		default:
			if valued != "" && c.Field != valued {
				return zonePlan{}, false // no table counts two fields' values
			}
			valued = c.Field
			p.valueWhere.Conditions = append(p.valueWhere.Conditions, c)
		}
	}
	if valued == fc.FieldCoworkerFullName && foldOnly(p.valueWhere.Conditions) {
		if len(p.ranges) == 0 {
			return zonePlan{}, false // the name rollups count names within locations
		}
		if !d.SortIndexHints {
			// PostgreSQL's name indexes do not end with the Id (0006),
			// which nameStatement walks within the blocks' Ids, and take
			// no INDEXED BY: its planner counts such a search plainly.
			return zonePlan{}, false
		}
		p.names, p.valueWhere = p.valueWhere.Conditions, fc.Query{}
	} else if valued != "" {
		if p.values = zoneValuesOf(p.r, valued); p.values == nil || !p.values.usable(d) {
			return zonePlan{}, false
		}
		// The value counts have the zone map's key (the location too),
		// and IsNew: they take its conditions as well.
		p.valueWhere.Scope = p.where.Scope
		p.valueWhere.Conditions = append(p.valueWhere.Conditions, p.where.Conditions...)
	}
	if len(p.ranges) == 0 && p.values == nil {
		return zonePlan{}, false
	}
	for _, s := range p.ranges {
		if !s.sane() {
			return zonePlan{}, false
		}
	}
	return p, true
}

// foldOnly says whether every condition of cs selects names by their
// folded copy alone (a substring or a list of names): the names that pass
// are then a set of folded names, which the name indexes seek on.
func foldOnly(cs []fc.Condition) bool {
	for _, c := range cs {
		if c.Match != fc.MatchContains && c.Match != fc.MatchEqualFold {
			return false
		}
	}
	return true
}

// before reports whether z may count a query better than the rollup plan
// p that also covers it (the decision then rests on zoneCutMax): fc_zone,
// every location's, sums about one row per 1,024 records, where a day
// rollup keyed by location sums one per location and day (r129, a range
// of 680,000 attempts: 23 ms in fc_count_business_day's 73,000 rows). A
// range within one day, which p counts plainly from a few records, stays
// p's.
func (z zonePlan) before(p rollupPlan) bool {
	if z.r != zoneMap || p.r.Bucket == nil || !p.s.sane() {
		return false
	}
	blo, bhi := p.s.inner(p.r.Bucket.Width)
	return p.s.open() || blo < bhi
}

// zoneCutMax is the most blocks a range may cut for fc_zone to count it
// when a day rollup could too. Every cut block costs a read of its 1,024
// records (about 0.25 ms); where Ids do not follow attempt times (a CSV
// grouped by location, a shuffled historical import) a range cuts every
// block and fc_zone walks the whole table: 218-288 ms for 465,236 of
// 1M records over 170 days, where fc_count_business_day's sum took
// 25-39 ms. 64 blocks (about 16 ms) keeps fc_zone below that sum where
// times and Ids grow together, when a range cuts a few blocks at each end.
const zoneCutMax = 64

// cutStatement returns the count of the blocks of z's table that its
// ranges cut: one read of the zone map (about 1,000 rows of fc_zone at 1M
// records), which tells what counting z would cost before doing it.
func (p zonePlan) cutStatement(d Dialect) (Statement, error) {
	a := &args{d: d, t: p.r.table}
	outer, err := p.cutTerms(a)
	if err != nil {
		return Statement{}, err
	}
	return Statement{"SELECT count(*) FROM " + p.r.Name + " AS z WHERE " + strings.Join(outer, " AND "), a.vals}, nil
}

// cutTerms returns the terms selecting the rows of z's table that its
// ranges cut (neither wholly inside every range nor wholly outside one),
// within its location conditions.
func (p zonePlan) cutTerms(a *args) ([]string, error) {
	biz, err := where(a, p.where)
	if err != nil {
		return nil, err
	}
	outer := p.terms(a, false)
	outer = append(outer, "NOT ("+strings.Join(p.terms(a, true), " AND ")+")")
	if biz != "" {
		outer = append([]string{strings.TrimPrefix(biz, " WHERE ")}, outer...)
	}
	return outer, nil
}

// statements returns the two counts whose sum is q's: the blocks inside
// every range, summed (their counts of the values that pass q's value
// conditions, with p.values); and the records of q in the blocks that
// are cut by a range (neither wholly inside every range nor wholly outside one),
// counted block by block through the table's rowid (fc_zone) or the
// location's index (fc_zone_business).
func (p zonePlan) statements(d Dialect, q fc.Query) ([]Statement, error) {
	a := &args{d: d, t: p.r.table}
	biz, err := where(a, p.where)
	if err != nil {
		return nil, err
	}
	terms := p.terms(a, true)
	if biz != "" {
		terms = append([]string{strings.TrimPrefix(biz, " WHERE ")}, terms...)
	}
	sum := Statement{"SELECT coalesce(sum(n), 0) FROM " + p.r.Name + " WHERE " + strings.Join(terms, " AND "), a.vals}
	var names Statement
	if p.names != nil {
		if names, err = p.nameStatement(d); err != nil {
			return nil, err
		}
	}
	if p.values != nil {
		// The matching values' counts of the blocks inside every range.
		// "+id_block": SQLite walks each matching value's rows and tests
		// the block against the list of blocks inside, instead of one
		// seek per value and block (about 2 against 4 ms for 17 tariffs
		// over 655 blocks).
		v := &args{d: d, t: p.values.table}
		vw, err := where(v, p.valueWhere)
		if err != nil {
			return nil, err
		}
		v.t = p.r.table
		zw, err := where(v, p.where)
		if err != nil {
			return nil, err
		}
		inner := p.terms(v, true)
		if zw != "" {
			inner = append([]string{strings.TrimPrefix(zw, " WHERE ")}, inner...)
		}
		key := "+id_block"
		if p.r == zoneBusinessMap {
			// A few locations' rows: one seek per location, value and
			// block (0.24 ms for three locations, r009).
			key = "(business_id, id_block)"
		}
		sum = Statement{"SELECT coalesce(sum(n), 0) FROM " + p.values.Name + vw + " AND " + key + " IN (SELECT " +
			strings.Trim(key, "+()") + " FROM " + p.r.Name + " WHERE " + strings.Join(inner, " AND ") + ")", v.vals}
	}

	// The records of the cut blocks: one count per block, in a subquery
	// whose unqualified columns are the record's.
	b := &args{d: d, t: failedCheckins}
	w, err := where(b, q)
	if err != nil {
		return nil, err
	}
	width := strconv.FormatInt(p.r.Bucket.Width, 10)
	block := "id BETWEEN z.id_block * " + width + " AND z.id_block * " + width + " + " + width + " - 1"
	index := "" // the rowid
	if p.r == zoneBusinessMap {
		block += " AND business_id = z.business_id"
		index = "failed_checkins_business"
	}
	from := "failed_checkins"
	if d.SortIndexHints {
		// SQLite would take any index a condition of q can use; PostgreSQL's
		// statistics find the primary key's (or failed_checkins_business's,
		// (business_id, id)) range of the block themselves.
		from += hint(index)
	}
	if w == "" {
		w = " WHERE " + block
	} else {
		w += " AND " + block
	}
	b.t = p.r.table
	outer, err := p.cutTerms(b)
	if err != nil {
		return nil, err
	}
	cut := Statement{"SELECT coalesce(sum((SELECT count(*) FROM " + from + w + ")), 0) FROM " + p.r.Name + " AS z WHERE " +
		strings.Join(outer, " AND "), b.vals}
	switch {
	case p.names != nil && p.complement:
		return []Statement{sum, names, cut}, nil
	case p.names != nil:
		return []Statement{names, cut}, nil
	}
	return []Statement{sum, cut}, nil
}

// nameStatement counts the records of p.names (with p.complement, minus
// the records of the other names) in the blocks inside every range of p,
// from the entries of a name index alone: failed_checkins_name's
// (folded name, id) over every location, failed_checkins_business_name's
// (business, folded name, id) within locations. The names are listed
// from the dictionary (fc_count_name, or the locations' own names in
// fc_count_business_name), and each one's entries are walked within the
// Ids of the first and last inside block. Blocks between them that are
// not inside (cut, or outside a range) are left out by a test of each
// entry's block against the inside ones; over every location that test
// is skipped when the inside blocks follow each other (the usual case:
// times and Ids grow together), which SQLite's OR does not evaluate
// further once its first operand holds. Issue 17's r180, a name holding
// "k" before a CreatedOn: 130,290 entries, about 10 ms, where counting
// the records read 696,000 of them in 760.
func (p zonePlan) nameStatement(d Dialect) (Statement, error) {
	a := &args{d: d}
	// test is the names' test on a dictionary's row; like inside, it adds
	// its arguments where it is written.
	test := func() (string, error) {
		a.t = nameRollup.table // on either dictionary: see nameShare
		nw, err := where(a, fc.Query{Scope: fc.AllBusinesses(), Conditions: p.names})
		if err != nil {
			return "", err
		}
		if p.complement {
			return "NOT (" + strings.TrimPrefix(nw, " WHERE ") + ")", nil
		}
		return strings.TrimPrefix(nw, " WHERE "), nil
	}
	width := strconv.FormatInt(p.r.Bucket.Width, 10)
	// inside is the WHERE of the zone map's rows inside every range, with
	// their locations; each use adds its arguments again.
	inside := func() (string, error) {
		zw, err := where(a, p.where)
		if err != nil {
			return "", err
		}
		terms := p.terms(a, true)
		if zw != "" {
			terms = append([]string{strings.TrimPrefix(zw, " WHERE ")}, terms...)
		}
		return " WHERE " + strings.Join(terms, " AND "), nil
	}
	sign := ""
	if p.complement {
		sign = "-"
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + sign + "count(*) FROM failed_checkins INDEXED BY ")
	if p.r == zoneBusinessMap {
		a.t = p.r.table
		in, err := inside()
		if err != nil {
			return Statement{}, err
		}
		sb.WriteString("failed_checkins_business_name WHERE business_id IN (SELECT business_id FROM " + p.r.Name + in + ")")
		a.t = businessNameRollup.table
		bw, err := where(a, p.where)
		if err != nil {
			return Statement{}, err
		}
		if bw == "" {
			bw = " WHERE TRUE"
		}
		t, err := test()
		if err != nil {
			return Statement{}, err
		}
		sb.WriteString(" AND coworker_full_name_fold IN (SELECT coworker_full_name_fold FROM " + businessNameRollup.Name + bw + " AND " + t + ")")
	} else {
		t, err := test()
		if err != nil {
			return Statement{}, err
		}
		sb.WriteString("failed_checkins_name WHERE coworker_full_name_fold IN (SELECT coworker_full_name_fold FROM " + nameRollup.Name + " WHERE " + t + ")")
	}
	a.t = p.r.table
	in, err := inside()
	if err != nil {
		return Statement{}, err
	}
	sb.WriteString(" AND id BETWEEN (SELECT coalesce(min(id_block), 0) * " + width + " FROM " + p.r.Name + in + ")")
	if in, err = inside(); err != nil {
		return Statement{}, err
	}
	sb.WriteString(" AND (SELECT coalesce(max(id_block), -1) * " + width + " + " + width + " - 1 FROM " + p.r.Name + in + ")")
	if p.r == zoneBusinessMap {
		if in, err = inside(); err != nil {
			return Statement{}, err
		}
		sb.WriteString(" AND (business_id, id / " + width + ") IN (SELECT business_id, id_block FROM " + p.r.Name + in + ")")
	} else {
		if in, err = inside(); err != nil {
			return Statement{}, err
		}
		sb.WriteString(" AND ((SELECT coalesce(max(id_block) - min(id_block) + 1, 0) = count(*) FROM " + p.r.Name + in + ")")
		if in, err = inside(); err != nil {
			return Statement{}, err
		}
		sb.WriteString(" OR id / " + width + " IN (SELECT id_block FROM " + p.r.Name + in + "))")
	}
	return Statement{sb.String(), a.vals}, nil
}

// nameShare returns the statement of p's dictionary of names
// (fc_count_name, or its locations' rows of fc_count_business_name) read
// as nameShares: the records whose names pass p.names and all of them
// (when most pass, complement, the other names' records are fewer to
// count), and the rows of each, which are the name index's seeks.
func (p zonePlan) nameShare(d Dialect) (Statement, error) {
	dict := nameRollup
	if p.r == zoneBusinessMap {
		dict = businessNameRollup
	}
	// The names' test is written for fc_count_name even when the rows
	// read are fc_count_business_name's (also in nameStatement): both
	// carry failed_checkins' name columns, so the plain test reads the
	// same there, where a.t = businessNameRollup.table would wrap it in
	// "coworker_full_name IN (SELECT ... FROM fc_count_name WHERE test)"
	// (dictionaryTerm), a second read of the dictionary per row.
	a := &args{d: d, t: nameRollup.table}
	nw, err := where(a, fc.Query{Scope: fc.AllBusinesses(), Conditions: p.names})
	if err != nil {
		return Statement{}, err
	}
	// The test is evaluated once per row (m), each name's a substring
	// test: 13,046 of them at 1M records.
	sql := "SELECT coalesce(sum(m * n), 0), coalesce(sum(n), 0), coalesce(sum(m), 0), count(*) FROM (SELECT n, (" + strings.TrimPrefix(nw, " WHERE ") + ") AS m FROM " + dict.Name
	if dict == businessNameRollup {
		a.t = dict.table
		bw, err := where(a, p.where)
		if err != nil {
			return Statement{}, err
		}
		sql += bw
	}
	return Statement{sql + ")", a.vals}, nil
}

// nameShares is what nameShare reads: the records whose names pass and
// all of them, and the dictionary's rows of each.
type nameShares struct{ match, all, matchRows, rows int64 }

// readNameShares runs p's nameShare.
func (p zonePlan) readNameShares(ctx context.Context, d Dialect, run RunInts) (nameShares, error) {
	st, err := p.nameShare(d)
	if err != nil {
		return nameShares{}, err
	}
	var s nameShares
	if err := run(ctx, st, 4, func(v []int64) bool { s = nameShares{v[0], v[1], v[2], v[3]}; return false }); err != nil {
		return nameShares{}, fmt.Errorf("names' share: %w", err)
	}
	return s, nil
}

// complement says whether most records hold the names (zonePlan.complement).
func (s nameShares) complement() bool { return 2*s.match > s.all }

// seeks is the number of seeks of the name index nameStatement makes:
// one per dictionary row it counts (a name, or within locations a
// location's name).
func (s nameShares) seeks() int64 {
	if s.complement() {
		return s.rows - s.matchRows
	}
	return s.matchRows
}

// nameSeekCost is how many records of a range a plain count (or a
// driver's walk) reads in the time of one seek of a name index with the
// walk of its entries (nameStatement). Measured on the 1M bench database
// (docs/benchmarks.md, "Names beside narrow ranges"): a plain count of
// 2 days' 2,740 records holding "an" took about 1.5 ms where the 2,895
// names' seeks took about 7.5 (2.5 us a seek, 0.55 us a record); the two
// meet near 10 days (13,700 records), about 4.7 records a seek.
const nameSeekCost = 4

// nameChoice is whether the name indexes count q's zone plan, read once
// per search (chooseNames) and passed from countMatching to PlanCount.
type nameChoice struct {
	shares nameShares
	// plain: the records the ranges may hold are at most nameSeekCost
	// per seek, so the count reads them (or a driver's) as it did before
	// the name route.
	plain bool
}

// chooseNames reads p's names' shares and the records of the zone map's
// rows that meet every range (a bound on the range's records), and
// chooses the plain count when those are few against the seeks: the
// name route's cost grows with the names (one seek each, 2,895 for
// "an"), the plain count's with the range (issue 17 review: 2 days and
// "an", 1.3-1.9 ms plainly, 6.4-7.6 through the names; 365 days,
// 58-512 ms plainly, 12-89 through the names).
func (p zonePlan) chooseNames(ctx context.Context, d Dialect, run RunInts) (nameChoice, error) {
	s, err := p.readNameShares(ctx, d, run)
	if err != nil {
		return nameChoice{}, err
	}
	a := &args{d: d, t: p.r.table}
	biz, err := where(a, p.where)
	if err != nil {
		return nameChoice{}, err
	}
	terms := p.terms(a, false)
	if biz != "" {
		terms = append([]string{strings.TrimPrefix(biz, " WHERE ")}, terms...)
	}
	st := Statement{"SELECT coalesce(sum(n), 0) FROM " + p.r.Name + " WHERE " + strings.Join(terms, " AND "), a.vals}
	var records int64
	if err := run(ctx, st, 1, func(v []int64) bool { records = v[0]; return false }); err != nil {
		return nameChoice{}, fmt.Errorf("zone map's records: %w", err)
	}
	return nameChoice{shares: s, plain: records <= nameSeekCost*s.seeks()}, nil
}

// fewNames says whether p.names surely select few names: a substring
// with a trigram picked (at most maxTrigramValues names under it) or a
// list of names. Their share is then not read (nameShare).
func (p zonePlan) fewNames(d Dialect) bool {
	for _, c := range p.names {
		if c.Match == fc.MatchEqualFold {
			return true
		}
		if len(c.Strings) == 1 {
			if _, ok := d.picked[trigramKey{c.Field, fc.Fold(c.Strings[0])}]; ok {
				return true
			}
		}
	}
	return false
}

// terms returns, for every range, the test that a block lies wholly inside
// it (inside), or else the test that it may hold a record inside it.
func (p zonePlan) terms(a *args, inside bool) []string {
	var out []string
	term := func(in, meets string, v int64) {
		if inside {
			out = append(out, in+a.add(v))
		} else {
			out = append(out, meets+a.add(v))
		}
	}
	for _, f := range append([]fc.Field{fc.FieldID}, zoneBounds...) {
		s, ok := p.ranges[f]
		if !ok {
			continue
		}
		if f == fc.FieldID {
			w := p.r.Bucket.Width
			if s.lo != math.MinInt64 {
				if inside {
					term("id_block >= ", "", -floorDiv(-s.lo, w))
				} else {
					term("", "id_block >= ", floorDiv(s.lo, w))
				}
			}
			if s.hi != math.MaxInt64 {
				if inside {
					term("id_block < ", "", floorDiv(s.hi, w))
				} else {
					term("", "id_block <= ", floorDiv(s.hi-1, w))
				}
			}
			continue
		}
		c := columnTable[f].name
		if s.lo != math.MinInt64 {
			term(c+"_min >= ", c+"_max >= ", s.lo)
		}
		if s.hi != math.MaxInt64 {
			term(c+"_max < ", c+"_min < ", s.hi)
		}
	}
	if len(out) == 0 { // only open ranges: every block is inside, and may hold one
		out = append(out, "TRUE")
	}
	return out
}

// zoneValuesOf returns the per-value counts of zone map z's rows that
// hold field f, or nil.
func zoneValuesOf(z *Rollup, f fc.Field) *Rollup {
	for _, v := range zoneValues {
		if v.Zone == z && v.Fields[len(v.Fields)-1] == f {
			return v
		}
	}
	return nil
}

// zonesResolvedSQL are the resolvedSQL of the zone maps.
var zonesResolvedSQL = []string{zoneMap.resolvedSQL(), zoneBusinessMap.resolvedSQL()}

// resolvedSQL widens the UpdatedOn bounds of zone map z to take in the
// refusals ResolveSQL just resolved: their UpdatedOn is now the
// resolution's time ($1), and they are the only records whose
// resolved_by_checkin_id is the check-in's Id ($2). $3 to $6 are
// ResolveSQL's.
func (z *Rollup) resolvedSQL() string {
	width := strconv.FormatInt(z.Bucket.Width, 10)
	key, sel := "id_block", "id / "+width
	if z == zoneBusinessMap {
		key, sel = "(business_id, id_block)", "business_id, id / "+width
	}
	return `UPDATE ` + z.Name + ` SET updated_on_min = min(updated_on_min, $1), updated_on_max = max(updated_on_max, $1)
		WHERE ` + key + ` IN (SELECT ` + sel + ` FROM failed_checkins WHERE resolved_by_checkin_id = $2 AND coworker_id = $3
		AND business_id = $4 AND checkin_attempt_time >= $5 AND checkin_attempt_time <= $6)`
}

// zoneIDs returns the Ids a page of q may find its matches among, by q's
// ranges of the zone map's time fields (and Id): the blocks of fc_zone
// whose bounds meet every range hold every match, so "id BETWEEN lo AND
// hi" over the first and last of them is implied by q, and a page may
// test it too without changing its records. A walk of an index tests it
// on the entries (each ends with the id) before it reads a record, and
// SQLite's own plan may read the rowid range instead of the whole table
// (issue 17's r183: 56,643 records of an UpdatedOn range by teams, its
// matches in 56 blocks of 977; r129: an attempt range by SystemId, an
// order whose first 320,000 entries are all before the range). ok is
// false when q has no such time range, or the blocks span more than three
// quarters of the table, where the term would skip little. On PostgreSQL
// only the bound of the order's values is asked (pageStatement).
//
// Ordered by CreatedOn or CheckinAttemptTime, whose indexes SQLite's plan
// seeks, the page may also test the range of the order's values those
// blocks hold (order, when ordered): its plan then walks that stretch of
// the order instead of sorting the Ids' range (r079: 168,637 matches of an
// UpdatedOn range, the first 6 by CreatedOn).
func zoneIDs(ctx context.Context, d Dialect, run RunInts, q fc.Query) (lo, hi int64, order fc.Condition, ordered, ok bool, err error) {
	if !zoneMap.usable(d) {
		return 0, 0, order, false, false, nil
	}
	p := zonePlan{r: zoneMap, ranges: map[fc.Field]span{}}
	timed := false
	for _, c := range q.Conditions {
		if c.Match == fc.MatchTimeRange && slices.Contains(zoneBounds, c.Field) {
			timed = true
		} else if c.Field != fc.FieldID || c.Match != fc.MatchIntRange {
			continue
		}
		if _, seen := p.ranges[c.Field]; !seen {
			_, p.ranges[c.Field] = splitRange(q, c.Field)
		}
	}
	if !timed {
		return 0, 0, order, false, false, nil
	}
	for _, s := range p.ranges {
		if !s.sane() {
			return 0, 0, order, false, false, nil
		}
	}
	ordered = q.OrderBy == fc.FieldCreatedOn || q.OrderBy == fc.FieldCheckinAttemptTime
	bounds := "0, -1"
	if ordered {
		c := columnTable[q.OrderBy].name
		bounds = "coalesce(min(" + c + "_min), 0), coalesce(max(" + c + "_max), -1)"
	}
	a := &args{d: d, t: zoneMap.table}
	st := Statement{SQL: "SELECT coalesce(min(id_block), 0), coalesce(max(id_block), -1), (SELECT coalesce(max(id_block) - min(id_block) + 1, 0) FROM " +
		zoneMap.Name + "), " + bounds + " FROM " + zoneMap.Name + " AS z WHERE " + strings.Join(p.terms(a, false), " AND ")}
	st.Args = a.vals
	var blo, bhi, all, olo, ohi int64
	if err := run(ctx, st, 5, func(v []int64) bool { blo, bhi, all, olo, ohi = v[0], v[1], v[2], v[3], v[4]; return false }); err != nil {
		return 0, 0, order, false, false, fmt.Errorf("bound the ids by the zone map: %w", err)
	}
	if 4*(bhi-blo+1) > 3*all {
		return 0, 0, order, false, false, nil
	}
	if ordered {
		// The blocks' bounds are whole seconds, the smallest rounded down
		// and the largest up (PostgreSQL's records keep microseconds):
		// every order value is in [olo, ohi+1).
		order = fc.TimeRange(q.OrderBy, time.Unix(olo, 0).UTC(), time.Unix(ohi+1, 0).UTC())
	}
	w := zoneMap.Bucket.Width
	return blo * w, bhi*w + w - 1, order, ordered, true, nil
}

// maxSpan is the most Ids a page's span of zone map blocks (spanPage) may
// hold for the page to read it through the rowid: it is also what each
// index probe of a range may read (index entries alone, about 0.05 us
// each), so the choice costs at most a few ms where SQLite's own pick
// could cost the whole table.
const maxSpan = 16 * 1024

// spanPage makes the choice of a SQLite page of q over every location
// whose only terms SQLite's own plan can seek are ranges the zone map
// bounds (CheckinAttemptTime, its local time, CreatedOn, and Id), on two
// fields or more, when no driver serves the page and the order's index
// is not walked (orderWalk, boundedOrder): SQLite, which has no
// statistics, picks the index of one range, or walks its order's index,
// by the text of the statement alone, and what that costs grows with the
// table (the probes that pick a driver stop at probeCap entries, so at
// 10M records a day of attempts is no driver where at 1M it was). Issue 17's
// r074 at 10M records: a day of attempts (17,000 records, past
// probeCap, so no driver) and two months of local times, 1,437 matches,
// by Description: SQLite walked the Description index through all 10M
// entries (568 ms; at 1M the day drove the page: 1.1 ms).
//
// The zone map's blocks that meet every range (zoneIDs) hold every
// match; their Ids, a span of at most maxSpan, are compared with what
// each native range's index holds, counted up to the span's size (a
// probe of the index alone). The page reads the smallest exactly
// counted: the span through the rowid (walk "NOT INDEXED", with the
// span's Id range and, ordered by CreatedOn or the attempt time, the
// order's bound, as zoneIDs gives them), or a range's index (INDEXED
// BY) when it holds fewer entries than the span. Either is at most what
// any index SQLite could pick reads, and less than the order's walk
// would read to reach the page (about reach * all / total entries); ok
// is false when neither holds, and the plan is left to SQLite.
func spanPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, reach, total int64) (fc.Query, string, bool, error) {
	if !d.SortIndexHints || !q.Scope.All() || total <= 0 || total > maxSpan {
		return q, "", false, nil // the span holds every match
	}
	var ranges []seed
	fields := map[fc.Field]bool{}
	for _, c := range q.Conditions {
		s, ok := seedOf(d, c)
		if !ok || !s.native {
			continue
		}
		switch {
		case c.Match == fc.MatchTimeRange && slices.Contains(zoneBounds, c.Field):
			ranges = append(ranges, s)
		case c.Field == fc.FieldID && c.Match == fc.MatchIntRange:
		default:
			return q, "", false, nil // a term the zone map does not bound
		}
		fields[c.Field] = true
	}
	if len(ranges) == 0 || len(fields) < 2 {
		// One range: SQLite's plan seeks its index, which the span,
		// cut from the same range, would not beat by much.
		return q, "", false, nil
	}
	lo, hi, order, ordered, ok, err := zoneIDs(ctx, d, run, q)
	if err != nil || !ok {
		return q, "", false, err
	}
	span := hi - lo + 1
	if span > maxSpan {
		return q, "", false, nil
	}
	all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
	if err != nil {
		return q, "", false, err
	}
	if float64(span)*float64(total) > float64(reach)*float64(all) {
		return q, "", false, nil // the order's walk may reach the page sooner
	}
	walk, best := hint(""), span
	for i := range ranges {
		var n int64
		if err := run(ctx, probe(d, &ranges[i], best+1), 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
			return q, "", false, fmt.Errorf("probe a range: %w", err)
		}
		if n < best {
			walk, best = hint(ranges[i].index), n
		}
	}
	q.Conditions = append(slices.Clip(q.Conditions), fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: lo, Max: hi})
	if ordered {
		q.Conditions = append(q.Conditions, order)
	}
	return q, walk, true, nil
}
