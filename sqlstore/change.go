package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Changes carries out fc.RecordChangeStore for a store, inside the
// store's write transaction (under its write lock), so that both stores
// delete and rewrite records with the same statements and rules.
type Changes struct {
	Dialect Dialect
	// CountInGo says the store keeps its rollups in Go, beside the inserts
	// (SQLite): a change then subtracts what it removes and adds what it
	// writes here. Otherwise the database's triggers do (PostgreSQL,
	// migrations 0006 and 0009).
	CountInGo bool
}

// RecordChanges is fc.RecordChangeStore for a store: the Changes run
// in the store's own write transaction, which Write opens (under the
// records' write lock, so that the high-water mark a delete raises covers
// every Id given before it) and commits. Both stores embed it.
type RecordChanges struct {
	Changes Changes
	Write   func(ctx context.Context, fn func(tx Tx, now time.Time) (int, error)) (int, error)
}

// DeleteFailedCheckins deletes the records with these Ids in one write
// transaction.
func (r RecordChanges) DeleteFailedCheckins(ctx context.Context, ids []int64) (int, error) {
	return r.Write(ctx, func(tx Tx, _ time.Time) (int, error) { return r.Changes.DeleteFailedCheckins(ctx, tx, ids) })
}

// UpdateFailedCheckins rewrites the records with these Ids as change
// makes them, in one write transaction.
func (r RecordChanges) UpdateFailedCheckins(ctx context.Context, ids []int64, change func(*fc.FailedCheckin) error) (int, error) {
	return r.Write(ctx, func(tx Tx, now time.Time) (int, error) {
		return r.Changes.UpdateFailedCheckins(ctx, tx, ids, now, change)
	})
}

// DeleteCheckins deletes the accepted check-ins with these Ids in one
// write transaction.
func (r RecordChanges) DeleteCheckins(ctx context.Context, ids []int64) (int, error) {
	return r.Write(ctx, func(tx Tx, _ time.Time) (int, error) { return r.Changes.DeleteCheckins(ctx, tx, ids) })
}

// changeChunk is how many Ids go into one statement's IN list.
const changeChunk = 500

// DeleteFailedCheckins deletes the records with ids and returns how many
// there were. The high-water mark of Ids is raised first, so that an Id
// deleted at the top is never given again.
func (c Changes) DeleteFailedCheckins(ctx context.Context, tx Tx, ids []int64) (int, error) {
	return c.delete(ctx, tx, "failed_checkins", ids, func(chunk []int64) error {
		if !c.CountInGo {
			return nil
		}
		old, err := c.readFailedCheckins(ctx, tx, chunk)
		if err != nil {
			return err
		}
		counts := NewRollupCounts(c.Dialect)
		for _, r := range old {
			counts.Remove(r)
		}
		return counts.WriteChanges(ctx, c.Dialect, tx)
	})
}

// DeleteCheckins deletes the accepted check-ins with ids and returns how
// many there were (they have no rollups).
func (c Changes) DeleteCheckins(ctx context.Context, tx Tx, ids []int64) (int, error) {
	return c.delete(ctx, tx, "checkins", ids, func([]int64) error { return nil })
}

// delete raises table's high-water mark, then, per chunk of ids, calls
// before (which uncounts the records) and deletes them.
func (c Changes) delete(ctx context.Context, tx Tx, table string, ids []int64, before func([]int64) error) (int, error) {
	if _, err := tx.Exec(ctx, MarkLargestIDSQL(table)); err != nil {
		return 0, fmt.Errorf("mark the largest id: %w", err)
	}
	n := 0
	for chunk := range slices.Chunk(ids, changeChunk) {
		if err := before(chunk); err != nil {
			return 0, err
		}
		a := &args{d: c.Dialect}
		deleted, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+inIDs(a, "id", chunk), a.vals...)
		if err != nil {
			return 0, fmt.Errorf("delete from %s: %w", table, err)
		}
		n += int(deleted)
	}
	return n, nil
}

