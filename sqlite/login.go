package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// RecordLoginFailure counts one failed sign-in of key at now in a single
// upsert, so concurrent failures on several servers are all counted. A
// counter whose last failure is before resetBefore starts again from one.
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now, resetBefore time.Time) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		var last int64
		err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (key, failures, last_failure) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN last_failure < ? THEN 1 ELSE failures + 1 END,
				last_failure = excluded.last_failure
			RETURNING failures, last_failure`, key, now.UnixMilli(), resetBefore.UnixMilli()).Scan(&f.Count, &last)
		if err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		f.Last = time.UnixMilli(last).UTC()
		return nil
	})
	return f, err
}

// FindLoginFailures returns the counters of key, zero when it has none.
func (db *DB) FindLoginFailures(ctx context.Context, key string) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT failures, last_failure FROM login_failures WHERE key = ?`, key).Scan(&f.Count, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read login failures: %w", err)
		}
		f.Last = time.UnixMilli(last).UTC()
		return nil
	})
	return f, err
}

// ClaimTOTPStep records step as the user's last two-factor step unless
// that step or a later one is already recorded, in one upsert: a conflict
// whose WHERE is false changes nothing, so no row changed means a replay.
func (db *DB) ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	var claimed bool
	err := db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO totp_steps (user_id, last_step) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET last_step = excluded.last_step
			WHERE totp_steps.last_step < excluded.last_step`, userID, step)
		if err != nil {
			return fmt.Errorf("claim TOTP step: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("claim TOTP step: %w", err)
		}
		claimed = n == 1
		return nil
	})
	return claimed, err
}

// ClearLoginFailures forgets the failures of key (after a good sign-in).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		return nil
	})
}
