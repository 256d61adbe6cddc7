package sqlstore

import (
	"context"
	"fmt"

	fc "github.com/failedcheckins/failedcheckins"
)

// Fault is what a database error says about its cause, as each store's
// driver reports it (sqlite/errors.go, postgres/errors.go); Classify turns
// it into the domain's error codes, the same for both stores.
type Fault int

const (
	// FaultOther is any other error: a bug, or a cause nobody classified.
	FaultOther Fault = iota
	// FaultUnavailable: the database itself cannot serve now (unreachable,
	// restarting, out of disk, memory or connections, a lock held too
	// long). Trying again later may succeed: a 503 with Retry-After.
	FaultUnavailable
	// FaultValue: the database refused a value of the request (text it
	// cannot store, a value over its size limits). The input's fault: a 400.
	FaultValue
)

// Client-safe messages of the classified errors: never the driver's text,
// which may quote SQL, hosts or file names.
const (
	msgUnavailable = "The database is temporarily unavailable; try again later."
	msgValue       = "A value of the request cannot be stored: it is not valid text or it is too long."
)

// Classify returns err wrapped in the domain error its fault calls for:
// fc.ErrUnavailable or fc.ErrInvalid, the cause kept for the log
// (errors.Is and errors.As still see it). An error that already carries a
// domain code, and an unclassified one, is returned as it is.
func Classify(err error, fault func(error) Fault) error {
	if err == nil || fc.ErrorCode(err) != fc.ErrInternal {
		return err
	}
	switch fault(err) {
	case FaultUnavailable:
		return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, msgUnavailable), err)
	case FaultValue:
		return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrInvalid, msgValue), err)
	}
	return err
}

// ClassifiedTx returns tx with every error it reports passed through
// Classify. The stores' transaction helpers classify what their function
// returns; lookups that run straight on a pool or on prepared statements
// (the bearer-token check of every request, get-one, the directory) have
// no such helper around them, and an outage there was an internal error.
func ClassifiedTx(tx Tx, fault func(error) Fault) Tx {
	return classifiedTx{tx, fault}
}

type classifiedTx struct {
	tx    Tx
	fault func(error) Fault
}

func (t classifiedTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	n, err := t.tx.Exec(ctx, query, args...)
	return n, Classify(err, t.fault)
}

func (t classifiedTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return classifiedRow{t.tx.QueryRow(ctx, query, args...), t.fault}
}

func (t classifiedTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, Classify(err, t.fault)
	}
	return classifiedRows{rows, t.fault}, nil
}

type classifiedRow struct {
	row   Row
	fault func(error) Fault
}

func (r classifiedRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if err == ErrNoRows {
		return err
	}
	return Classify(err, r.fault)
}

type classifiedRows struct {
	Rows
	fault func(error) Fault
}

func (r classifiedRows) Scan(dest ...any) error { return Classify(r.Rows.Scan(dest...), r.fault) }
func (r classifiedRows) Err() error             { return Classify(r.Rows.Err(), r.fault) }
