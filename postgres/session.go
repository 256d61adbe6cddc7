package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
)

var _ fc.ConsoleSessionStore = (*DB)(nil)

// CreateConsoleSession stores s and sweeps the sessions that expired
// before s was created. Times keep whole milliseconds, as the sqlite
// store's do.
func (db *DB) CreateConsoleSession(ctx context.Context, s *fc.ConsoleSession) error {
	return db.withTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		if _, err := tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires_on <= $1`, millis(s.CreatedOn)); err != nil {
			return fmt.Errorf("sweep console sessions: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO console_sessions (token_hash, user_id, created_on, expires_on) VALUES ($1, $2, $3, $4)`,
			s.TokenHash, s.UserID, millis(s.CreatedOn), millis(s.ExpiresOn)); err != nil {
			return fmt.Errorf("insert console session: %w", err)
		}
		return nil
	})
}

// FindUserByConsoleSession returns the owner of an unexpired session, or
// an ErrNotFound error. The lookup is by index on the hash.
func (db *DB) FindUserByConsoleSession(ctx context.Context, tokenHash string, now time.Time) (*fc.User, error) {
	return scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id =
		(SELECT user_id FROM console_sessions WHERE token_hash = $1 AND expires_on > $2)`, tokenHash, millis(now)))
}

// DeleteConsoleSession ends one session.
func (db *DB) DeleteConsoleSession(ctx context.Context, tokenHash string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}
