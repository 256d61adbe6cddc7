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
	"github.com/failedcheckins/failedcheckins/sqlbuild"
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
		counts := newRollupCounter()                // rollup.go: the exact counts searches sum
		indexes, err := dropIndexesIfEmpty(ctx, tx) // bulk.go: a first import builds them at the end
		if err != nil {
			return err
		}
		// The driver starts a goroutine per statement to interrupt it when a
		// cancellable context ends; per row that cost a third of an import.
		// Cancellation is checked here once per row instead.
		rowCtx := context.WithoutCancel(ctx)
		for r, err := range records {
			if err != nil {
				return fmt.Errorf("record %d: %w", n+1, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			args, err := insertArgs(r, now)
			if err != nil {
				return sqlbuild.RecordError(n+1, err)
			}
			if _, err := stmt.ExecContext(rowCtx, args...); err != nil {
				return insertError(n+1, r, args[1].(string), err)
			}
			counts.Add(r)
			if err := counts.flushIfLarge(rowCtx, tx); err != nil {
				return err
			}
			n++
		}
		if err := counts.flush(ctx, tx); err != nil {
			return err
		}
		return rebuildIndexes(ctx, tx, indexes)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// insertArgs validates r and returns the arguments of insertFailedCheckin,
// filling in what the store decides (sqlbuild.PrepareRow): a new UniqueId,
// CreatedOn = now, UpdatedOn = CreatedOn, and the folded copies of the text
// columns.
func insertArgs(r *fc.FailedCheckin, now time.Time) ([]any, error) {
	row, err := sqlbuild.PrepareRow(r, now)
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
// clashing Id or UniqueId; anything else is internal.
func insertError(pos int, r *fc.FailedCheckin, uid string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey:
			return sqlbuild.IDConflict(pos, r.ID, err)
		case sqlite3.ErrConstraintUnique:
			return sqlbuild.UniqueIDConflict(pos, uid, err)
		}
	}
	return fmt.Errorf("record %d: insert: %w", pos, err)
}
