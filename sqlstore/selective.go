package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// A search that no rollup counts is counted from its records, and SQLite,
// which has no statistics, gathers them through whichever index one of
// its terms can use, or scans the table: issue 17's random shapes spent
// 0.1-4.8 s counting conjunctions such as "UpdatedBy contains X" or
// "SystemId is X" (columns no record of the bench data fills) with a
// substring of every location's name, because the terms on the columns of
// migration 0014's indexes are written so that no index serves them
// (condition's "+column") and a substring has no index at all.
//
// The plan here looks at each condition alone first. Most conditions
// imply a term an index can serve (a seed): a substring of a dictionary
// field implies "folded value IN (the dictionary's values that hold it)",
// a substring of any text implies "folded value > ''", an exact value its
// folded value, a time range itself. How many records pass a seed is
// known exactly and cheaply for some (the dictionaries and the business
// and source rollups hold the counts; an Id list or range bounds its own
// size) and probed for the others by counting its index entries, up to a
// cap (probeCap). A seed that no record passes answers 0 without reading a record.
// Otherwise, on SQLite, the count (and a page of few matches) walks the
// index of the seed that the fewest records pass, testing every
// condition on each: the seed is only added, every condition stays, so
// the answer is the plain statement's. A seed SQLite's own plan could
// use as well is forced too, unless that plan may seek a two-column index
// (a scope with a time or creation range or a name substring, or a
// CoworkerId list, the API's null included: not MatchNull) and more than
// enough records pass it. When the driver has few records
// (maxListDrive) the count lists the ids of the matches, and a page of at
// most maxListed matches reads them by id and sorts them, so the walk is
// made once. When no seed is small enough and
// SQLite's plan would scan the table, a substring of a field with no
// dictionary (UpdatedBy, SystemId) is tested on the entries of the
// field's index in one walk, which lists the records holding it
// (seed.list); a short list becomes the seed "id IN (...)". A substring
// of the MAC addresses is listed through their dictionary first
// (fc_count_mac, seed.listShort).

// seed is a term implied by one condition of a query (or by its scope)
// that an index can serve.
type seed struct {
	// index is the SQLite index the term seeks ("" for the rowid: Id).
	index string
	// term writes the SQL term on failed_checkins with its arguments.
	term func(a *args) string
	// exact, when set, is the statement reading how many records pass
	// the term (or a bound above it); otherwise the term's index entries
	// are counted up to a cap (probe).
	exact *Statement
	// bound is a known upper bound of the records passing the term
	// (an Id list or range), used without any statement; -1 when none.
	bound int64
	// native says SQLite's own plan of the plain statement can use the
	// term's index already (a term not written "+column").
	native bool
	// costly marks an exact count that reads a large dictionary (every
	// team combination, every MAC address list (6-8 ms), or names
	// without a picked trigram: 1-2 ms):
	// it is read last, and not at all once a seed is small enough.
	costly bool
	// narrowed marks a dictionary's substring whose values are found
	// under a piece of the needle (pickTrigrams): its exact count costs a
	// fraction of a ms even where costly says it is read last.
	narrowed bool
	// composite marks the conditions that SQLite's own plan combines
	// with a scope or BusinessId list in a two-column index (business
	// and time, creation or name): see planSelection.
	composite bool
	// business marks the seed of a scope or BusinessId list.
	business bool
	// covering marks a term whose index holds every column it tests
	// (businessTeamsSeed): its probe reads no record, so it counts up to
	// the most records a driver may have (all/drivenShare) instead of
	// probeCap, and its count is exact below that. Beside SQLite's own
	// two-column seek it is probed only up to enough, as a native seed.
	covering bool
	// listed, when set, lists the ids of the records passing the
	// condition (up to maxListed + 1; its last argument is that limit)
	// with one walk of the index: read when the probe of the term passed
	// its cap and no other seed is a driver (see seed.list). With exact
	// (a MAC substring, through its dictionary) it is read before the
	// exact count, which is read only when it lists more (listShort).
	listed *Statement
}

