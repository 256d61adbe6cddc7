package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
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

// PrepareRow validates r and returns the row to write at now. A bad record
// is an ErrInvalid error listing every bad field.
func PrepareRow(r *fc.FailedCheckin, now time.Time) (*NewRecord, error) {
	if r == nil {
		return nil, fc.Errorf(fc.ErrInvalid, "the record is missing")
	}
	if err := validate(r); err != nil {
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

// foldOptional folds a nullable text; NULL folds to "" so that NULL and ""
// sort together.
func foldOptional(s *string) string {
	if s == nil {
		return ""
	}
	return fc.Fold(*s)
}

// validate checks what the store cannot fill in, listing every bad field.
func validate(r *fc.FailedCheckin) error {
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
	if !r.Source.Valid() {
		add(string(fc.FieldSource), "must be one of 0-5 (None, Manual, DoorAccess, NetworkActivity, Tile, Sensor)", r.Source.String())
	}
	// The text both stores can keep (fc.TextKind): a record one store
	// takes, the other takes too, so imports and copies between them agree.
	bad = append(bad, r.CheckText()...)
	if len(bad) > 0 {
		return fc.InvalidFields(bad)
	}
	return nil
}

// NewUniqueID returns the UniqueId of a record the service creates (a
// check-in attempt's FailedCheckin or Checkin, or a record created
// without one): a random version 4 UUID in lower-case canonical form, as
// docs/api.md#the-failedcheckin-record says.
//
// A time-ordered version 7 UUID would be cheaper to insert: random keys
// dirty a random leaf page of the unique_id index on every insert, v7 keys
// append. Measured (docs/benchmarks.md, check-in attempts): about +20%
// attempts/s at store level with 16 clients, p99 3.7 -> 2.4 ms. It departs
// from the contract, so it is proposed there rather than done here.
func NewUniqueID() string {
	return uuid.NewString()
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

// ScanFailedCheckin reads one row of SelectColumns through scan (the Scan
// method of either driver's rows), times as d says.
func ScanFailedCheckin(d Dialect, scan func(dest ...any) error) (*fc.FailedCheckin, error) {
	var r fc.FailedCheckin
	var source int64
	t := d.Records
	err := scan(&r.ID, &r.UniqueID, &r.CoworkerID, &r.CoworkerFullName, &r.BusinessID, &r.BusinessName,
		t.Dest(&r.CheckinAttemptTime), &source, &r.MacAddresses, &r.Teams, &r.Tariff, &r.Description,
		t.Dest(&r.CheckinAttemptTimeLocal), t.Dest(&r.CreatedOn), t.Dest(&r.UpdatedOn), &r.UpdatedBy, &r.SystemID, &r.Reason)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	r.Source = fc.Source(source)
	return &r, nil
}
