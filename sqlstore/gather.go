package sqlstore

import (
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
// among them); with a range on another time than a timeLike order's
// (correlated) the matches bunch in one stretch and the walk may pass
// every other record of base first. Gathering reads about total records
// when an index serves every condition (indexServed: the database
// combines them), otherwise the records of the locations q names, or
// all of them (a scan): issue 17's r080, a tariff substring of 28,996
// records (no index serves it on PostgreSQL), found its first 1,000 by
// id in 34,000 entries, where a gather scanned the table. The gather is
// taken when the walk reads gatherMargin times as much. A search whose
// only conditions the walk does not have to test (a range on the order
// field itself, which the walk starts from; the locations, in an order
// they have an index per location for) is always walked: every entry
// read is a match; so is an order mostlyIDOrder leaves to PostgreSQL.
// The table's size and the locations' records are one sum of the
// per-business rollup each, shared with the merge's choice (counts).
func gatherWorthIt(d Dialect, q fc.Query, reach, total int64, counts *pageCounts) (bool, error) {
	if !d.GatherFew || total <= 0 {
		return false, nil
	}
	_, perLocation := mergeKeys[q.OrderBy]
	_, few := mergeBusinesses(q)
	perLocation = perLocation && few
	filtering, served := !q.Scope.All() && !perLocation, true
	for _, c := range q.Conditions {
		rangeOnOrder := c.Field == q.OrderBy && (c.Match == fc.MatchTimeRange || c.Match == fc.MatchIntRange)
		location := perLocation && c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts
		if !rangeOnOrder && !location {
			filtering = true
		}
		served = served && indexServed(c)
	}
	if !filtering || mostlyIDOrder(q) {
		return false, nil
	}
	all, err := counts.allRecords()
	if err != nil {
		return false, err
	}
	base, gather := all, all
	if few {
		records, err := counts.locationRecords()
		if err != nil {
			return false, err
		}
		gather = records
		if perLocation {
			base = records
		}
	}
	if served {
		gather = total
	}
	walk := float64(reach) * float64(base) / float64(total)
	if correlated(q) {
		walk = max(walk, float64(base-total))
	}
	return walk > gatherMargin*float64(gather), nil
}

// gatherMargin is how many times the walk must read more entries than
// the gather reads records before the gather is written: a gather also
// sorts, and near the balance PostgreSQL's own plan is as good (issue
// 17's r036, an Id and an UpdatedOn range, a middle page of 249,687
// matches: PostgreSQL gathered and sorted in two parallel workers; the
// subquery of gatheredPage, which it runs without them, cost about the
// same in all and 2.4 times as much in the backend that fcbench counts).
const gatherMargin = 2

// mostlyIDOrder says whether q is ordered by a nullable field (UpdatedBy,
// SystemId, Reason, the resolution) and ranges over a time or the Id:
// such a field is empty in most records (only what the service changed
// sets it), whose order is then the id's, which grows with the times, so
// the matches bunch in one stretch of the walk as with correlated, but
// whether that stretch comes first or last depends on the direction and
// the data. PostgreSQL's plan is kept (issue 17's r088, a local-time
// range by UpdatedBy in the bench data, where no record has one: its
// walk found the page at once, the gather sorted 56,821 records, twice
// the CPU).
func mostlyIDOrder(q fc.Query) bool {
	col, ok := columns(q.OrderBy)
	if !ok || (col.kind != kindNullText && col.kind != kindNullInt && col.kind != kindNullTime) {
		return false
	}
	for _, c := range q.Conditions {
		if c.Match == fc.MatchTimeRange || c.Match == fc.MatchIntRange {
			return true
		}
	}
	return false
}

// indexServed says whether an index of failed_checkins (PostgreSQL's)
// finds the records passing c without testing others: integer lists
// and ranges, every time range, exact text values of a field with an
// index on its folded copy, a name substring of three characters or
// more (the trigram index), a business name (Narrow adds the ids it
// implies). Other substrings (tariffs, teams, descriptions, MAC
// addresses, UpdatedBy, SystemId) and the null tests of text are tested
// on each record.
func indexServed(c fc.Condition) bool {
	col, ok := columns(c.Field)
	if !ok {
		return false
	}
	switch c.Match {
	case fc.MatchInts, fc.MatchIntRange, fc.MatchTimeRange:
		return true
	case fc.MatchEqualFold:
		idx, _ := orderIndex(c.Field)
		return idx != ""
	case fc.MatchExact:
		return col.fold == col.name // UniqueId: its own folded copy, a unique index
	case fc.MatchContains:
		return c.Field == fc.FieldBusinessName ||
			(c.Field == fc.FieldCoworkerFullName && len(c.Strings) == 1 && len(fc.Fold(c.Strings[0])) >= 3)
	case fc.MatchNull:
		return !isText(col.kind)
	}
	return false
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
// From narrowMinOffset on the subquery selects only the id and the
// order's column, and the page's records are read by id afterwards (as
// Find.narrowPage): the top-N sort then keeps offset + size short rows
// instead of whole records (issue 17's r183, 56,643 matches sorted for a
// page 11,233 deep).
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
	col := t.columns[q.OrderBy]
	key := ""
	if col.fold != "" && col.fold != col.name {
		key = ", " + col.fold
	}
	limit, off := a.add(size), a.add(offset)
	if offset >= narrowMinOffset {
		sortKey := key
		if sortKey == "" && col.kind != kindFalse && col.name != "id" {
			sortKey = ", " + col.name
		}
		return Statement{
			SQL: "SELECT " + t.selectColumns + " FROM " + t.name + " WHERE " + idsOf(d, "SELECT id FROM (SELECT id"+sortKey+
				" FROM "+t.name+w+" OFFSET 0) AS m"+order+" LIMIT "+limit+" OFFSET "+off) + order,
			Args: a.vals,
		}, nil
	}
	return Statement{
		SQL: "SELECT " + t.selectColumns + " FROM (SELECT " + t.selectColumns + key + " FROM " + t.name + w +
			" OFFSET 0) AS m" + order + " LIMIT " + limit + " OFFSET " + off,
		Args: a.vals,
	}, nil
}
