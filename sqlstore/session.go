package sqlstore

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CreateConsoleSession stores s and sweeps the sessions that expired
// before s was created. Times keep whole milliseconds on both stores
// (Dialect.Accounts).
func CreateConsoleSession(ctx context.Context, d Dialect, tx Tx, s *fc.ConsoleSession) error {
	if _, err := tx.Exec(ctx, `DELETE FROM console_sessions WHERE expires_on <= $1`, d.Accounts.Value(s.CreatedOn)); err != nil {
		return fmt.Errorf("sweep console sessions: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO console_sessions (token_hash, user_id, created_on, expires_on) VALUES ($1, $2, $3, $4)`,
		s.TokenHash, s.UserID, d.Accounts.Value(s.CreatedOn), d.Accounts.Value(s.ExpiresOn)); err != nil {
		return fmt.Errorf("insert console session: %w", err)
	}
	return nil
}

// FindUserByConsoleSession returns the owner of an unexpired session, or
// an ErrNotFound error. The lookup is by index on the hash.
func FindUserByConsoleSession(ctx context.Context, d Dialect, tx Tx, tokenHash string, now time.Time) (*fc.User, error) {
	return ScanUser(d, tx.QueryRow(ctx, `SELECT `+UserColumns+` FROM users WHERE id =
		(SELECT user_id FROM console_sessions WHERE token_hash = $1 AND expires_on > $2)`, tokenHash, d.Accounts.Value(now)))
}

// DeleteConsoleSession ends one session.
func DeleteConsoleSession(ctx context.Context, tx Tx, tokenHash string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}
