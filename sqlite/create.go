package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/mattn/go-sqlite3"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
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
// goes so an import never holds the whole file in memory (another
// goroutine ranges over it, a few batches ahead of the inserts: bulk.go,
// insertRecords). The first error
// (yielded by the sequence, a validation failure, a duplicate Id or
// UniqueId, or ctx being cancelled) rolls everything back and is returned;
// an error from the sequence comes back wrapped, unchanged, so the caller
// can report its line. The records themselves are not modified.
func (db *DB) CreateFailedCheckins(ctx context.Context, records iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	n := 0
	err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		n, err = insertRecords(ctx, tx, now, records) // bulk.go
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// insertArgs validates r and returns the arguments of insertFailedCheckin,
// filling in what the store decides (sqlstore.PrepareRow): a new UniqueId,
// CreatedOn = now, UpdatedOn = CreatedOn, and the folded copies of the text
// columns.
func insertArgs(r *fc.FailedCheckin, now time.Time) ([]any, error) {
	row, err := sqlstore.PrepareRow(r, now)
	if err != nil {
		return nil, err
	}
	var id, coworker any
	if r.ID > 0 {
		id = r.ID // 0 (nil): the writer gives the next Id (bulk.go, nextID)
	}
	if r.CoworkerID != nil {
		coworker = *r.CoworkerID
	}
	return []any{
		id, row.UniqueID, coworker, r.CoworkerFullName, row.CoworkerFullName,
		r.BusinessID, r.BusinessName, row.BusinessName, r.CheckinAttemptTime.Unix(), int64(r.Source),
		r.MacAddresses, row.MacAddresses, r.Teams, row.Teams, r.Tariff, row.Tariff,
		r.Description, row.Description, wallUnix(r.CheckinAttemptTimeLocal), row.CreatedOn.Unix(), row.UpdatedOn.Unix(),
		optional(r.UpdatedBy), row.UpdatedBy, optional(r.SystemID), row.SystemID, optional(r.Reason), row.Reason,
	}, nil
}

// optional returns the column value of a nullable text: nil for NULL.
func optional(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// insertError turns a constraint violation into an ErrConflict naming the
// clashing Id or UniqueId (arguments 0 and 1 of insertFailedCheckin);
// anything else is internal.
func insertError(pos int, args []any, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey:
			id, _ := args[0].(int64)
			return sqlstore.IDConflict(pos, id, err)
		case sqlite3.ErrConstraintUnique:
			return sqlstore.UniqueIDConflict(pos, args[1].(string), err)
		}
	}
	return fmt.Errorf("record %d: insert: %w", pos, err)
}
