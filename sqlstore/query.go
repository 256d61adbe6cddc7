package sqlstore

import (
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// kind is what a column holds, which decides the conditions it accepts.
type kind int

const (
	kindInt      kind = iota // integer, NOT NULL
	kindNullInt              // integer, NULL allowed
	kindText                 // text NOT NULL with a folded copy
	kindNullText             // text, NULL allowed, with a folded copy ('' for NULL)
	kindTime                 // a point in time (or a wall clock, for the local time)
	kindFalse                // no column: IsNew is always false
	kindNullTime             // a point in time, NULL allowed (a check-in's ToTime while open)
)

// column is where a field lives in failed_checkins.
type column struct {
	// name is the raw column, or for kindFalse a constant typed as BIGINT
	// so that PostgreSQL reads every compared argument as a 64-bit integer.
	name string
	fold string // folded copy, for text kinds
	kind kind
	// sortIndex is the whole-table index in this field's search order
	// (column, id) that migration 0014 added for sorting alone. On SQLite
	// (Dialect.SortIndexHints) a filter on the column is written so that
	// it cannot pick this index (see condition), and a page may be told
	// to walk it (orderWalk).
	sortIndex string
}

// columnTable is THE whitelist: the only way a Field reaches SQL. A field
// that is not here is an error, never interpolated. Both stores use these
// names. It is read-only; columns is the only reader.
var columnTable = map[fc.Field]column{
	fc.FieldID:                      {name: "id", kind: kindInt},
	fc.FieldUniqueID:                {name: "unique_id", fold: "unique_id", kind: kindText},
	fc.FieldCoworkerID:              {name: "coworker_id", kind: kindNullInt},
	fc.FieldCoworkerFullName:        {name: "coworker_full_name", fold: "coworker_full_name_fold", kind: kindText},
	fc.FieldBusinessID:              {name: "business_id", kind: kindInt},
	fc.FieldBusinessName:            {name: "business_name", fold: "business_name_fold", kind: kindText, sortIndex: "failed_checkins_business_name_order"},
	fc.FieldCheckinAttemptTime:      {name: "checkin_attempt_time", kind: kindTime},
	fc.FieldSource:                  {name: "source", kind: kindInt, sortIndex: "failed_checkins_source"},
	fc.FieldMacAddresses:            {name: "mac_addresses", fold: "mac_addresses_fold", kind: kindText, sortIndex: "failed_checkins_mac_addresses"},
	fc.FieldTeams:                   {name: "teams", fold: "teams_fold", kind: kindText, sortIndex: "failed_checkins_teams"},
	fc.FieldTariff:                  {name: "tariff", fold: "tariff_fold", kind: kindText, sortIndex: "failed_checkins_tariff"},
	fc.FieldDescription:             {name: "description", fold: "description_fold", kind: kindText, sortIndex: "failed_checkins_description"},
	fc.FieldCheckinAttemptTimeLocal: {name: "checkin_attempt_time_local", kind: kindTime},
	fc.FieldCreatedOn:               {name: "created_on", kind: kindTime},
	fc.FieldUpdatedOn:               {name: "updated_on", kind: kindTime, sortIndex: "failed_checkins_updated"},
	fc.FieldUpdatedBy:               {name: "updated_by", fold: "updated_by_fold", kind: kindNullText, sortIndex: "failed_checkins_updated_by"},
	fc.FieldIsNew:                   {name: "CAST(0 AS BIGINT)", kind: kindFalse},
	fc.FieldSystemID:                {name: "system_id", fold: "system_id_fold", kind: kindNullText, sortIndex: "failed_checkins_system_id"},
	fc.FieldReason:                  {name: "reason", fold: "reason_fold", kind: kindNullText, sortIndex: "failed_checkins_reason"},
	fc.FieldResolvedByCheckinID:     {name: "resolved_by_checkin_id", kind: kindNullInt, sortIndex: "failed_checkins_resolved_by"},
	fc.FieldResolvedOn:              {name: "resolved_on", kind: kindNullTime, sortIndex: "failed_checkins_resolved_on"},
}

func columns(f fc.Field) (column, bool) {
	c, ok := columnTable[f]
	return c, ok
}

// wholeIndexes are SQLite's whole-table indexes in a field's search order
// (the field, then id) other than the sort indexes of migration 0014
// (column.sortIndex): the table itself ("", rowid order) for Id and
// IsNew, and the indexes of migrations 0001 (time, created), 0005
// (coworker, local time, name), 0006 (unique id) and 0010 (business).
// UniqueId's is unique, so its order needs no id.
var wholeIndexes = map[fc.Field]string{
	fc.FieldID:                      "",
	fc.FieldIsNew:                   "",
	fc.FieldUniqueID:                "failed_checkins_unique_id",
	fc.FieldCoworkerID:              "failed_checkins_coworker",
	fc.FieldCoworkerFullName:        "failed_checkins_name",
	fc.FieldBusinessID:              "failed_checkins_business",
	fc.FieldCheckinAttemptTime:      "failed_checkins_time",
	fc.FieldCheckinAttemptTimeLocal: "failed_checkins_local_time",
	fc.FieldCreatedOn:               "failed_checkins_created",
}

// orderIndex returns the SQLite index whose entries are in f's search
// order ("" for the table's own rowid order), false when f has none.
// Every field has one since migration 0014.
func orderIndex(f fc.Field) (string, bool) {
	if col, ok := columns(f); ok && col.sortIndex != "" {
		return col.sortIndex, true
	}
	idx, ok := wholeIndexes[f]
	return idx, ok
}

// hint is SQLite's clause that makes a statement read index ("" the
// table in rowid order, which "NOT INDEXED" leaves to the rowid terms).
func hint(index string) string {
	if index == "" {
		return " NOT INDEXED"
	}
	return " INDEXED BY " + index
}

// idsOf is the condition that a row's id is one of those sub selects:
// id IN (sub), or on PostgreSQL id = ANY(ARRAY(sub)). With a generic plan
// (plan_cache_mode=force_generic_plan in the connection string, which
// the store honours: postgres/db.go) PostgreSQL cannot see the LIMIT of a
// deep page's subquery and planned IN as a hash semi join over a
// sequential scan of the table (346 ms at 200,000 records against 0.125
// for the plain page); the array is computed first and its ids looked up
// by the primary key whatever the plan (1.3 ms; the review of wt-E).
func idsOf(d Dialect, sub string) string {
	if d.IDArrays {
		return "id = ANY(ARRAY(" + sub + "))"
	}
	return "id IN (" + sub + ")"
}

// failedCheckins is the table of FailedCheckin records.
var failedCheckins = &Table{name: "failed_checkins", selectColumns: SelectColumns, columns: columnTable}

// SelectColumns are the columns of a record in the order both stores scan
// them.
const SelectColumns = `id, unique_id, coworker_id, coworker_full_name, business_id, business_name,
	checkin_attempt_time, source, mac_addresses, teams, tariff, description,
	checkin_attempt_time_local, created_on, updated_on, updated_by, system_id, reason,
	resolved_by_checkin_id, resolved_on`

// Find is a search as SQL: Count and Page share the WHERE clause and Args;
// Page ends with LIMIT and OFFSET placeholders, so it takes Args followed by
// the page size and the offset.
type Find struct {
	Count string
	Page  string
	Args  []any
	// list reads the id of every match and, on each row, how many
	// matches there are (SQLite's window count(*) OVER ()), with Args.
	list string
	// narrowPage is Page that orders and skips the matches' ids alone,
	// then reads the page's records by id (narrowMinOffset).
	narrowPage string
}

// BuildFind turns q into SQL. The scope is applied here, inside the query;
// the caller handles the empty scope (which must not query at all).
func BuildFind(d Dialect, q fc.Query) (Find, error) { return failedCheckins.BuildFind(d, q) }

// BuildFind turns q into SQL over the table t; see the function BuildFind.
func (t *Table) BuildFind(d Dialect, q fc.Query) (Find, error) { return t.buildFind(d, q, "", nil) }

// buildFind is BuildFind whose page statement reads the index walk
// names (hint: SQLite's INDEXED BY, or NOT INDEXED for the rowid) when
// walk is not "": orderWalk's choice, a clause built from the index
// names above, never user text. With a seed (selective.go) both
// statements also test the seed's term and read its index.
func (t *Table) buildFind(d Dialect, q fc.Query, walk string, sd *seed) (Find, error) {
	a := &args{d: d, t: t}
	var seedTerm string
	if sd != nil {
		seedTerm = sd.term(a)
	}
	where, err := where(a, q)
	if sd != nil {
		where = withSeed(where, seedTerm)
	}
	if err != nil {
		return Find{}, err
	}
	order, err := orderBy(d, t, q.OrderBy, q.Descending)
	if err != nil {
		return Find{}, err
	}
	n := len(a.vals)
	limit, offset := a.add(nil), a.add(nil)
	count := t.name
	if sd != nil {
		count += indexedBy(d, sd)
	}
	from := count
	if walk != "" {
		from = t.name + walk
	}
	// narrowPage reads the page's records by their ids: SQLite is told
	// to do so through the rowid (its plan might otherwise take an index
	// of the WHERE it no longer has); PostgreSQL takes the primary key.
	byID := t.name
	if d.SortIndexHints {
		byID += hint("")
	}
	return Find{
		Count: "SELECT count(*) FROM " + count + where,
		list:  "SELECT id, count(*) OVER () FROM " + count + where,
		Page:  "SELECT " + t.selectColumns + " FROM " + from + where + order + " LIMIT " + limit + " OFFSET " + offset,
		narrowPage: "SELECT " + t.selectColumns + " FROM " + byID + " WHERE " + idsOf(d, "SELECT id FROM "+from+where+order+
			" LIMIT "+limit+" OFFSET "+offset) + order,
		Args: a.vals[:n:n],
	}, nil
}

// BuildWhere returns " WHERE ..." (or "") for q's scope and conditions,
// and its arguments.
func BuildWhere(d Dialect, q fc.Query) (string, []any, error) { return failedCheckins.BuildWhere(d, q) }

// BuildWhere returns the WHERE clause of q over the table t.
func (t *Table) BuildWhere(d Dialect, q fc.Query) (string, []any, error) {
	a := &args{d: d, t: t}
	w, err := where(a, q)
	return w, a.vals, err
}

func where(a *args, q fc.Query) (string, error) {
	a.order = q.OrderBy
	var terms []string
	if !q.Scope.All() {
		terms = append(terms, "business_id IN ("+list(a, q.Scope.Businesses())+")")
	}
	for _, c := range q.Conditions {
		term, err := condition(a, c)
		if err != nil {
			return "", err
		}
		terms = append(terms, term)
	}
	if len(terms) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(terms, " AND "), nil
}

// orderBy sorts by the field (its folded copy for text), then by id in the
// same direction. Null sorts first ascending and last descending, like ""
// (the folded copy of NULL is the empty string). Folded copies compare byte by byte (the
// stores give them a binary collation), as Go's strings.Compare does.
func orderBy(d Dialect, t *Table, f fc.Field, desc bool) (string, error) {
	col, ok := t.columns[f]
	if !ok {
		return "", unknownField(f)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if t.accountTimes && (col.kind == kindTime || col.kind == kindNullTime) {
		col.name = wholeSeconds(d.Accounts, col.name)
	}
	switch col.kind {
	case kindFalse: // a constant: only the tie-break is left
		return " ORDER BY id" + dir, nil
	case kindText, kindNullText:
		return " ORDER BY " + col.fold + dir + ", id" + dir, nil
	case kindNullInt, kindNullTime:
		nulls := ""
		if d.ExplicitNulls {
			nulls = map[bool]string{false: " NULLS FIRST", true: " NULLS LAST"}[desc]
		}
		return " ORDER BY " + col.name + dir + nulls + ", id" + dir, nil
	}
	if col.name == "id" {
		return " ORDER BY id" + dir, nil
	}
	return " ORDER BY " + col.name + dir + ", id" + dir, nil
}

// wholeSeconds returns the SQL of the whole seconds of the time column
// name, coded as c: what a sort by a time compares (fc.CompareField).
// NULL stays NULL.
func wholeSeconds(c TimeCoding, name string) string {
	switch c {
	case UnixMillis:
		return "(" + name + " / 1000)" // integer division: times are after 1970
	case Timestamp, TimestampMillis:
		return "date_trunc('second', " + name + ")"
	}
	return name
}

func unknownField(f fc.Field) error {
	return fc.Errorf(fc.ErrInvalid, "unknown field %q", f)
}

// CeilUnix returns t in whole Unix seconds, rounded up: records hold whole
// seconds, so "r >= From" is "r >= ceil(From)" and "r < Until" is
// "r < ceil(Until)".
func CeilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func mismatch(c fc.Condition) error {
	return fc.Errorf(fc.ErrInvalid, "field %q does not support this kind of filter", c.Field)
}
