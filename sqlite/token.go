package sqlite

import (
	"context"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// CreateTokens stores a new access and refresh token (sqlstore.CreateTokens).
func (db *DB) CreateTokens(ctx context.Context, g *fc.TokenGrant) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		return sqlstore.CreateTokens(ctx, dialect, tx, g)
	})
}

// RotateRefreshToken consumes a refresh token and stores next in its
// place, in one write transaction (sqlstore.RotateRefreshToken).
func (db *DB) RotateRefreshToken(ctx context.Context, refreshHash, clientID string, now time.Time, next *fc.TokenGrant) (*fc.User, error) {
	var owner *fc.User
	err := db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		var err error
		owner, err = sqlstore.RotateRefreshToken(ctx, dialect, tx, refreshHash, clientID, now, next)
		return err
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
	return sqlstore.FindUserByAccessToken(ctx, dialect, db.point(), accessHash, now)
}

// DeleteUserTokens revokes every token and console session of a user.
func (db *DB) DeleteUserTokens(ctx context.Context, userID int64) error {
	return db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		return sqlstore.DeleteUserTokens(ctx, tx, userID)
	})
}
