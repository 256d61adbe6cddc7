package sqlite

import (
	"context"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// RecordLoginFailure counts one failed sign-in of key at now
// (sqlstore.RecordLoginFailure).
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now, resetBefore time.Time) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		var err error
		f, err = sqlstore.RecordLoginFailure(ctx, dialect, tx, key, now, resetBefore)
		return err
	})
	return f, err
}

// FindLoginFailures returns the counters of key, zero when it has none.
func (db *DB) FindLoginFailures(ctx context.Context, key string) (fc.LoginFailures, error) {
	var f fc.LoginFailures
	err := db.read(ctx, func(tx sqlstore.Tx) error {
		var err error
		f, err = sqlstore.FindLoginFailures(ctx, dialect, tx, key)
		return err
	})
	return f, err
}

// ClaimTOTPStep records step as the user's last two-factor step unless
// that step or a later one is already recorded (sqlstore.ClaimTOTPStep).
func (db *DB) ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	var claimed bool
	err := db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		var err error
		claimed, err = sqlstore.ClaimTOTPStep(ctx, tx, userID, step)
		return err
	})
	return claimed, err
}

// ClearLoginFailures forgets the failures of key (after a good sign-in).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		return sqlstore.ClearLoginFailures(ctx, tx, key)
	})
}
