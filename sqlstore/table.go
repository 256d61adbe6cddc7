package sqlstore

import fc "github.com/failedcheckins/failedcheckins"

// Table is one searchable entity: its table name, the columns a record is
// scanned from and its whitelist of fields. Every entity shares the rules
// of docs/api.md#search; only the table differs. Tables are read-only.
type Table struct {
	name          string
	selectColumns string
	columns       map[fc.Field]column
	rollup        *Rollup // the rollup this table is, nil for a table of records
	// accountTimes says the table's times are coded as Dialect.Accounts
	// (milliseconds) rather than Records (whole seconds): a range's
	// bounds are coded so, and a time sorts by its whole second (as
	// fc.CompareField does), ties broken by id.
	accountTimes bool
}

// Checkins is the table of Checkin records (docs/api.md#searching-check-ins).
var Checkins = &Table{name: "checkins", selectColumns: CheckinColumns, columns: map[fc.Field]column{
	fc.FieldID:               {name: "id", kind: kindInt},
	fc.FieldUniqueID:         {name: "unique_id", fold: "unique_id", kind: kindText},
	fc.FieldCoworkerID:       {name: "coworker_id", kind: kindInt},
	fc.FieldCoworkerFullName: {name: "coworker_full_name", fold: "coworker_full_name_fold", kind: kindText},
	fc.FieldBusinessID:       {name: "business_id", kind: kindInt},
	fc.FieldBusinessName:     {name: "business_name", fold: "business_name_fold", kind: kindText},
	fc.FieldSource:           {name: "source", kind: kindInt},
	fc.FieldFromTime:         {name: "from_time", kind: kindTime},
	fc.FieldToTime:           {name: "to_time", kind: kindNullTime},
	fc.FieldFromTimeLocal:    {name: "from_time_local", kind: kindTime},
	fc.FieldToTimeLocal:      {name: "to_time_local", kind: kindNullTime},
	fc.FieldMacAddresses:     {name: "mac_addresses", fold: "mac_addresses_fold", kind: kindText},
	fc.FieldTeams:            {name: "teams", fold: "teams_fold", kind: kindText},
	fc.FieldTariff:           {name: "tariff", fold: "tariff_fold", kind: kindText},
	fc.FieldCreatedOn:        {name: "created_on", kind: kindTime},
	fc.FieldUpdatedOn:        {name: "updated_on", kind: kindTime},
	fc.FieldUpdatedBy:        {name: "updated_by", fold: "updated_by_fold", kind: kindNullText},
	fc.FieldIsNew:            {name: "CAST(0 AS BIGINT)", kind: kindFalse},
	fc.FieldSystemID:         {name: "system_id", fold: "system_id_fold", kind: kindNullText},
}}

// CheckinColumns are the columns of a Checkin in the order both stores
// scan them.
const CheckinColumns = `id, unique_id, coworker_id, coworker_full_name, business_id, business_name,
	source, from_time, to_time, from_time_local, to_time_local, mac_addresses, teams, tariff,
	created_on, updated_on, updated_by, system_id`
