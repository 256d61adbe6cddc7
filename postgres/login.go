package postgres

import (
	"context"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// Each of these is one statement, run on the pool (db.pooled): a
// transaction around it would only add round trips.

// RecordLoginFailure counts one failed sign-in of key at now
// (sqlstore.RecordLoginFailure).
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now, resetBefore time.Time) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.pooled(ctx, func(tx sqlstore.Tx) error {
		var err error
		f, err = sqlstore.RecordLoginFailure(ctx, dialect, tx, key, now, resetBefore)
		return err
	})
	return f, err
}

// ClaimTOTPStep records step as the user's last two-factor step unless
// that step or a later one is already recorded (sqlstore.ClaimTOTPStep).
func (db *DB) ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	var claimed bool
	err := db.pooled(ctx, func(tx sqlstore.Tx) error {
		var err error
		claimed, err = sqlstore.ClaimTOTPStep(ctx, tx, userID, step)
		return err
	})
	return claimed, err
}

// FindLoginFailures returns the counters of key, zero when it has none.
func (db *DB) FindLoginFailures(ctx context.Context, key string) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.pooled(ctx, func(tx sqlstore.Tx) error {
		var err error
		f, err = sqlstore.FindLoginFailures(ctx, dialect, tx, key)
		return err
	})
	return f, err
}

// ClearLoginFailures forgets the failures of key (after a good sign-in).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	return db.pooled(ctx, func(tx sqlstore.Tx) error {
		return sqlstore.ClearLoginFailures(ctx, tx, key)
	})
}
