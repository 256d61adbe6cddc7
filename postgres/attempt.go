package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.AttemptStore = (*DB)(nil)

// RecordAttempts judges and records a batch of attempts in one
// transaction (one commit for the batch: group commit).
//
// The monthly limit must hold when several servers judge attempts of the
// same coworker at once. Each batch first takes the records' write lock
// (a transaction-scoped advisory lock, the one imports take to assign
// FailedCheckin Ids as SQLite does), then counts, judges and inserts, and
// releases it at commit. Every count therefore sees every check-in
// accepted before it, by any server, and no two batches interleave. A
// per-coworker lock would let batches of different coworkers run side by
// side, but the Id rule already needs the one lock, and with group commit
// one lock per batch (not per attempt) costs little.
func (db *DB) RecordAttempts(ctx context.Context, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	results := make([]fc.AttemptResult, len(attempts))
	err := db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLock)); err != nil {
			return fmt.Errorf("lock for writing: %w", err)
		}
		dir, err := db.loadDirectory(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.purgeKeys(ctx, tx, now); err != nil {
			return err
		}
		b := &attemptBatch{tx: tx, dir: dir, now: now, writes: &pgx.Batch{},
			stored: map[monthKey]int{}, accepted: map[int64][]time.Time{}, keys: map[keyID]*keyed{}}
		err = tx.QueryRow(ctx, `SELECT (`+sqlstore.LargestIDSQL("failed_checkins")+`), (`+sqlstore.LargestIDSQL("checkins")+`)`).
			Scan(&b.maxFailed, &b.maxCheckin)
		if err != nil {
			return fmt.Errorf("read the largest ids: %w", err)
		}
		for i, a := range attempts {
			out, err := b.record(ctx, a)
			if code := fc.ErrorCode(err); code != "" && code != fc.ErrInvalid && code != fc.ErrConflict {
				return fmt.Errorf("attempt %d: %w", i+1, err)
			}
			results[i] = fc.AttemptResult{Outcome: out, Err: err}
		}
		if err := tx.SendBatch(ctx, b.writes).Close(); err != nil {
			return fmt.Errorf("write the batch: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// attemptBatch is the state of one RecordAttempts transaction. Reads
// happen as the attempts are judged (an idempotency key not seen in this
// batch, the first count of a coworker's month); every write is queued and
// sent in one round trip at the end (pgx.Batch), so a batch costs a few
// round trips rather than two or three per attempt. Ids are assigned here,
// one past the largest, which the write lock makes safe.
type attemptBatch struct {
	tx         pgx.Tx
	dir        *fc.Directory
	now        time.Time
	writes     *pgx.Batch
	maxFailed  int64 // the largest FailedCheckin Id so far
	maxCheckin int64 // the largest Checkin Id so far
	// stored caches the database's count of a coworker's check-ins in a
	// month; the batch's own check-ins are queued, not yet in the table,
	// so accepted keeps their FromTimes and count adds those in range (a
	// month starts at different instants in different zones, so a count
	// keyed by the month's start alone would miss the other zones').
	stored   map[monthKey]int
	accepted map[int64][]time.Time // coworker -> FromTime of each check-in accepted by this batch
	keys     map[keyID]*keyed      // idempotency keys written by this batch
}

type monthKey struct {
	coworker    int64
	from, until int64 // Unix seconds of the month's bounds
}

type keyID struct {
	user int64
	key  string
}

// keyed is a remembered answer, as stored in idempotency_keys.
type keyed struct {
	fingerprint string
	created     time.Time
	out         fc.Outcome
}

// record judges one attempt and writes its record and idempotency key.
func (b *attemptBatch) record(ctx context.Context, a *fc.Attempt) (*fc.Outcome, error) {
	if k := a.Idempotency; k != nil {
		if out, found, err := b.replay(ctx, k); found || err != nil {
			return out, err
		}
	}
	v, err := fc.Evaluate(b.dir, a, func(coworker int64, from, until time.Time) (int, error) {
		return b.count(ctx, coworker, from, until)
	})
	if err != nil {
		return nil, err
	}
	out := &fc.Outcome{Accepted: v.Accepted(), Reason: v.Reason, Description: v.Description}
	if out.Accepted {
		out.ID = b.insertCheckin(v.Checkin(a))
		b.accepted[v.Coworker.ID] = append(b.accepted[v.Coworker.ID], a.FromTime)
	} else if out.ID, err = b.insertFailed(v.FailedCheckin(a)); err != nil {
		return nil, err
	}
	if k := a.Idempotency; k != nil {
		b.keys[keyID{k.UserID, k.Key}] = &keyed{fingerprint: k.Fingerprint, created: b.now, out: *out}
		b.writes.Queue(`INSERT INTO idempotency_keys (user_id, key, fingerprint, accepted, record_id, reason, description, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, accepted = excluded.accepted,
			record_id = excluded.record_id, reason = excluded.reason, description = excluded.description, created_on = excluded.created_on`,
			k.UserID, k.Key, k.Fingerprint, out.Accepted, out.ID, out.Reason, out.Description, b.now)
	}
	return out, nil
}

// count is the monthly limit's count: the check-ins stored in
// [from, until) (read once per batch) plus those this batch accepted then.
func (b *attemptBatch) count(ctx context.Context, coworker int64, from, until time.Time) (int, error) {
	k := monthKey{coworker, from.Unix(), until.Unix()}
	n, ok := b.stored[k]
	if !ok {
		err := b.tx.QueryRow(ctx, `SELECT count(*) FROM checkins WHERE coworker_id = $1 AND from_time >= $2 AND from_time < $3`,
			coworker, from, until).Scan(&n)
		if err != nil {
			return 0, err
		}
		b.stored[k] = n
	}
	for _, t := range b.accepted[coworker] {
		if !t.Before(from) && t.Before(until) {
			n++
		}
	}
	return n, nil
}

// replay returns the stored outcome of a key seen within the window; the
// same key with another request is an ErrConflict.
func (b *attemptBatch) replay(ctx context.Context, k *fc.IdempotencyKey) (*fc.Outcome, bool, error) {
	stored, ok := b.keys[keyID{k.UserID, k.Key}]
	if !ok {
		stored = &keyed{}
		o := &stored.out
		err := b.tx.QueryRow(ctx, `SELECT fingerprint, accepted, record_id, reason, description, created_on
			FROM idempotency_keys WHERE user_id = $1 AND key = $2`, k.UserID, k.Key).
			Scan(&stored.fingerprint, &o.Accepted, &o.ID, &o.Reason, &o.Description, &stored.created)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, false, nil
		case err != nil:
			return nil, false, fmt.Errorf("read the idempotency key: %w", err)
		}
	}
	switch {
	case !stored.created.After(b.now.Add(-fc.IdempotencyWindow)):
		return nil, false, nil // expired: the key starts afresh
	case stored.fingerprint != k.Fingerprint:
		return nil, true, fc.Errorf(fc.ErrConflict, "This Idempotency-Key was already used with a different request.")
	}
	out := stored.out
	out.Replayed = true
	return &out, true, nil
}

// insertFailed queues a refusal with the next Id (one past the largest,
// SQLite's rule; the write lock makes it safe).
func (b *attemptBatch) insertFailed(r *fc.FailedCheckin) (int64, error) {
	row, err := sqlstore.PrepareRow(r, b.now)
	if err != nil {
		return 0, fmt.Errorf("failed check-in record: %v", err) // our own record: a bug, never the client's 400
	}
	b.maxFailed++
	b.writes.Queue(insertOne, rowValues(b.maxFailed, row)...)
	return b.maxFailed, nil
}

// insertCheckin queues an accepted check-in with the next Id.
func (b *attemptBatch) insertCheckin(c *fc.Checkin) int64 {
	var to, toLocal *time.Time
	if c.ToTime != nil {
		t := c.ToTime.UTC()
		to = &t
	}
	if c.ToTimeLocal != nil {
		t := wallClock(*c.ToTimeLocal)
		toLocal = &t
	}
	b.maxCheckin++
	b.writes.Queue(insertCheckin, b.maxCheckin,
		sqlstore.NewUniqueID(), c.CoworkerID, c.CoworkerFullName, fc.Fold(c.CoworkerFullName), c.BusinessID, c.BusinessName, fc.Fold(c.BusinessName),
		int64(c.Source), c.FromTime.UTC(), to, wallClock(c.FromTimeLocal), toLocal, c.MacAddresses, fc.Fold(c.MacAddresses),
		c.Teams, fc.Fold(c.Teams), c.Tariff, fc.Fold(c.Tariff), b.now, b.now,
		c.UpdatedBy, foldOptional(c.UpdatedBy), c.SystemID, foldOptional(c.SystemID))
	return b.maxCheckin
}

const insertCheckin = `INSERT INTO checkins (
	id, unique_id, coworker_id, coworker_full_name, coworker_full_name_fold, business_id, business_name, business_name_fold,
	source, from_time, to_time, from_time_local, to_time_local, mac_addresses, mac_addresses_fold, teams, teams_fold,
	tariff, tariff_fold, created_on, updated_on, updated_by, updated_by_fold, system_id, system_id_fold
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`

func foldOptional(s *string) string {
	if s == nil {
		return ""
	}
	return fc.Fold(*s)
}

// purgeKeys deletes expired idempotency keys, at most once a minute per
// server.
func (db *DB) purgeKeys(ctx context.Context, tx pgx.Tx, now time.Time) error {
	if !db.dir.PurgeDue(now) {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_on <= $1`, now.Add(-fc.IdempotencyWindow)); err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	return nil
}
