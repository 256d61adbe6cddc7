package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CreateTokens stores a new access token and refresh token, replacing the
// refresh token the user had for the same client id. Expired tokens of
// every user (expired at g.IssuedOn) are swept on the way, so the tables do not grow without bound.
func (db *DB) CreateTokens(ctx context.Context, g *fc.TokenGrant) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if err := sweepExpired(ctx, tx, g.IssuedOn); err != nil {
			return err
		}
		return insertGrant(ctx, tx, g)
	})
}

func insertGrant(ctx context.Context, tx *sql.Tx, g *fc.TokenGrant) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (token_hash, user_id, client_id, expires_on) VALUES (?, ?, ?, ?)`,
		g.AccessHash, g.UserID, g.ClientID, g.AccessExpiresOn.UnixMilli()); err != nil {
		return fmt.Errorf("insert access token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, user_id, client_id, expires_on) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, client_id) DO UPDATE SET token_hash = excluded.token_hash, expires_on = excluded.expires_on`,
		g.RefreshHash, g.UserID, g.ClientID, g.RefreshExpiresOn.UnixMilli()); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

func sweepExpired(ctx context.Context, tx *sql.Tx, now time.Time) error {
	for _, table := range []string{"access_tokens", "refresh_tokens"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_on <= ?`, now.UnixMilli()); err != nil {
			return fmt.Errorf("sweep %s: %w", table, err)
		}
	}
	return nil
}

// RotateRefreshToken consumes the refresh token whose hash is refreshHash
// and stores next in its place, in one write transaction: the DELETE ...
// RETURNING hands the row to exactly one of two concurrent callers. The
// token must be unexpired at now, belong to clientID ("" means the owner's
// folded email) and to an enabled user; otherwise nothing changes and the
// error is ErrNotFound.
func (db *DB) RotateRefreshToken(ctx context.Context, refreshHash, clientID string, now time.Time, next *fc.TokenGrant) (*fc.User, error) {
	var owner *fc.User
	notFound := fc.Errorf(fc.ErrNotFound, "no such refresh token")
	err := db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		var userID int64
		var storedClient string
		err := tx.QueryRowContext(ctx, `DELETE FROM refresh_tokens WHERE token_hash = ? AND expires_on > ?
			RETURNING user_id, client_id`, refreshHash, now.UnixMilli()).Scan(&userID, &storedClient)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return fmt.Errorf("consume refresh token: %w", err)
		}
		owner, err = db.scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID))
		if err != nil {
			return err
		}
		if clientID == "" {
			clientID = fc.DefaultClientID(owner.Email)
		}
		// Returning an error rolls the DELETE back: a request with the
		// wrong client id or for a disabled user leaves the token alone.
		if !owner.Enabled || storedClient != clientID {
			return notFound
		}
		next.UserID, next.ClientID = userID, storedClient
		return insertGrant(ctx, tx, next)
	})
	if err != nil {
		return nil, err
	}
	return owner, nil
}

// FindUserByAccessToken returns the owner of the access token whose hash is
// accessHash when the token is unexpired at now, or an ErrNotFound error.
// The lookup is by index on the hash, so no secret is compared in Go.
// It runs on every authenticated request, so it is one prepared statement
// (readstmt.go) outside a transaction: a single SELECT reads one snapshot
// anyway, and BEGIN and COMMIT would be two more calls into SQLite.
func (db *DB) FindUserByAccessToken(ctx context.Context, accessHash string, now time.Time) (*fc.User, error) {
	p, err := db.reads.get(ctx, db.reader)
	if err != nil {
		return nil, err
	}
	return db.scanUser(p.tokenUser.QueryRowContext(ctx, accessHash, now.UnixMilli()))
}

// DeleteUserTokens revokes every access and refresh token of a user.
func (db *DB) DeleteUserTokens(ctx context.Context, userID int64) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		for _, table := range []string{"access_tokens", "refresh_tokens"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = ?`, userID); err != nil {
				return fmt.Errorf("revoke %s: %w", table, err)
			}
		}
		return nil
	})
}
