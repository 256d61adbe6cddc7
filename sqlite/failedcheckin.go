package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.FailedCheckinStore = (*DB)(nil)

// FindFailedCheckinByID returns the record with the given id, or an
// ErrNotFound error when it does not exist or lies outside scope (the two
// are indistinguishable on purpose).
func (db *DB) FindFailedCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.FailedCheckin, error) {
	notFound := fc.Errorf(fc.ErrNotFound, "no FailedCheckin with Id %d", id)
	if scope.Empty() {
		return nil, notFound
	}
	// One prepared statement by id, no count and no transaction (a single
	// SELECT reads one snapshot), with the scope inside it (getOneSQL).
	p, err := db.reads.get(ctx, db.reader)
	if err != nil {
		return nil, err
	}
	rows, err := p.getOne.QueryContext(ctx, id, scope.All(), scopeJSON(scope))
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read rows: %w", err)
		}
		return nil, notFound
	}
	r, err := scanRecord(rows)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindFailedCheckins returns the page q selects and the exact total, both
// read from one read transaction (sqlstore.FindFailedCheckins), through
// the search statements prepared once (readstmt.go).
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	return sqlstore.FindFailedCheckins(ctx, dialect, db.read, q)
}

// scanRecord reads one row of selectColumns (sqlstore.ScanFailedCheckin).
func scanRecord(rows *sql.Rows) (*fc.FailedCheckin, error) {
	return sqlstore.ScanFailedCheckin(dialect, rows.Scan)
}

// wallUnix reads the wall clock of t as if it were UTC: the storage form of
// CheckinAttemptTimeLocal, which has no zone of its own.
func wallUnix(t time.Time) int64 {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC).Unix()
}

// scopeJSON is the business ids of a restricted scope as a JSON array
// ("[]" for AllBusinesses, whose query does not read it).
func scopeJSON(scope fc.Scope) string {
	b := []byte{'['}
	for i, id := range scope.Businesses() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
