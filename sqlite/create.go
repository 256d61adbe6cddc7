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

// insertArgs validates r and returns the arguments of
// sqlstore.InsertFailedSQL (sqlstore.FailedValues), with what the store
// decides filled in (sqlstore.PrepareRow): a new UniqueId, CreatedOn =
// now, UpdatedOn = CreatedOn, the folded copies of the text columns. An Id
// of 0 is left for the writer to give (bulk.go, nextID).
func insertArgs(r *fc.FailedCheckin, now time.Time) ([]any, *sqlstore.NewRecord, error) {
	row, err := sqlstore.PrepareRow(r, now)
	if err != nil {
		return nil, nil, err
	}
	return sqlstore.FailedValues(dialect, r.ID, row), row, nil
}

// insertError turns a constraint violation into an ErrConflict naming the
// clashing Id or UniqueId (arguments 0 and 1 of sqlstore.InsertFailedSQL);
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