const (
	// enough is the most records a driver whose index SQLite's own plan
	// could use as well (native) may have to be forced when that plan
	// may seek a two-column index (see planSelection's twoColumn), which
	// may be better; at most this many lookups cannot cost much.
	enough = 500
	// shortWalk is the number of index entries below which a page that
	// a rollup counted is not planned here: walking the order finds its
	// records sooner than the plan's statements would cost.
	shortWalk = 2000
	// probeCap is the most index entries a probe of one seed counts: a
	// probe of 10,000 cost about 1 ms of index-only reading on the 1M
	// bench database, too much to spend on a search that SQLite's plan
	// answers in 1-3 ms anyway; a seed passed by more is not a driver
	// for this plan. A seed SQLite's own plan could use is probed only
	// up to enough + 1 when that plan may seek a two-column index:
	// beyond it, it would not be forced (planSelection).
	probeCap = 2000
	// drivenShare: the count walks its best seed's index when at most one
	// record in drivenShare passes the seed. Each candidate costs a
	// lookup of its row, a scan reads the rows in order: measured on the
	// 1M bench database, 10,776 lookups took 104 ms where the scan of
	// 1M rows took 406 ms, and 60,817 lookups 639 ms against 325 ms.
	drivenShare = 32
	// maxListed is the most ids a seed's walk may list (seed.listed),
	// or a driven count (drivenList): the API's own bound on an Id list.
	maxListed = 1000
	// maxListDrive is the most records a driver may have for its count
	// to list the matches' ids (drivenList) instead of counting them:
	// the window count keeps every match until the walk ends, about
	// 0.3 us a match on this machine where a lookup of a candidate's
	// row costs 0.6-3 (490,000 matches of a Source: 0.19-0.35 s counted,
	// 0.31-0.59 s listed), so with at most this many candidates the
	// extra cost stays a few ms when the matches are many after all.
	maxListDrive = 16 * maxListed
)

// selection is the plan of a search no rollup counts: zero when a seed
// no record passes settles its count (0), otherwise driver, the seed the
// count and small pages walk (nil: the plain statements), passed by
// driverN records (or fewer: a bound).
type selection struct {
	zero    bool
	driver  *seed
	driverN int64
	all     int64 // records in the table
	// listOnly marks a driver that only the count walks (a scope or
	// BusinessId list: see planSelection); a page uses the ids it lists,
	// never the driver itself.
	listOnly bool
	// ids are, when the count walked the driver and found at most
	// maxListed matches, the ids of every match in ascending order
	// (drivenList): the page reads them and sorts them; in the Id's
	// order (idOrdered), up to maxListDrive.
	ids []int64
	// paged, on a page's driver (drivenPage), says its ids are the page's
	// own: the page reads them from the first.
	paged bool
}

