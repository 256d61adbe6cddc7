package sqlstore

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoRows is what Row.Scan returns when the query returned no row,
// whatever the driver (database/sql's sql.ErrNoRows, pgx's pgx.ErrNoRows).
var ErrNoRows = errors.New("sqlstore: no rows in result set")

// Tx is one transaction as the shared code runs it. Each store adapts its
// driver's transaction to it (sqlite/tx.go over database/sql,
// postgres/tx.go over pgx); the adapter is where the driver's own
// features live: statements prepared once (SQLite), plan modes and
// batches (pgx).
//
// Statements are written once for both databases. Placeholders are $1,
// $2, ... in order of first appearance (TestSharedPlaceholders):
// PostgreSQL reads them by number, and SQLite numbers a $NAME parameter
// by its first appearance, so both bind the same arguments to the same
// places with no rewriting of the text. Times are passed and scanned as
// the Dialect says.
type Tx interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// QueryRow runs a query that returns at most one row; its Scan
	// returns ErrNoRows when there was none.
	QueryRow(ctx context.Context, sql string, args ...any) Row
	// Query runs a query; the caller must Close the rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// WriteTx is a write transaction. Queue holds a statement whose result
// nobody reads until Flush (or commit, which flushes): pgx sends every
// queued statement in one round trip, SQLite runs them one after the
// other through its prepared statements. On both stores a read in between
// does not see what was queued, so the shared code behaves the same on
// both: it keeps in memory what its own queued writes change.
type WriteTx interface {
	Tx
	Queue(sql string, args ...any)
	// Flush runs what was queued, in order, and reports its first error.
	Flush(ctx context.Context) error
}

// Row is one row of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result of Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// ReadValue runs fn through read (a store's snapshot, pool or prepared
// lookups) and returns what fn returned: the one shape of a store method
// that reads one value.
func ReadValue[T any](ctx context.Context, read ReadFunc, fn func(tx Tx) (T, error)) (T, error) {
	var v T
	err := read(ctx, func(tx Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// ScanRows reads every row of rows with scan, and closes rows: the one
// loop of a query that returns a list. An error reading the rows is
// wrapped with what.
func ScanRows[T any](rows Rows, what string, scan func(Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
