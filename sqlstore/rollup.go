package sqlstore

import (
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// SecondsPerDay is the width of a rollup's day bucket: a UTC day of
// CheckinAttemptTime.
const SecondsPerDay = 86400

// Rollup is a table of exact counts of failed_checkins, one row per
// distinct combination of a few fields (and, when ByDay, the UTC day of
// CheckinAttemptTime), kept in the same transaction as every write: an
// insert adds to them, a delete subtracts (a row that reaches 0 goes), a
// rewrite moves the record from its old key to its new one (Changes,
// RollupCounts.Remove; on PostgreSQL the triggers of migration 0009). A search whose
// conditions only test a rollup's fields is counted by summing its rows
// instead of visiting every matching record. Its columns carry the names
// of failed_checkins (text with its folded copy), so the one builder and
// whitelist write its WHERE clause too.
type Rollup struct {
	Name   string
	Fields []fc.Field // integers NOT NULL or text NOT NULL
	ByDay  bool       // also grouped by day = floor(CheckinAttemptTime / SecondsPerDay)
	table  *Table
}

// newRollup returns a rollup over fields whose whitelist has exactly those
// fields (and IsNew, a constant every row shares).
func newRollup(name string, byDay bool, fields ...fc.Field) *Rollup {
	cols := map[fc.Field]column{fc.FieldIsNew: columnTable[fc.FieldIsNew]}
	for _, f := range fields {
		cols[f] = columnTable[f]
	}
	r := &Rollup{Name: name, Fields: fields, ByDay: byDay}
	r.table = &Table{name: name, columns: cols, rollup: r}
	return r
}

// businessRollup counts per business id and name; ImpliedBusinesses
// reads it too.
var businessRollup = newRollup("fc_count_business", false, fc.FieldBusinessID, fc.FieldBusinessName)

// The rollups that also serve as dictionaries (see dictionaries).
var (
	descriptionRollup  = newRollup("fc_count_description", false, fc.FieldDescription)
	sourceTariffRollup = newRollup("fc_count_source_tariff", false, fc.FieldSource, fc.FieldTariff)
	nameRollup         = newRollup("fc_count_name", false, fc.FieldCoworkerFullName)
	teamsRollup        = newRollup("fc_count_teams", false, fc.FieldTeams)
)

// Rollups are the count tables of failed_checkins, smallest first: a
// search is counted from the first one that covers it. Each costs one
// upsert per distinct key per import transaction and its rows on disk;
// docs/benchmarks.md says which shape each one serves.
var Rollups = []*Rollup{
	businessRollup,
	descriptionRollup, // sqlite migration 0007, postgres 0007
	sourceTariffRollup,
	nameRollup,
	teamsRollup,
	newRollup("fc_count_business_day", true, fc.FieldBusinessID, fc.FieldBusinessName),
	newRollup("fc_count_business_name", false, fc.FieldBusinessID, fc.FieldCoworkerFullName),
	newRollup("fc_count_business_day_source_description", true, fc.FieldBusinessID, fc.FieldSource, fc.FieldDescription),
}

// dictionaries are, for a text field, a small rollup whose rows list every
// distinct value of the field present in failed_checkins (with its folded
// copy). On any other rollup, a substring condition on the field becomes
// "field IN (the dictionary's values that contain the needle)": the same
// rows, since every value a rollup row carries is in the dictionary, but
// an equality the rollup's primary key can seek on instead of a test on
// every row. q3's count (business, source, description substring, days)
// went from scanning 8,348 rows of its rollup to seeking about 260.
var dictionaries = map[fc.Field]*Rollup{
	fc.FieldBusinessName:     businessRollup,
	fc.FieldTariff:           sourceTariffRollup,
	fc.FieldCoworkerFullName: nameRollup,
	fc.FieldTeams:            teamsRollup,
	fc.FieldDescription:      descriptionRollup,
}

// Columns returns the rollup's key columns in order: each field's column,
// then its folded copy for text, then day when ByDay. The count column n
// follows them in the table.
func (r *Rollup) Columns() []string {
	var cols []string
	for _, f := range r.Fields {
		c := columnTable[f]
		cols = append(cols, c.name)
		if isText(c.kind) {
			cols = append(cols, c.fold)
		}
	}
	if r.ByDay {
		cols = append(cols, "day")
	}
	return cols
}

// Upsert returns the statement adding n to the count of one key: the
// key columns' values, then n.
func (r *Rollup) Upsert(d Dialect) string { return r.UpsertRows(d, 1) }

// UpsertRows is Upsert for n distinct keys in one statement: the
// arguments of each key's Upsert in turn. The keys must differ (one
// statement may not update a row twice on PostgreSQL).
func (r *Rollup) UpsertRows(d Dialect, n int) string {
	cols := r.Columns()
	a := &args{d: d}
	rows := make([]string, n)
	for i := range rows {
		rows[i] = "(" + list(a, make([]any, len(cols)+1)) + ")"
	}
	return "INSERT INTO " + r.Name + " (" + strings.Join(cols, ", ") + ", n) VALUES " + strings.Join(rows, ", ") + r.OnConflict()
}

// OnConflict is the clause that adds an inserted n to the stored count of
// the same key.
func (r *Rollup) OnConflict() string {
	var key []string
	for _, f := range r.Fields {
		key = append(key, columnTable[f].name)
	}
	if r.ByDay {
		key = append(key, "day")
	}
	return " ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET n = " + r.Name + ".n + excluded.n"
}

// covers reports whether every condition (and the scope) tests only the
// rollup's fields.
func (r *Rollup) covers(q fc.Query) bool {
	if !q.Scope.All() {
		if _, ok := r.table.columns[fc.FieldBusinessID]; !ok {
			return false
		}
	}
	for _, c := range q.Conditions {
		if _, ok := r.table.columns[c.Field]; !ok {
			return false
		}
	}
	return true
}

// DayOf returns the day bucket of a Unix time, rounding down also before
// 1970.
func DayOf(unix int64) int64 {
	d := unix / SecondsPerDay
	if unix%SecondsPerDay < 0 {
		d--
	}
	return d
}