// planSelection returns the plan of q, or nil when q has no seed worth
// looking at: no condition implies one, or only one does and SQLite's
// own plan would use it anyway.
func planSelection(ctx context.Context, d Dialect, run RunInts, q fc.Query, all int64) (*selection, error) {
	seeds := seedsOf(d, q)
	if len(seeds) == 0 || (len(seeds) == 1 && seeds[0].native) {
		return nil, nil
	}
	if all < 0 {
		var err error
		if all, err = CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()}); err != nil {
			return nil, err
		}
	}
	sel := &selection{all: all, driverN: -1}
	consider := func(s *seed, n int64) bool {
		if n == 0 {
			sel.zero = true
			return true
		}
		if sel.driverN < 0 || n < sel.driverN {
			sel.driver, sel.driverN = s, n
		}
		return false
	}
	// Without index hints (PostgreSQL, which plans with its statistics)
	// no driver is ever walked: only a zero answer is of use, so a probe
	// asks whether one entry exists (review finding: up to 2,000 entries
	// probed per seed for nothing). The costly sums are still read: on
	// PostgreSQL they are the only cheap zero answer for a substring of
	// the teams, which no trigram index serves (second review).
	zeroOnly := !d.SortIndexHints
	// SQLite's own plan may seek a two-column index (compositeSeek,
	// coworkerSeek) that a driver its plan could use as well (native)
	// would not beat beyond enough records; otherwise its plan reads one
	// single-column index, which for the terms a seed stands for is the
	// seed's own, and picks it without statistics: issue 17's r197 (8
	// matches of four locations, 24,388 records, on one local day, 1,973)
	// read the locations' records (74 ms), where the day's took 5. A
	// scope or BusinessId list is left to that plan beyond enough: it
	// seeks the business index anyway, and walks it in id order for an
	// order by Id (r139: one location's 2,308 records, the first match
	// by Id descending in 1.3 ms; forced and sorted, 18).
	twoColumn := compositeSeek(seeds) || coworkerSeek(q)
	// Known sizes first, so that each probe is capped at the best so far.
	slices.SortStableFunc(seeds, func(x, y seed) int { return cost(x) - cost(y) })
	var listed []*seed // probed past their cap, with a listing
	for i := range seeds {
		s := &seeds[i]
		if s.costly && sel.driverN >= 0 && sel.driverN <= all/drivenShare {
			continue // a driver is known: not worth 1-2 ms
		}
		if s.covering && sel.driverN >= 0 && sel.driverN <= probeCap {
			// A driver no larger than a probe is known: the covering
			// probe (a dictionary scan, then up to driverN entries) would
			// cost about what walking that driver does (issue 17's r197:
			// a local day's 1,973 records beside the teams "a" of four
			// locations, 1.4 -> 12 ms of CPU with the probe read).
			continue
		}
		if s.listed != nil && s.exact != nil && !zeroOnly && twoColumn {
			// A MAC substring beside SQLite's own two-column seek: a scan
			// of its dictionary (62,297 lists, about 7 ms of CPU at 1M
			// records) costs more than that plan (issue 17's r008, r122,
			// r133: 2.6-6.6 ms before, 16-40 ms with the sum read). The
			// lists under a piece of the needle cost a fraction of a ms:
			// the seed drives only when its exact count is at most
			// enough, as a native one would.
			if !s.narrowed {
				continue
			}
			var n int64
			if err := run(ctx, *s.exact, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
				return nil, fmt.Errorf("count a condition: %w", err)
			}
			if n > enough {
				continue
			}
			if consider(s, n) {
				return sel, nil
			}
			continue
		}
		var n int64
		switch {
		case s.bound >= 0:
			n = s.bound
		case s.exact != nil:
			if s.listed != nil && !zeroOnly {
				// A dictionary's substring whose records one statement
				// lists through the dictionary (MAC addresses): at most
				// maxListed of them make the seed "id IN (them)".
				if listedN, ok, err := s.listShort(ctx, run); err != nil {
					return nil, err
				} else if ok {
					n = listedN
					break
				}
			}
			if err := run(ctx, *s.exact, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
				return nil, fmt.Errorf("count a condition: %w", err)
			}
		default:
			limit := int64(probeCap)
			if s.covering && !twoColumn {
				limit = all/drivenShare + 1
			}
			if (s.native || s.covering) && twoColumn {
				limit = enough + 1
			}
			if zeroOnly {
				limit = 1
			}
			if sel.driverN >= 0 {
				limit = min(limit, sel.driverN)
			}
			st := probe(d, s, limit)
			if err := run(ctx, st, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
				return nil, fmt.Errorf("probe a condition: %w", err)
			}
			if n >= limit { // limit is at least 1
				if s.listed != nil {
					listed = append(listed, s)
				}
				continue // no better than what is known
			}
		}
		if consider(s, n) {
			return sel, nil
		}
	}
	if !zeroOnly && (sel.driverN < 0 || sel.driverN > all/drivenShare) && !twoColumn {
		// No good driver, and SQLite's plan would scan the table: the
		// substrings whose records one walk of an index lists.
		for _, s := range listed {
			n, err := s.list(ctx, run, all/drivenShare+1)
			if err != nil {
				return nil, err
			}
			if consider(s, n) {
				return sel, nil
			}
		}
	}
	// A scope or BusinessId list with more than enough records is SQLite's
	// own plan's index too; beside no two-column seek, it stays the
	// count's driver (listOnly): the count walks it once, as that plan
	// would, and lists the matches' ids when they are at most maxListed,
	// which the page then reads by id instead of walking the locations'
	// records a second time (issue 17's r187: three locations' 30,398
	// records, a teams substring, a Source list and an UpdatedOn bound,
	// 371 matches; the count and the page each read every record). The
	// listing costs about 0.3 us a match more than a count (maxListDrive),
	// at most a fifth of the walk's lookups of all/drivenShare records;
	// beyond maxListDrive it is taken for this driver only, whose walk the
	// plain count makes anyway. With more matches the page is left to that
	// plan, as before (r139: one location, the first match by Id
	// descending in 1.3 ms where the location's records gathered and
	// sorted took 18).
	sel.listOnly = sel.driver != nil && sel.driver.business && sel.driverN > enough && sel.driverN <= all/drivenShare && !twoColumn
	// The Source and tariff pair's seed is written with its index hint
	// (not native), yet beside SQLite's own two-column seek it is dropped
	// like a native one: a location with a day of attempts and a Source
	// and tariff of 27,258 records walked the pair's entries in 180-190
	// ms where the (business, time) seek took 0.8 (wt-D's review).
	pairBesideSeek := sel.driver != nil && sel.driver.index == sourceTariffIndex && twoColumn && sel.driverN > enough
	if !sel.listOnly && (sel.driverN > all/drivenShare || pairBesideSeek || (sel.driver != nil && sel.driver.native && sel.driverN > enough && (twoColumn || sel.driver.business))) {
		sel.driver = nil
	}
	if sel.driver != nil && sel.driver.business && compositeSeek(seeds) {
		// SQLite's own plan seeks (business, time), (business, created)
		// or reads (business, name) alone, which the business index
		// cannot beat.
		sel.driver = nil
	}
	return sel, nil
}

