package sqlite

import (
	"errors"

	"github.com/mattn/go-sqlite3"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// fault is what an SQLite error says about its cause (sqlstore.Classify):
// a full disk (SQLITE_FULL, also what max_page_count gives), a lock held
// past busy_timeout, a failing or missing file and no memory are the
// database's, and pass with time or an operator; a string or blob over
// SQLite's size limit is the request's.
func fault(err error) sqlstore.Fault {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return sqlstore.FaultOther
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrCantOpen,
		sqlite3.ErrNomem, sqlite3.ErrReadonly, sqlite3.ErrProtocol:
		return sqlstore.FaultUnavailable
	case sqlite3.ErrTooBig:
		return sqlstore.FaultValue
	}
	return sqlstore.FaultOther
}

// classify marks an error of the database as the domain error of its
// fault: fc.ErrUnavailable (a 503) or fc.ErrInvalid (a 400).
func classify(err error) error { return sqlstore.Classify(err, fault) }
