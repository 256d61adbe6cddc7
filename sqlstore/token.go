package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CreateTokens stores a new access token and refresh token, replacing the
// refresh token the user had for the same client id. Expired tokens of
// every user (expired at g.IssuedOn) are swept on the way, so the tables
// do not grow without bound.
func CreateTokens(ctx context.Context, d Dialect, tx Tx, g *fc.TokenGrant) error {
	for _, table := range []string{"access_tokens", "refresh_tokens"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE expires_on <= $1`, d.Accounts.Value(g.IssuedOn)); err != nil {
			return fmt.Errorf("sweep %s: %w", table, err)
		}
	}
	return insertGrant(ctx, d, tx, g)
}

func insertGrant(ctx context.Context, d Dialect, tx Tx, g *fc.TokenGrant) error {
	if _, err := tx.Exec(ctx, `INSERT INTO access_tokens (token_hash, user_id, client_id, expires_on) VALUES ($1, $2, $3, $4)`,
		g.AccessHash, g.UserID, g.ClientID, d.Accounts.Value(g.AccessExpiresOn)); err != nil {
		return fmt.Errorf("insert access token: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (token_hash, user_id, client_id, expires_on) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, client_id) DO UPDATE SET token_hash = excluded.token_hash, expires_on = excluded.expires_on`,
		g.RefreshHash, g.UserID, g.ClientID, d.Accounts.Value(g.RefreshExpiresOn)); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// RotateRefreshToken consumes the refresh token whose hash is refreshHash
// and stores next in its place, in tx, which the caller commits only when
// it returns nil: that error rolls the DELETE back, so a request with the
// wrong client id or for a disabled user leaves the token alone. DELETE
// ... RETURNING hands the row to exactly one of two concurrent callers
// (SQLite's single writer; PostgreSQL's row lock, on any servers). The
// token must be unexpired at now, belong to clientID ("" means the
// owner's folded email) and to an enabled user; otherwise the error is
// ErrNotFound.
func RotateRefreshToken(ctx context.Context, d Dialect, tx Tx, refreshHash, clientID string, now time.Time, next *fc.TokenGrant) (*fc.User, error) {
	notFound := fc.Errorf(fc.ErrNotFound, "no such refresh token")
	var userID int64
	var storedClient string
	err := tx.QueryRow(ctx, `DELETE FROM refresh_tokens WHERE token_hash = $1 AND expires_on > $2
		RETURNING user_id, client_id`, refreshHash, d.Accounts.Value(now)).Scan(&userID, &storedClient)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("consume refresh token: %w", err)
	}
	owner, err := FindUserByID(ctx, d, tx, userID)
	if err != nil {
		return nil, err
	}
	if clientID == "" {
		clientID = fc.DefaultClientID(owner.Email)
	}
	if !owner.Enabled || storedClient != clientID {
		return nil, notFound
	}
	next.UserID, next.ClientID = userID, storedClient
	if err := insertGrant(ctx, d, tx, next); err != nil {
		return nil, err
	}
	return owner, nil
}

// DeleteUserTokens revokes every access token, refresh token and console
// session of a user, in tx: whatever ends a user's API access (a new
// password, a disabled account) ends their signed-in browsers too, and
// enabling the account again brings none of them back (issue 18).
func DeleteUserTokens(ctx context.Context, tx Tx, userID int64) error {
	for _, table := range []string{"access_tokens", "refresh_tokens", "console_sessions"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("revoke %s: %w", table, err)
		}
	}
	return nil
}