// seedsOf returns the seeds of q's scope and conditions.
func seedsOf(d Dialect, q fc.Query) []seed {
	var seeds []seed
	if !q.Scope.All() {
		seeds = append(seeds, businessSeed(d, q.Scope.Businesses()))
	}
	for _, c := range q.Conditions {
		if s, ok := seedOf(d, c); ok {
			seeds = append(seeds, s)
		}
	}
	if s, ok := sourceTariffSeed(d, q); ok {
		seeds = append(seeds, s)
	}
	if s, ok := businessTeamsSeed(d, q); ok {
		seeds = append(seeds, s)
	}
	return seeds
}

// sourceTariffIndex is SQLite's index of a Source and a folded tariff
// together (migration 0026), the pair fc_count_source_tariff counts.
const sourceTariffIndex = "failed_checkins_source_tariff"

// sourceTariffSeed is the seed of a Source list and a tariff substring
// or value together: both terms on failed_checkins_source_tariff, whose
// records fc_count_source_tariff counts exactly. Each field alone is
// common where the pair is rare: issue 17's r092 (Source None, a tariff
// substring and three locations, 20 matches) walked the 9,967 records of
// the Source, 121 ms of CPU per request, where 313 records have both; a
// pair no record has answers 0 without reading a record.
func sourceTariffSeed(d Dialect, q fc.Query) (seed, bool) {
	var src, tariff *fc.Condition
	for i := range q.Conditions {
		c := &q.Conditions[i]
		switch {
		case c.Field == fc.FieldSource && c.Match == fc.MatchInts && src == nil:
			src = c
		case c.Field == fc.FieldTariff && tariff == nil &&
			((c.Match == fc.MatchContains && len(c.Strings) == 1) || (c.Match == fc.MatchEqualFold && len(c.Strings) > 0)):
			tariff = c
		}
	}
	if src == nil || tariff == nil {
		return seed{}, false
	}
	ss, ok1 := seedOf(d, *src)
	ts, ok2 := seedOf(d, *tariff)
	if !ok1 || !ok2 {
		return seed{}, false
	}
	st, err := sourceTariffRollup.sum(d, fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{*src, *tariff}},
		math.MinInt64, math.MaxInt64, "coalesce(sum(n), 0)", "")
	if err != nil {
		return seed{}, false
	}
	return seed{index: sourceTariffIndex, bound: -1, exact: &st,
		term: func(a *args) string { return ss.term(a) + " AND " + ts.term(a) }}, true
}

// businessTeamsSeed is, on SQLite, the seed of a teams substring within a
// scope or BusinessId list together: "business_id IN (the locations) AND
// teams_fold IN (the dictionary's teams that hold the needle)", which
// failed_checkins_business_teams (business, folded teams; sqlite migration
// 0027) seeks pair by pair. Each seed alone walks records of the other
// locations or the other teams: issue 17's r173 (a manager's five
// locations, ", NIMBUS ") read the 12,893 records of the matching teams in
// every location for 3,582 matches, r187 (three locations, " architec", a
// Source list and an UpdatedOn bound) the locations' 30,398 records for
// 371. The index holds both terms, so its probe counts exactly the records
// that pass them without reading one (covering: probed up to the most a
// driver may have, not probeCap), and a search of only the locations and
// the teams is counted and listed from its entries alone.
func businessTeamsSeed(d Dialect, q fc.Query) (seed, bool) {
	if !d.SortIndexHints {
		return seed{}, false // PostgreSQL has no such index: its statistics plan
	}
	ids := q.Scope.Businesses()
	var teams *fc.Condition
	for i, c := range q.Conditions {
		switch {
		case c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts && q.Scope.All() && ids == nil:
			ids = c.Ints
		case c.Field == fc.FieldTeams && c.Match == fc.MatchContains && len(c.Strings) == 1 && teams == nil:
			teams = &q.Conditions[i]
		}
	}
	if teams == nil || len(ids) == 0 {
		return seed{}, false
	}
	t, ok := seedOf(d, *teams)
	if !ok || t.exact == nil {
		return seed{}, false
	}
	return seed{index: "failed_checkins_business_teams", bound: -1, covering: true,
		term: func(a *args) string { return "business_id IN (" + list(a, ids) + ") AND " + t.term(a) }}, true
}

