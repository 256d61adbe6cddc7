package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	fc "github.com/failedcheckins/failedcheckins"
)

// NewRecord is a record ready to be written: validated, with the values the
// store decides filled in and the folded copies of its text computed. Both
// stores write the columns of failed_checkins from it.
type NewRecord struct {
	Record *fc.FailedCheckin // as given; never modified
	// UniqueID is the record's UniqueId in lower-case canonical form, or a
	// new one from NewUniqueID when it had none.
	UniqueID string
	// CreatedOn is the record's, or now when it had none; UpdatedOn the
	// record's, or CreatedOn.
	CreatedOn, UpdatedOn time.Time
	// The folded copies of the text columns (failedcheckins.Fold); a NULL
	// text folds to "".
	CoworkerFullName, BusinessName, MacAddresses, Teams, Tariff, Description string
	UpdatedBy, SystemID, Reason                                              string
}

// FailedColumns are the columns of failed_checkins a new record fills, in
// the order of FailedValues: the one list that InsertFailedSQL, the
// SQLite import and the PostgreSQL COPY all write.
var FailedColumns = []string{
	"id", "unique_id", "coworker_id", "coworker_full_name", "coworker_full_name_fold",
	"business_id", "business_name", "business_name_fold", "checkin_attempt_time", "source",
	"mac_addresses", "mac_addresses_fold", "teams", "teams_fold", "tariff", "tariff_fold",
	"description", "description_fold", "checkin_attempt_time_local", "created_on", "updated_on",
	"updated_by", "updated_by_fold", "system_id", "system_id_fold", "reason", "reason_fold",
	"resolved_by_checkin_id", "resolved_on",
}

// InsertFailedSQL writes a failed check-in with every column of
// FailedColumns: FailedValues.
var InsertFailedSQL = insertSQL("failed_checkins", FailedColumns)

// InsertFailedRowsSQL is InsertFailedSQL for n rows in one statement: the
// arguments are FailedValues of each row in turn. The SQLite import runs
// it on full batches: one statement for n rows spares n - 1 times the
// cost of a statement (database/sql, the driver, SQLite's reset).
func InsertFailedRowsSQL(n int) string { return insertRowsSQL("failed_checkins", FailedColumns, n) }

// insertSQL is the INSERT of one row of columns into table, with the
// placeholders $1, $2, ... in column order.
func insertSQL(table string, columns []string) string { return insertRowsSQL(table, columns, 1) }

// insertRowsSQL is the INSERT of n rows of columns into table, with the
// placeholders $1, $2, ... in row then column order.
func insertRowsSQL(table string, columns []string, n int) string {
	rows := make([]string, n)
	ph := make([]string, len(columns))
	for r := range rows {
		for i := range ph {
			ph[i] = "$" + strconv.Itoa(r*len(columns)+i+1)
		}
		rows[r] = "(" + strings.Join(ph, ", ") + ")"
	}
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + strings.Join(rows, ", ")
}

// FailedValues returns the arguments of InsertFailedSQL (the values of
// FailedColumns) for a prepared row with the Id id, times as d stores
// them. The SQLite import passes id 0 for "the next Id" (sqlite/bulk.go).
func FailedValues(d Dialect, id int64, row *NewRecord) []any {
	r, t := row.Record, d.Records
	return []any{
		id, row.UniqueID, r.CoworkerID, r.CoworkerFullName, row.CoworkerFullName,
		r.BusinessID, r.BusinessName, row.BusinessName, t.Value(r.CheckinAttemptTime), int64(r.Source),
		r.MacAddresses, row.MacAddresses, r.Teams, row.Teams, r.Tariff, row.Tariff,
		r.Description, row.Description, t.Wall(r.CheckinAttemptTimeLocal), t.Value(row.CreatedOn), t.Value(row.UpdatedOn),
		r.UpdatedBy, row.UpdatedBy, r.SystemID, row.SystemID, r.Reason, row.Reason,
		r.ResolvedByCheckinID, t.Optional(r.ResolvedOn),
	}
}

// PrepareRow validates r and returns the row to write at now. A bad record
// is an ErrInvalid error listing every bad field.
func PrepareRow(r *fc.FailedCheckin, now time.Time) (*NewRecord, error) {
	return prepareRow(r, now, true)
}

// prepareOwnRow is PrepareRow for a refusal the attempt pipeline made. Its
// text comes from the attempt, checked where it entered, and from the
// stored directory, which may predate the text rules (a longer name kept
// before they existed): such a refusal is recorded as the directory says
// rather than failing the attempt (fc.ParseStoredDirectory).
func prepareOwnRow(r *fc.FailedCheckin, now time.Time) (*NewRecord, error) {
	return prepareRow(r, now, false)
}

