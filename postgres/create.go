package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// copyChunk is how many records go to the server in one COPY. A chunk is
// kept in memory so that a conflict can be traced back to its record.
const copyChunk = 5000

// CreateFailedCheckins writes every record of the sequence in one
// transaction, reading the sequence as it goes and sending it in COPY
// chunks, so an import never holds the whole file in memory. The first
// error (yielded by the sequence, a validation failure, a duplicate Id or
// UniqueId, or ctx being cancelled) rolls everything back and is returned;
// an error from the sequence comes back wrapped, unchanged. The records
// themselves are not modified. Writers on every server take turns on one
// advisory lock for the length of their transaction.
func (db *DB) CreateFailedCheckins(ctx context.Context, records iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	n := 0
	err := db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		// ImportLock first: check-ins are turned away (a 503 at once)
		// until the import ends, rather than queueing behind it.
		if _, err := tx.Exec(ctx, dialect.ImportLock); err != nil {
			return fmt.Errorf("lock for importing: %w", err)
		}
		if _, err := tx.Exec(ctx, dialect.LockRecords); err != nil {
			return fmt.Errorf("lock for writing: %w", err)
		}
		var maxID int64
		if err := tx.QueryRow(ctx, sqlstore.LargestIDSQL("failed_checkins")).Scan(&maxID); err != nil {
			return fmt.Errorf("read the largest id: %w", err)
		}
		counts, err := startBulkCounts(ctx, tx) // rollup.go: the exact counts searches sum
		if err != nil {
			return err
		}
		chunk := make([][]any, 0, copyChunk)
		for r, err := range records {
			if err != nil {
				return fmt.Errorf("record %d: %w", n+len(chunk)+1, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			row, err := sqlstore.PrepareRow(r, now)
			if err != nil {
				return sqlstore.RecordError(n+len(chunk)+1, err)
			}
			id := r.ID
			if id == 0 {
				id = maxID + 1 // one past the largest ever given, or inserted since
			}
			maxID = max(maxID, id)
			chunk = append(chunk, sqlstore.FailedValues(dialect, id, row))
			counts.counts.Add(r)
			if len(chunk) == copyChunk {
				if err := copyRows(ctx, tx, n, chunk); err != nil {
					return err
				}
				n, chunk = n+len(chunk), chunk[:0]
				if err := counts.flushIfLarge(ctx, tx); err != nil {
					return err
				}
			}
		}
		if err := copyRows(ctx, tx, n, chunk); err != nil {
			return err
		}
		n += len(chunk)
		return counts.flush(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// copyRows sends one chunk with COPY inside a savepoint. When the chunk
// clashes with a stored record (or with itself), it rolls back to the
// savepoint and inserts the chunk row by row to name the first record at
// fault; before is the number of records written ahead of the chunk.
func copyRows(ctx context.Context, tx pgx.Tx, before int, chunk [][]any) error {
	if len(chunk) == 0 {
		return nil
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"failed_checkins"}, sqlstore.FailedColumns, pgx.CopyFromRows(chunk))
	if err == nil {
		return sp.Commit(ctx)
	}
	if !isUniqueViolation(err) {
		return fmt.Errorf("records %d-%d: copy: %w", before+1, before+len(chunk), err)
	}
	if rbErr := sp.Rollback(ctx); rbErr != nil {
		return fmt.Errorf("roll back to savepoint: %w", rbErr)
	}
	for i, values := range chunk {
		if _, err := tx.Exec(ctx, sqlstore.InsertFailedSQL, values...); err != nil {
			return insertError(before+i+1, values, err)
		}
	}
	return fmt.Errorf("records %d-%d: copy failed but row by row insert did not: %w", before+1, before+len(chunk), err)
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// insertError turns a unique violation into an ErrConflict naming the
// clashing Id or UniqueId; anything else is internal.
func insertError(pos int, values []any, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		switch pe.ConstraintName {
		case "failed_checkins_pkey":
			return sqlstore.IDConflict(pos, values[0].(int64), err)
		case "failed_checkins_unique_id_key":
			return sqlstore.UniqueIDConflict(pos, values[1].(string), err)
		}
	}
	return fmt.Errorf("record %d: insert: %w", pos, err)
}