// cost orders seeds: bounds without a statement, then exact counts, then
// probes.
func cost(s seed) int {
	switch {
	case s.bound >= 0:
		return 0
	case s.exact != nil && !s.costly:
		return 1
	case s.exact == nil:
		return 2
	}
	return 3
}

// probe counts the index entries of s's term, up to limit.
func probe(d Dialect, s *seed, limit int64) Statement {
	a := &args{d: d, t: failedCheckins}
	from := failedCheckins.name + indexedBy(d, s)
	term := s.term(a)
	return Statement{SQL: "SELECT count(*) FROM (SELECT 1 FROM " + from + " WHERE " + term + " LIMIT " + a.add(limit) + ") AS probe", Args: a.vals}
}

// indexedBy is SQLite's clause that makes a statement walk s's index
// ("NOT INDEXED" leaves the rowid, which the Id terms seek); nothing on
// other databases, whose statistics choose.
func indexedBy(d Dialect, s *seed) string {
	if !d.SortIndexHints {
		return ""
	}
	return hint(s.index)
}

// drivenCount is the count of q walking the driver's index.
func (sel *selection) drivenCount(d Dialect, q fc.Query) (Statement, error) {
	f, err := failedCheckins.buildFind(d, q, "", sel.driver)
	return Statement{SQL: f.Count, Args: f.Args}, err
}

// drivenList counts q walking the driver's index, as drivenCount does,
// and also keeps the ids of the matches when they are at most maxListed
// (sel.ids; nil otherwise): the same walk then serves the page, which
// reads those records by id and sorts them (drivenPage) instead of
// walking the driver a second time (issue 17's r043: 531 matches of a
// teams substring whose 7,558 records each walk looks up, 21 ms for
// the count and 22 for the page). The window count holds every match's
// id until the walk ends (see maxListDrive); the ids past the first row
// are read only when they are few.
func (sel *selection) drivenList(ctx context.Context, d Dialect, run RunInts, q fc.Query) (int64, error) {
	f, err := failedCheckins.buildFind(d, q, "", sel.driver)
	if err != nil {
		return 0, err
	}
	var n int64
	ids := []int64{}
	whole := idOrdered(q)
	err = run(ctx, Statement{SQL: f.list, Args: f.Args}, 2, func(v []int64) bool {
		n = v[1]
		if n > maxListDrive || (n > maxListed && !whole) {
			return false
		}
		ids = append(ids, v[0])
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	if n <= maxListed || (whole && n <= maxListDrive) {
		slices.Sort(ids) // read in the table's order
		sel.ids = ids
	}
	return n, nil
}

// idOrdered says whether q's order is the Id's (IsNew is a constant,
// ordered by id): a page is then a slice of its matches' sorted ids, so
// drivenList keeps them all, up to maxListDrive, and the page reads only
// its own (pageIDs). Issue 17's r173, a manager's five locations and a
// teams substring by Id, page 15: the count listed 3,582 matches walking
// the 12,893 records of the matching teams, and the page walked them all
// again and sorted them (98-224 ms at load 20-29).
func idOrdered(q fc.Query) bool { return q.OrderBy == fc.FieldID || q.OrderBy == fc.FieldIsNew }

// pageIDs returns the ids of the size records from offset on in the id
// order (descending or not) of ids, which are sorted ascending.
func pageIDs(ids []int64, offset, size int64, descending bool) []int64 {
	n := int64(len(ids))
	lo, hi := min(offset, n), min(offset+size, n)
	if descending {
		lo, hi = n-hi, n-lo
	}
	return ids[lo:hi]
}

// withSeed adds the seed's term in front of the WHERE clause w (the
// seed's arguments were added first).
func withSeed(w, term string) string {
	if w == "" {
		return " WHERE " + term
	}
	return " WHERE " + term + " AND " + w[len(" WHERE "):]
}

// businessSeed is the seed of a scope or BusinessId list: the per-business
// rollup holds its exact count.
func businessSeed(d Dialect, ids []int64) seed {
	st, _ := businessRollup.sum(d, fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, ids...)}},
		math.MinInt64, math.MaxInt64, "coalesce(sum(n), 0)", "")
	return seed{index: "failed_checkins_business", bound: -1, exact: &st, native: true, business: true,
		term: func(a *args) string { return "business_id IN (" + list(a, ids) + ")" }}
}