// UpdateFailedCheckins calls change with a copy of each record of ids,
// in Id order, and writes back those it altered, at now; see
// fc.RecordChangeStore.
func (c Changes) UpdateFailedCheckins(ctx context.Context, tx Tx, ids []int64, now time.Time,
	change func(*fc.FailedCheckin) error) (int, error) {
	ids = slices.Sorted(slices.Values(ids))
	ids = slices.Compact(ids)
	n := 0
	for chunk := range slices.Chunk(ids, changeChunk) {
		old, err := c.readFailedCheckins(ctx, tx, chunk)
		if err != nil {
			return 0, err
		}
		counts := NewRollupCounts(c.Dialect)
		for _, r := range old {
			upd := cloneRecord(r)
			if err := change(upd); err != nil {
				return 0, err
			}
			if reflect.DeepEqual(r, upd) {
				continue
			}
			if upd.ID != r.ID || upd.UniqueID != r.UniqueID || !upd.CreatedOn.Equal(r.CreatedOn) {
				return 0, fc.Errorf(fc.ErrInvalid, "a change may not alter the Id, UniqueId or CreatedOn of record %d", r.ID)
			}
			row, err := PrepareRow(upd, now)
			if err != nil {
				return 0, err
			}
			was, err := prepareOwnRow(r, now)
			if err != nil {
				return 0, err
			}
			query, args := c.updateStatement(was, row)
			if _, err := tx.Exec(ctx, query, args...); err != nil {
				return 0, fmt.Errorf("update record %d: %w", r.ID, err)
			}
			if c.CountInGo {
				counts.Remove(r)
				counts.Add(row.Counted(upd.ID)) // UpdatedOn as written
			}
			n++
		}
		if err := counts.WriteChanges(ctx, c.Dialect, tx); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// updatedColumns are the columns a rewrite sets: all but id, unique_id
// and created_on, which identify the record.
var updatedColumns = []string{
	"coworker_id", "coworker_full_name", "coworker_full_name_fold",
	"business_id", "business_name", "business_name_fold", "checkin_attempt_time", "source",
	"mac_addresses", "mac_addresses_fold", "teams", "teams_fold", "tariff", "tariff_fold",
	"description", "description_fold", "checkin_attempt_time_local", "updated_on",
	"updated_by", "updated_by_fold", "system_id", "system_id_fold", "reason", "reason_fold",
	"resolved_by_checkin_id", "resolved_on",
}

// updateStatement is the statement rewriting one record from was to
// row: it sets only the columns whose values differ, so the database
// rewrites only the indexes of those columns (SQLite updates every index
// of every column an UPDATE sets, changed or not: an erasure setting all
// of them took twice as long), then the id.
func (c Changes) updateStatement(was, row *NewRecord) (string, []any) {
	old, upd := c.updateArgs(was), c.updateArgs(row)
	a := &args{d: c.Dialect}
	var set []string
	for i, col := range updatedColumns {
		if !reflect.DeepEqual(old[i], upd[i]) {
			set = append(set, col+" = "+a.add(upd[i]))
		}
	}
	if len(set) == 0 { // only a difference the columns do not hold (a time's sub-second digits)
		set = append(set, "updated_on = "+a.add(upd[slices.Index(updatedColumns, "updated_on")]))
	}
	return `UPDATE failed_checkins SET ` + strings.Join(set, ", ") + ` WHERE id = ` + a.add(row.Record.ID), a.vals
}

// updateArgs returns the values of updatedColumns for row, its times encoded
// exactly as an insert encodes them (d.Records: whole seconds on SQLite,
// microseconds on PostgreSQL), so a rewrite never changes a time it was
// not asked to change.
func (c Changes) updateArgs(row *NewRecord) []any {
	r, t := row.Record, c.Dialect.Records
	return []any{
		r.CoworkerID, r.CoworkerFullName, row.CoworkerFullName,
		r.BusinessID, r.BusinessName, row.BusinessName, t.Value(r.CheckinAttemptTime), int64(r.Source),
		r.MacAddresses, row.MacAddresses, r.Teams, row.Teams, r.Tariff, row.Tariff,
		r.Description, row.Description, t.Wall(r.CheckinAttemptTimeLocal), t.Value(row.UpdatedOn),
		r.UpdatedBy, row.UpdatedBy, r.SystemID, row.SystemID, r.Reason, row.Reason,
		r.ResolvedByCheckinID, t.Optional(r.ResolvedOn),
	}
}

// readFailedCheckins returns the records of ids that exist, by Id, as
// the transaction sees them.
func (c Changes) readFailedCheckins(ctx context.Context, tx Tx, ids []int64) ([]*fc.FailedCheckin, error) {
	a := &args{d: c.Dialect}
	rows, err := tx.Query(ctx, `SELECT `+SelectColumns+` FROM failed_checkins WHERE id IN (`+list(a, ids)+`) ORDER BY id`, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("read the records: %w", err)
	}
	defer rows.Close()
	var out []*fc.FailedCheckin
	scanner := NewFailedCheckinScanner(c.Dialect)
	for rows.Next() {
		r, err := scanner.Scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("read the records: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the records: %w", err)
	}
	return out, nil
}

// cloneRecord copies r and what its pointers point to, so that a change
// to the copy leaves r as it was.
func cloneRecord(r *fc.FailedCheckin) *fc.FailedCheckin {
	cp := *r
	clone := func(p *string) *string {
		if p == nil {
			return nil
		}
		s := *p
		return &s
	}
	if r.CoworkerID != nil {
		id := *r.CoworkerID
		cp.CoworkerID = &id
	}
	if r.ResolvedByCheckinID != nil {
		id := *r.ResolvedByCheckinID
		cp.ResolvedByCheckinID = &id
	}
	if r.ResolvedOn != nil {
		on := *r.ResolvedOn
		cp.ResolvedOn = &on
	}
	cp.UpdatedBy, cp.SystemID, cp.Reason = clone(r.UpdatedBy), clone(r.SystemID), clone(r.Reason)
	return &cp
}