func prepareRow(r *fc.FailedCheckin, now time.Time, checkText bool) (*NewRecord, error) {
	if r == nil {
		return nil, fc.Errorf(fc.ErrInvalid, "the record is missing")
	}
	if err := validate(r, checkText); err != nil {
		return nil, err
	}
	uid, err := uniqueID(r.UniqueID)
	if err != nil {
		return nil, err
	}
	row := &NewRecord{Record: r, UniqueID: uid, CreatedOn: r.CreatedOn, UpdatedOn: r.UpdatedOn,
		CoworkerFullName: fc.Fold(r.CoworkerFullName), BusinessName: fc.Fold(r.BusinessName),
		MacAddresses: fc.Fold(r.MacAddresses), Teams: fc.Fold(r.Teams), Tariff: fc.Fold(r.Tariff),
		Description: fc.Fold(r.Description),
		UpdatedBy:   foldOptional(r.UpdatedBy), SystemID: foldOptional(r.SystemID), Reason: foldOptional(r.Reason)}
	if row.CreatedOn.IsZero() {
		row.CreatedOn = now
	}
	if row.UpdatedOn.IsZero() {
		row.UpdatedOn = row.CreatedOn
	}
	return row, nil
}

// Counted returns the record as the rollups count it: r with the id it is
// stored under and row's CreatedOn and UpdatedOn (now when r had none),
// which the rollups bucketed by those fields read. r itself is not
// modified.
func (row *NewRecord) Counted(id int64) *fc.FailedCheckin {
	r := row.Record
	if r.ID == id && r.CreatedOn.Equal(row.CreatedOn) && r.UpdatedOn.Equal(row.UpdatedOn) {
		return r
	}
	c := *r
	c.ID, c.CreatedOn, c.UpdatedOn = id, row.CreatedOn, row.UpdatedOn
	return &c
}

// foldOptional folds a nullable text; NULL folds to "" so that NULL and ""
// sort together.
func foldOptional(s *string) string {
	if s == nil {
		return ""
	}
	return fc.Fold(*s)
}

// validate checks what the store cannot fill in, listing every bad field.
func validate(r *fc.FailedCheckin, checkText bool) error {
	var bad []fc.FieldError
	add := func(property, message, value string) {
		bad = append(bad, fc.FieldError{Property: property, Message: message, AttemptedValue: value})
	}
	if r.ID < 0 {
		add(string(fc.FieldID), "must be a positive integer (or 0 to assign the next one)", strconv.FormatInt(r.ID, 10))
	}
	if r.BusinessID <= 0 {
		add(string(fc.FieldBusinessID), "is required and must be a positive integer", strconv.FormatInt(r.BusinessID, 10))
	}
	if r.CheckinAttemptTime.IsZero() {
		add(string(fc.FieldCheckinAttemptTime), "is required", "")
	}
	if r.CheckinAttemptTimeLocal.IsZero() {
		add(string(fc.FieldCheckinAttemptTimeLocal), "is required", "")
	}
	// A resolution is one fact, the check-in and when: an import carries
	// both or neither, so Resolved and ResolvedOn never disagree.
	if (r.ResolvedByCheckinID == nil) != (r.ResolvedOn == nil) {
		add(string(fc.FieldResolvedOn), "is given if and only if ResolvedByCheckinId is", optionalTime(r.ResolvedOn))
	}
	if r.ResolvedByCheckinID != nil && *r.ResolvedByCheckinID <= 0 {
		add(string(fc.FieldResolvedByCheckinID), "must be a positive integer (the Id of a check-in) or null", strconv.FormatInt(*r.ResolvedByCheckinID, 10))
	}
	if !r.Source.Valid() {
		add(string(fc.FieldSource), "must be one of 0-5 (None, Manual, DoorAccess, NetworkActivity, Tile, Sensor)", r.Source.String())
	}
	// The text both stores can keep (fc.TextKind): a record one store
	// takes, the other takes too, so imports and copies between them agree.
	if checkText {
		bad = append(bad, r.CheckText()...)
	}
	if len(bad) > 0 {
		return fc.InvalidFields(bad)
	}
	return nil
}