// list reads the ids of the records passing s (s.listed): when they are
// at most maxListed, s becomes "id IN (them)" (idSeed) and list returns
// how many they are. Otherwise it returns how many records pass s, but
// only up to limit (the least number that makes s no driver,
// all/drivenShare + 1): the count walks the index no further than that
// decision needs (review finding: a full count of 100,000s of entries,
// after which the plan dropped the seed and scanned the table anyway).
// No answer is taken from this count; the search's own count is made
// by the driven or the plain statement.
func (s *seed) list(ctx context.Context, run RunInts, limit int64) (int64, error) {
	listed := *s.listed
	n, ok, err := s.listShort(ctx, run)
	if err != nil || ok {
		return n, err
	}
	if n >= limit {
		return n, nil // already too many to drive
	}
	count := Statement{SQL: "SELECT count(*) FROM (" + listed.SQL + ") AS probe", Args: slices.Clone(listed.Args)}
	count.Args[len(count.Args)-1] = limit
	if err := run(ctx, count, 1, func(v []int64) bool { n = v[0]; return false }); err != nil {
		return 0, fmt.Errorf("count a condition: %w", err)
	}
	return n, nil
}

// listShort reads the ids of the records passing s (s.listed) and, when
// they are at most maxListed, makes s the seed "id IN (them)" (idSeed)
// and returns how many they are with true; otherwise it leaves s as it
// is and returns how many it read (maxListed + 1, s.listed's LIMIT) with
// false.
func (s *seed) listShort(ctx context.Context, run RunInts) (int64, bool, error) {
	ids := []int64{}
	if err := run(ctx, *s.listed, 1, func(v []int64) bool { ids = append(ids, v[0]); return true }); err != nil {
		return 0, false, fmt.Errorf("list a condition's records: %w", err)
	}
	if len(ids) > maxListed {
		return int64(len(ids)), false, nil
	}
	slices.Sort(ids) // read in the table's order
	*s = idSeed(ids, false)
	return s.bound, true, nil
}

// compositeSeek says whether SQLite's own plan seeks a two-column index
// (business and time, creation or name) for seeds: a scope or
// BusinessId list with one of those conditions.
func compositeSeek(seeds []seed) bool {
	return slices.ContainsFunc(seeds, func(s seed) bool { return s.business }) &&
		slices.ContainsFunc(seeds, func(s seed) bool { return s.composite })
}

// coworkerSeek says whether SQLite's own plan seeks q's records by
// coworker (failed_checkins_coworker, or with a location
// failed_checkins_coworker_business_time): a CoworkerId list, or null,
// which no seed stands for (r122 of issue 17's random shapes: a
// location's records without a coworker, read by that seek, cost half
// of listing the MAC substring's 726 records).
func coworkerSeek(q fc.Query) bool {
	return slices.ContainsFunc(q.Conditions, func(c fc.Condition) bool {
		return c.Field == fc.FieldCoworkerID && c.Match == fc.MatchInts
	})
}

// idSeed is the seed "id IN (ids)" of distinct ids, which bound its
// count; native when the query itself has that term (an Id list).
func idSeed(ids []int64, native bool) seed {
	return seed{bound: int64(len(ids)), native: native,
		term: func(a *args) string { return "id IN (" + list(a, ids) + ")" }}
}

// foldIndex is the SQLite index on a text field's folded copy alone
// (its orderIndex: migration 0014's, the name's of 0006), or "".
func foldIndex(f fc.Field) string {
	idx, _ := orderIndex(f)
	return idx
}

