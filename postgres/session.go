package postgres

import (
	"context"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.ConsoleSessionStore = (*DB)(nil)

// CreateConsoleSession stores s and sweeps the expired sessions
// (sqlstore.CreateConsoleSession).
func (db *DB) CreateConsoleSession(ctx context.Context, s *fc.ConsoleSession) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		return sqlstore.CreateConsoleSession(ctx, dialect, tx, s)
	})
}

// FindUserByConsoleSession returns the owner of an unexpired session, or
// an ErrNotFound error (sqlstore.FindUserByConsoleSession). One statement
// on the pool: no transaction around it.
func (db *DB) FindUserByConsoleSession(ctx context.Context, tokenHash string, now time.Time) (*fc.User, error) {
	var u *fc.User
	err := db.pooled(ctx, func(tx sqlstore.Tx) error {
		var err error
		u, err = sqlstore.FindUserByConsoleSession(ctx, dialect, tx, tokenHash, now)
		return err
	})
	return u, err
}

// DeleteConsoleSession ends one session, in one statement on the pool.
func (db *DB) DeleteConsoleSession(ctx context.Context, tokenHash string) error {
	return db.pooled(ctx, func(tx sqlstore.Tx) error {
		return sqlstore.DeleteConsoleSession(ctx, tx, tokenHash)
	})
}