// optionalTime is t as an error message shows it, "" for nil.
func optionalTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// NewUniqueID returns the UniqueId of a record the service creates (a
// check-in attempt's FailedCheckin or Checkin, or a record created
// without one): a time-ordered version 7 UUID (RFC 9562) in lower-case
// canonical form, as docs/api.md#the-failedcheckin-record says. Its
// leading 48 bits are the Unix milliseconds of its making, and the
// library keeps the ids of one process strictly increasing even within a
// millisecond, so the ids of successive records sort as they were made:
// each insert appends to the unique_id index instead of dirtying a
// random leaf page (docs/benchmarks.md measured about +20% check-in
// attempts/s at store level with 16 clients, p99 3.7 -> 2.4 ms). It
// reveals only what CreatedOn already says.
func NewUniqueID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// uniqueID returns NewUniqueID for an empty text and the lower-case
// canonical form of a valid one.
func uniqueID(text string) (string, error) {
	if text == "" {
		return NewUniqueID(), nil
	}
	u, err := uuid.Parse(text)
	if err != nil {
		return "", fc.InvalidFields([]fc.FieldError{{
			Property: string(fc.FieldUniqueID), Message: "must be a UUID (like 3f2b0c1e-8a4d-4c5e-9f6a-1b2c3d4e5f60)", AttemptedValue: text,
		}})
	}
	return u.String(), nil
}

// RecordError prefixes a client-safe error with the record's position in
// the sequence, keeping its code and field list.
func RecordError(pos int, err error) error {
	var e *fc.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("record %d: %w", pos, err)
	}
	return &fc.Error{Code: e.Code, Fields: e.Fields, Message: fmt.Sprintf("record %d: %s", pos, e.Message)}
}

// IDConflict and UniqueIDConflict are the ErrConflict errors of a record
// whose Id or UniqueId is taken, wrapping the database's error for the log.
func IDConflict(pos int, id int64, err error) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrConflict, "record %d: a record with Id %d already exists", pos, id), err)
}

// UniqueIDConflict: see IDConflict.
func UniqueIDConflict(pos int, uid string, err error) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrConflict, "record %d: a record with UniqueId %s already exists", pos, uid), err)
}

// FailedByIDSQL reads one record by Id within a scope: arguments the Id,
// true for every location, and the allowed location ids as d.Lists stores
// a list. One text serves every scope, so a store can prepare it once,
// and the scope stays inside the query (never a filter on rows already
// read).
func FailedByIDSQL(d Dialect) string {
	return `SELECT ` + SelectColumns + ` FROM failed_checkins WHERE id = $1 AND ($2 OR ` + d.Lists.Member("business_id", "$3") + `)`
}

// FailedCheckinReads are the reads of fc.FailedCheckinStore, the same on
// both databases: each store's DB embeds them (NewFailedCheckinReads)
// with its own ways to read.
type FailedCheckinReads struct {
	d Dialect
	// point runs single statements the store's cheapest way, outside a
	// transaction (SQLite's statements prepared on the reader pool,
	// PostgreSQL's pool, where a point lookup may reuse a generic plan).
	point Tx
	// search runs a search's statements in one snapshot, so a concurrent
	// write never makes a page disagree with its total.
	search ReadFunc
	byID   string // FailedByIDSQL(d), made once
}

// NewFailedCheckinReads returns the reads of a store of dialect d.
func NewFailedCheckinReads(d Dialect, point Tx, search ReadFunc) FailedCheckinReads {
	return FailedCheckinReads{d: d, point: point, search: search, byID: FailedByIDSQL(d)}
}

// FindFailedCheckins returns the page q selects and the exact total
// (FindFailedCheckins, in one Search snapshot).
func (r *FailedCheckinReads) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	return FindFailedCheckins(ctx, r.d, r.search, q)
}

// FindFailedCheckinByID returns the record with the given id, or an
// ErrNotFound error when it does not exist or lies outside scope (the two
// are indistinguishable on purpose). It runs FailedByIDSQL as a point
// lookup, with no count and no transaction (a single SELECT reads one
// snapshot anyway).
func (r *FailedCheckinReads) FindFailedCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.FailedCheckin, error) {
	// Made only when needed: formatting it on every lookup cost about a
	// tenth of a webhook body's read (BenchmarkHTTP16Push/push profile).
	notFound := func() error { return fc.Errorf(fc.ErrNotFound, "no FailedCheckin with Id %d", id) }
	if scope.Empty() {
		return nil, notFound()
	}
	businesses, err := r.d.Lists.Ints(scope.Businesses())
	if err != nil {
		return nil, err
	}
	found, err := QueryFailedCheckins(ctx, r.d, r.point, r.byID, []any{id, scope.All(), businesses})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound()
	}
	return found[0], nil
}