// seedOf returns the seed condition c implies, if any.
func seedOf(d Dialect, c fc.Condition) (seed, bool) {
	col, ok := columns(c.Field)
	if !ok {
		return seed{}, false
	}
	s := seed{bound: -1}
	switch c.Match {
	case fc.MatchInts:
		switch {
		case c.Field == fc.FieldBusinessID:
			return businessSeed(d, c.Ints), true
		case c.Field == fc.FieldID:
			return idSeed(slices.Compact(slices.Sorted(slices.Values(c.Ints))), true), true
		case c.Field == fc.FieldSource:
			st, _ := sourceTariffRollup.sum(d, fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldSource, c.Ints...)}},
				math.MinInt64, math.MaxInt64, "coalesce(sum(n), 0)", "")
			s.index, s.exact = col.sortIndex, &st
			s.term = func(a *args) string { return "source IN (" + list(a, c.Ints) + ")" }
		case c.Field == fc.FieldCoworkerID && len(c.Ints) > 0 && !c.Null:
			s.index, s.native = "failed_checkins_coworker", true
			s.term = func(a *args) string { return "coworker_id IN (" + list(a, c.Ints) + ")" }
		default:
			return seed{}, false
		}
	case fc.MatchIntRange:
		if c.Field != fc.FieldID {
			return seed{}, false
		}
		if c.Min > c.Max {
			s.bound = 0
		} else if uint64(c.Max-c.Min) < math.MaxInt64 {
			s.bound = c.Max - c.Min + 1
		} else {
			s.bound = math.MaxInt64
		}
		s.native = true
		s.term = func(a *args) string { return "id BETWEEN " + a.add(c.Min) + " AND " + a.add(c.Max) }
	case fc.MatchTimeRange:
		idx, _ := orderIndex(c.Field) // every time field has one
		if idx == "" || (c.From.IsZero() && c.Until.IsZero()) {
			return seed{}, false
		}
		s.index, s.native = idx, col.sortIndex == ""
		s.composite = c.Field == fc.FieldCheckinAttemptTime || c.Field == fc.FieldCreatedOn
		s.term = func(a *args) string { t, _ := timeRangeTerm(a, col, c); return t }
	case fc.MatchContains:
		if !isText(col.kind) || len(c.Strings) != 1 {
			return seed{}, false
		}
		needle := fc.Fold(c.Strings[0])
		idx := foldIndex(c.Field)
		if dict := dictionaries[c.Field]; dict != nil && col.kind == kindText {
			// The dictionary lists every value present, with its count.
			st, err := dict.sum(d, fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{c}}, math.MinInt64, math.MaxInt64, "coalesce(sum(n), 0)", "")
			if err != nil || idx == "" {
				return seed{}, false
			}
			s.index, s.exact = idx, &st
			_, picked := d.picked[trigramKey{c.Field, needle}]
			s.costly = c.Field == fc.FieldTeams || c.Field == fc.FieldMacAddresses || (c.Field == fc.FieldCoworkerFullName && !picked)
			s.narrowed = picked
			s.composite = c.Field == fc.FieldCoworkerFullName
			s.term = func(a *args) string {
				sub := &args{d: a.d, t: dict.table, vals: a.vals}
				term := dictionaryTerm(sub, dict, c.Field, dict.table.columns[c.Field], needle)
				a.vals = sub.vals
				return col.fold + " IN (SELECT " + col.fold + " FROM " + dict.Name + " WHERE " + term + ")"
			}
			if c.Field == fc.FieldMacAddresses && d.SortIndexHints {
				// Most MAC substrings are held by a few records: one scan
				// of the dictionary (62,297 lists at 1M records, not the
				// 350,000 index entries) and a seek per list that holds
				// the needle list them, and the count and page read those
				// ids (planSelection reads this before the sum).
				a := &args{d: d, t: failedCheckins}
				where := s.term(a)
				ids := Statement{SQL: "SELECT id FROM " + failedCheckins.name + hint(idx) + " WHERE " + where + " LIMIT " + a.add(int64(maxListed+1)), Args: a.vals}
				s.listed = &ids
			}
			return s, true
		}
		if needle == "" || idx == "" || c.Field == fc.FieldUniqueID {
			return seed{}, false
		}
		// A value holding a non-empty needle is not empty; NULL's folded
		// copy is ''.
		s.index = idx
		s.term = func(a *args) string { return col.fold + " > " + a.d.EmptyText }
		if d.SortIndexHints {
			// SQLite tests the terms an index covers on its entries
			// before it reads a record, and this index holds the folded
			// copy: one walk of the non-empty values tests the needle on
			// the entries alone and lists (or counts) exactly the records
			// that hold it: about 20 ms over 350,000 entries where the
			// scan of the table took 500 (MAC address lists were served
			// here before fc_count_mac; the fields that still are have
			// no dictionary).
			a := &args{d: d, t: failedCheckins}
			where := " WHERE " + col.fold + " > " + a.d.EmptyText + " AND " + substringTerm(a, col, needle)
			from := failedCheckins.name + hint(idx)
			ids := Statement{SQL: "SELECT id FROM " + from + where + " LIMIT " + a.add(int64(maxListed+1)), Args: a.vals}
			s.listed = &ids
		}
	case fc.MatchEqualFold, fc.MatchExact:
		idx := foldIndex(c.Field)
		if !isText(col.kind) || idx == "" || (len(c.Strings) == 0 && !c.Null) {
			return seed{}, false
		}
		var folded []string
		for _, v := range c.Strings {
			if c.Match == fc.MatchExact && col.fold == col.name {
				// UniqueId has no folded copy: an exact value is itself.
				folded = append(folded, v)
				continue
			}
			folded = append(folded, fc.Fold(v))
		}
		if c.Match == fc.MatchEqualFold && c.Null && col.kind == kindNullText {
			folded = append(folded, "") // NULL's folded copy
		}
		if len(folded) == 0 {
			return seed{}, false
		}
		s.index = idx
		s.native = col.sortIndex == "" && c.Match == fc.MatchEqualFold
		s.term = func(a *args) string { return col.fold + " IN (" + list(a, folded) + ")" }
	case fc.MatchNull:
		switch {
		case col.kind == kindNullText && c.Null && col.sortIndex != "":
			s.index = col.sortIndex
			s.term = func(a *args) string { return col.fold + " = " + a.d.EmptyText }
		case (col.kind == kindNullInt || col.kind == kindNullTime) && (col.sortIndex != "" || c.Field == fc.FieldCoworkerID):
			s.index = col.sortIndex
			if c.Field == fc.FieldCoworkerID {
				s.index, s.native = "failed_checkins_coworker", true
			}
			test := " IS NOT NULL"
			if c.Null {
				test = " IS NULL"
			}
			s.term = func(a *args) string { return col.name + test }
		default:
			return seed{}, false
		}
	default:
		return seed{}, false
	}
	return s, true
}

