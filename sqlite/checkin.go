package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.CheckinStore = (*DB)(nil)

const insertCheckin = `INSERT INTO checkins (
	id, unique_id, coworker_id, coworker_full_name, coworker_full_name_fold, business_id, business_name, business_name_fold,
	source, from_time, to_time, from_time_local, to_time_local, mac_addresses, mac_addresses_fold, teams, teams_fold,
	tariff, tariff_fold, created_on, updated_on, updated_by, updated_by_fold, system_id, system_id_fold
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertCheckinRow writes a new check-in made by the service at now and
// returns its Id.
func (st *attemptStatements) insertCheckinRow(ctx context.Context, c *fc.Checkin, now time.Time) (int64, error) {
	var to, toLocal any
	if c.ToTime != nil {
		to = c.ToTime.Unix()
	}
	if c.ToTimeLocal != nil {
		toLocal = wallUnix(*c.ToTimeLocal)
	}
	_, err := st.insertCheckin.ExecContext(ctx, st.maxCheckin+1,
		sqlstore.NewUniqueID(), c.CoworkerID, c.CoworkerFullName, fc.Fold(c.CoworkerFullName), c.BusinessID, c.BusinessName, fc.Fold(c.BusinessName),
		int64(c.Source), c.FromTime.Unix(), to, wallUnix(c.FromTimeLocal), toLocal, c.MacAddresses, fc.Fold(c.MacAddresses),
		c.Teams, fc.Fold(c.Teams), c.Tariff, fc.Fold(c.Tariff), now.Unix(), now.Unix(),
		optional(c.UpdatedBy), foldOptional(c.UpdatedBy), optional(c.SystemID), foldOptional(c.SystemID))
	if err != nil {
		return 0, fmt.Errorf("insert check-in: %w", err)
	}
	st.maxCheckin++
	return st.maxCheckin, nil
}

func foldOptional(s *string) string {
	if s == nil {
		return ""
	}
	return fc.Fold(*s)
}

// FindCheckinByID returns the check-in, or ErrNotFound when it does not
// exist or lies outside scope (indistinguishable on purpose).
func (db *DB) FindCheckinByID(ctx context.Context, scope fc.Scope, id int64) (*fc.Checkin, error) {
	notFound := fc.Errorf(fc.ErrNotFound, "no Checkin with Id %d", id)
	if scope.Empty() {
		return nil, notFound
	}
	where, args, err := sqlstore.Checkins.BuildWhere(sqlstore.SQLite(), fc.Query{Scope: scope, Conditions: []fc.Condition{fc.In(fc.FieldID, id)}})
	if err != nil {
		return nil, err
	}
	var found []*fc.Checkin
	err = db.withReadTx(ctx, func(tx *sql.Tx) error {
		found, err = queryCheckins(ctx, tx, "SELECT "+sqlstore.CheckinColumns+" FROM checkins"+where, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound
	}
	return found[0], nil
}

// FindCheckins returns the page q selects and the exact total from one
// snapshot, under the rules of FindFailedCheckins.
func (db *DB) FindCheckins(ctx context.Context, q fc.Query) (*fc.CheckinPage, error) {
	page := &fc.CheckinPage{Records: []*fc.Checkin{}}
	if q.Scope.Empty() {
		return page, nil
	}
	if q.Size < 1 {
		return nil, fc.Errorf(fc.ErrInvalid, "the page size must be at least 1")
	}
	s, err := sqlstore.Checkins.BuildFind(sqlstore.SQLite(), q)
	if err != nil {
		return nil, err
	}
	err = db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.Count, s.Args...).Scan(&page.TotalItems); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if q.Offset() >= page.TotalItems {
			return nil
		}
		args := append(s.Args[:len(s.Args):len(s.Args)], q.Size, q.Offset())
		page.Records, err = queryCheckins(ctx, tx, s.Page, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func queryCheckins(ctx context.Context, tx *sql.Tx, query string, args []any) ([]*fc.Checkin, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	out := []*fc.Checkin{}
	for rows.Next() {
		var c fc.Checkin
		var to, toLocal sql.NullInt64
		var updatedBy, systemID sql.NullString
		var from, fromLocal, created, updated int64
		err := rows.Scan(&c.ID, &c.UniqueID, &c.CoworkerID, &c.CoworkerFullName, &c.BusinessID, &c.BusinessName,
			&c.Source, &from, &to, &fromLocal, &toLocal, &c.MacAddresses, &c.Teams, &c.Tariff,
			&created, &updated, &updatedBy, &systemID)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		c.FromTime, c.FromTimeLocal, c.CreatedOn, c.UpdatedOn = fromUnix(from), fromUnix(fromLocal), fromUnix(created), fromUnix(updated)
		c.ToTime, c.ToTimeLocal = nullTime(to), nullTime(toLocal)
		c.UpdatedBy, c.SystemID = nullString(updatedBy), nullString(systemID)
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}

func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromUnix(n.Int64)
	return &t
}
