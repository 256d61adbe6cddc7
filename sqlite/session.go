package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

var _ fc.ConsoleSessionStore = (*DB)(nil)

// CreateConsoleSession stores s and sweeps the sessions that expired
// before s was created.
func (db *DB) CreateConsoleSession(ctx context.Context, s *fc.ConsoleSession) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires_on <= ?`, s.CreatedOn.UnixMilli()); err != nil {
			return fmt.Errorf("sweep console sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO console_sessions (token_hash, user_id, created_on, expires_on) VALUES (?, ?, ?, ?)`,
			s.TokenHash, s.UserID, s.CreatedOn.UnixMilli(), s.ExpiresOn.UnixMilli()); err != nil {
			return fmt.Errorf("insert console session: %w", err)
		}
		return nil
	})
}

// FindUserByConsoleSession returns the owner of an unexpired session, or
// an ErrNotFound error.
func (db *DB) FindUserByConsoleSession(ctx context.Context, tokenHash string, now time.Time) (*fc.User, error) {
	return db.findUser(ctx, `SELECT `+userColumns+` FROM users WHERE id =
		(SELECT user_id FROM console_sessions WHERE token_hash = ? AND expires_on > ?)`, tokenHash, now.UnixMilli())
}

// DeleteConsoleSession ends one session.
func (db *DB) DeleteConsoleSession(ctx context.Context, tokenHash string) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, tokenHash); err != nil {
			return fmt.Errorf("delete console session: %w", err)
		}
		return nil
	})
}