// drivenPage returns the plan whose driver a SQLite page of q should walk, gathering
// the records that pass it and sorting the matches, or nil for the other
// plans. That reads about driverN rows; walking the order's index (or
// SQLite's own plan, which gathers through some index or scans) reads
// about reach * all / total entries to find reach matches spread evenly
// among all records. The gather is taken when it reads fewer. Without a
// plan from the count (a rollup counted q), one is made when the matches
// are few enough for the walk to be long.
func drivenPage(ctx context.Context, d Dialect, run RunInts, q fc.Query, offset, size, total int64, sel *selection) (*selection, error) {
	if !d.SortIndexHints || total <= 0 {
		return nil, nil
	}
	reach := offset + size
	if sel != nil && sel.ids != nil && int64(len(sel.ids)) == total {
		// The count listed every match: reading them by id costs at most
		// maxListed lookups, and any walk reads at least as many entries
		// (all / total per match), each looked up unless an index holds
		// every term. In the Id's order the page is the slice of them
		// it shows (up to maxListDrive were listed): only those are read,
		// from the first (paged).
		if idOrdered(q) {
			ids := idSeed(pageIDs(sel.ids, offset, size, q.Descending), false)
			return &selection{driver: &ids, driverN: ids.bound, all: sel.all, paged: true}, nil
		}
		ids := idSeed(sel.ids, false)
		return &selection{driver: &ids, driverN: total, all: sel.all}, nil
	}
	if sel == nil {
		// A rollup counted q. With seeds SQLite's plain plan can use
		// (a scope, a time range) the merged pages and the seek serve
		// it; only a dictionary's or a "+column" seed is looked at.
		if !slices.ContainsFunc(seedsOf(d, q), func(s seed) bool { return !s.native }) {
			return nil, nil
		}
		all, err := CountMatching(ctx, d, run, fc.Query{Scope: fc.AllBusinesses()})
		if err != nil || total > all/drivenShare || float64(reach)*float64(all) <= shortWalk*float64(total) {
			return nil, err
		}
		if sel, err = planSelection(ctx, d, run, q, all); err != nil || sel == nil {
			return nil, err
		}
	}
	if sel.driver == nil || sel.listOnly || float64(sel.driverN)*float64(total) > float64(reach)*float64(sel.all) {
		return nil, nil
	}
	return sel, nil
}
