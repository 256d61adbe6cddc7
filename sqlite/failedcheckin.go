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
// read from one snapshot. An empty scope returns nothing without a query;
// a page past the end is empty but still carries the total.
func (db *DB) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	page := &fc.FailedCheckinPage{Records: []*fc.FailedCheckin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	if _, err := buildFind(q); err != nil {
		return nil, err // a bad field or filter, before any statement runs
	}
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		// sqlstore/run.go: names narrowed to their businesses, exact totals
		// from the rollups, deep pages by seek.
		ptx := db.searchTx(tx) // statements prepared once (readstmt.go)
		d, run := dialect, sqlstore.RunIntsOf(db.readTx(tx))
		q, err := sqlstore.Narrow(ctx, d, run, q)
		if err != nil {
			return err
		}
		if page.TotalItems, err = sqlstore.CountMatching(ctx, d, run, q); err != nil {
			return err
		}
		if q.Offset() >= page.TotalItems {
			return nil
		}
		st, err := sqlstore.PageStatement(ctx, d, run, q)
		if err != nil {
			return err
		}
		page.Records, err = queryRecords(ctx, ptx, st.SQL, st.Args)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func queryRecords(ctx context.Context, q rowsQueryer, query string, args []any) ([]*fc.FailedCheckin, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	records := []*fc.FailedCheckin{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return records, nil
}

// rowsQueryer is what queryRecords needs: a read transaction, or the
// reader pool for a single statement.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
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
