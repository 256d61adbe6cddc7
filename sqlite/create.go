package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"

	fc "github.com/failedcheckins/failedcheckins"
)

const insertFailedCheckin = `INSERT INTO failed_checkins (
	id, unique_id, coworker_id, coworker_full_name, coworker_full_name_fold,
	business_id, business_name, business_name_fold, checkin_attempt_time, source,
	mac_addresses, mac_addresses_fold, teams, teams_fold, tariff, tariff_fold,
	description, description_fold, checkin_attempt_time_local, created_on, updated_on,
	updated_by, updated_by_fold, system_id, system_id_fold, reason, reason_fold
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateFailedCheckins writes every record of the sequence in one write
// transaction through one prepared statement, reading the sequence as it
// goes so an import never holds the whole file in memory. The first error
// (yielded by the sequence, a validation failure, a duplicate Id or
// UniqueId, or ctx being cancelled) rolls everything back and is returned;
// an error from the sequence comes back wrapped, unchanged, so the caller
// can report its line. The records themselves are not modified.
func (db *DB) CreateFailedCheckins(ctx context.Context, records iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	n := 0
	err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		stmt, err := tx.PrepareContext(ctx, insertFailedCheckin)
		if err != nil {
			return fmt.Errorf("prepare insert: %w", err)
		}
		defer stmt.Close()
		for r, err := range records {
			if err != nil {
				return fmt.Errorf("record %d: %w", n+1, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			args, err := insertArgs(r, now)
			if err != nil {
				return recordError(n+1, err)
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return insertError(n+1, r, args[1].(string), err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// insertArgs validates r and returns the arguments of insertFailedCheckin,
// filling in what the store decides: a new UniqueId, CreatedOn = now,
// UpdatedOn = CreatedOn, and the folded copies of the text columns.
func insertArgs(r *fc.FailedCheckin, now time.Time) ([]any, error) {
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
	var id, coworker any
	if r.ID > 0 {
		id = r.ID // 0 leaves it to SQLite: the next id after the largest
	}
	if r.CoworkerID != nil {
		coworker = *r.CoworkerID
	}
	created := r.CreatedOn
	if created.IsZero() {
		created = now
	}
	updated := r.UpdatedOn
	if updated.IsZero() {
		updated = created
	}
	updatedBy, updatedByFold := optional(r.UpdatedBy)
	systemID, systemIDFold := optional(r.SystemID)
	reason, reasonFold := optional(r.Reason)
	return []any{
		id, uid, coworker, r.CoworkerFullName, fc.Fold(r.CoworkerFullName),
		r.BusinessID, r.BusinessName, fc.Fold(r.BusinessName), r.CheckinAttemptTime.Unix(), int64(r.Source),
		r.MacAddresses, fc.Fold(r.MacAddresses), r.Teams, fc.Fold(r.Teams), r.Tariff, fc.Fold(r.Tariff),
		r.Description, fc.Fold(r.Description), wallUnix(r.CheckinAttemptTimeLocal), created.Unix(), updated.Unix(),
		updatedBy, updatedByFold, systemID, systemIDFold, reason, reasonFold,
	}, nil
}

// optional returns the column value of a nullable text (nil for NULL) and
// its folded copy (” for NULL, so NULL and "" sort together).
func optional(s *string) (any, string) {
	if s == nil {
		return nil, ""
	}
	return *s, fc.Fold(*s)
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
	if len(bad) > 0 {
		return fc.InvalidFields(bad)
	}
	return nil
}

// uniqueID returns a new v4 UUID for an empty text and the lower-case
// canonical form of a valid one.
func uniqueID(text string) (string, error) {
	if text == "" {
		return uuid.NewString(), nil
	}
	u, err := uuid.Parse(text)
	if err != nil {
		return "", fc.InvalidFields([]fc.FieldError{{
			Property: string(fc.FieldUniqueID), Message: "must be a UUID (like 3f2b0c1e-8a4d-4c5e-9f6a-1b2c3d4e5f60)", AttemptedValue: text,
		}})
	}
	return u.String(), nil
}

// recordError prefixes a client-safe error with the record's position in
// the sequence, keeping its code and field list.
func recordError(pos int, err error) error {
	var e *fc.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("record %d: %w", pos, err)
	}
	return &fc.Error{Code: e.Code, Fields: e.Fields, Message: fmt.Sprintf("record %d: %s", pos, e.Message)}
}

// insertError turns a constraint violation into an ErrConflict naming the
// clashing Id or UniqueId; anything else is internal.
func insertError(pos int, r *fc.FailedCheckin, uid string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey:
			return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrConflict, "record %d: a record with Id %d already exists", pos, r.ID), err)
		case sqlite3.ErrConstraintUnique:
			return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrConflict, "record %d: a record with UniqueId %s already exists", pos, uid), err)
		}
	}
	return fmt.Errorf("record %d: insert: %w", pos, err)
}
