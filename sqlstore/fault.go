package sqlstore

import (
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
