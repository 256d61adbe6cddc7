package sqlstore

import (
	"slices"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// SecondsPerDay is the width of a rollup's day bucket: a UTC day of
// CheckinAttemptTime.
const SecondsPerDay = 86400

// Rollup is a table of exact counts of failed_checkins, one row per
// distinct combination of a few fields (and, with a Bucket, the bucket of
// one more field's value: the UTC day of CheckinAttemptTime, say), kept in
// the same transaction as every write: an
// insert adds to them, a delete subtracts (a row that reaches 0 goes), a
// rewrite moves the record from its old key to its new one (Changes,
// RollupCounts.Remove; on PostgreSQL the triggers of migrations 0009, 0017,
// 0023 and 0026). A search whose
// conditions only test a rollup's fields is counted by summing its rows
// instead of visiting every matching record. Its columns carry the names
// of failed_checkins (text with its folded copy), so the one builder and
// whitelist write its WHERE clause too.
type Rollup struct {
	Name   string
	Fields []fc.Field // integers NOT NULL or text NOT NULL
	Bucket *Bucket    // also grouped by this bucket of a range field, or nil
	// SQLiteOnly says PostgreSQL has no table (its triggers keep the
	// others): only a store that counts in Go (Dialect.RollupTrigger
	// false) writes and reads it.
	SQLiteOnly bool
	// TriggersOnly says that on PostgreSQL the table is kept by its
	// triggers alone, the store's own inserts (imports, check-in batches)
	// included: no writer counts it in Go there (countedInGo). The zone
	// maps (postgres migration 0028): the Go counts a batch writes as
	// arrays (FlushColumns) carry no bounds, and every update widens the
	// UpdatedOn bounds, which the update trigger sees.
	TriggersOnly bool
	// Bounds, on a zone map, are fields whose smallest and largest value
	// among the block's records each row also keeps (columns field_min,
	// field_max). They only widen: a record deleted or rewritten leaves
	// them, so they hold every value the block's records have, which is
	// all a count needs (zone.go).
	Bounds []fc.Field
	// Zone, on a zone map's per-value counts (zoneValues), is that zone
	// map: the rollup is keyed by its blocks, and only pickZone counts
	// from it, over the blocks the zone map finds inside a query's ranges.
	Zone  *Rollup
	table *Table
}

// Bucket groups a rollup's rows by floor(field / Width), in the column
// Column: the UTC day of a time (whole Unix seconds), or a block of Ids.
// A range on the field is then counted as the sum of the buckets wholly
// inside it, plus the records of the two partial buckets at its edges.
type Bucket struct {
	Field  fc.Field // CheckinAttemptTime, CreatedOn, UpdatedOn or Id
	Width  int64
	Column string
}

// dayBucket is the UTC day of CheckinAttemptTime (column day).
var dayBucket = &Bucket{Field: fc.FieldCheckinAttemptTime, Width: SecondsPerDay, Column: "day"}

// The Id blocks of the zone maps: a range of 700,000 Ids over every
// location sums about 700 rows of fc_zone, and one location's about 45 of
// fc_zone_business; a block that straddles a range's bound reads at most
// its 1,024 records, or its location's share of 16,384.
var (
	zoneBucket         = &Bucket{Field: fc.FieldID, Width: 1024, Column: "id_block"}
	zoneBusinessBucket = &Bucket{Field: fc.FieldID, Width: 16384, Column: "id_block"}
)

// zoneBounds are the fields whose smallest and largest values a zone map
// keeps per block (in whole Unix seconds; the local time as a wall clock).
var zoneBounds = []fc.Field{fc.FieldCheckinAttemptTime, fc.FieldCheckinAttemptTimeLocal, fc.FieldCreatedOn, fc.FieldUpdatedOn}

// ByDay reports whether r is grouped by the day of CheckinAttemptTime,
// which the seek of deep pages by that order reads (PlanSeek).
func (r *Rollup) ByDay() bool { return r.Bucket == dayBucket }

// usable reports whether d's store has r's table.
func (r *Rollup) usable(d Dialect) bool { return !r.SQLiteOnly || !d.RollupTrigger }

// countedInGo reports whether d's store counts r's rows in Go on the writes
// that count in Go (RollupCounts): every rollup it has, but those its
// triggers keep alone (TriggersOnly on PostgreSQL).
func (r *Rollup) countedInGo(d Dialect) bool {
	return r.usable(d) && !(r.TriggersOnly && d.RollupTrigger)
}

// of returns the bucket of r's stored value of the field.
func (b *Bucket) of(r *fc.FailedCheckin) int64 {
	var v int64
	switch b.Field {
	case fc.FieldID:
		v = r.ID
	case fc.FieldCreatedOn:
		v = r.CreatedOn.Unix()
	case fc.FieldUpdatedOn:
		v = r.UpdatedOn.Unix()
	default:
		v = r.CheckinAttemptTime.Unix()
	}
	return floorDiv(v, b.Width)
}

// boundValue is r's stored value of a Bounds field, as the column holds it.
func boundValue(r *fc.FailedCheckin, f fc.Field) int64 {
	switch f {
	case fc.FieldCheckinAttemptTimeLocal:
		return fc.WallClock(r.CheckinAttemptTimeLocal).Unix()
	case fc.FieldCreatedOn:
		return r.CreatedOn.Unix()
	case fc.FieldUpdatedOn:
		return r.UpdatedOn.Unix()
	}
	return r.CheckinAttemptTime.Unix()
}

// floorDiv is v / w rounded down, also below 0.
func floorDiv(v, w int64) int64 {
	d := v / w
	if v%w < 0 {
		d--
	}
	return d
}

// newRollup returns a rollup over fields whose whitelist has exactly those
// fields (and IsNew, a constant every row shares).
func newRollup(name string, b *Bucket, fields ...fc.Field) *Rollup {
	cols := map[fc.Field]column{fc.FieldIsNew: columnTable[fc.FieldIsNew]}
	for _, f := range fields {
		cols[f] = columnTable[f]
	}
	r := &Rollup{Name: name, Fields: fields, Bucket: b}
	r.table = &Table{name: name, columns: cols, rollup: r}
	return r
}

// newZone returns a zone map: a rollup of fields by Id block that also
// keeps the zoneBounds of each row, on PostgreSQL by its triggers alone
// (TriggersOnly).
func newZone(name string, b *Bucket, fields ...fc.Field) *Rollup {
	r := newRollup(name, b, fields...)
	r.TriggersOnly, r.Bounds = true, zoneBounds
	return r
}

// businessRollup counts per business id and name; ImpliedBusinesses
// reads it too.
var businessRollup = newRollup("fc_count_business", nil, fc.FieldBusinessID, fc.FieldBusinessName)

// The rollups that also serve as dictionaries (see dictionaries).
var (
	descriptionRollup  = newRollup("fc_count_description", nil, fc.FieldDescription)
	sourceTariffRollup = newRollup("fc_count_source_tariff", nil, fc.FieldSource, fc.FieldTariff)
	nameRollup         = newRollup("fc_count_name", nil, fc.FieldCoworkerFullName)
	teamsRollup        = newRollup("fc_count_teams", nil, fc.FieldTeams)
	// macRollup lists the distinct MacAddresses lists (62,297 of the 1M
	// bench data's, one of them the empty list of 650,203 records): a
	// substring of them was tested on the 350,000 non-empty entries of
	// failed_checkins_mac_addresses, 40-160 ms (issue 17).
	macRollup = newRollup("fc_count_mac", nil, fc.FieldMacAddresses)
	// businessNameRollup is also the dictionary of a few locations' names
	// (zonePlan.nameStatement).
	businessNameRollup = newRollup("fc_count_business_name", nil, fc.FieldBusinessID, fc.FieldCoworkerFullName)
	// valuesRollup counts the records of each Source, tariff and
	// description together (1,808 rows of the 6 x 31 x 12 possible at 1M
	// records): a search of two or three of those fields at once, which
	// no other rollup covers, was counted from every record (issue 17's
	// r158, a tariff and a description: 1 s in a plain count, about 140
	// ms of CPU per request).
	valuesRollup = newRollup("fc_count_source_tariff_description", nil, fc.FieldSource, fc.FieldTariff, fc.FieldDescription)
)

// Rollups are the count tables of failed_checkins, smallest first: a
// search is counted from the first one that covers it. Each costs one
// upsert per distinct key per import transaction and its rows on disk;
// docs/benchmarks.md says which shape each one serves.
var Rollups = append([]*Rollup{
	businessRollup,
	descriptionRollup, // sqlite migration 0007, postgres 0007
	sourceTariffRollup,
	valuesRollup, // sqlite migration 0025, postgres 0026
	nameRollup,
	teamsRollup,
	macRollup, // sqlite migration 0022, postgres 0023
	newRollup("fc_count_business_day", dayBucket, fc.FieldBusinessID, fc.FieldBusinessName),
	businessNameRollup,
	newRollup("fc_count_business_day_source_description", dayBucket, fc.FieldBusinessID, fc.FieldSource, fc.FieldDescription),
	zoneMap,         // sqlite migration 0021, postgres 0028
	zoneBusinessMap, // sqlite migration 0021, postgres 0028
}, zoneValues...) // sqlite migration 0023, postgres 0028

// The zone maps (zone.go).
var (
	zoneMap         = newZone("fc_zone", zoneBucket)
	zoneBusinessMap = newZone("fc_zone_business", zoneBusinessBucket, fc.FieldBusinessID)
)

// The per-value counts of the zone maps' blocks (zone.go): fields of few
// values (6 sources, 31 tariffs and 12 descriptions in the 1M bench data)
// that searches combine with a range or a location. At 1M records
// fc_zone's hold 5,862, 30,287 and 11,724 rows, fc_zone_business's
// (per location and block of 16,384 Ids) 57,852, 199,251 and 121,359.
var zoneValues = []*Rollup{
	newZoneValues("fc_zone_source", zoneMap, fc.FieldSource),
	newZoneValues("fc_zone_tariff", zoneMap, fc.FieldTariff),
	newZoneValues("fc_zone_description", zoneMap, fc.FieldDescription),
	newZoneValues("fc_zone_business_source", zoneBusinessMap, fc.FieldSource),
	newZoneValues("fc_zone_business_tariff", zoneBusinessMap, fc.FieldTariff),
	newZoneValues("fc_zone_business_description", zoneBusinessMap, fc.FieldDescription),
}

// newZoneValues returns the counts of field's values per row (location
// and block) of zone map z (TriggersOnly, like the zone map).
func newZoneValues(name string, z *Rollup, field fc.Field) *Rollup {
	r := newRollup(name, z.Bucket, append(slices.Clone(z.Fields), field)...)
	r.TriggersOnly, r.Zone = true, z
	return r
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
	fc.FieldMacAddresses:     macRollup,
}

// Columns returns the rollup's key columns in order: each field's column,
// then its folded copy for text, then the bucket's. The count column n
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
	if r.Bucket != nil {
		cols = append(cols, r.Bucket.Column)
	}
	for _, f := range r.Bounds {
		c := columnTable[f].name
		cols = append(cols, c+"_min", c+"_max")
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

// UpsertArrays is UpsertRows for any number of distinct keys, each column
// bound as one array (PostgreSQL's unnest: Dialect.IDArrays): the
// arguments are, for each of Columns() and then n, the keys' values in
// order ([]int64 or []string). Its text is the same whatever the number
// of keys, so it is prepared once per connection. Not for a zone map
// (Bounds).
func (r *Rollup) UpsertArrays() string {
	var types []string
	for _, f := range r.Fields {
		if isInt(columnTable[f].kind) {
			types = append(types, "bigint")
		} else {
			types = append(types, "text", "text") // the value and its folded copy
		}
	}
	if r.Bucket != nil {
		types = append(types, "bigint")
	}
	types = append(types, "bigint") // n
	params := make([]string, len(types))
	for i, t := range types {
		params[i] = "$" + strconv.Itoa(i+1) + "::" + t + "[]"
	}
	return "INSERT INTO " + r.Name + " (" + strings.Join(r.Columns(), ", ") + ", n) SELECT * FROM unnest(" +
		strings.Join(params, ", ") + ")" + r.OnConflict()
}

// OnConflict is the clause that adds an inserted n to the stored count of
// the same key.
func (r *Rollup) OnConflict() string {
	var key []string
	for _, f := range r.Fields {
		key = append(key, columnTable[f].name)
	}
	if r.Bucket != nil {
		key = append(key, r.Bucket.Column)
	}
	set := " DO UPDATE SET n = " + r.Name + ".n + excluded.n"
	for _, f := range r.Bounds {
		c := columnTable[f].name
		set += ", " + c + "_min = min(" + r.Name + "." + c + "_min, excluded." + c + "_min)" +
			", " + c + "_max = max(" + r.Name + "." + c + "_max, excluded." + c + "_max)"
	}
	return " ON CONFLICT (" + strings.Join(key, ", ") + ")" + set
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
