package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

var _ fc.AttemptStore = (*DB)(nil)

// attemptStatements are the statements of one batch, bound to its
// transaction.
type attemptStatements struct {
	count, insertCheckin, insertFailed, getKey, putKey, version, largestIDs *sql.Stmt
	counts                                                                  *rollupCounter // rollup.go: counts of the failed check-ins inserted
	// The largest Ids ever given (sqlstore.LargestIDSQL), read once per
	// batch: each new record gets the next one explicitly, never SQLite's
	// choice for a NULL rowid, which would reuse a deleted newest Id.
	maxFailed, maxCheckin int64
	// months caches the monthly limit's counts read in this batch, kept
	// current as the batch inserts check-ins: a device retrying, or one
	// coworker's several doors, asks for the same count within a batch.
	months map[int64][]monthCount // by coworker; nil until the first count
}

// monthCount is a coworker's number of check-ins in [from, until), Unix
// seconds: count(*) as it stands in the batch's transaction.
type monthCount struct {
	from, until int64
	n           int
}

// RecordAttempts judges and records a batch of attempts in one write
// transaction: one fsync for the whole batch (group commit). Attempts are
// judged in order, so the monthly limit counts the check-ins accepted
// earlier in the same batch; the single writer connection serialises
// batches, so the limit holds under any concurrency.
func (db *DB) RecordAttempts(ctx context.Context, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	results := make([]fc.AttemptResult, len(attempts))
	stmts, err := db.attemptStmts.statements(ctx, db.writer)
	if err != nil {
		return nil, err
	}
	err = db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		st := bind(ctx, tx, stmts)
		defer st.close()
		var version int64
		if err := st.version.QueryRowContext(ctx).Scan(&version); err != nil {
			return fmt.Errorf("read the directory version: %w", err)
		}
		if err := st.largestIDs.QueryRowContext(ctx).Scan(&st.maxFailed, &st.maxCheckin); err != nil {
			return fmt.Errorf("read the largest ids: %w", err)
		}
		dir, err := db.directoryAt(ctx, tx, version)
		if err != nil {
			return err
		}
		db.purgeKeys(ctx, tx, now)
		for i, a := range attempts {
			out, err := st.record(ctx, dir, a, now)
			if code := fc.ErrorCode(err); code != "" && code != fc.ErrInvalid && code != fc.ErrConflict {
				return fmt.Errorf("attempt %d: %w", i+1, err)
			}
			results[i] = fc.AttemptResult{Outcome: out, Err: err}
		}
		return st.counts.flushWith(ctx, tx, stmts[rollupStatement:])
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// bind returns the statements of one batch, bound to its transaction.
func bind(ctx context.Context, tx *sql.Tx, stmts []*sql.Stmt) *attemptStatements {
	st := &attemptStatements{counts: newRollupCounter()}
	for i, dst := range []**sql.Stmt{&st.count, &st.insertCheckin, &st.insertFailed, &st.getKey, &st.putKey, &st.version, &st.largestIDs} {
		*dst = tx.StmtContext(ctx, stmts[i])
	}
	return st
}

func (st *attemptStatements) close() {
	for _, s := range []*sql.Stmt{st.count, st.insertCheckin, st.insertFailed, st.getKey, st.putKey, st.largestIDs} {
		if s != nil {
			s.Close()
		}
	}
}

// record judges one attempt and writes its record and idempotency key.
func (st *attemptStatements) record(ctx context.Context, dir *fc.Directory, a *fc.Attempt, now time.Time) (*fc.Outcome, error) {
	if k := a.Idempotency; k != nil {
		if out, found, err := st.replay(ctx, k, now); found || err != nil {
			return out, err
		}
	}
	v, err := fc.Evaluate(dir, a, func(coworker int64, from, until time.Time) (int, error) {
		return st.monthCount(ctx, coworker, from.Unix(), until.Unix())
	})
	if err != nil {
		return nil, err
	}
	out := &fc.Outcome{Accepted: v.Accepted(), Reason: v.Reason, Description: v.Description}
	if out.Accepted {
		c := v.Checkin(a)
		if out.ID, err = st.insertCheckinRow(ctx, c, now); err == nil {
			st.countCheckin(c.CoworkerID, c.FromTime.Unix())
		}
	} else {
		out.ID, err = st.insertFailedRow(ctx, v.FailedCheckin(a), now)
	}
	if err != nil {
		return nil, err
	}
	if k := a.Idempotency; k != nil {
		_, err = st.putKey.ExecContext(ctx, k.UserID, k.Key, k.Fingerprint, out.Accepted, out.ID, out.Reason, out.Description, now.Unix())
		if err != nil {
			return nil, fmt.Errorf("remember the idempotency key: %w", err)
		}
	}
	return out, nil
}

// monthCount returns the count of the monthly limit, read once per batch
// for each coworker and month.
func (st *attemptStatements) monthCount(ctx context.Context, coworker, from, until int64) (int, error) {
	for _, m := range st.months[coworker] {
		if m.from == from && m.until == until {
			return m.n, nil
		}
	}
	var n int
	if err := st.count.QueryRowContext(ctx, coworker, from, until).Scan(&n); err != nil {
		return 0, err
	}
	if st.months == nil {
		st.months = map[int64][]monthCount{}
	}
	st.months[coworker] = append(st.months[coworker], monthCount{from, until, n})
	return n, nil
}

// countCheckin adds a check-in just inserted to the cached counts whose
// range holds it, as count(*) would now see it.
func (st *attemptStatements) countCheckin(coworker, fromTime int64) {
	months := st.months[coworker]
	for i := range months {
		if m := &months[i]; m.from <= fromTime && fromTime < m.until {
			m.n++
		}
	}
}

// replay returns the stored outcome of a key seen within the window; the
// same key with another request is an ErrConflict.
func (st *attemptStatements) replay(ctx context.Context, k *fc.IdempotencyKey, now time.Time) (*fc.Outcome, bool, error) {
	var fingerprint string
	var created int64
	out := &fc.Outcome{Replayed: true}
	err := st.getKey.QueryRowContext(ctx, k.UserID, k.Key).Scan(&fingerprint, &out.Accepted, &out.ID, &out.Reason, &out.Description, &created)
	switch {
	case err == sql.ErrNoRows:
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read the idempotency key: %w", err)
	case created <= now.Add(-fc.IdempotencyWindow).Unix():
		return nil, false, nil // expired: the key starts afresh
	case fingerprint != k.Fingerprint:
		return nil, true, fc.Errorf(fc.ErrConflict, "This Idempotency-Key was already used with a different request.")
	}
	return out, true, nil
}

func (st *attemptStatements) insertFailedRow(ctx context.Context, r *fc.FailedCheckin, now time.Time) (int64, error) {
	args, err := insertArgs(r, now)
	if err != nil {
		return 0, fmt.Errorf("failed check-in record: %v", err) // our own record: a bug, never the client's 400
	}
	args[0] = st.maxFailed + 1
	if _, err := st.insertFailed.ExecContext(ctx, args...); err != nil {
		return 0, fmt.Errorf("insert failed check-in: %w", err)
	}
	st.counts.Add(r)
	st.maxFailed++
	return st.maxFailed, nil
}

// purgeKeys deletes expired idempotency keys, at most once a minute.
func (db *DB) purgeKeys(ctx context.Context, tx *sql.Tx, now time.Time) {
	if db.dir.PurgeDue(now) {
		// Best effort: a failure only leaves old rows for the next purge.
		tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_on <= ?`, now.Add(-fc.IdempotencyWindow).Unix())
	}
}
