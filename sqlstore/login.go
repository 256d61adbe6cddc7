package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// RecordLoginFailure counts one failed sign-in of key at now in a single
// upsert, so concurrent failures on several servers are all counted (the
// conflicting row is locked and updated in turn). A counter whose last
// failure is before resetBefore starts again from one.
func RecordLoginFailure(ctx context.Context, d Dialect, tx Tx, key string, now, resetBefore time.Time) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := tx.QueryRow(ctx, `INSERT INTO login_failures AS lf (key, failures, last_failure) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN lf.last_failure < $3 THEN 1 ELSE lf.failures + 1 END,
			last_failure = excluded.last_failure
		RETURNING failures, last_failure`, key, d.Accounts.Value(now), d.Accounts.Value(resetBefore)).Scan(&f.Count, d.Accounts.Dest(&f.Last))
	if err != nil {
		return fc.LoginFailures{}, fmt.Errorf("record login failure: %w", err)
	}
	return f, nil
}

// FindLoginFailures returns the counters of key, zero when it has none.
func FindLoginFailures(ctx context.Context, d Dialect, tx Tx, key string) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := tx.QueryRow(ctx, `SELECT failures, last_failure FROM login_failures WHERE key = $1`, key).Scan(&f.Count, d.Accounts.Dest(&f.Last))
	if errors.Is(err, ErrNoRows) {
		return fc.LoginFailures{}, nil
	}
	if err != nil {
		return fc.LoginFailures{}, fmt.Errorf("read login failures: %w", err)
	}
	return f, nil
}

// ClaimTOTPStep records step as the user's last two-factor step unless
// that step or a later one is already recorded, in one upsert: a conflict
// whose WHERE is false changes nothing, so no row changed means a replay.
// The conflicting row is locked, so of two servers claiming the same step
// one updates and the other sees the new value and changes nothing.
func ClaimTOTPStep(ctx context.Context, tx Tx, userID, step int64) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO totp_steps AS t (user_id, last_step) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET last_step = excluded.last_step
		WHERE t.last_step < excluded.last_step`, userID, step)
	if err != nil {
		return false, fmt.Errorf("claim TOTP step: %w", err)
	}
	return n == 1, nil
}

// ClearLoginFailures forgets the failures of key (after a good sign-in).
func ClearLoginFailures(ctx context.Context, tx Tx, key string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
