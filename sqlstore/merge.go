package sqlstore

import (
	"slices"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// A search limited to a few locations (a location manager's scope, a
// BusinessId filter, or the ids a business-name filter implies) and
// ordered by a field that has an index per location (business_id, field,
// id) is run as one ordered index walk per location, merged: the
// database reads the locations' entries in the requested order and stops
// after offset + size of them, instead of gathering every record of the
// locations and sorting them. Before issue 17 a manager's default search
// (two locations, CreatedOn descending) sorted 142,000 records per
// request: 0.72-0.79 s at 1M records. Both SQLite (a MERGE of the
// compound SELECT's arms) and PostgreSQL (a Merge Append of index scans)
// run the same statement that way.

// maxMergeArms is the most locations merged: one arm (and a copy of the
// WHERE clause's arguments) per location. A manager has one to five; a
// business-name filter may imply more, and beyond this many the ordinary
// plan is kept.
const maxMergeArms = 16

// mergeKeys are the sort fields with an index per location in field
// order: the key column the arms select, "" when the order is id alone.
// On SQLite every index entry ends with the id, so each arm is read in
// (field, id) order; PostgreSQL's failed_checkins_business_name has no id
// column, so that arm sorts its location's ties (a top-N, still exact). Indexes: failed_checkins_business_time,
// failed_checkins_business_name (sqlite and postgres 0001/0006),
// failed_checkins_business_created and failed_checkins_business (0010).
var mergeKeys = map[fc.Field]string{
	fc.FieldCheckinAttemptTime: "checkin_attempt_time",
	fc.FieldCreatedOn:          "created_on",
	fc.FieldCoworkerFullName:   "coworker_full_name_fold",
	fc.FieldID:                 "",
	fc.FieldIsNew:              "",            // a constant: ordered by id
	fc.FieldBusinessID:         "business_id", // constant within one location
}

// mergeNameIndex is SQLite's index of a location's records in name order
// (business_id, coworker_full_name_fold, then the rowid).
const mergeNameIndex = "failed_checkins_business_name"

// mergeBusinesses returns the locations q can match when q names at most
// maxMergeArms of them (its scope intersected with its BusinessId
// conditions), sorted; false when it names none or more.
func mergeBusinesses(q fc.Query) ([]int64, bool) {
	var set []int64
	named := false
	if !q.Scope.All() {
		set, named = q.Scope.Businesses(), true
	}
	for _, c := range q.Conditions {
		if c.Field != fc.FieldBusinessID || c.Match != fc.MatchInts {
			continue
		}
		if !named {
			set, named = slices.Clone(c.Ints), true
			continue
		}
		set = slices.DeleteFunc(set, func(b int64) bool { return !slices.Contains(c.Ints, b) })
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if !named || len(set) == 0 || len(set) > maxMergeArms {
		return nil, false
	}
	return set, true
}

// BuildMergedPage returns the statement of size records from offset on
// of q's order, read as one ordered walk per location of businesses,
// merged, or false when q's order has no index per location. The arms
// select only the ids (and sort keys) from the index, so the entries
// skipped by the offset never read their records; the page's records are
// then read by id and sorted with the search's own order.
func (t *Table) BuildMergedPage(d Dialect, q fc.Query, businesses []int64, offset, size int64) (Statement, bool, error) {
	key, ok := mergeKeys[q.OrderBy]
	if !ok || t != failedCheckins {
		return Statement{}, false, nil
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	// The same order as orderBy's: every key here is NOT NULL, text keys
	// are folded copies.
	sel, armOrder, order, outer := "SELECT id FROM ", " ORDER BY id"+dir, " ORDER BY id"+dir, " ORDER BY f.id"+dir
	if key != "" {
		sel = "SELECT id, " + key + " AS k_ FROM "
		armOrder, order = " ORDER BY "+key+dir+", id"+dir, " ORDER BY k_"+dir+", id"+dir
		outer = " ORDER BY f." + key + dir + ", f.id" + dir
	}
	// Each arm tests business_id = b instead of the scope and the
	// BusinessId conditions: b passes them all (mergeBusinesses), and
	// PostgreSQL, seeing "business_id IN (...) AND business_id = b",
	// multiplies the two selectivities, expects almost no rows and
	// gathers and sorts the location instead of walking its index.
	arm := q
	arm.Scope = fc.AllBusinesses()
	arm.Conditions = slices.DeleteFunc(slices.Clone(q.Conditions), func(c fc.Condition) bool {
		return c.Field == fc.FieldBusinessID && c.Match == fc.MatchInts
	})
	// SQLite walks each location's name index only when told: given an
	// Id or a time range beside the location it seeks that instead
	// (failed_checkins_business's rowid range, _business_time) and sorts
	// every record of the location it finds, where the merge was chosen
	// (mergeWorthIt) to read about offset + size entries in name order
	// (issue 17's r119: five locations, an Id range and three Sources,
	// the last page of 129,622 by name: 637 ms sorting, 1.5 walking). The
	// time orders are left to SQLite, whose seek of a range on another
	// time than the order's can beat a walk the range makes bunch.
	from := t.name
	if d.SortIndexHints && q.OrderBy == fc.FieldCoworkerFullName {
		from += hint(mergeNameIndex)
	}
	a := &args{d: d, t: t}
	arms := make([]string, len(businesses))
	for i, b := range businesses {
		w, err := where(a, arm)
		if err != nil {
			return Statement{}, false, err
		}
		if w == "" {
			w = " WHERE "
		} else {
			w += " AND "
		}
		arms[i] = sel + from + w + "business_id = " + a.add(b)
		if d.BoundedArms {
			arms[i] = "(" + arms[i] + armOrder + " LIMIT " + a.add(offset+size) + ")"
		}
	}
	page := "SELECT " + qualified("f.", t.selectColumns) + " FROM (" + strings.Join(arms, " UNION ALL ") + order +
		" LIMIT " + a.add(size) + " OFFSET " + a.add(offset) + ") AS p JOIN " + t.name + " AS f ON f.id = p.id" + outer
	return Statement{SQL: page, Args: a.vals}, true, nil
}

// qualified prefixes each column of a comma-separated list.
func qualified(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
