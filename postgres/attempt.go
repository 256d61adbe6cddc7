package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlbuild"
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
		b := &attemptBatch{tx: tx, dir: dir, now: now}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM failed_checkins`).Scan(&b.maxID); err != nil {
			return fmt.Errorf("read the largest id: %w", err)
		}
		for i, a := range attempts {
			out, err := b.record(ctx, a)
			if code := fc.ErrorCode(err); code != "" && code != fc.ErrInvalid && code != fc.ErrConflict {
				return fmt.Errorf("attempt %d: %w", i+1, err)
			}
			results[i] = fc.AttemptResult{Outcome: out, Err: err}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// attemptBatch is the state of one RecordAttempts transaction. pgx
// prepares each statement once per connection and caches it.
type attemptBatch struct {
	tx    pgx.Tx
	dir   *fc.Directory
	now   time.Time
	maxID int64 // the largest FailedCheckin Id so far
}

// record judges one attempt and writes its record and idempotency key.
func (b *attemptBatch) record(ctx context.Context, a *fc.Attempt) (*fc.Outcome, error) {
	if k := a.Idempotency; k != nil {
		if out, found, err := b.replay(ctx, k); found || err != nil {
			return out, err
		}
	}
	count := func(coworker int64, from, until time.Time) (int, error) {
		var n int
		err := b.tx.QueryRow(ctx, `SELECT count(*) FROM checkins WHERE coworker_id = $1 AND from_time >= $2 AND from_time < $3`,
			coworker, from, until).Scan(&n)
		return n, err
	}
	v, err := fc.Evaluate(b.dir, a, count)
	if err != nil {
		return nil, err
	}
	out := &fc.Outcome{Accepted: v.Accepted(), Reason: v.Reason, Description: v.Description}
	if out.Accepted {
		out.ID, err = b.insertCheckin(ctx, v.Checkin(a))
	} else {
		out.ID, err = b.insertFailed(ctx, v.FailedCheckin(a))
	}
	if err != nil {
		return nil, err
	}
	if k := a.Idempotency; k != nil {
		_, err = b.tx.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, fingerprint, accepted, record_id, reason, description, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, accepted = excluded.accepted,
			record_id = excluded.record_id, reason = excluded.reason, description = excluded.description, created_on = excluded.created_on`,
			k.UserID, k.Key, k.Fingerprint, out.Accepted, out.ID, out.Reason, out.Description, b.now)
		if err != nil {
			return nil, fmt.Errorf("remember the idempotency key: %w", err)
		}
	}
	return out, nil
}

// replay returns the stored outcome of a key seen within the window; the
// same key with another request is an ErrConflict.
func (b *attemptBatch) replay(ctx context.Context, k *fc.IdempotencyKey) (*fc.Outcome, bool, error) {
	var fingerprint string
	var created time.Time
	out := &fc.Outcome{}
	err := b.tx.QueryRow(ctx, `SELECT fingerprint, accepted, record_id, reason, description, created_on
		FROM idempotency_keys WHERE user_id = $1 AND key = $2`, k.UserID, k.Key).
		Scan(&fingerprint, &out.Accepted, &out.ID, &out.Reason, &out.Description, &created)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read the idempotency key: %w", err)
	case !created.After(b.now.Add(-fc.IdempotencyWindow)):
		return nil, false, nil // expired: the key starts afresh
	case fingerprint != k.Fingerprint:
		return nil, true, fc.Errorf(fc.ErrConflict, "This Idempotency-Key was already used with a different request.")
	}
	return out, true, nil
}

// insertFailed writes a refusal with the next Id (one past the largest,
// SQLite's rule; the write lock makes it safe).
func (b *attemptBatch) insertFailed(ctx context.Context, r *fc.FailedCheckin) (int64, error) {
	row, err := sqlbuild.PrepareRow(r, b.now)
	if err != nil {
		return 0, fmt.Errorf("failed check-in record: %v", err) // our own record: a bug, never the client's 400
	}
	id := b.maxID + 1
	if _, err := b.tx.Exec(ctx, insertOne, rowValues(id, row)...); err != nil {
		return 0, fmt.Errorf("insert failed check-in: %w", err)
	}
	b.maxID = id
	return id, nil
}

// insertCheckin writes an accepted check-in and returns its Id.
func (b *attemptBatch) insertCheckin(ctx context.Context, c *fc.Checkin) (int64, error) {
	var to, toLocal *time.Time
	if c.ToTime != nil {
		t := c.ToTime.UTC()
		to = &t
	}
	if c.ToTimeLocal != nil {
		t := wallClock(*c.ToTimeLocal)
		toLocal = &t
	}
	var id int64
	err := b.tx.QueryRow(ctx, insertCheckin,
		uuid.NewString(), c.CoworkerID, c.CoworkerFullName, fc.Fold(c.CoworkerFullName), c.BusinessID, c.BusinessName, fc.Fold(c.BusinessName),
		int64(c.Source), c.FromTime.UTC(), to, wallClock(c.FromTimeLocal), toLocal, c.MacAddresses, fc.Fold(c.MacAddresses),
		c.Teams, fc.Fold(c.Teams), c.Tariff, fc.Fold(c.Tariff), b.now, b.now,
		c.UpdatedBy, foldOptional(c.UpdatedBy), c.SystemID, foldOptional(c.SystemID)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert check-in: %w", err)
	}
	return id, nil
}

const insertCheckin = `INSERT INTO checkins (
	unique_id, coworker_id, coworker_full_name, coworker_full_name_fold, business_id, business_name, business_name_fold,
	source, from_time, to_time, from_time_local, to_time_local, mac_addresses, mac_addresses_fold, teams, teams_fold,
	tariff, tariff_fold, created_on, updated_on, updated_by, updated_by_fold, system_id, system_id_fold
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
RETURNING id`

func foldOptional(s *string) string {
	if s == nil {
		return ""
	}
	return fc.Fold(*s)
}

// purgeKeys deletes expired idempotency keys, at most once a minute per
// server.
func (db *DB) purgeKeys(ctx context.Context, tx pgx.Tx, now time.Time) error {
	db.dir.mu.Lock()
	due := now.Sub(db.dir.purged) >= time.Minute
	if due {
		db.dir.purged = now
	}
	db.dir.mu.Unlock()
	if !due {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_on <= $1`, now.Add(-fc.IdempotencyWindow)); err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	return nil
}
