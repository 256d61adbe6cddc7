package postgres

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.CheckinStore = (*DB)(nil)

// FindCheckinByID returns the check-in, or ErrNotFound when it does not
// exist or lies outside scope (indistinguishable on purpose).
func (db *DB) FindCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.Checkin, error) {
	notFound := fc.Errorf(fc.ErrNotFound, "no Checkin with Id %d", id)
	if scope.Empty() {
		return nil, notFound
	}
	where, args, err := sqlstore.Checkins.BuildWhere(sqlstore.PostgreSQL(), fc.Query{Scope: scope, Conditions: []fc.Condition{fc.In(fc.FieldID, id)}})
	if err != nil {
		return nil, err
	}
	found, err := queryCheckins(ctx, db.pool, "SELECT "+sqlstore.CheckinColumns+" FROM checkins"+where, args)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound
	}
	return found[0], nil
}

// FindCheckins returns the page q selects and the exact total from one
// repeatable-read snapshot, under the rules of FindFailedCheckins.
func (db *DB) FindCheckins(ctx context.Context, q fc.Query) (*fc.CheckinPage, error) {
	page := &fc.CheckinPage{Records: []*fc.Checkin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	s, err := sqlstore.Checkins.BuildFind(sqlstore.PostgreSQL(), q)
	if err != nil {
		return nil, err
	}
	tx, err := db.pool.BeginTx(ctx, db.searchTx)
	if err != nil {
		return nil, db.beginError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := tx.QueryRow(ctx, s.Count, s.Args...).Scan(&page.TotalItems); err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	if q.Offset() < page.TotalItems {
		args := append(s.Args[:len(s.Args):len(s.Args)], q.Size, q.Offset())
		if page.Records, err = queryCheckins(ctx, tx, s.Page, args); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("end read: %w", err)
	}
	return page, nil
}

func queryCheckins(ctx context.Context, q rowQuerier, query string, args []any) ([]*fc.Checkin, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	out := []*fc.Checkin{}
	for rows.Next() {
		var c fc.Checkin
		var source int64
		var from, created, updated time.Time
		var to *time.Time
		err := rows.Scan(&c.ID, &c.UniqueID, &c.CoworkerID, &c.CoworkerFullName, &c.BusinessID, &c.BusinessName,
			&source, &from, &to, &c.FromTimeLocal, &c.ToTimeLocal, &c.MacAddresses, &c.Teams, &c.Tariff,
			&created, &updated, &c.UpdatedBy, &c.SystemID)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		c.Source = fc.Source(source)
		c.FromTime, c.CreatedOn, c.UpdatedOn = from.UTC(), created.UTC(), updated.UTC()
		if to != nil {
			t := to.UTC()
			c.ToTime = &t
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}
