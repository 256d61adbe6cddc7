package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// fault is what a PostgreSQL error says about its cause
// (sqlstore.Classify).
//
// The database's, passing with time or an operator: no connection (pgx
// cannot connect, the connection broke, SQLSTATE class 08), the server
// shutting down or restarting (57P01 admin_shutdown, 57P02
// crash_shutdown, 57P03 cannot_connect_now), insufficient resources
// (class 53: disk full, out of memory, too many connections), a lock not
// obtained within an operator's lock_timeout (55P03).
//
// The request's: text the database cannot store (22021 invalid byte
// sequence, such as invalid UTF-8 or a NUL; 22P05 untranslatable
// character), a value too long for its column (22001) or for an index row
// (54000 program_limit_exceeded).
func fault(err error) sqlstore.Fault {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return sqlstore.FaultOther // the caller's time ran out, not the database
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch c := pe.Code; {
		case strings.HasPrefix(c, "08"), strings.HasPrefix(c, "53"),
			c == "57P01", c == "57P02", c == "57P03", c == "55P03":
			return sqlstore.FaultUnavailable
		case c == "22021", c == "22P05", c == "22001", c == "54000":
			return sqlstore.FaultValue
		}
		return sqlstore.FaultOther
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		pgconn.SafeToRetry(err):
		return sqlstore.FaultUnavailable
	}
	// A connection the server closed (after 57P01, say) is reported by
	// pgx as "conn closed" with no type of its own.
	if strings.Contains(err.Error(), "conn closed") {
		return sqlstore.FaultUnavailable
	}
	return sqlstore.FaultOther
}

// classify marks an error of the database as the domain error of its
// fault: fc.ErrUnavailable (a 503) or fc.ErrInvalid (a 400).
func classify(err error) error { return sqlstore.Classify(err, fault) }
