package sqlstore

import (
	"context"
	"fmt"

	fc "github.com/failedcheckins/failedcheckins"
)

// FindCheckinByID returns the check-in, or ErrNotFound when it does not
// exist or lies outside scope (indistinguishable on purpose); the scope
// is inside the query.
func FindCheckinByID(ctx context.Context, d Dialect, read ReadFunc, scope fc.Scope, id int64) (*fc.Checkin, error) {
	// Made only when needed: formatting it on every lookup cost about a
	// tenth of a webhook body's read (BenchmarkHTTP16Push/push profile).
	notFound := func() error { return fc.Errorf(fc.ErrNotFound, "no Checkin with Id %d", id) }
	if scope.Empty() {
		return nil, notFound()
	}
	where, args, err := Checkins.BuildWhere(d, fc.Query{Scope: scope, Conditions: []fc.Condition{fc.In(fc.FieldID, id)}})
	if err != nil {
		return nil, err
	}
	var found []*fc.Checkin
	err = read(ctx, func(tx Tx) error {
		found, err = queryCheckins(ctx, d, tx, "SELECT "+CheckinColumns+" FROM checkins"+where, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound()
	}
	return found[0], nil
}

// FindCheckins returns the page q selects and the exact total, both from
// the one snapshot read gives, under the rules of FindFailedCheckins.
func FindCheckins(ctx context.Context, d Dialect, read ReadFunc, q fc.Query) (*fc.CheckinPage, error) {
	page := &fc.CheckinPage{Records: []*fc.Checkin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	s, err := Checkins.BuildFind(d, q)
	if err != nil {
		return nil, err
	}
	err = read(ctx, func(tx Tx) error {
		if err := tx.QueryRow(ctx, s.Count, s.Args...).Scan(&page.TotalItems); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if q.Offset() >= page.TotalItems {
			return nil
		}
		args := append(s.Args[:len(s.Args):len(s.Args)], q.Size, q.Offset())
		page.Records, err = queryCheckins(ctx, d, tx, s.Page, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func queryCheckins(ctx context.Context, d Dialect, tx Tx, query string, args []any) ([]*fc.Checkin, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	out := []*fc.Checkin{}
	scanner := NewCheckinScanner(d)
	for rows.Next() {
		c, err := scanner.Scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}
